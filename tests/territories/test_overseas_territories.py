"""The collectivités d'outre-mer (kind ``com``): in the data file, the database (also an existing
one, through migration 0010), the autocomplete, territory pages, ``kb import``, the write-up
form, the search facets and the dashboard."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, func, select, text
from sqlalchemy.orm import Session

from kb import schema
from kb.db import make_engine
from kb.experiences.models import Experience
from kb.territories.loader import read_territories, sync_territories
from kb.territories.lookup import contained_codes, get_territory, territory_label
from kb.territories.models import Territory

COLLECTIVITES = {
    "R975": "Saint-Pierre-et-Miquelon", "R977": "Saint-Barthélemy", "R978": "Saint-Martin",
    "R986": "Wallis et Futuna", "R987": "Polynésie française", "R988": "Nouvelle-Calédonie",
}
SAINT_MARTIN = {
    "title": "Des tablettes pour les écoles de Saint-Martin",
    "summary": "La Collectivité équipe ses écoles après le cyclone Irma.",
    "territory": {"code": "R978"},
    "organisation": {"name": "Collectivité de Saint-Martin", "kind": "autre"},
    "themes": ["equipement"], "equipment": ["tablettes"], "levels": ["elementaire"],
    "territory_types": ["outre-mer"], "state": "termine", "start": "2018-09",
    "published_at": "2024-02-01T08:00:00Z",
}


@pytest.fixture(autouse=True)
def catch_up_on_every_search(app):
    """Check the outbox before every search (production: at most once a second)."""
    app.config["SEARCH_CATCH_UP_SECONDS"] = 0


@pytest.fixture
def search_api(client):
    def search(**params):
        response = client.get("/api/v1/experiences", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    return search


# --------------------------------------------------------------------------- data file


def test_file_holds_the_six_inhabited_collectivites_and_their_88_communes():
    rows = read_territories()
    collectivites = {row["code"]: row for row in rows if row["kind"] == "com"}
    assert {code: row["name"] for code, row in collectivites.items()} == COLLECTIVITES
    communes = [row for row in rows if row["kind"] == "commune"
                and row["region"] in {code[1:] for code in COLLECTIVITES}]
    assert Counter(c["region"] for c in communes) == {
        "975": 2, "977": 1, "978": 1, "986": 3, "987": 48, "988": 33}
    assert all(c["departement"] == c["region"] and c["epci_code"] is None for c in communes)
    martin = collectivites["R978"]
    assert (martin["departement"], martin["region"], martin["population"]) == (
        "978", "978", next(c["population"] for c in communes if c["code"] == "C97801"))
    polynesie = sum(c["population"] for c in communes if c["region"] == "987")
    assert collectivites["R987"]["population"] == polynesie > 250_000
    codes = {row["code"] for row in rows}
    assert not {"R984", "R989", "D978", "C98411", "C98901"} & codes  # TAAF, Clipperton


# --------------------------------------------------------------------------- database


def test_collectivites_are_loaded_with_their_communes(db_session):
    martin = get_territory(db_session, "R978")
    assert (martin.kind, martin.kind_label, martin.name) == (
        "com", "Collectivité d'outre-mer", "Saint-Martin")
    assert territory_label(martin) == "Saint-Martin"
    assert territory_label(get_territory(db_session, "C97502")) == "Saint-Pierre (975)"
    assert contained_codes(db_session, get_territory(db_session, "R975")) == ["C97501", "C97502"]


def test_migration_0010_lets_an_existing_database_take_the_collectivites(tmp_path):
    """A database at 0009 with an organisation in it: ``kb init`` (upgrade, then load) adds
    the collectivités and their communes and the EPCI core names, keeps the organisation and
    its reference."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with engine.begin() as connection:
        config = schema.alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
        _load_as_before(connection)
        with pytest.raises(Exception, match="CHECK constraint failed"), connection.begin_nested():
            connection.execute(text(
                "INSERT INTO territory (code, kind, insee, name, search_name) "
                "VALUES ('R978', 'com', '978', 'Saint-Martin', 'saint martin')"))
        connection.execute(text(
            "INSERT INTO organisation (name, kind, territory_code, created_at) "
            "VALUES ('Ville de Guéret', 'commune', 'C23096', '2024-01-01')"))
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision(engine)
    with Session(engine) as session:
        report = sync_territories(session)
        session.commit()
        epci = session.scalar(select(func.count()).where(Territory.kind == "epci"))
        assert (report.inserted, report.updated) == (6 + 88, epci)
        assert session.get(Territory, "R978").kind == "com"
        assert session.get(Territory, "E248719312").core_name == "limoges metropole"
        assert session.scalar(text("SELECT territory_code FROM organisation")) == "C23096"
        assert session.execute(text("PRAGMA foreign_key_check")).all() == []
    engine.dispose()


def _load_as_before(connection) -> None:
    """The territories as a database at 0009 holds them: no collectivité, no core name."""
    rows = [{key: value for key, value in row.items() if key != "core_name"}
            for row in read_territories()
            if row["kind"] != "com" and f"R{row['region']}" not in COLLECTIVITES]
    table = Table("territory", MetaData(), autoload_with=connection)
    connection.execute(table.insert(), rows)


# --------------------------------------------------------------------------- autocomplete


def _autocomplete(client, q, **params):
    response = client.get("/api/v1/territoires", query_string={"q": q, **params})
    assert response.status_code == 200
    return response.get_json()


def test_autocomplete_finds_a_collectivite_by_name_and_by_number(client):
    first = _autocomplete(client, "saint martin")[0]
    assert first == {"code": "R978", "name": "Saint-Martin", "kind": "com",
                     "departement": "978", "region": "978", "population": first["population"],
                     "label": "Saint-Martin"}
    assert [t["code"] for t in _autocomplete(client, "978")][:2] == ["R978", "C97801"]
    assert _autocomplete(client, "polynésie")[0]["code"] == "R987"
    assert _autocomplete(client, "caledonie")[0]["code"] == "R988"
    papeete = _autocomplete(client, "Papeete")[0]
    assert (papeete["code"], papeete["label"]) == ("C98735", "Papeete (987)")


def test_autocomplete_filters_on_the_com_kind(client):
    found = _autocomplete(client, "saint", kind="com")
    assert {t["code"] for t in found} == {"R975", "R977", "R978"}
    assert {t["kind"] for t in _autocomplete(client, "wallis", kind="com,commune")} == {"com"}


# --------------------------------------------------------------------------- import


def test_a_saint_martin_record_imports(runner, db_session, tmp_path, client):
    papeete = {**SAINT_MARTIN, "title": "Un fablab à Papeete", "territory": {"code": "C98735"}}
    path = tmp_path / "fiches.json"
    path.write_text(json.dumps([SAINT_MARTIN, papeete], ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Territoire inconnu" not in result.output
    stored = {e.title: e for e in db_session.scalars(select(Experience))}
    martin = stored[SAINT_MARTIN["title"]]
    assert (martin.territory_code, martin.departement, martin.region) == ("R978", "978", "978")
    assert (stored["Un fablab à Papeete"].departement,
            stored["Un fablab à Papeete"].region) == ("987", "987")
    exported = client.get("/api/v1/experiences?region=978").get_json()["results"]
    assert [r["territory"]["kind"] for r in exported] == ["com"]


def test_an_uninhabited_collectivite_is_still_refused(runner, tmp_path):
    path = tmp_path / "fiches.json"
    record = {**SAINT_MARTIN, "territory": {"code": "R984"}}
    path.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code != 0
    assert "Territoire inconnu : R984" in result.output


# --------------------------------------------------------------------------- pages


def test_a_collectivite_page_lists_its_write_ups_and_those_of_its_communes(
        client, create_experience, text_of):
    create_experience(title="Le numérique à Saint-Pierre", territory_code="C97502")
    create_experience(title="Tablettes de la collectivité", territory_code="R975")
    create_experience(title="Ailleurs, à Guéret", territory_code="C23096")
    response = client.get("/territoires/R975")
    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Saint-Pierre-et-Miquelon</h1>" in page
    assert "Collectivité d'outre-mer" in page
    assert "Le numérique à Saint-Pierre" in page and "Tablettes de la collectivité" in page
    assert "Ailleurs, à Guéret" not in page
    assert "2 fiches d'expérience publiées" in page
    assert 'href="/recherche?region=975"' in page
    assert "kb-map" not in page  # no outline for a collectivité: no mini-map


def test_a_commune_page_leads_to_its_collectivite(client, create_experience, text_of):
    create_experience(title="Le numérique à Saint-Pierre", territory_code="C97502")
    page = text_of(client.get("/territoires/C97502"))
    assert "<h1>Saint-Pierre (975)</h1>" in page
    assert '<a href="/territoires/R975">Saint-Pierre-et-Miquelon</a>' in page
    assert "/territoires/D975" not in page
    assert "à la collectivité Saint-Pierre-et-Miquelon" in page


def test_the_departement_code_of_a_collectivite_redirects_to_it(client):
    response = client.get("/territoires/D978")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/territoires/R978")
    assert client.get("/territoires/D984").status_code == 404
    assert client.get("/territoires/D999").status_code == 404


# --------------------------------------------------------------------------- facets


def test_facets_name_the_collectivite(create_experience, search_api):
    create_experience(title="Un fablab à Papeete", territory_code="C98735")
    create_experience(title="Des tablettes à Guéret", territory_code="C23096")
    result = search_api()
    regions = {v["code"]: v["label"] for v in result["facets"]["region"]}
    departements = {v["code"]: v["label"] for v in result["facets"]["departement"]}
    assert regions == {"987": "Polynésie française", "75": "Nouvelle-Aquitaine"}
    assert departements == {"987": "Polynésie française (987)", "23": "Creuse (23)"}
    found = search_api(region="987")
    assert [r["title"] for r in found["results"]] == ["Un fablab à Papeete"]
    assert search_api(departement="987")["total"] == 1


def test_a_query_naming_a_collectivite_offers_its_filter(create_experience, search_api):
    create_experience(title="Des tablettes à Saint-Martin", territory_code="R978")
    suggestion = search_api(q="tablettes Saint-Martin")["territory_suggestion"]
    assert (suggestion["code"], suggestion["parameter"], suggestion["value"]) == (
        "R978", "region", "978")


def test_comparables_explain_a_collectivite_without_repeating_outre_mer(
        create_experience, db_session):
    from kb.search.comparables import Reference, explain

    barthelemy = create_experience(territory_code="R977", territory_types=("outre-mer",))
    reference = Reference(territory=get_territory(db_session, "R978"),
                          territory_types=("outre-mer",))
    assert explain(reference, barthelemy, 0.0).startswith(
        "Collectivité d'outre-mer de taille similaire")


# --------------------------------------------------------------------------- dashboard


def test_dashboard_table_has_the_collectivites_after_the_regions(
        client, create_experience, text_of):
    create_experience(title="Des tablettes à Saint-Martin", territory_code="R978")
    page = text_of(client.get("/tableau-de-bord"))
    table = page[page.index('id="themes-regions"'):]
    table = table[:table.index("</table>")]
    headers = re.findall(r'<a href="/territoires/(R\w+)">', table)
    assert headers[-6:] == ["R988", "R987", "R977", "R978", "R975", "R986"]  # by name
    assert len(headers) == 18 + 6
    assert 'href="/recherche?region=978"' in table


def test_collectivites_count_in_the_national_population(db_session):
    from kb.dashboard.territory_figures import territory_figures

    france = territory_figures(get_territory(db_session, "D23"), Experience.id < 0)
    regions = db_session.scalar(select(func.sum(Territory.population))
                                .where(Territory.kind == "region"))
    collectivites = db_session.scalar(select(func.sum(Territory.population))
                                      .where(Territory.kind == "com"))
    assert france.national_population == regions + collectivites
