"""Issue 15, point 1, in a real Chromium (CSRF on): an author edits a published write-up, the
public still reads the published version, the moderator finds the changes on /moderation and
publishes them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

PASSWORD = "une phrase de passe assez longue"


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text(re.compile(r"^Bienvenue, "))).to_be_visible()


@pytest.mark.browser
def test_an_edit_waits_for_review_then_goes_live(page: Page, browser: Browser, live_server,
                                                 create_user, create_experience):
    page.set_default_timeout(10_000)
    base = live_server
    author = create_user(email="marie@gueret.example.fr", password=PASSWORD)
    moderator = create_user(role="moderateur", email="moderation@example.org",
                            password=PASSWORD)
    experience = create_experience(title="Des tablettes à Guéret", slug="des-tablettes",
                                   organisation=author.organisation)
    address = f"{base}/experiences/{experience.id}-des-tablettes"

    sign_in(page, base, author.email)
    page.goto(address)
    page.get_by_role("link", name="Modifier").first.click()
    expect(page.locator("#relecture-modifications")).to_contain_text(
        "Vos modifications seront relues avant publication")
    page.get_by_label("Titre de la fiche").fill("Des tablettes et un ENT à Guéret")
    page.get_by_role("button", name="Soumettre les modifications à la relecture").click()
    expect(page.get_by_text("attendent la relecture d'un modérateur").first).to_be_visible()
    expect(page.locator("#modifications-en-attente")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Des tablettes à Guéret")

    visitor = browser.new_context(locale="fr-FR").new_page()
    visitor.goto(address)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Des tablettes à Guéret")
    expect(visitor.locator("#modifications-en-attente")).to_have_count(0)

    page.get_by_role("button", name="Se déconnecter").click()
    sign_in(page, base, moderator.email)
    page.goto(f"{base}/moderation")
    pending = page.get_by_role("region", name=re.compile("Modifications de fiches publiées"))
    pending.get_by_role("link", name="Des tablettes à Guéret").click()
    expect(page.locator(".kb-diff")).to_contain_text("Des tablettes et un ENT à Guéret")
    page.get_by_role("button", name="Publier les modifications").click()
    expect(page.get_by_text("Les modifications sont publiées")).to_be_visible()

    visitor.goto(f"{base}/experiences/{experience.id}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        "Des tablettes et un ENT à Guéret")
    visitor.context.close()
