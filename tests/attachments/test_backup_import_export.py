"""Attachments in the open data (record, API, export: no personal data), ``kb import
--attachments DIR`` (files from a local folder only), and ``kb backup``/``kb restore`` with
the files, checked by SHA-256."""

from __future__ import annotations

import json

import pytest

from tests.attachments import files
from tests.conftest import make_app


def _attach(author, experience, data, title, alt=""):
    from kb.attachments.operations import Upload, add_attachment
    from kb.db import commit

    attachment = add_attachment(experience, author, Upload(data=data, title=title, alt_text=alt,
                                                           description="Version votée"))
    commit()
    return attachment


def test_records_list_attachments_without_personal_data(client, author_and_experience):
    author, experience = author_and_experience()
    pdf = _attach(author, experience, files.pdf(), "Délibération")
    removed = _attach(author, experience, files.docx(), "Ancien rapport")
    from kb.attachments.operations import remove_attachment
    from kb.db import commit

    remove_attachment(removed, experience, author)
    commit()
    record = client.get(f"/api/v1/experiences/{experience.id}").get_json()
    [item] = record["attachments"]
    assert item == {
        "title": "Délibération", "description": "Version votée", "type": "pdf",
        "media_type": "application/pdf", "size_bytes": pdf.size_bytes,
        "url": f"http://localhost/experiences/{experience.id}/pieces-jointes/{pdf.id}/"
               "deliberation.pdf",
        "licence": "Licence Ouverte Etalab 2.0",
    }
    assert client.get(item["url"].removeprefix("http://localhost")).status_code == 200
    export = client.get("/export.json").get_data(as_text=True)
    assert "deliberation.pdf" in export and author.email not in export
    assert "Ancien rapport" not in export
    csv_export = client.get("/export.csv").get_data(as_text=True)
    assert f"/pieces-jointes/{pdf.id}/deliberation.pdf" in csv_export


def _record(title="Fiche importée avec pièces", **extra) -> dict:
    return {"title": title, "summary": "Importée.", "territory": {"code": "C23096"},
            "organisation": {"name": "Commune importatrice", "kind": "commune"},
            "themes": ["equipement"], **extra}


def test_import_takes_attachment_files_from_a_local_folder(runner, tmp_path, attachments_of,
                                                           db_session, uploads_dir):
    from sqlalchemy import select

    from kb.experiences.models import Experience

    folder = tmp_path / "pieces"
    folder.mkdir()
    (folder / "cahier.pdf").write_bytes(files.pdf("Cahier importé"))
    (folder / "photo.jpg").write_bytes(files.jpeg_with_gps())
    source = tmp_path / "fiches.json"
    source.write_text(json.dumps([_record(attachments=[
        {"title": "Cahier des charges", "url": "https://ailleurs.example/x/cahier.pdf"},
        {"title": "La classe", "file": "photo.jpg", "alt_text": "Élèves en classe"},
    ])]))
    result = runner.invoke(args=["import", str(source), "--attachments", str(folder)])
    assert result.exit_code == 0, result.output
    experience = db_session.scalars(select(Experience)).one()
    found = attachments_of(experience.id)
    assert [(a.title, a.kind) for a in found] == [("Cahier des charges", "pdf"),
                                                  ("La classe", "jpeg")]
    assert b"TestCam" not in (uploads_dir / found[1].storage_key).read_bytes()  # EXIF gone


@pytest.mark.parametrize(("item", "message"), [
    ({"title": "Absent", "file": "absent.pdf"}, "fichier absent"),
    ({"title": "Évasion", "file": "../secret.pdf"}, "nom de fichier invalide"),
    ({"title": "Programme", "file": "prog.pdf"}, "programme exécutable"),
])
def test_import_refuses_a_record_whose_files_are_missing_or_refused(runner, tmp_path, item,
                                                                    message, db_session):
    from sqlalchemy import func, select

    from kb.experiences.models import Experience

    folder = tmp_path / "pieces"
    folder.mkdir()
    (tmp_path / "secret.pdf").write_bytes(files.pdf())
    (folder / "prog.pdf").write_bytes(files.renamed_executable())
    source = tmp_path / "fiches.json"
    source.write_text(json.dumps([_record(attachments=[item])]))
    result = runner.invoke(args=["import", str(source), "--attachments", str(folder)])
    assert result.exit_code == 1
    assert message in result.output
    assert db_session.scalar(select(func.count(Experience.id))) == 0


def test_backup_and_restore_carry_the_files_and_check_them(app, runner, author_and_experience,
                                                           prepared_database, backend,
                                                           tmp_path, uploads_dir):
    author, experience = author_and_experience()
    pdf = _attach(author, experience, files.pdf("Le caribou sauvegardé"), "Rapport")
    photo = _attach(author, experience, files.png(), "Photo", alt="Une photo")
    backup_dir = tmp_path / "backup"
    options = [] if backend == "sqlite" else ["--format", "json"]
    result = runner.invoke(args=["backup", str(backup_dir), *options])
    assert result.exit_code == 0, result.output
    assert "3 fichiers de pièces jointes" in result.output  # 2 files and 1 thumbnail
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert f"attachments/{pdf.storage_key}" in manifest["files"]

    target = make_app(f"sqlite:///{tmp_path / 'restored.sqlite3'}", str(tmp_path / "idx2"),
                      STORAGE_URL=f"file://{tmp_path / 'restored-uploads'}")
    try:
        with target.app_context():
            result = target.test_cli_runner().invoke(args=["restore", str(backup_dir)])
        assert result.exit_code == 0, result.output
        restored = tmp_path / "restored-uploads"
        assert (restored / pdf.storage_key).read_bytes() == (uploads_dir / pdf.storage_key
                                                             ).read_bytes()
        assert (restored / photo.thumbnail_key).is_file()
        client = target.test_client()
        url = f"/experiences/{experience.id}/pieces-jointes/{pdf.id}/rapport.pdf"
        assert client.get(url).data.startswith(b"%PDF-")
        found = client.get("/api/v1/experiences?q=caribou").get_json()["results"]
        assert [r["id"] for r in found] == [experience.id]
    finally:
        target.extensions["kb.engine"].dispose()


def test_restore_refuses_a_changed_attachment_file(app, runner, author_and_experience,
                                                   tmp_path):
    author, experience = author_and_experience()
    pdf = _attach(author, experience, files.pdf(), "Rapport")
    backup_dir = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup_dir), "--format", "json"]).exit_code == 0
    (backup_dir / "attachments" / pdf.storage_key).write_bytes(files.pdf("falsifié"))
    target = make_app(f"sqlite:///{tmp_path / 'restored.sqlite3'}", str(tmp_path / "idx2"),
                      STORAGE_URL=f"file://{tmp_path / 'restored-uploads'}")
    try:
        with target.app_context():
            result = target.test_cli_runner().invoke(args=["restore", str(backup_dir)])
        assert result.exit_code != 0
        assert "abîmée" in result.output and pdf.storage_key in result.output
    finally:
        target.extensions["kb.engine"].dispose()
