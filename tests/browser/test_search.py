"""In Chromium: search, tick two facets, remove one, go to the next page, open a result."""

from __future__ import annotations

import re

from tests.browser.conftest import wait_until


def test_search_facets_pagination_and_result(live_server, page, create_experience):
    for number in range(22):
        create_experience(title=f"Tablettes à l'école numéro {number}", slug=f"ecole-{number}",
                          themes=("equipement",), levels=("elementaire",))
    for number in range(3):
        create_experience(title=f"Tablettes au collège numéro {number}", slug=f"college-{number}",
                          themes=("equipement",), levels=("college",))
    for number in range(4):
        create_experience(title=f"Formation aux tablettes {number}", slug=f"formation-{number}",
                          themes=("formation",), levels=("college",))

    page.goto(f"{live_server}/recherche")
    page.locator("#q").fill("tablette")
    page.locator("#recherche-page button[type=submit]").click()
    page.wait_for_url(re.compile(r"q=tablette"))
    assert page.get_by_role("heading", name="29 fiches trouvées").is_visible()

    page.locator('label[for="f-theme-equipement"]').click()
    page.locator('label[for="f-niveau-elementaire"]').click()
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile(r"theme=equipement&niveau=elementaire"))
    assert page.get_by_role("heading", name="22 fiches trouvées").is_visible()

    page.get_by_role("link", name=re.compile("Retirer le filtre Niveau scolaire")).click()
    page.wait_for_url(re.compile(r"theme=equipement"))
    assert "niveau=" not in page.url
    assert page.get_by_role("heading", name="25 fiches trouvées").is_visible()

    page.get_by_role("link", name="Page suivante").first.click()
    page.wait_for_url(re.compile(r"page=2"))
    cards = page.locator(".kb-results .fr-card__title a")
    assert cards.count() == 5
    title = cards.first.inner_text()

    cards.first.click()
    page.wait_for_url(re.compile(r"/experiences/\d+-"))
    assert page.get_by_role("heading", level=1).inner_text() == title


def test_filters_applied_in_place_carry_over_to_the_announced_feed(live_server, page,
                                                                   create_experience):
    """The Atom feed in <head> follows the filters, also when they are applied without a
    reload (issue 15 point 11)."""
    for number in range(2):
        create_experience(title=f"Tablettes {number}", slug=f"t-{number}", themes=("equipement",))
    create_experience(title="Tablettes et formation", slug="f", themes=("formation",))
    page.goto(f"{live_server}/recherche?q=tablettes")
    feed = page.locator('head link[type="application/atom+xml"]')
    assert feed.get_attribute("href") == "/flux.atom?q=tablettes"
    page.locator('label[for="f-theme-equipement"]').click()
    page.locator("#appliquer-filtres").click()
    page.wait_for_url(re.compile(r"theme=equipement$"))
    wait_until(page, "document.querySelector('head link[type=\"application/atom+xml\"]')"
                     ".getAttribute('href').includes('theme=equipement')")
    assert feed.get_attribute("href") == "/flux.atom?q=tablettes&theme=equipement"
    assert feed.get_attribute("title") == "Fiches publiées de cette recherche"
    downloads = page.locator(".kb-downloads a")
    assert downloads.first.get_attribute("href") == (
        "/export.csv?q=tablettes&theme=equipement&separateur=point-virgule")
