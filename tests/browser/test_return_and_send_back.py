"""Issue 15 in a real Chromium (CSRF on): « Connectez-vous » on a write-up comes back to that
write-up after sign-in (6); a moderator's send-back comment heads the write-up and its edit
form, and an empty send-back puts its error in view with the focus on it (9)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

PASSWORD = "une phrase de passe assez longue"


def sign_in_here(page: Page, email: str) -> None:
    """Fill the sign-in form the browser is on."""
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text(re.compile(r"^Bienvenue, "))).to_be_visible()


@pytest.mark.browser
def test_connectez_vous_on_a_write_up_comes_back_to_it(page: Page, live_server,
                                                       create_experience, create_user):
    page.set_default_timeout(10_000)
    experience = create_experience(title="Des robots au collège", slug="des-robots-au-college")
    user = create_user(email="paul@aubusson.example.fr", password=PASSWORD)
    address = f"{live_server}/experiences/{experience.id}-des-robots-au-college"
    page.goto(address)
    page.get_by_role("link", name="Connectez-vous").click()
    expect(page).to_have_url(re.compile(r"/connexion\?next="))
    sign_in_here(page, user.email)
    expect(page).to_have_url(address)
    expect(page.get_by_role("heading", level=1)).to_have_text("Des robots au collège")
    expect(page.get_by_role("button", name="Intéressé")).to_be_visible()


@pytest.mark.browser
def test_send_back_comment_on_top_and_empty_send_back_focused(page: Page, live_server,
                                                              create_user, create_experience):
    page.set_default_timeout(10_000)
    author = create_user(email="marie@gueret.example.fr", password=PASSWORD)
    moderator = create_user(role="moderateur", email="moderation@example.org",
                            password=PASSWORD)
    experience = create_experience(title="Des tablettes à Guéret", state="soumise",
                                   organisation=author.organisation, slug="des-tablettes")
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(f"{live_server}/connexion")
    sign_in_here(page, moderator.email)
    page.goto(f"{live_server}/experiences/{experience.id}-des-tablettes")
    page.get_by_role("button", name="Renvoyer aux auteurs").click()
    comment = page.get_by_label(re.compile("Ce que les auteurs doivent modifier"))
    expect(comment).to_be_focused()
    expect(comment).to_be_in_viewport()
    error = page.get_by_text("Expliquez aux auteurs ce qu'il faut modifier.")
    expect(error).to_be_in_viewport()
    comment.fill("Indiquez le nombre d'élèves concernés.")
    page.get_by_role("button", name="Renvoyer aux auteurs").click()
    expect(page.get_by_text("La fiche est renvoyée à ses auteurs")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()

    page.goto(f"{live_server}/connexion")
    sign_in_here(page, author.email)
    page.goto(f"{live_server}/experiences/{experience.id}-des-tablettes")
    callout = page.locator("#etat-fiche")
    expect(callout).to_contain_text("Cette fiche est un brouillon renvoyé par la modération")
    expect(callout).to_contain_text("Indiquez le nombre d'élèves concernés.")
    expect(callout).to_be_in_viewport()
    page.get_by_role("link", name="Modifier").first.click()
    notice = page.locator("#commentaire-moderation")
    expect(notice).to_contain_text("Indiquez le nombre d'élèves concernés.")
    expect(notice).to_be_in_viewport()
