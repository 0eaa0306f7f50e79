"""Adding files to a write-up through the upload page: what is accepted, what is refused
(with a French message and the form kept), limits, and the revisions it writes."""

from __future__ import annotations

import pytest

from tests.attachments import files


def test_author_attaches_a_pdf_to_a_draft(client, login_as, author_and_experience, upload,
                                          attachments_of, uploads_dir):
    author, experience = author_and_experience(state="brouillon")
    login_as(user=author)
    response = upload(experience.id, files.pdf(), "../../etc/passwd.pdf",
                      title="Cahier des charges")
    assert response.status_code == 303
    [attachment] = attachments_of(experience.id)
    assert (attachment.kind, attachment.title, attachment.created_by_id) == (
        "pdf", "Cahier des charges", author.id)
    stored = sorted(p.relative_to(uploads_dir).as_posix() for p in uploads_dir.rglob("*")
                    if p.is_file())
    assert stored == [f"files/{attachment.sha256}"]  # content-addressed, never the user's name
    page = client.get(f"/experiences/{experience.id}/pieces-jointes")
    assert "Cahier des charges" in page.get_data(as_text=True)


@pytest.mark.parametrize(("maker", "kind"), [
    (files.docx, "docx"), (files.xlsx, "xlsx"), (files.pptx, "pptx"),
    (lambda: files.odf("text"), "odt"), (lambda: files.odf("spreadsheet"), "ods"),
    (lambda: files.odf("presentation"), "odp"), (files.csv_text, "csv"),
    (lambda: files.csv_text("latin-1"), "csv"),
])
def test_every_accepted_document_kind_is_recognised_from_its_content(
        login_as, author_and_experience, upload, attachments_of, maker, kind):
    author, experience = author_and_experience()
    login_as(user=author)
    response = upload(experience.id, maker(), "sans-extension", title="Pièce")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert [a.kind for a in attachments_of(experience.id)] == [kind]


@pytest.mark.parametrize(("maker", "name", "message"), [
    (files.renamed_executable, "rapport.pdf", "programme exécutable"),
    (files.elf_executable, "photo.jpg", "programme exécutable"),
    (files.svg_with_script, "schema.csv", "SVG"),
    (lambda: b"<html><script>alert(1)</script></html>", "page.csv", "HTML"),
    (lambda: b"PK\x03\x04" + b"\x00" * 100, "doc.docx", "endommagé"),
    (lambda: files._zip([("a.txt", b"bonjour")]), "doc.odt", "archive zip"),
    (lambda: b"juste du texte sans separateur\n", "notes.csv", "tableau CSV"),
    (lambda: b"\xff\xd8\xff\xe0" + b"\x00" * 64, "photo.jpg", "illisible"),
])
def test_refused_files_get_a_french_message_and_the_form_is_kept(
        login_as, author_and_experience, upload, attachments_of, text_of, maker, name, message,
        uploads_dir):
    author, experience = author_and_experience()
    login_as(user=author)
    response = upload(experience.id, maker(), name, title="Mon rapport",
                      description="Ce que dit le rapport")
    assert response.status_code == 422
    page = text_of(response)
    assert message in page
    assert 'value="Mon rapport"' in page and "Ce que dit le rapport" in page
    assert attachments_of(experience.id) == []
    assert not uploads_dir.exists() or not any(p.is_file() for p in uploads_dir.rglob("*"))


def test_an_image_needs_alt_text(login_as, author_and_experience, upload, attachments_of,
                                 text_of):
    author, experience = author_and_experience()
    login_as(user=author)
    response = upload(experience.id, files.png(), "photo.png", title="La classe")
    assert response.status_code == 422
    assert "texte alternatif" in text_of(response)
    response = upload(experience.id, files.png(), "photo.png", title="La classe",
                      alt_text="Des élèves autour d'une table")
    assert response.status_code == 303
    assert attachments_of(experience.id)[0].alt_text == "Des élèves autour d'une table"


def test_a_title_is_required(login_as, author_and_experience, upload, text_of):
    author, experience = author_and_experience()
    login_as(user=author)
    response = upload(experience.id, files.pdf(), "a.pdf", title="  ")
    assert response.status_code == 422
    assert "Donnez un titre" in text_of(response)


def test_no_file_sent_is_refused_with_a_message(client, login_as, author_and_experience,
                                                 text_of):
    author, experience = author_and_experience()
    login_as(user=author)
    response = client.post(f"/experiences/{experience.id}/pieces-jointes",
                           data={"title": "Rien"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choisissez un fichier" in text_of(response)


def test_count_and_size_limits_are_configurable(app, login_as, author_and_experience, upload,
                                                attachments_of, text_of):
    app.config.update(ATTACHMENTS_MAX_COUNT=2, ATTACHMENTS_MAX_BYTES=50_000)
    author, experience = author_and_experience()
    login_as(user=author)
    big = files.pdf("gros", pages=1) + b"%" * 60_000
    response = upload(experience.id, big, "gros.pdf", title="Trop gros")
    assert response.status_code == 422 and "la limite est de 48 ko" in text_of(response)
    for number in range(2):
        assert upload(experience.id, files.pdf(f"doc {number}"), title=f"Doc {number}"
                      ).status_code == 303
    response = upload(experience.id, files.pdf("troisième"), title="Doc 3")
    assert response.status_code == 422 and "déjà 2 pièces jointes" in text_of(response)
    assert len(attachments_of(experience.id)) == 2


def test_a_body_far_over_the_limit_is_refused_before_being_read(app, login_as,
                                                                 author_and_experience, upload):
    app.config.update(ATTACHMENTS_MAX_BYTES=10_000)
    author, experience = author_and_experience()
    login_as(user=author)
    response = upload(experience.id, b"%PDF-" + b"0" * 2_000_000, "enorme.pdf", title="Énorme")
    assert response.status_code == 413


def test_other_forms_still_refuse_files(client, login_as, author_and_experience):
    author, experience = author_and_experience(state="brouillon")
    login_as(user=author)
    import io

    response = client.post(f"/experiences/{experience.id}/soumettre",
                           data={"file": (io.BytesIO(b"x"), "x.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 400


def test_adding_and_removing_write_revisions_and_removal_is_restorable(
        client, login_as, author_and_experience, upload, attachments_of, db_session):
    from kb.experiences.history import revisions_of

    author, experience = author_and_experience()
    login_as(user=author)
    upload(experience.id, files.pdf(), title="Délibération")
    [attachment] = attachments_of(experience.id)
    response = client.post(f"/experiences/{experience.id}/pieces-jointes/{attachment.id}/supprimer")
    assert response.status_code == 303
    [attachment] = attachments_of(experience.id)
    assert attachment.deleted_at is not None and attachment.deleted_by_id == author.id
    history = client.get(f"/experiences/{experience.id}/historique").get_data(as_text=True)
    assert "Pièces jointes supprimées" in history and "la pièce jointe « Délibération »" in history
    response = client.post(f"/experiences/{experience.id}/pieces-jointes/{attachment.id}/restaurer")
    assert response.status_code == 303
    assert attachments_of(experience.id)[0].deleted_at is None
    actions = [r.action for r in revisions_of(experience.id)]
    assert actions[:3] == ["attachment_restored", "attachment_removed", "attachment_added"]


def test_a_file_can_go_on_a_follow_up(client, login_as, author_and_experience, upload,
                                      attachments_of, db_session):
    from datetime import date

    from kb.experiences.models import FollowUp

    author, experience = author_and_experience()
    entry = FollowUp(experience_id=experience.id, author_id=author.id, entry_date=date(2025, 1, 1),
                     title="Bilan à un an", body="Tout va bien.")
    db_session.add(entry)
    db_session.commit()
    login_as(user=author)
    page = client.get(f"/experiences/{experience.id}/pieces-jointes").get_data(as_text=True)
    assert "Bilan à un an" in page
    assert upload(experience.id, files.pdf(), title="Bilan", follow_up_id=str(entry.id)
                  ).status_code == 303
    assert attachments_of(experience.id)[0].follow_up_id == entry.id


def test_upload_needs_the_csrf_token(csrf_app, create_user, create_experience):
    import io

    client = csrf_app.test_client()
    with csrf_app.app_context():
        author = create_user()
        experience = create_experience(organisation=author.organisation)
        with client.session_transaction() as sess:
            sess["_user_id"] = author.get_id()
        response = client.post(f"/experiences/{experience.id}/pieces-jointes",
                               data={"file": (io.BytesIO(files.pdf()), "a.pdf"), "title": "A"},
                               content_type="multipart/form-data")
    assert response.status_code in (400, 422)
