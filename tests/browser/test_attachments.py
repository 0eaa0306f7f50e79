"""Attachments in a real Chromium (issue 13): a contributor attaches a PDF and a photo while
filing, sees the gallery and downloads the PDF; once published, the write-up is found by a
word that only the PDF contains, with a snippet saying so."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.attachments import files
from tests.browser.test_lifecycle import file_write_up, open_from_queue, sign_in, sign_out

TITLE = "Des tablettes dans les écoles de la Creuse"


def attach(page: Page, name: str, data: bytes, mime: str, title: str, alt: str = "") -> None:
    page.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": mime, "buffer": data})
    page.get_by_label(re.compile("^Titre"), exact=False).first.fill(title)
    if alt:
        page.get_by_label(re.compile("^Texte alternatif")).fill(alt)
    page.get_by_role("button", name="Joindre le fichier").click()
    expect(page.get_by_text(f"La pièce jointe « {title} » est ajoutée")).to_be_visible()


@pytest.mark.browser
def test_attach_a_pdf_and_a_photo_see_the_gallery_and_find_the_pdfs_word(
        page: Page, live_server, people):
    base = live_server
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)

    sign_in(page, base, "marie@gueret.example.fr")
    file_write_up(page, base)
    page.get_by_role("link", name="Pièces jointes").click()
    attach(page, "cahier.pdf", files.pdf("Cahier des charges du xylophage numerique"),
           "application/pdf", "Cahier des charges")
    attach(page, "classe.jpg", files.jpeg_with_gps((640, 480)), "image/jpeg", "La classe mobile",
           alt="Élèves de CM2 avec des tablettes")

    page.get_by_role("link", name="Retour à la fiche").click()
    gallery = page.get_by_role("list", name="Photos du projet")
    photo = gallery.get_by_role("img", name="Élèves de CM2 avec des tablettes")
    expect(photo).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", photo.element_handle()) > 0
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Cahier des charges")).click()
    assert download.value.suggested_filename == "cahier-des-charges.pdf"
    with open(download.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    page.get_by_role("button", name="Soumettre à la modération").click()
    sign_out(page)

    sign_in(page, base, "moderation@example.org")
    open_from_queue(page, base, TITLE)
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.get_by_text("La fiche est publiée")).to_be_visible()
    sign_out(page)

    page.goto(f"{base}/recherche?q=xylophage")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    expect(page.get_by_text(re.compile(r"Dans une pièce jointe \(« Cahier des charges »\)"))
           ).to_be_visible()
    assert problems == []
