"""The text of attachments in the search: extracted by the indexer within its limits, cached
on the row, weighted below the write-up's own text, and snippets say it is from an attachment."""

from __future__ import annotations

import time

import pytest

from tests.attachments import files


@pytest.fixture(autouse=True)
def catch_up_on_every_search(app):
    app.config["SEARCH_CATCH_UP_SECONDS"] = 0


def _attach(author, experience, data, title="Cahier des charges"):
    from kb.attachments.operations import Upload, add_attachment
    from kb.db import commit

    attachment = add_attachment(experience, author, Upload(data=data, title=title))
    commit()
    return attachment


def _found(client, query) -> list[int]:
    response = client.get("/api/v1/experiences", query_string={"q": query})
    return [item["id"] for item in response.get_json()["results"]]


def test_a_word_only_the_pdf_contains_finds_the_write_up(client, author_and_experience,
                                                         sync_index, db_session, text_of):
    author, experience = author_and_experience()
    attachment = _attach(author, experience, files.pdf("Le marché prévoit un ornithorynque"))
    assert attachment.extracted_text is None  # nothing parsed in the upload itself
    sync_index()
    assert _found(client, "ornithorynque") == [experience.id]
    page = text_of(client.get("/recherche", query_string={"q": "ornithorynque"}))
    assert "Dans une pièce jointe (« Cahier des charges ») :" in page
    assert "<mark>ornithorynque</mark>" in page
    db_session.expire_all()
    assert "ornithorynque" in db_session.get(type(attachment), attachment.id).extracted_text


@pytest.mark.parametrize(("maker", "word"), [
    (lambda: files.docx("Le tamanoir du rapport"), "tamanoir"),
    (lambda: files.xlsx("Le pangolin du budget"), "pangolin"),
    (lambda: files.pptx("Le wombat présenté"), "wombat"),
    (lambda: files.odf("text", "Le quokka délibéré"), "quokka"),
    (lambda: files.odf("spreadsheet", "Le capybara chiffré"), "capybara"),
    (lambda: files.odf("presentation", "Le fennec projeté"), "fennec"),
    (lambda: "ville;okapi\nGuéret;1\n".encode(), "okapi"),
])
def test_office_documents_and_csv_are_searchable(client, author_and_experience, sync_index,
                                                 maker, word):
    author, experience = author_and_experience()
    _attach(author, experience, maker())
    sync_index()
    assert _found(client, word) == [experience.id]


def test_the_write_ups_own_text_ranks_above_an_attachment(client, author_and_experience,
                                                          sync_index, create_experience):
    author, experience = author_and_experience(summary="Un projet sans rapport.")
    _attach(author, experience, files.pdf("Le dromadaire en classe"))
    own = create_experience(title="Le dromadaire en classe", summary="Un dromadaire.")
    sync_index()
    assert _found(client, "dromadaire") == [own.id, experience.id]


def test_removed_attachments_and_drafts_are_not_searchable(client, author_and_experience,
                                                           sync_index, db_session):
    from kb.attachments.operations import remove_attachment
    from kb.db import commit

    author, experience = author_and_experience()
    attachment = _attach(author, experience, files.pdf("Le narval disparu"))
    sync_index()
    assert _found(client, "narval") == [experience.id]
    remove_attachment(attachment, experience, author)
    commit()
    sync_index()
    assert _found(client, "narval") == []
    draft_author, draft = author_and_experience(state="brouillon")
    _attach(draft_author, draft, files.pdf("Le lamantin secret"))
    sync_index()
    assert _found(client, "lamantin") == []


def test_a_rebuild_uses_the_cached_text(app, client, author_and_experience, sync_index,
                                        uploads_dir, runner):
    author, experience = author_and_experience()
    attachment = _attach(author, experience, files.pdf("Le tatou documenté"))
    sync_index()
    (uploads_dir / attachment.storage_key).unlink()  # the file is not read again
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert _found(client, "tatou") == [experience.id]


@pytest.fixture(scope="module")
def ten_thousand_pages() -> bytes:
    return files.many_pages_pdf(10_000)


def test_a_10000_page_pdf_stops_at_300_pages_or_10_seconds(ten_thousand_pages):
    """The default limits: whichever comes first on this machine (0.9 s for 300 pages on an
    idle one; a loaded CI may reach the time limit first)."""
    from kb.attachments.extract import extract_text

    started = time.monotonic()
    result = extract_text(ten_thousand_pages, "pdf")
    elapsed = time.monotonic() - started
    assert 0 < result.pages <= 300 and "Page 301" not in result.text
    assert "300 premières pages" in result.note or "10 secondes" in result.note
    assert elapsed < 12


def test_the_page_limit_is_exact(ten_thousand_pages):
    from kb.attachments.extract import Limits, extract_text

    result = extract_text(ten_thousand_pages, "pdf", Limits(pages=20, seconds=60))
    assert result.pages == 20 and "20 premières pages" in result.note
    assert "Page 20" in result.text and "Page 21" not in result.text


def test_the_time_limit_stops_a_slow_document(ten_thousand_pages):
    from kb.attachments.extract import Limits, extract_text

    started = time.monotonic()
    result = extract_text(ten_thousand_pages, "pdf", Limits(pages=10_000, seconds=0.5))
    assert "0.5 secondes" in result.note and result.pages < 10_000
    assert time.monotonic() - started < 5


def test_the_character_limit_stops_a_long_document():
    from kb.attachments.extract import Limits, extract_text

    result = extract_text(files.docx("mot " * 5000), "docx", Limits(chars=1000))
    assert len(result.text) <= 1000 and "1 000 caractères" in result.note


def test_a_zip_bomb_office_file_is_not_inflated():
    from kb.attachments.extract import extract_text

    bomb = files.zip_bomb_docx(200)
    assert len(bomb) < 2_000_000
    started = time.monotonic()
    result = extract_text(bomb, "docx")
    assert time.monotonic() - started < 2
    assert "archive suspecte" in result.note and result.xml_bytes == 0


def test_the_decompressed_xml_cap_stops_reading(monkeypatch):
    from kb.attachments.extract import Limits, extract_text

    bomb = files.zip_bomb_docx(12)
    started = time.monotonic()
    result = extract_text(bomb, "docx", Limits(xml_bytes=4 * 1024 * 1024, inflate_ratio=10**9))
    assert time.monotonic() - started < 10
    assert "4 Mo de XML" in result.note
    assert 4 * 1024 * 1024 < result.xml_bytes <= 4 * 1024 * 1024 + 64 * 1024


def test_xml_with_entities_is_not_expanded():
    from kb.attachments.extract import extract_text

    evil = files._zip([
        ("[Content_Types].xml", files.CONTENT_TYPES),
        ("word/document.xml", b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "rire">'
                              b'<!ENTITY b "&a;&a;&a;&a;">]><d>&b;&b;</d>'),
    ])
    result = extract_text(evil, "docx")
    assert "rire" not in result.text and "illisible" in result.note


def test_a_broken_pdf_still_indexes_its_title(client, author_and_experience, sync_index):
    author, experience = author_and_experience()
    _attach(author, experience, b"%PDF-1.4\n garbage \n%%EOF\n", title="Rapport du koala")
    sync_index()
    assert _found(client, "koala") == [experience.id]
