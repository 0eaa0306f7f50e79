"""In Chromium: the territory autocomplete lists an EPCI named after what is typed before the
small communes that merely start with it, and offers the collectivités d'outre-mer."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def _options(page, text: str) -> list[str]:
    field = page.get_by_label("Mon territoire")
    field.fill("")
    field.press_sequentially(text, delay=30)
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    return [option.inner_text() for option in options.all()]


def test_limo_lists_limoges_metropole_before_limousis(live_server, page):
    page.goto(f"{live_server}/comparables")
    labels = [text.split(" — ")[0] for text in _options(page, "Limo")]
    assert labels[:2] == ["Limoges (87)", "CU Limoges Métropole"]
    assert labels.index("CU Limoges Métropole") < labels.index("Limousis (11)")


def test_saint_martin_the_collectivite_can_be_chosen(live_server, page):
    page.goto(f"{live_server}/comparables")
    texts = _options(page, "Saint-Martin")
    assert texts[0].startswith("Saint-Martin — Collectivité d'outre-mer, 31")
    page.get_by_role("option", name=re.compile(r"^Saint-Martin — Collectivité")).click()
    expect(page.locator("input[type=hidden][name=territoire]")).to_have_value("R978")
