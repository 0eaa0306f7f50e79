"""BM25F of every match as arrays (kb.search.scoring) equals Whoosh's own scores, from the
shared files and from decoded postings alike; the page's order is the exact one."""

from __future__ import annotations

import math

import numpy as np
import pytest
from whoosh import index as whoosh_index

from kb.search.facets import docnums_of
from kb.search.indexer import extension
from kb.search.parsing import parse_query
from kb.search.ranking import ranked, ranked_page
from kb.search.schema import SCHEMA
from kb.search.shared import SegmentFile, file_name, length_bytes, posting_arrays
from kb.search.sync import rebuild_index

QUERIES = ["tablettes", "tablettes école", "fibre OR wifi", "tablettes -fibre", "TNI",
           '"école du village"', "très haut débit", "tablettes école fibre collèges",
           "tableau numérique interactif", "lycéens ordinateurs portables", "-fibre",
           "village tablettes tablettes", "+fibre école"]
PREFIX_QUERIES = ["tab*", "collège*", "num*"]


def _corpus(create_experience):
    for title, fields in (
        ("Des tablettes pour l'école du village", {"context": "Des tablettes, encore."}),
        ("La fibre à l'école", {"summary": "Des tablettes aussi, et du très haut débit."}),
        ("Un ENT pour les collèges", {"context": "Tablettes, tablettes et encore des tablettes."}),
        ("Wifi dans les classes", {"summary": "Un tableau numérique interactif par classe."}),
        ("Très haut débit pour les collèges", {"summary": "La fibre optique partout."}),
        ("Ordinateurs portables pour les lycéens", {"levels": ("lycee",)}),
        ("Numérique éducatif au village", {"summary": "Une école, un TNI, des tablettes."}),
    ):
        create_experience(title=title, themes=("gouvernance",), **fields)


def _whoosh_scores(searcher, query) -> dict[int, float]:
    """Every document's score as Whoosh's matchers compute it."""
    scores = {}
    for leaf, offset in searcher.leaf_searchers():
        matcher = query.matcher(leaf)
        while matcher.is_active():
            scores[matcher.id() + offset] = matcher.score()
            matcher.next()
    return scores


def _assert_same_scores(view, texts):
    for text in texts:
        parsed = parse_query(text)
        query = parsed.to_query()
        expected = _whoosh_scores(view.searcher, query)
        scores = view.scorer.scores(query)
        matches = view.matches.query(parsed)
        assert matches, text
        for docnum in docnums_of(matches):
            assert math.isclose(scores[docnum], expected.get(docnum, 0.0), rel_tol=1e-9), (
                text, docnum, scores[docnum], expected.get(docnum))


def test_scores_equal_whoosh_on_one_segment(app, create_experience, sync_index):
    _corpus(create_experience)
    sync_index()
    with app.app_context(), extension(app).service.view() as view:
        assert len(view.matches.leaves) == 1
        _assert_same_scores(view, QUERIES + PREFIX_QUERIES)


def test_scores_equal_whoosh_across_segments_and_deletions(app, create_experience, sync_index,
                                                           change_experience):
    _corpus(create_experience)
    sync_index()
    later = create_experience(title="Des tablettes et la fibre au collège",
                              summary="Tablettes pour les collèges.", themes=("gouvernance",))
    sync_index()
    change_experience(later, summary="Des tablettes, puis le wifi.")  # a deletion, a re-add
    sync_index()
    with app.app_context(), extension(app).service.view() as view:
        assert len(view.matches.leaves) > 1
        _assert_same_scores(view, QUERIES + PREFIX_QUERIES)


def test_decoded_postings_score_like_the_shared_files(app, create_experience, sync_index):
    _corpus(create_experience)
    sync_index()
    with app.app_context():
        ext = extension(app)
        rebuild_index(ext.store, ext.make_session)  # writes the shared files
        with ext.service.view() as view:
            assert ext.service.shared_files.opened()
            shared = {text: view.scorer.scores(parse_query(text).to_query()) for text in QUERIES}
        ext.service.shared_files.enabled = False
        try:
            with ext.service.view() as view:
                for text, scores in shared.items():
                    decoded = view.scorer.scores(parse_query(text).to_query())
                    assert np.allclose(decoded, scores, rtol=1e-12), text
            assert ext.service.decoded_postings.total > 0
        finally:
            ext.service.shared_files.enabled = True


def test_shared_files_hold_whoosh_weights_and_lengths(app, create_experience):
    _corpus(create_experience)
    with app.app_context():
        ext = extension(app)
        rebuild_index(ext.store, ext.make_session)
        directory = ext.store.path(ext.store.current_generation())
    index = whoosh_index.open_dir(str(directory), schema=SCHEMA)
    with index.reader() as reader:
        checked = 0
        for leaf, _offset in reader.leaf_readers():
            segment_id = leaf.segment().segment_id()
            shared = SegmentFile(directory / file_name(segment_id), segment_id,
                                 leaf.doc_count_all())
            assert {"title", "body", "places", "vocabulary"} <= shared.scored
            assert "spelling" not in shared.scored and "theme" not in shared.scored
            for field in shared.scored:
                lengths = length_bytes(leaf, field)
                assert np.array_equal(shared.lengths(field), lengths)
                for docnum in range(leaf.doc_count_all()):
                    stored = leaf.doc_field_length(docnum, field, 0) or 0
                    assert (lengths[docnum] == 0) == (stored == 0)
                for term in leaf.lexicon(field):
                    matcher = leaf.postings(field, term)
                    ids, weights = [], []
                    while matcher.is_active():
                        ids.append(matcher.id())
                        weights.append(matcher.weight())
                        matcher.next()
                    found_ids, found_weights = shared.postings(field, term)
                    assert found_ids.tolist() == ids
                    assert found_weights.tolist() == pytest.approx(weights, rel=1e-7)
                    terms = leaf._terms
                    decoded = posting_arrays(leaf, terms, field, term, terms.term_info(field, term))
                    assert decoded[0] == ids and decoded[1] == pytest.approx(weights, rel=1e-7)
                    checked += 1
        assert checked > 100
        assert shared.postings("title", "absentissime")[0].size == 0
        assert shared.postings("theme", "gouvernance") is None  # not a ranked field


def test_page_order_is_the_exact_order_at_every_offset(app, create_experience, sync_index):
    _corpus(create_experience)
    for number in range(40):
        create_experience(title=f"Tablettes numéro {number}",
                          summary="Des tablettes " + "et encore " * (number % 7),
                          themes=("gouvernance",))
    sync_index()
    with app.app_context(), extension(app).service.view() as view:
        parsed = parse_query("tablettes village encore")
        query = parsed.to_query()
        selected = view.matches.query(parsed, relaxed=True)
        order = ranked(view.scorer, view.matches, parsed, query, selected)
        assert len(order) == selected.bit_count() > 40
        expected = _whoosh_scores(view.searcher, query)
        counted = [view.matches.groups(parsed)[i] for i in parsed.counted()]
        keys = [(-sum(bool(mask >> d & 1) for mask in counted), -expected[d], d) for d in order]
        assert keys == sorted(keys)
        for offset, limit in ((0, 5), (5, 5), (10, 20), (40, 20)):
            assert ranked_page(view.scorer, view.matches, parsed, query, selected,
                               offset, limit) == order[offset:offset + limit]


def test_shared_files_hold_the_synonyms_phrases_as_whoosh_finds_them(app, create_experience):
    from whoosh.query import Phrase
    from whoosh.searching import Searcher

    from kb.search.shared import PHRASE_FIELDS, phrase_sequences, phrase_text

    create_experience(title="Un tableau numérique interactif par classe",
                      summary="Des classes mobiles et un tableau numérique interactif.")
    create_experience(title="Tableau des numéros", summary="Un tableau, un projet interactif.")
    with app.app_context():
        ext = extension(app)
        rebuild_index(ext.store, ext.make_session)
        directory = ext.store.path(ext.store.current_generation())
    index = whoosh_index.open_dir(str(directory), schema=SCHEMA)
    found = 0
    with index.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            segment_id = leaf.segment().segment_id()
            shared = SegmentFile(directory / file_name(segment_id), segment_id,
                                 leaf.doc_count_all())
            searcher = Searcher(leaf)
            for field in PHRASE_FIELDS:
                for tokens in phrase_sequences():
                    expected = set(searcher.docs_for_query(Phrase(field, list(tokens))))
                    mask = shared.term(field, phrase_text(tokens))
                    assert set(docnums_of(mask)) == expected, (field, tokens)
                    found += len(expected)
            assert shared.term("title", phrase_text(("tableau", "projet"))) is None
            assert not any(word.startswith("\x01") for word in shared.words("spelling"))
    assert found >= 3  # title and summary of the first, « classes mobiles »
    with app.app_context(), extension(app).service.view() as view:
        parsed = parse_query("TNI")
        assert view.matches.query(parsed).bit_count() == 1
