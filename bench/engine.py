"""Timings of the search engine in process: the search operation, its stages, the page and the
API through the Flask test client, spelling suggestions, and publish-to-searchable."""

from __future__ import annotations

import time

from flask import Flask
from werkzeug.datastructures import MultiDict

from bench.fts import Baseline
from bench.stats import summary, timed
from bench.workload import Search


def _args(search: Search) -> MultiDict:
    return MultiDict(search.pairs)


def _service(app: Flask):
    from kb.search.indexer import extension

    with app.app_context():
        return extension(app).service


def clear_result_pages(app: Flask) -> None:
    """Forget cached result pages (term bitsets stay: a running server keeps them too)."""
    _service(app).result_pages.clear()


def search_operation(app: Flask, search: Search):
    """``run_search`` as ``/recherche`` calls it: query, total, every facet count, the page's
    write-ups from the database, snippets, suggestions."""
    from kb.search.labels import known_codes
    from kb.search.params import parse_search_args
    from kb.search.queries import run_search

    with app.test_request_context("/recherche"):
        return run_search(parse_search_args(_args(search), known_codes))


def time_operation(app: Flask, searches: list[Search]) -> list[float]:
    return timed(lambda search: search_operation(app, search), searches)


def time_client(app: Flask, path: str, searches: list[Search]) -> list[float]:
    client = app.test_client()

    def get(search: Search) -> None:
        response = client.get(f"{path}?{search.query_string}")
        if response.status_code != 200:
            raise RuntimeError(f"{path} {search.q!r}: HTTP {response.status_code}")

    return timed(get, searches)


def docnum_ids(app: Flask) -> list[int]:
    """Write-up id by document number, for the whole index (to hand FTS5 the same matches)."""
    with _service(app).view() as view:
        reader = view.searcher.reader()
        ids = [0] * reader.doc_count_all()
        for docnum, fields in reader.iter_docs():
            ids[docnum] = int(fields["id"])
        return ids


def compare_stages(app: Flask, searches: list[Search], baseline: Baseline) -> dict:
    """Per query, the engine's stages and FTS5's counterparts, timed one after the other:

    * plain: matches, total and the top 20 ids (engine) — ``count(*)`` and ``ORDER BY bm25``
      with the filters (FTS5);
    * facets: every facet count over the engine's matches, each facet with the other filters
      (engine bitsets — FTS5 ``GROUP BY`` on the same matches, loaded into a temporary table
      beforehand, untimed); the counts are compared.
    """
    from kb.search.params import SearchParams
    from kb.search.parsing import clean_query_text, parse_query
    from kb.search.queries import _intersect, facet_counts, match_documents, rank_page

    ids = docnum_ids(app)
    figures: dict[str, list[float]] = {"plain": [], "facets": [], "fts_plain": [],
                                       "fts_facets": []}
    agree = 0
    service = _service(app)
    for search in searches:
        text, _cut = clean_query_text(search.q)
        parsed, params = parse_query(text), SearchParams(q=text, filters=search.filter_dict)
        with app.app_context(), service.view() as view:
            facets = view.facets
            started = time.perf_counter()
            matches, relaxed = match_documents(view, parsed)
            selections = {n: facets.selection(n, c) for n, c in params.filters.items()}
            selected = _intersect(matches, selections.values())
            total = selected.bit_count()
            page = rank_page(view, parsed, parsed.to_query(relaxed=relaxed), selected, params, 0)
            [view.searcher.stored_fields(docnum)["id"] for docnum in page]
            figures["plain"].append(time.perf_counter() - started)
            started = time.perf_counter()
            selections = {n: facets.selection(n, c) for n, c in params.filters.items()}
            counts = facet_counts(facets, matches, selections)
            figures["facets"].append(time.perf_counter() - started)
            matched_ids = [ids[d] for d in _docnums(matches)]
        started = time.perf_counter()
        baseline.plain(search.q, search.filter_dict)
        figures["fts_plain"].append(time.perf_counter() - started)
        baseline.load_hits(matched_ids)
        started = time.perf_counter()
        fts_counts = baseline.facet_counts(search.filter_dict)
        figures["fts_facets"].append(time.perf_counter() - started)
        agree += counts == fts_counts
        del total
    result = {name: summary(values) for name, values in figures.items()}
    result["facet_counts_agree"] = f"{agree}/{len(searches)}"
    return result


def _docnums(mask: int):
    from kb.search.facets import docnums_of

    return docnums_of(mask)


def time_suggestions(app: Flask, words: list[str]) -> dict:
    """``spelling_suggestion`` for misspelled words (the did-you-mean step alone)."""
    from kb.search.parsing import parse_query
    from kb.search.suggestions import spelling_suggestion

    service = _service(app)
    durations, offered = [], 0
    for word in words:
        with app.app_context(), service.view() as view:
            parsed = parse_query(word)
            total = view.matches.query(parsed).bit_count()
            started = time.perf_counter()
            suggestion = spelling_suggestion(view, parsed, total)
            durations.append(time.perf_counter() - started)
            offered += suggestion is not None
    return {**summary(durations), "offered": offered}


def publish_delays(app: Flask, rounds: int = 5) -> dict:
    """Seconds from the commit of an edit (a new word in a published write-up's title, with
    its outbox row, as an operation writes it) until a search finds it on this process; plus
    the index's segments and size before and after (incremental commits)."""
    from sqlalchemy import select

    from kb import db
    from kb.experiences.models import Experience
    from kb.search.models import enqueue

    service = _service(app)
    before = _index_shape(service)
    delays = []
    for number in range(rounds):
        word = f"zorglub{number}x{int(time.time())}"
        with app.test_request_context("/"):
            experience = db.session.scalars(
                select(Experience).where(Experience.state == "publiee")
                .order_by(Experience.id).offset(1000 * number + 7).limit(1)
            ).first() or db.session.scalars(select(Experience).limit(1)).first()
            experience.title = f"{experience.title} {word}"
            enqueue(db.session, experience.id)
            started = time.perf_counter()
            db.commit()
        delays.append(_wait_until_found(app, word, started))
    return {"rounds": rounds, **summary(delays), "before": before,
            "after": _index_shape(service)}


def _wait_until_found(app: Flask, word: str, started: float, limit: float = 30.0) -> float:
    while time.perf_counter() - started < limit:
        if search_operation(app, Search(word)).total:
            return time.perf_counter() - started
        time.sleep(0.01)
    return float("inf")


def _index_shape(service) -> dict:
    with service.view() as view:
        segments = len(view.searcher.reader().leaf_readers())
        path = service.store.path(view.generation)
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    return {"segments": segments, "bytes": size}


def ranking_overlap(app: Flask, searches: list[Search], k: int = 10) -> dict:
    """overlap@k between the page's ranking (every match scored as arrays:
    :mod:`kb.search.scoring`) and the reference order — every match scored by Whoosh's own
    matchers, one document at a time, with the same order rules (coverage, boosted BM25F,
    document number) — for each query with matches: the share of the reference top ``k`` that
    the page's top ``k`` holds. Also how many queries' top ``k`` differ in order at all."""
    import numpy as np

    from kb.search.facets import docnums_of
    from kb.search.parsing import clean_query_text, parse_query
    from kb.search.queries import _intersect, match_documents
    from kb.search.ranking import rank_keys, ranked_page

    service = _service(app)
    overlaps, reordered, matches_count = [], 0, []
    for search in searches:
        text, _cut = clean_query_text(search.q)
        parsed = parse_query(text)
        if parsed.is_empty:
            continue
        with app.app_context(), service.view() as view:
            matches, _relaxed = match_documents(view, parsed)
            selected = _intersect(matches, (view.facets.selection(name, codes)
                                            for name, codes in search.filters))
            if not selected:
                continue
            query = parsed.to_query()
            page = ranked_page(view.scorer, view.matches, parsed, query, selected, 0, k)
            docnums, coverage, boosted = rank_keys(view.scorer, view.matches, parsed, query,
                                                   selected)
            arrays = view.scorer.scores(query)[docnums]
            factors = np.divide(boosted, arrays, out=np.ones_like(boosted), where=arrays > 0)
            whoosh = _matcher_scores(view.searcher, query, list(docnums_of(selected)))
            reference = sorted(range(len(docnums)), key=lambda i: (
                -coverage[i], -whoosh.get(int(docnums[i]), 0.0) * factors[i], docnums[i]))
            exact = [int(docnums[i]) for i in reference[:k]]
        overlaps.append(len(set(exact) & set(page)) / len(exact))
        reordered += exact != page
        matches_count.append(selected.bit_count())
    return {
        "k": k, "queries": len(overlaps), "candidates": "all",
        "mean": round(sum(overlaps) / len(overlaps), 3) if overlaps else None,
        "min": round(min(overlaps), 3) if overlaps else None,
        "queries_in_other_order": reordered,
        "below_0_9": sum(1 for value in overlaps if value < 0.9),
        "matches_p50": sorted(matches_count)[len(matches_count) // 2] if matches_count else 0,
        "matches_max": max(matches_count, default=0),
    }


def _matcher_scores(searcher, query, docnums: list[int]) -> dict[int, float]:
    """Whoosh's score of each of ``docnums`` (increasing), its matchers moved to each."""
    scores: dict[int, float] = {}
    for leaf, offset in searcher.leaf_searchers():
        end = offset + leaf.reader().doc_count_all()
        local = [docnum - offset for docnum in docnums if offset <= docnum < end]
        if not local:
            continue
        matcher = query.matcher(leaf)
        for docnum in local:
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
            if matcher.id() == docnum:
                scores[docnum + offset] = matcher.score()
    return scores
