"""In Chromium: an analyst labels a practice, the dashboard map shows it, and a click on a
département lands on the filtered search."""

from __future__ import annotations

import re

PASSWORD = "Essaimer-les-bonnes-pratiques-2024"


def sign_in(page, base_url: str, email: str) -> None:
    """Sign in through ``/connexion`` (fields ``email`` and ``password``)."""
    page.goto(f"{base_url}/connexion")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.locator('main form:has(input[name="password"]) [type="submit"]').click()
    page.wait_for_load_state()
    assert "/connexion" not in page.url, "sign-in failed"


def test_analyst_labels_a_practice_seen_on_the_dashboard_map(
    live_server, page, create_user, create_experience
):
    practice = create_experience(title="Classes mobiles dans les écoles creusoises",
                                 territory_code="C23096", slug="classes-mobiles")
    create_experience(title="Tablettes à Tulle", territory_code="C19272", slug="tablettes-tulle")
    create_user(role="analyste", email="analyste@test.example.org", password=PASSWORD)
    csp_violations: list[str] = []
    page.on("console", lambda message: csp_violations.append(message.text)
            if "Content Security Policy" in message.text else None)

    sign_in(page, live_server, "analyste@test.example.org")
    page.goto(f"{live_server}/experiences/{practice.id}-{practice.slug}")
    page.get_by_role("link", name="Labelliser « Pratique à essaimer »").click()
    page.get_by_label("Pourquoi cette pratique mérite d'être essaimée").fill(
        "Un prêt de classes mobiles entre écoles, évalué par une enquête auprès des enseignants."
    )
    page.get_by_role("button", name="Labelliser").click()
    page.wait_for_url(re.compile(rf"/experiences/{practice.id}-"))
    assert page.get_by_text("Un prêt de classes mobiles entre écoles").first.is_visible()

    page.goto(f"{live_server}/tableau-de-bord")
    marker = page.locator('a[data-marker="23"]')
    assert marker.count() == 1
    assert "Classes mobiles dans les écoles creusoises" in marker.locator("title").text_content()
    creuse = page.locator('a[data-departement="23"] path')
    assert "kb-map__area--4" in creuse.get_attribute("class")
    practices = page.locator('section[aria-labelledby="pratiques"]')
    assert practices.get_by_text("Classes mobiles dans les écoles").is_visible()

    page.locator('a[data-departement="19"] path').click()
    page.wait_for_url(re.compile(r"/recherche\?departement=19$"))
    assert csp_violations == []
