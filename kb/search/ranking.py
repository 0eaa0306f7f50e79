"""Ranking the page shown: more of the query's words first, then BM25F — over every match.

The order is, for each matching write-up:

1. its *coverage*: how many of the query's counted groups (words, synonym groups, phrases;
   filler words aside) it holds, in any field — the vocabulary labels included;
2. its BM25F score for the query (any of the groups: :meth:`ParsedQuery.to_query`), raised by
   :data:`VOCABULARY_BOOST` for each vocabulary value the query names and the write-up carries
   (« lycéens » names the level ``lycee``: :mod:`kb.search.vocabulary`);
3. the document number (Whoosh's order for ties).

Every match is scored (:mod:`kb.search.scoring` evaluates the query as arrays over the index),
so the order is exact at any size: there is no candidate budget. Until issue 11 the page was
ranked from at most 120 candidates chosen by tier then recency, whose top 10 held 54 % of the
exact top 10 at 10,000 write-ups.
"""

from __future__ import annotations

import numpy as np

from kb.search.matching import MatchMasks
from kb.search.parsing import ParsedQuery
from kb.search.scoring import Scorer, bools
from kb.search.vocabulary import named_codes

#: Score factor per vocabulary value named by the query and carried by the write-up.
VOCABULARY_BOOST = 0.25


def ranked_page(scorer: Scorer, matches: MatchMasks, parsed: ParsedQuery, query, selected: int,
                offset: int, limit: int) -> list[int]:
    """Document numbers of the page ``[offset, offset + limit)`` in rank order."""
    docnums, coverage, scores = rank_keys(scorer, matches, parsed, query, selected)
    order = top_indexes(docnums, coverage, scores, offset + limit)
    return docnums[order[offset:offset + limit]].tolist()


def ranked(scorer: Scorer, matches: MatchMasks, parsed: ParsedQuery, query,
           selected: int) -> list[int]:
    """Every document of ``selected`` in rank order (tests, the benchmark)."""
    docnums, coverage, scores = rank_keys(scorer, matches, parsed, query, selected)
    return docnums[np.lexsort((docnums, -scores, -coverage))].tolist()


def rank_keys(scorer: Scorer, matches: MatchMasks, parsed: ParsedQuery, query, selected: int):
    """The selected documents (increasing), their coverage and their boosted score."""
    size = scorer.size
    docnums = np.flatnonzero(bools(selected, size))
    coverage = np.zeros(len(docnums), dtype=np.int32)
    groups = matches.groups(parsed)
    for index in parsed.counted():
        coverage += bools(groups[index], size)[docnums]
    scores = scorer.scores(query)[docnums]
    named = named_codes(parsed)
    if named:
        carried = np.zeros(len(docnums), dtype=np.int32)
        for name, code in named:
            carried += bools(matches.facets.selection(name, (code,)), size)[docnums]
        scores = scores * (1.0 + VOCABULARY_BOOST * carried)
    return docnums, coverage, scores


def top_indexes(docnums: np.ndarray, coverage: np.ndarray, scores: np.ndarray,
                count: int) -> np.ndarray:
    """Indexes of the ``count`` first documents by (coverage, score) decreasing, then document
    number: a partial selection first when the matches are many."""
    if count < len(docnums) // 4:
        # The count-th best (coverage, score) pair bounds the page; everything tied with it
        # is kept so that the final sort breaks ties by document number.
        key = coverage * (float(scores.max()) + 1.0) + scores if len(scores) else scores
        threshold = np.partition(key, len(key) - count)[len(key) - count]
        kept = np.flatnonzero(key >= threshold)
        order = np.lexsort((docnums[kept], -scores[kept], -coverage[kept]))
        return kept[order]
    return np.lexsort((docnums, -scores, -coverage))
