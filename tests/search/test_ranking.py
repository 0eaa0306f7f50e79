"""Matches as bitsets and the page's BM25F order agree with Whoosh's own search."""

from __future__ import annotations

from kb.search.facets import docnums_of, mask_from_docnums
from kb.search.indexer import extension
from kb.search.parsing import parse_query
from kb.search.ranking import ranked

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


def test_bitset_matches_and_ranking_equal_whoosh(app, create_experience, sync_index):
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
            expected = [docnum for _score, docnum in top]
            # Same order (these queries name no vocabulary value; every match holds all the
            # counted words or as many as the others, so coverage does not reorder them).
            scored = sorted(docnums_of(matches),
                            key=lambda d: (-view.scorer.scores(query)[d], d))[:20]
            assert scored == expected, text
            if len(parsed.counted()) <= 1:
                assert ranked(view.scorer, view.matches, parsed, query, matches)[:20] == expected
