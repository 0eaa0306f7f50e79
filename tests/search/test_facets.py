"""Facets and filters: OR within a facet, AND across, counts that reflect the other filters."""

from __future__ import annotations

from datetime import datetime


def counts(result, facet):
    return {v["code"]: v["count"] for v in result["facets"][facet]}


def test_every_facet_is_counted(create_experience, change_experience, search_api):
    experience = create_experience(
        territory_code="C23096", themes=("equipement", "formation"), equipment=("tablettes",),
        levels=("elementaire",), territory_types=("rural",),
    )
    change_experience(experience, published_at=datetime(2023, 5, 1))
    result = search_api()
    assert set(result["facets"]) == {
        "theme", "equipement", "niveau", "territoire", "organisation", "region", "departement",
        "annee",
    }
    assert counts(result, "theme") == {"equipement": 1, "formation": 1}
    assert counts(result, "departement") == {"23": 1}
    assert counts(result, "region") == {"75": 1}
    assert counts(result, "organisation") == {"commune": 1}
    assert counts(result, "annee") == {"2023": 1}
    departement = result["facets"]["departement"][0]
    assert departement == {"code": "23", "label": "Creuse (23)", "count": 1, "selected": False}
    assert result["facets"]["theme"][0]["label"] == "Équipement des écoles et établissements"


def test_or_within_a_facet_and_across_facets(create_experience, found_ids):
    ent_college = create_experience(themes=("ent",), levels=("college",))
    ent_school = create_experience(themes=("ent",), levels=("elementaire",))
    training_college = create_experience(themes=("formation",), levels=("college",))
    create_experience(themes=("maintenance",), levels=("lycee",))
    assert set(found_ids(theme=["ent", "formation"])) == {
        ent_college.id, ent_school.id, training_college.id
    }
    assert set(found_ids(theme=["ent", "formation"], niveau="college")) == {
        ent_college.id, training_college.id
    }
    assert found_ids(theme="ent", niveau="college") == [ent_college.id]


def test_a_facet_selection_does_not_zero_its_other_values(create_experience, search_api):
    create_experience(themes=("ent",), levels=("college",))
    create_experience(themes=("formation",), levels=("college",))
    create_experience(themes=("formation",), levels=("lycee",))
    result = search_api(theme="ent")
    assert result["total"] == 1
    assert counts(result, "theme") == {"ent": 1, "formation": 2}  # other themes still counted
    assert counts(result, "niveau") == {"college": 1}  # other facets follow the theme filter
    selected = [v for v in result["facets"]["theme"] if v["selected"]]
    assert [v["code"] for v in selected] == ["ent"]


def test_facet_counts_follow_the_query(create_experience, search_api):
    create_experience(title="Tablettes", themes=("equipement",))
    create_experience(title="Formation", themes=("formation",), equipment=())
    assert counts(search_api(q="tablettes"), "theme") == {"equipement": 1}


def test_territory_and_year_filters(create_experience, change_experience, found_ids):
    creuse = change_experience(create_experience(territory_code="C23096"),
                               published_at=datetime(2022, 3, 1))
    other = change_experience(create_experience(territory_code="D33"),
                              published_at=datetime(2024, 3, 1))
    assert found_ids(departement="23") == [creuse.id]
    assert set(found_ids(region="75")) == {creuse.id, other.id}
    assert found_ids(annee="2024") == [other.id]
    assert found_ids(organisation="departement", departement="33") == []


def test_organisation_kind_filter(create_experience, create_organisation, found_ids):
    region = create_organisation(kind="region", territory_code="R75")
    by_region = create_experience(organisation=region, territory_code="R75")
    create_experience()
    assert found_ids(organisation="region") == [by_region.id]


def test_page_shows_facets_with_counts_and_removable_tags(create_experience, client):
    create_experience(themes=("ent",))
    create_experience(themes=("formation",))
    html = client.get("/recherche?theme=ent").get_data(as_text=True)
    assert 'name="theme" value="ent" checked' in html
    assert "Formation et accompagnement des enseignants&nbsp;(1)" in html
    assert 'aria-label="Retirer le filtre Thème : Espace numérique de travail (ENT)"' in html
    assert 'href="/recherche"' in html  # removing the only filter


def test_long_facets_have_a_see_more(create_experience, client):
    for code in ("23", "33", "87", "19", "24", "40", "47"):
        create_experience(territory_code=f"D{code}")
    html = client.get("/recherche").get_data(as_text=True)
    assert "Voir plus (1)" in html
