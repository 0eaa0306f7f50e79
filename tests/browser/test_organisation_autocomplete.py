"""In Chromium: a co-filing organisation is chosen by typing its name in the autocomplete (the
form no longer lists every organisation), and the write-up is saved with it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_lifecycle import sign_in


@pytest.mark.browser
def test_a_cofiler_is_chosen_in_the_autocomplete(page: Page, live_server, people,
                                                 create_organisation):
    partner = create_organisation(name="CA du Grand Guéret", kind="epci")
    create_organisation(name="Grand Guéret Numérique", kind="autre")
    sign_in(page, live_server, "marie@gueret.example.fr")
    page.goto(f"{live_server}/experiences/nouvelle")
    page.get_by_label("Titre de la fiche").fill("Une maintenance partagée avec l'agglomération")
    page.get_by_label("Résumé").fill("Un technicien de l'agglomération pour les écoles.")
    page.locator("label[for=themes-0]").click()

    cofiler = page.locator("#cofilers-0-organisation_id")
    expect(cofiler).to_have_attribute("role", "combobox")
    cofiler.press_sequentially("grand gue", delay=30)
    options = page.get_by_role("option")
    expect(options).to_have_count(2)
    assert options.first.inner_text().startswith("Grand Guéret Numérique — Autre")
    page.get_by_role("option", name=re.compile(r"^CA du Grand Guéret")).click()
    expect(cofiler).to_have_value("CA du Grand Guéret")
    expect(page.locator("input[type=hidden][name='cofilers-0-organisation_id']")).to_have_value(
        str(partner.id))
    page.locator("#cofilers-0-role").fill("Maintenance")

    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("Cette fiche est un brouillon")).to_be_visible()
    expect(page.get_by_text("CA du Grand Guéret").first).to_be_visible()
