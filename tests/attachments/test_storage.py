"""The storage backends behind one interface: a local folder and an S3-compatible store,
the latter against a real local S3 server (moto in server mode, over HTTP), not a mock."""

from __future__ import annotations

import re
import socket

import pytest

from kb.attachments.storage import LocalStorage, S3Storage, StorageError, storage_from_url
from tests.attachments import files


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    """A moto S3 server on a free local port for this module, with a bucket ``kb-test``."""
    moto_server = pytest.importorskip(
        "moto.server", reason="moto[server] is not installed: the S3 backend is not tested")
    import boto3

    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test"
                 ).create_bucket(Bucket="kb-test")
    yield endpoint
    server.stop()


def _s3_url(endpoint: str, prefix: str = "") -> str:
    return (f"s3://kb-test/{prefix}?endpoint_url={endpoint}&region=us-east-1"
            "&access_key=test&secret_key=test")


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_both_backends_keep_files_by_key(backend, tmp_path, request):
    if backend == "local":
        storage = storage_from_url(f"file://{tmp_path}", tmp_path / "unused")
        assert isinstance(storage, LocalStorage)
    else:
        storage = storage_from_url(_s3_url(request.getfixturevalue("s3_server"), "site-a"), "")
        assert isinstance(storage, S3Storage)
    assert not storage.exists("files/abc")
    storage.put("files/abc", b"contenu", "application/pdf")
    assert storage.exists("files/abc") and storage.get("files/abc") == b"contenu"
    assert list(storage.keys()) == ["files/abc"]
    storage.delete("files/abc")
    assert not storage.exists("files/abc")
    with pytest.raises(KeyError):
        storage.get("files/abc")


def test_the_local_store_refuses_keys_leaving_its_folder(tmp_path):
    storage = LocalStorage(tmp_path / "uploads")
    with pytest.raises(StorageError):
        storage.put("../evil", b"x")


def test_an_unknown_storage_url_is_refused(tmp_path):
    with pytest.raises(StorageError, match="KB_STORAGE_URL"):
        storage_from_url("ftp://example.org/x", tmp_path)


def test_uploads_and_downloads_go_through_s3_when_configured(
        s3_server, prepared_database, tmp_path, create_user, create_experience):
    """The whole path on S3: upload page, file in the bucket (content-addressed), download."""
    import io

    import boto3

    from tests.conftest import _empty_mutable_tables, make_app

    application = make_app(prepared_database, str(tmp_path / "index"),
                           STORAGE_URL=_s3_url(s3_server, "uploads"))
    try:
        client = application.test_client()
        with application.app_context():
            from kb.db import get_session

            session = get_session()
            from kb.accounts.models import Organisation, User

            organisation = Organisation(name="Commune S3", kind="commune",
                                        territory_code="C23096")
            session.add(organisation)
            session.flush()
            author = User(email="s3@test.example.org", name="S3", password_hash="!",
                          role="contributeur", organisation_id=organisation.id, active=True,
                          approved=True)
            session.add(author)
            session.commit()
            experience_id = _published(session, organisation)
            author_id = author.get_id()
        with client.session_transaction() as sess:
            sess["_user_id"] = author_id
        response = client.post(f"/experiences/{experience_id}/pieces-jointes", data={
            "file": (io.BytesIO(files.pdf("Stocké dans S3")), "s3.pdf"), "title": "Sur S3"},
            content_type="multipart/form-data")
        assert response.status_code == 303, response.get_data(as_text=True)
        s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket="kb-test",
                                                            Prefix="uploads/")["Contents"]]
        assert len(keys) == 1 and keys[0].startswith("uploads/files/")
        page = client.get(f"/experiences/{experience_id}/pieces-jointes").get_data(as_text=True)
        link = re.search(r'href="(/experiences/\d+/pieces-jointes/\d+/sur-s3\.pdf)"', page)
        download = client.get(link.group(1))
        assert download.status_code == 200 and download.data.startswith(b"%PDF-")
        assert not (tmp_path / "uploads").exists()  # nothing went to the local folder
    finally:
        _empty_mutable_tables(application)
        application.extensions["kb.engine"].dispose()


def _published(session, organisation) -> int:
    from kb.experiences.models import Experience

    experience = Experience(title="Fiche S3", slug="fiche-s3", summary="S3",
                            organisation_id=organisation.id, territory_code="C23096",
                            state="publiee", evidence="aucune")
    session.add(experience)
    session.commit()
    return experience.id
