"""The benchmark's inputs and its FTS5 baseline (nothing here is timed)."""

from __future__ import annotations

import json

import pytest

from bench.fts import Baseline, build, match_expression
from bench.relevance import ndcg
from bench.stats import percentile, summary
from bench.workload import misspellings, read_judgements, read_searches
from kb.demo.loader import read_demo_records
from kb.search.schema import FACET_NAMES


def test_query_list_has_200_realistic_searches_some_filtered():
    searches = read_searches()
    assert len(searches) >= 200
    assert all(1 <= len(search.q.split()) <= 4 for search in searches)
    filtered = [search for search in searches if search.filters]
    assert len(filtered) >= 20
    assert {name for search in filtered for name in search.filter_dict} <= set(FACET_NAMES)
    assert len(misspellings(searches)) >= 30


def test_judgements_name_published_demo_write_ups():
    published = {f"{r.source.removeprefix('experiences_')[0]}{r.index}"
                 for r in read_demo_records() if r.data.get("status") == "publiee"}
    judged = read_judgements()
    assert len(judged) >= 30
    for item in judged:
        assert item.grades and set(item.grades) <= published, item.q
        assert set(item.grades.values()) <= {1, 2, 3}


def test_realistic_set_has_40_write_ups_and_40_judged_queries_naming_them():
    from bench.realistic.build_records import build
    from bench.relevance import REALISTIC_JUDGEMENTS, REALISTIC_RECORDS

    records = json.loads(REALISTIC_RECORDS.read_text(encoding="utf-8"))
    assert records == build()  # records.json is what build_records.py makes of the sources
    keys = {record["bench_key"] for record in records}
    assert len(keys) == len(records) >= 40
    overseas = [r for r in records if "outre-mer" in r["territory_types"]]
    assert len(overseas) >= 10
    judged = read_judgements(REALISTIC_JUDGEMENTS)
    assert len(judged) >= 40
    for item in judged:
        assert item.grades and set(item.grades) <= keys, item.q
        assert set(item.grades.values()) <= {1, 2, 3}


@pytest.mark.parametrize("name", ["dev", "dev2"])
def test_development_sets_are_built_from_their_sources_and_judged_on_their_write_ups(name):
    from bench.realistic.build_records import build
    from bench.relevance import DEV_DIRS

    directory = DEV_DIRS[name]
    records = json.loads((directory / "records.json").read_text(encoding="utf-8"))
    assert records == build(directory)
    keys = {record["bench_key"] for record in records}
    assert len(keys) == len(records) >= 40
    judged = read_judgements(directory / "judgements.txt")
    assert len(judged) >= 40
    assert len({item.q for item in judged}) == len(judged)
    for item in judged:
        assert item.grades and set(item.grades) <= keys, item.q
        assert set(item.grades.values()) <= {1, 2, 3}
        assert max(item.grades.values()) >= 2, item.q


def test_ndcg_is_one_for_the_ideal_order_and_less_otherwise():
    grades = {"a1": 3, "a2": 1}
    assert ndcg(["a1", "a2"], grades) == 1
    assert ndcg(["a2", "a1"], grades) < 1
    assert ndcg(["b9"], grades) == 0


def test_percentiles_are_nearest_rank():
    values = [i / 1000 for i in range(1, 101)]
    assert percentile(values, 0.95) == 0.095
    assert summary(values)["p50_ms"] == 50


def test_fts_match_expression_quotes_every_word():
    assert match_expression('tablettes "école" AND') == '"tablettes" AND "école" AND "AND"'
    assert match_expression("fibre wifi", any_word=True) == '"fibre" OR "wifi"'
    assert match_expression("«»") is None


@pytest.fixture
def sqlite_path(app, backend):
    if backend != "sqlite":
        pytest.skip("the FTS5 baseline reads a SQLite database")
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def test_baseline_folds_accents_and_counts_like_the_engine(
        app, client, create_experience, sqlite_path, tmp_path):
    from kb.search.indexer import extension

    create_experience(title="Des tablettes à l'école", themes=("equipement",))
    create_experience(title="Tablettes et ENT", themes=("ent", "equipement"))
    # The factory's default equipment is « tablettes »: the engine finds a write-up by the labels
    # of its codes too (the FTS5 baseline only reads texts), so the fibre write-up carries fibre.
    create_experience(title="La fibre", themes=("connectivite",), equipment=("thd",))
    with app.app_context():
        extension(app).sync(wait=5.0)
    report = build(tmp_path / "fts.sqlite3", sqlite_path)
    assert report["documents"] == 3
    baseline = Baseline(tmp_path / "fts.sqlite3")
    try:
        assert baseline.plain("ecole", {})[0] == 1
        result = baseline.operation("tablettes", {"theme": ("ent",)})
        assert result["total"] == 1
        response = client.get("/api/v1/experiences?q=tablettes&theme=ent")
        engine = response.get_json()["facets"]["theme"]
        engine_counts = {value["code"]: value["count"] for value in engine if value["count"]}
        assert result["counts"]["theme"] == engine_counts
    finally:
        baseline.close()
    json.dumps(report)


def test_text_only_or_baseline_reads_neither_places_nor_organisations(
        app, create_experience, sqlite_path, tmp_path):
    from bench.relevance import fts_any_words, fts_any_words_in_text
    from kb.search.indexer import extension

    # Both write-ups are in the Creuse (the factory's commune); one names it in its text.
    named = create_experience(title="Des tablettes dans les écoles de la Creuse")
    create_experience(title="Des tablettes pour le village")
    with app.app_context():
        extension(app).sync(wait=5.0)
    build(tmp_path / "fts.sqlite3", sqlite_path)
    baseline = Baseline(tmp_path / "fts.sqlite3")
    try:
        assert len(fts_any_words(baseline, "Creuse")) == 2
        assert fts_any_words_in_text(baseline, "Creuse") == [named.id]
        assert len(fts_any_words_in_text(baseline, "tablettes Creuse")) == 2
        assert fts_any_words_in_text(baseline, "…") == []
    finally:
        baseline.close()


def test_engine_measurements_run_on_a_tiny_corpus(
        app, create_experience, sqlite_path, tmp_path):
    """The benchmark's in-process steps, on three write-ups (nothing is timed here)."""
    from bench import engine
    from bench.workload import Search
    from kb.search.indexer import extension

    for title in ("Des tablettes à l'école", "Tablettes et ENT", "La fibre au collège"):
        create_experience(title=title)
    with app.app_context():
        extension(app).sync(wait=5.0)
    build(tmp_path / "fts.sqlite3", sqlite_path)
    baseline = Baseline(tmp_path / "fts.sqlite3")
    searches = [Search("tablettes"), Search("fibre", (("theme", ("equipement",)),)),
                Search("ENT collège")]
    try:
        assert len(engine.time_operation(app, searches)) == 3
        assert len(engine.time_client(app, "/recherche", searches)) == 3
        stages = engine.compare_stages(app, searches, baseline)
    finally:
        baseline.close()
    assert stages["facet_counts_agree"] == "3/3"
    overlap = engine.ranking_overlap(app, searches)  # the arrays give Whoosh's own order
    assert (overlap["queries"], overlap["mean"], overlap["queries_in_other_order"]) == (3, 1.0, 0)
    assert engine.time_suggestions(app, ["tablete"])["offered"] == 1
    publish = engine.publish_delays(app, rounds=1)
    assert publish["max_ms"] < 30_000
