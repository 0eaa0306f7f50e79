"""Serving attachments: headers that keep every file inert, and the write-up's visibility rules
on every path (download, thumbnail, upload page, delete, restore, purge, history download)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.attachments import files


@pytest.fixture
def attached(db_session, author_and_experience):
    """A write-up in ``state`` with one attachment per ``kind`` added through the operation."""
    from kb.attachments.operations import Upload, add_attachment
    from kb.db import commit

    def make(state="publiee", uploads=None):
        author, experience = author_and_experience(state=state)
        made = []
        for data, title, alt in uploads or [(files.pdf(), "Rapport", "")]:
            made.append(add_attachment(experience, author,
                                       Upload(data=data, title=title, alt_text=alt)))
        commit()
        return author, experience, made

    return make


def _url(attachment, suffix=None) -> str:
    from kb.attachments.views import download_name

    base = f"/experiences/{attachment.experience_id}/pieces-jointes/{attachment.id}"
    return f"{base}/{suffix or download_name(attachment)}"


def test_a_document_is_a_download_with_strict_headers(client, attached):
    _author, _experience, [attachment] = attached(uploads=[(files.pdf(), "Cahier des charges",
                                                            "")])
    response = client.get(_url(attachment))
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF-")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "cahier-des-charges.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_pdf_with_javascript_is_stored_but_never_inline(client, attached):
    _author, _experience, [attachment] = attached(
        uploads=[(files.pdf(javascript="app.alert('x')"), "Piégé", "")])
    assert "JavaScript" in attachment.extraction_note
    response = client.get(_url(attachment))
    assert response.status_code == 200 and b"/JavaScript" in response.data
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_an_image_is_inline_and_has_a_thumbnail(client, attached):
    _author, _experience, [photo] = attached(
        uploads=[(files.jpeg_with_gps((800, 600)), "La classe", "Élèves en classe")])
    response = client.get(_url(photo))
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    thumb = client.get(_url(photo, "apercu"))
    assert thumb.status_code == 200 and thumb.mimetype == "image/webp"
    assert max(Image.open(io.BytesIO(thumb.data)).size) <= 480


def test_the_gallery_shows_thumbnails_with_alt_text_and_the_documents(client, attached,
                                                                       text_of):
    _author, experience, (doc, photo) = attached(uploads=[
        (files.pdf(), "Délibération du conseil", ""),
        (files.png(), "Atelier robotique", "Deux élèves programment un robot"),
    ])
    page = text_of(client.get(f"/experiences/{experience.id}-{experience.slug}"))
    assert 'alt="Deux élèves programment un robot"' in page
    assert _url(photo, "apercu") in page
    assert _url(doc) in page and "Délibération du conseil" in page


def test_a_draft_attachment_is_404_to_those_who_may_not_see_the_draft(
        client, attached, login_as, create_user):
    author, experience, [attachment] = attached(state="brouillon")
    assert client.get(_url(attachment)).status_code == 404  # anonymous
    login_as("contributeur")  # another organisation
    assert client.get(_url(attachment)).status_code == 404
    assert client.get(_url(attachment, "apercu")).status_code == 404
    login_as(user=author)
    assert client.get(_url(attachment)).status_code == 200
    login_as("moderateur")
    assert client.get(_url(attachment)).status_code == 200


def test_an_attachment_is_only_served_under_its_own_write_up(client, attached,
                                                             create_experience):
    _author, _experience, [attachment] = attached()
    other = create_experience(title="Une autre fiche")
    response = client.get(f"/experiences/{other.id}/pieces-jointes/{attachment.id}/x.pdf")
    assert response.status_code == 404


def test_changing_attachments_needs_edit_rights(client, attached, login_as, upload):
    author, experience, [attachment] = attached()
    base = f"/experiences/{experience.id}/pieces-jointes"
    assert client.get(base).status_code in (302, 401)  # sign-in first
    login_as("contributeur")
    assert client.get(base).status_code == 403
    assert upload(experience.id, files.pdf()).status_code == 403
    assert client.post(f"{base}/{attachment.id}/supprimer").status_code == 403
    login_as("analyste")
    assert client.get(base).status_code == 403


def test_a_deleted_attachment_is_404_except_from_the_history_for_admins(
        client, attached, login_as):
    from kb.attachments.operations import remove_attachment
    from kb.db import commit

    author, experience, [attachment] = attached()
    remove_attachment(attachment, experience, author)
    commit()
    history_url = f"/experiences/{experience.id}/historique/pieces-jointes/{attachment.id}"
    assert client.get(_url(attachment)).status_code == 404
    login_as(user=author)
    assert client.get(_url(attachment)).status_code == 404
    assert client.get(history_url).status_code == 404
    login_as("moderateur")
    assert client.get(history_url).status_code == 404
    login_as("admin")
    assert client.get(_url(attachment)).status_code == 404
    response = client.get(history_url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_only_admins_purge_and_a_purged_file_is_gone(client, attached, login_as,
                                                     attachments_of, uploads_dir):
    from kb.attachments.operations import remove_attachment
    from kb.db import commit

    author, experience, [attachment] = attached()
    remove_attachment(attachment, experience, author)
    commit()
    purge_url = f"/experiences/{experience.id}/pieces-jointes/{attachment.id}/purger"
    login_as(user=author)
    assert client.post(purge_url).status_code == 403
    login_as("admin")
    assert client.post(purge_url).status_code == 303
    assert attachments_of(experience.id)[0].purged_at is not None
    assert not (uploads_dir / attachment.storage_key).exists()
    login_as(user=author)
    restore_url = f"/experiences/{experience.id}/pieces-jointes/{attachment.id}/restaurer"
    assert client.post(restore_url).status_code == 404


def test_purge_keeps_a_file_another_attachment_still_uses(attached, create_user, uploads_dir):
    from kb.attachments.operations import purge_attachments, remove_attachment
    from kb.db import commit

    same = files.pdf("même contenu")
    author, experience, (first, second) = attached(uploads=[(same, "Un", ""), (same, "Deux", "")])
    assert first.storage_key == second.storage_key
    remove_attachment(first, experience, author)
    assert purge_attachments(create_user(role="admin")) == 1
    commit()
    assert (uploads_dir / second.storage_key).exists()


def test_kb_attachments_purge_and_check(runner, attached, attachments_of, uploads_dir):
    from kb.attachments.operations import remove_attachment
    from kb.db import commit

    author, experience, (kept, removed) = attached(
        uploads=[(files.pdf("gardé"), "Gardé", ""), (files.pdf("supprimé"), "Supprimé", "")])
    remove_attachment(removed, experience, author)
    commit()
    result = runner.invoke(args=["attachments", "purge", "--yes"])
    assert result.exit_code == 0 and "1 pièce jointe purgée." in result.output
    assert not (uploads_dir / removed.storage_key).exists()
    assert (uploads_dir / kept.storage_key).exists()
    assert runner.invoke(args=["attachments", "check"]).exit_code == 0
    (uploads_dir / kept.storage_key).unlink()
    result = runner.invoke(args=["attachments", "check"])
    assert result.exit_code == 1 and kept.storage_key in result.output
