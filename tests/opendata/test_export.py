"""``/export.csv``, ``/export.json`` and ``kb export``: published write-ups only, the filters
of ``/recherche``, streamed in chunks, CSV defused against formulas, no personal data."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import event

from kb.experiences.models import Label, Replication
from kb.opendata import selection, streams
from kb.opendata.fields import FIELDS, FIELDS_BY_NAME
from kb.opendata.records import CSV_COLUMNS, RECORD_KEYS
from kb.opendata.selection import params_from_args, selected_ids
from kb.search.labels import known_codes
from kb.search.params import parse_search_args
from kb.search.queries import run_search


def csv_rows(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "the CSV starts with a BOM for Excel"
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def exported_titles(client, path: str, **params) -> list[str]:
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    if path.endswith(".csv"):
        return [row["title"] for row in csv_rows(response)]
    return [record["title"] for record in response.get_json()]


def test_csv_export_is_a_dated_attachment_with_a_header_row(client, corpus):
    response = client.get("/export.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.content_type == "text/csv; charset=utf-8"
    name = f"experiences-{date.today().isoformat()}.csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    text = response.get_data(as_text=True)
    header = next(csv.reader(io.StringIO(text[1:])))
    assert tuple(header) == CSV_COLUMNS
    assert "\r\n" in text


def test_json_export_is_an_array_of_records_in_documented_order(client, corpus):
    response = client.get("/export.json")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/json"
    name = f"experiences-{date.today().isoformat()}.json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    records = json.loads(response.get_data(as_text=True))
    assert [r["title"] for r in records] == [
        corpus["robots"].title, corpus["ent"].title, corpus["tablettes"].title,
    ]  # newest first, as on /recherche
    assert all(list(record) == list(RECORD_KEYS) for record in records)
    assert records[0]["url"] == f"http://localhost/experiences/{corpus['robots'].id}-robots"
    assert records[2]["published_at"] == "2023-05-02T09:00:00Z"


def test_empty_export_is_still_valid(client, corpus):
    assert client.get("/export.json?theme=evaluation").get_json() == []
    assert exported_titles(client, "/export.csv", theme="evaluation") == []


@pytest.mark.parametrize("path", ["/export.csv", "/export.json"])
def test_exports_hold_published_write_ups_only(client, corpus, path):
    titles = exported_titles(client, path)
    assert sorted(titles) == sorted(corpus[k].title for k in ("tablettes", "ent", "robots"))
    assert not any("Brouillon" in t or "soumise" in t or "archivée" in t for t in titles)


@pytest.mark.parametrize("path", ["/export.csv", "/export.json"])
def test_exports_hold_no_personal_data(client, corpus, secrets_of, path):
    text = client.get(path).get_data(as_text=True)
    for secret in secrets_of:
        assert secret not in text
    assert "contact" not in text


def test_csv_lists_are_joined_with_a_bar_and_territory_flattened(client, corpus):
    rows = csv_rows(client.get("/export.csv"))
    (row,) = [r for r in rows if r["id"] == str(corpus["tablettes"].id)]
    assert row["themes"] == "equipement|formation"
    assert row["funders"] == "État|Commune"
    assert row["territory_code"] == "C23096"
    assert row["departement"] == "23" and row["region"] == "75"
    assert row["organisation_kind"] == "commune"
    assert row["label"] == "" and row["replications"] == "0"


@pytest.mark.parametrize("dangerous", [
    "=HYPERLINK(\"http://evil.example\",\"clic\")", "+33 1 23", "-2+3", "@SUM(A1:A2)",
    "\tcaché", "\rcaché", "'déjà protégé",
])
def test_csv_cells_a_spreadsheet_would_run_are_neutralised(client, create_experience,
                                                           dangerous):
    create_experience(title=dangerous, summary=dangerous, partners=dangerous)
    (row,) = csv_rows(client.get("/export.csv"))
    for column in ("title", "summary", "partners"):
        assert row[column] == "'" + dangerous
    assert client.get("/export.json").get_json()[0]["title"] == dangerous


def test_label_and_replications_are_exported(client, corpus, db_session):
    db_session.add(Label(experience_id=corpus["tablettes"].id, justification="Exemplaire."))
    db_session.add(Replication(source_id=corpus["tablettes"].id, replica_id=corpus["robots"].id))
    db_session.commit()
    records = {r["id"]: r for r in client.get("/export.json").get_json()}
    assert records[corpus["tablettes"].id]["label"] == "Exemplaire."
    assert records[corpus["tablettes"].id]["replications"] == 1
    assert records[corpus["robots"].id]["replications"] == 0


@pytest.mark.parametrize(("params", "expected"), [
    ({"theme": "equipement"}, {"tablettes"}),
    ({"theme": ["ent", "programmation"]}, {"ent", "robots"}),  # OR within a facet
    ({"theme": ["equipement", "ent"], "departement": "23"}, {"tablettes", "ent"}),
    ({"theme": ["equipement", "programmation"], "territoire": "urbain"}, {"robots"}),  # AND
    ({"niveau": "college"}, {"ent"}),
    ({"equipement": "robots"}, {"robots"}),
    ({"organisation": "departement"}, {"ent"}),
    ({"region": "75"}, {"tablettes", "ent", "robots"}),  # Creuse and Gironde
    ({"region": "11"}, set()),
    ({"annee": "2024"}, {"ent", "robots"}),
    ({"annee": ["2023", "2024"], "departement": "33"}, {"robots"}),
    ({"q": "tablettes"}, {"tablettes"}),
    ({"q": "écoles", "departement": "33"}, {"robots"}),
])
@pytest.mark.parametrize("path", ["/export.csv", "/export.json"])
def test_exports_take_the_filters_of_the_search(client, corpus, params, expected, path):
    titles = exported_titles(client, path, **params)
    assert sorted(titles) == sorted(corpus[name].title for name in expected)


def test_budget_sort_puts_unknown_budgets_last(client, corpus):
    titles = exported_titles(client, "/export.json", tri="budget")
    assert titles == [corpus[k].title for k in ("tablettes", "robots", "ent")]


@pytest.mark.parametrize("args", [
    {}, {"theme": ["equipement", "programmation"]}, {"departement": ["23"], "niveau": ["college"]},
    {"annee": ["2024"], "territoire": ["rural"]}, {"organisation": ["commune"]},
    {"tri": ["budget"]},
])
def test_database_selection_matches_the_search_index(app, client, corpus, args):
    """Filters only: the SQL selection finds exactly what ``/recherche`` finds, in order."""
    from werkzeug.datastructures import MultiDict

    query = MultiDict([(k, v) for k, values in args.items() for v in values])
    params = params_from_args(query)
    expected = run_search(parse_search_args(query, known_codes, strict=True)).experiences
    from kb.db import session

    assert selected_ids(session, params) == [e.id for e in expected]


def test_words_rank_the_export_like_the_search(client, corpus, db_session):
    from werkzeug.datastructures import MultiDict

    query = MultiDict([("q", "écoles tablettes")])
    expected = [e.id for e in run_search(parse_search_args(query, known_codes)).experiences]
    assert selected_ids(db_session, params_from_args(query)) == expected
    assert [r["id"] for r in client.get("/export.json?q=écoles+tablettes").get_json()] == expected


def test_unknown_code_is_refused_rather_than_exporting_everything(client, corpus):
    response = client.get("/export.json?theme=inconnu")
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == "theme" and "inconnu" in body["message"]
    response = client.get("/export.csv?departement=999")
    assert response.status_code == 400
    assert "departement" in response.get_data(as_text=True)
    assert client.get("/export.csv?tri=hasard").status_code == 400


def test_page_parameters_do_not_paginate_an_export(client, corpus):
    assert len(client.get("/export.json?page=0&per_page=1").get_json()) == 3


def test_index_down_with_words_gives_503(client, corpus, monkeypatch):
    from kb.search.store import IndexUnavailable

    def broken(*args, **kwargs):
        raise IndexUnavailable("error", "Index illisible.")

    monkeypatch.setattr("kb.search.queries.search_index", broken)
    assert client.get("/export.json?q=tablettes").status_code == 503
    assert client.get("/export.csv?q=tablettes").status_code == 503
    assert client.get("/export.csv?theme=ent").status_code == 200  # no words: no index needed


# --------------------------------------------------------------------------- streaming


@pytest.fixture
def statements(app):
    """Count the SQL statements the application's engine runs."""
    seen: list[str] = []
    engine = app.extensions["kb.engine"]

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_rows_are_read_in_chunks_with_a_constant_number_of_queries(
    create_experience, db_session, statements, monkeypatch
):
    """No N+1: a few queries per chunk of write-ups (the rows, each relation, the replication
    counts), however many records the chunk holds."""
    monkeypatch.setattr(streams, "chunks", lambda ids: selection.chunks(ids, 4))
    ids = [create_experience(title=f"Fiche {number}").id for number in range(10)]

    def queries_for(wanted: list[int]) -> int:
        with streams.export_session() as session:
            statements.clear()
            records = list(streams.iter_records(session, wanted, lambda e: None))
            assert [r["id"] for r in records] == wanted
            return len(statements)

    per_chunk = queries_for(ids[:4])
    assert per_chunk <= 7  # the rows, terms, territory, organisation, label, attachments, counts
    assert queries_for(ids[:1]) == per_chunk
    assert queries_for(ids) == 3 * per_chunk  # 10 records: chunks of 4, 4 and 2


def test_export_is_produced_lazily_chunk_by_chunk(client, create_experience, monkeypatch):
    loaded: list[list[int]] = []
    original = streams.load_published

    def spy(session, ids):
        loaded.append(ids)
        return original(session, ids)

    for number in range(5):
        create_experience(title=f"Fiche {number}")
    monkeypatch.setattr(streams, "load_published", spy)
    monkeypatch.setattr(streams, "chunks", lambda ids: selection.chunks(ids, 2))
    response = client.get("/export.json")
    pieces = iter(response.response)
    next(pieces), next(pieces)  # the opening and the first record
    assert len(loaded) == 1
    rest = b"".join(pieces).decode()
    assert len(loaded) == 3 and rest.endswith("\n]\n")
    response.close()


# --------------------------------------------------------------------------- kb export


def test_cli_exports_json_and_csv_with_filters(runner, corpus, tmp_path):
    target = tmp_path / "creuse.json"
    result = runner.invoke(args=["export", str(target), "--departement", "23",
                                 "--base-url", "https://donnees.example.org/"])
    assert result.exit_code == 0, result.output
    assert "2 fiches exportées" in result.output
    records = json.loads(target.read_text(encoding="utf-8"))
    assert {r["title"] for r in records} == {corpus["tablettes"].title, corpus["ent"].title}
    assert records[0]["url"].startswith("https://donnees.example.org/experiences/")
    target = tmp_path / "tout.csv"
    result = runner.invoke(args=["export", str(target), "--theme", "ent", "--theme",
                                 "programmation"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert {row["title"] for row in rows} == {corpus["ent"].title, corpus["robots"].title}
    assert all(row["url"] == "" for row in rows)  # no --base-url: no address known
    result = runner.invoke(args=["export", str(target), "--q", "robots", "--tri", "date"])
    assert result.exit_code == 0, result.output
    assert "1 fiche exportée" in result.output
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize(("args", "message"), [
    (["export", "fiches.ods"], "doit finir par .json, .csv ou .xlsx"),
    (["export", "fiches.csv", "--theme", "inconnu"], "Code inconnu pour le paramètre"),
])
def test_cli_export_refuses_bad_arguments_in_french(runner, tmp_path, args, message):
    args[1] = str(tmp_path / args[1])
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert message in result.output
    assert not list(tmp_path.iterdir())


def test_every_field_and_column_is_documented_in_order():
    assert tuple(FIELDS_BY_NAME) == RECORD_KEYS
    assert tuple(c for field in FIELDS for c in field.csv_columns) == CSV_COLUMNS


def test_stale_index_entry_is_not_exported(client, corpus, db_session):
    assert len(client.get("/export.json?q=écoles").get_json()) == 2
    corpus["robots"].state = "brouillon"  # no outbox row: the index keeps it for now
    db_session.commit()
    titles = exported_titles(client, "/export.json", q="écoles")
    assert titles == [corpus["tablettes"].title]
