"""Comparable projects: territories alike first, close content, and why."""

from __future__ import annotations

import pytest

# Communes of Nouvelle-Aquitaine (75) and elsewhere, by population band.
GUERET = "C23096"  # Guéret, 12 955 inhabitants (10 000–50 000), Creuse, Nouvelle-Aquitaine


@pytest.fixture
def commune_codes(db_session):
    """Codes of communes by (région, band), read from the reference data."""
    from sqlalchemy import select

    from kb.territories.lookup import population_band
    from kb.territories.models import Territory

    def find(region: str, band: str, exclude=(GUERET,), count: int = 1) -> list[str]:
        rows = db_session.scalars(
            select(Territory).where(Territory.kind == "commune", Territory.region == region,
                                    Territory.population.is_not(None))
            .order_by(Territory.code)
        )
        codes = [t.code for t in rows if population_band(t.population) == band
                 and t.code not in exclude]
        return codes[:count]

    return find


def test_comparables_rank_territories_alike_and_say_why(create_experience, client, commune_codes):
    reference = create_experience(title="Tablettes à Guéret", territory_code=GUERET,
                                  territory_types=("rural",), themes=("equipement",))
    (same_region_same_size,) = commune_codes("75", "10000-50000")
    (other_region_same_size,) = commune_codes("84", "10000-50000")
    (same_region_tiny,) = commune_codes("75", "<2000")
    alike = create_experience(title="Un projet", territory_code=same_region_same_size,
                              territory_types=("rural",), themes=("equipement",))
    far = create_experience(title="Un projet", territory_code=other_region_same_size,
                            territory_types=("rural",), themes=("equipement",))
    small = create_experience(title="Un projet", territory_code=same_region_tiny,
                              territory_types=("urbain",), themes=("formation",))
    departement = create_experience(title="Un projet", territory_code="D33",
                                    territory_types=(), themes=("ent",))
    response = client.get(f"/experiences/{reference.id}/comparables")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    positions = [html.find(f'href="/experiences/{e.id}-') for e in (alike, far, small)]
    assert all(p > 0 for p in positions) and positions == sorted(positions)
    assert "Commune rurale de taille similaire, même région" in html
    assert "Commune rurale de taille similaire ·" in html  # the other région
    assert html.count(f'href="/experiences/{reference.id}-') == 2  # breadcrumb and intro only
    assert departement


def test_comparables_use_the_content(create_experience, commune_codes):
    from kb.search.comparables import comparable_experiences, reference_for

    reference = create_experience(title="Robotique", territory_code=GUERET,
                                  context="Des robots Thymio et de la programmation Scratch.")
    (other,) = commune_codes("84", "<2000")
    close = create_experience(title="Atelier", territory_code=other, themes=("formation",),
                              context="Programmation de robots Thymio avec Scratch.")
    create_experience(title="Autre", territory_code=other, themes=("formation",),
                      context="Rénovation du réseau électrique.")
    results = comparable_experiences(reference_for(reference))
    assert results[0].experience.id == close.id
    assert "contenu proche" in results[0].reason


def test_comparables_of_an_unpublished_write_up_are_not_found(create_experience, client):
    draft = create_experience(state="brouillon")
    assert client.get(f"/experiences/{draft.id}/comparables").status_code == 404
    assert client.get("/experiences/999999/comparables").status_code == 404


def test_comparables_form(create_experience, client, commune_codes):
    (alike,) = commune_codes("75", "10000-50000")
    found = create_experience(title="Tablettes", territory_code=alike,
                              territory_types=("rural",), themes=("equipement",))
    page = client.get("/comparables")
    assert page.status_code == 200
    assert "Trouver des projets comparables au mien" in page.get_data(as_text=True)
    response = client.get("/comparables", query_string={
        "territoire": GUERET, "types": "rural", "themes": "equipement", "niveaux": "elementaire",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="/experiences/{found.id}-' in html
    assert "Commune rurale de taille similaire, même région" in html


def test_comparables_form_with_an_unknown_territory(client):
    html = client.get("/comparables?territoire=Nullepart-sur-Mer").get_data(as_text=True)
    assert "Territoire introuvable" in html


def test_explanations_agree_in_gender():
    from types import SimpleNamespace

    from kb.search.comparables import Reference, explain

    def territory(kind, population, region="75", departement="23"):
        return SimpleNamespace(kind=kind, population=population, region=region,
                               departement=departement)

    def experience(kind, population, types, region="75", departement="33"):
        return SimpleNamespace(territory=territory(kind, population, region, departement),
                               region=region, departement=departement,
                               codes=lambda vocabulary: list(types))

    reference = Reference(territory("departement", 120_000), ("rural",))
    assert explain(reference, experience("departement", 130_000, ("rural",)), 0) == (
        "Département rural de taille similaire, même région"
    )
    reference = Reference(territory("epci", 30_000, departement=None), ("montagne",))
    assert explain(reference, experience("epci", 60_000, ("montagne",), region="84"), 0.9) == (
        "Intercommunalité de montagne, contenu proche"
    )
