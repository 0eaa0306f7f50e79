"""Matches as bitsets and the bounded BM25F scoring agree with Whoosh's own search."""

from __future__ import annotations

from kb.search.analysis import stem_word
from kb.search.facets import docnums_of, mask_from_docnums
from kb.search.indexer import extension
from kb.search.parsing import parse_query
from kb.search.ranking import candidate_docnums, score_candidates

QUERIES = ["tablettes", "tablettes école", "fibre OR wifi", "tablettes -fibre", "TNI",
           '"école du village"', "tab*", "très haut débit", "tablettes école fibre",
           "tablettes école classes collèges", '"école" tablettes fibre wifi']


def _write_ups(create_experience):
    """Five write-ups whose words are all in their texts (no vocabulary code names them)."""
    for title, fields in (
        ("Des tablettes pour l'école du village", {}),
        ("La fibre à l'école", {"summary": "Des tablettes aussi."}),
        ("Un ENT", {"context": "Tablettes, tablettes et encore des tablettes."}),
        ("Wifi dans les classes", {"summary": "Un tableau numérique interactif."}),
        ("Très haut débit pour les collèges", {}),
    ):
        create_experience(title=title, themes=("gouvernance",), equipment=(), levels=(),
                          territory_types=(), **fields)


def test_bitset_matches_and_candidate_scoring_equal_whoosh(app, create_experience, sync_index):
    _write_ups(create_experience)
    sync_index()
    with app.app_context(), extension(app).service.view() as view:
        searcher, size = view.searcher, view.facets.size
        for text in QUERIES:
            parsed = parse_query(text)
            expected = mask_from_docnums(searcher.docs_for_query(parsed.match_query()), size)
            matches = view.matches.query(parsed)
            assert matches == expected & view.facets.live, text
            query, allowed = parsed.to_query(), set(docnums_of(matches))
            top = searcher.search(query, limit=20, filter=allowed).top_n if allowed else []
            ranked = [docnum for _score, docnum in top]
            assert score_candidates(searcher, query, list(docnums_of(matches)), 20) == ranked


def test_over_budget_candidates_come_from_the_title_first(app, create_experience, sync_index):
    _write_ups(create_experience)
    sync_index()
    with app.app_context(), extension(app).service.view() as view:
        parsed = parse_query("tablettes")
        matches = view.matches.query(parsed)
        assert matches.bit_count() == 3
        reader, stem = view.searcher.reader(), stem_word("tablettes")
        (in_title,) = reader.postings("title", stem).all_ids()
        (in_summary,) = reader.postings("summary", stem).all_ids()
        assert candidate_docnums(view.matches, parsed, matches, budget=1) == [in_title]
        assert candidate_docnums(view.matches, parsed, matches, budget=2) == sorted(
            [in_title, in_summary])
