"""The write-up's life cycle in a real Chromium, with CSRF protection on as in production.

A contributor signs in through ``/connexion``, files a write-up using the territory
autocomplete and the Markdown preview, and submits it; a moderator sends it back with a
comment; the contributor reads the comment, fixes the write-up and resubmits it; the moderator
publishes it; it shows on the home page and on its own page.

What counts as a revision: every save of the content *and* every step of the life cycle
writes one (who, when, what changed), so the history ends with six revisions — n° 1 creation,
n° 2 submission, n° 3 send-back, n° 4 edit, n° 5 submission, n° 6 publication — of which two
(the creation and the edit) changed the content.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text(re.compile(r"^Bienvenue, "))).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()


def file_write_up(page: Page, base: str) -> None:
    page.goto(f"{base}/experiences/nouvelle")
    page.get_by_label("Titre de la fiche").fill("Des tablettes dans les écoles de la Creuse")
    page.get_by_label("Résumé").fill("Classes mobiles de tablettes dans vingt écoles rurales.")
    context = page.locator("#context")
    context.fill("Les écoles **rurales** n'avaient aucun équipement mobile.")
    page.locator("button[data-preview-for=context]").click()
    preview = page.locator("#context-apercu")
    expect(preview.locator("strong")).to_have_text("rurales")

    territory = page.get_by_role("combobox", name=re.compile("Territoire du projet"))
    expect(territory).to_have_value("Guéret (23)")  # the organisation's territory by default
    territory.fill("Creu")
    page.get_by_role("option", name=re.compile(r"^Creuse \(23\)")).click()
    expect(territory).to_have_value("Creuse (23)")
    expect(page.locator("input[type=hidden][name=territory_code]")).to_have_value("D23")

    page.locator("label[for=themes-0]").click()  # Équipement des écoles et établissements
    page.locator("#start").fill("2023-09")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("Cette fiche est un brouillon")).to_be_visible()


def open_from_queue(page: Page, base: str, title: str) -> None:
    page.goto(f"{base}/moderation")
    page.get_by_role("link", name=title).click()


@pytest.mark.browser
def test_file_review_send_back_fix_and_publish(page: Page, live_server, people):
    base, title = live_server, "Des tablettes dans les écoles de la Creuse"
    page.set_default_timeout(10_000)
    problems: list[str] = []  # script errors and Content-Security-Policy violations
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)

    sign_in(page, base, "marie@gueret.example.fr")
    file_write_up(page, base)
    expect(page.locator("h1")).to_have_text(title)
    expect(page.get_by_text("Creuse (23)").first).to_be_visible()
    page.get_by_role("button", name="Soumettre à la modération").click()
    expect(page.get_by_text("Cette fiche attend la relecture d'un modérateur")).to_be_visible()
    sign_out(page)

    sign_in(page, base, "moderation@example.org")
    open_from_queue(page, base, title)
    page.get_by_label("Ce que les auteurs doivent modifier").fill(
        "Indiquez le nombre d'écoles équipées.")
    page.get_by_role("button", name="Renvoyer aux auteurs").click()
    expect(page.get_by_text("La fiche est renvoyée à ses auteurs")).to_be_visible()
    sign_out(page)

    sign_in(page, base, "marie@gueret.example.fr")
    page.goto(f"{base}/compte")
    page.get_by_role("link", name=title).click()
    # the send-back comment heads the page (issue 15), and stays in the exchanges below
    expect(page.locator("#commentaire-renvoi")).to_have_text(
        "Indiquez le nombre d'écoles équipées.")
    expect(page.get_by_role("region", name="Échanges avec la modération")).to_contain_text(
        "Indiquez le nombre d'écoles équipées.")
    page.get_by_role("link", name="Modifier").click()
    page.get_by_label("Nombre d'écoles ou d'établissements").fill("20")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.get_by_text("Vos modifications sont enregistrées.")).to_be_visible()
    page.get_by_role("button", name="Soumettre à la modération").click()
    sign_out(page)

    sign_in(page, base, "moderation@example.org")
    open_from_queue(page, base, title)
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.get_by_text("La fiche est publiée")).to_be_visible()
    write_up_url = page.url
    sign_out(page)

    page.goto(f"{base}/")
    expect(page.get_by_role("link", name=title).first).to_be_visible()
    page.goto(write_up_url)
    expect(page.locator("h1")).to_have_text(title)
    expect(page.get_by_text("Écoles ou établissements")).to_be_visible()

    sign_in(page, base, "moderation@example.org")
    page.goto(write_up_url)
    page.get_by_role("link", name="Historique").click()
    rows = page.locator("tr.kb-revision")
    expect(rows).to_have_count(6)
    steps = [rows.nth(i).locator("td").nth(3).inner_text().split("\n")[0] for i in range(6)]
    assert steps == ["Publication", "Soumission à la modération", "Modification",
                     "Renvoi au brouillon", "Soumission à la modération", "Création"]
    changed = [rows.nth(i).locator("td").nth(4).inner_text() for i in range(6)]
    assert [i for i, fields in enumerate(changed) if fields != "—"] == [2, 5]
    assert "Écoles ou établissements" in changed[2]
    assert problems == []
