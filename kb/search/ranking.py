"""Ranking the page shown: more of the query's words first, then BM25F, on a bounded set of
candidates.

The order is, for each matching write-up:

1. its *coverage*: how many of the query's counted groups (words, synonym groups, phrases;
   filler words aside) it holds, in any field — the vocabulary labels included;
2. its BM25F score for the query (any of the groups: :meth:`ParsedQuery.to_query`), raised by
   :data:`VOCABULARY_BOOST` for each vocabulary value the query names and the write-up carries
   (« lycéens » names the level ``lycee``: :mod:`kb.search.vocabulary`);
3. the document number (Whoosh's order for ties).

Whoosh ranks by walking every matching document through a union of field matchers: for a
common word at 100,000 write-ups that is tens of thousands of documents in Python, for 20
shown. Here the query's own matcher is only moved (``skip_to``) to candidate documents, and
scored there, so the cost follows the number of candidates, not the size of the index.

When the matches are at most :data:`CANDIDATES` (the usual case for precise queries, and every
case on a small index) they are all candidates: the ranking is exact. Beyond, candidates are
taken by decreasing coverage, and within a coverage level from the strongest tier first —
every query group found in the title, then in the title, summary or place names, then any
group there, then the rest — which is where BM25F's top lies, as the title and summary weigh
most; within a tier larger than what is left of the budget, the most recently indexed
documents are taken. (Deep pages of such large result sets score a larger budget, a superset
of the first pages' candidates: their order may differ slightly from the pages before them.)
"""

from __future__ import annotations

import heapq

from kb.search.facets import docnums_of, mask_from_docnums
from kb.search.matching import MatchMasks, coverage_levels
from kb.search.parsing import ParsedQuery
from kb.search.vocabulary import named_codes

#: Documents scored for a page at most (more when a deep page needs it).
CANDIDATES = 120
TITLE_FIELDS = ("title", "title_exact")
STRONG_FIELDS = ("title", "summary", "title_exact", "summary_exact", "places")
#: Score factor per vocabulary value named by the query and carried by the write-up.
VOCABULARY_BOOST = 0.25


def ranked_page(searcher, matches: MatchMasks, parsed: ParsedQuery, query, selected: int,
                offset: int, limit: int) -> list[int]:
    """Document numbers of the page ``[offset, offset + limit)`` in rank order."""
    budget = max(CANDIDATES, 2 * (offset + limit))
    counted = counted_masks(matches, parsed)
    candidates = candidate_docnums(matches, parsed, selected, budget, counted)
    return rank_candidates(searcher, matches, parsed, query, candidates, counted)[
        offset:offset + limit]


def counted_masks(matches: MatchMasks, parsed: ParsedQuery) -> list[int]:
    groups = matches.groups(parsed)
    return [groups[i] for i in parsed.counted()]


def rank_candidates(searcher, matches: MatchMasks, parsed: ParsedQuery, query,
                    candidates: list[int], counted: list[int]) -> list[int]:
    """The candidates by coverage, boosted score, document number."""
    scores = candidate_scores(searcher, query, candidates)
    coverage = coverage_of(counted, candidates)
    boosts = vocabulary_boosts(matches, parsed, candidates)
    return sorted(candidates, key=lambda docnum: (
        -coverage.get(docnum, 0), -scores.get(docnum, 0.0) * boosts.get(docnum, 1.0), docnum))


def coverage_of(masks: list[int], docnums: list[int]) -> dict[int, int]:
    """How many of ``masks`` hold each of ``docnums``."""
    wanted = mask_from_docnums(docnums, max(docnums, default=0) + 1)
    counts: dict[int, int] = {}
    for mask in masks:
        for docnum in docnums_of(mask & wanted):
            counts[docnum] = counts.get(docnum, 0) + 1
    return counts


def vocabulary_boosts(matches: MatchMasks, parsed: ParsedQuery,
                      docnums: list[int]) -> dict[int, float]:
    """Score factor of each candidate: ``1 + VOCABULARY_BOOST`` per named value it carries."""
    named = named_codes(parsed)
    if not named or not docnums:
        return {}
    wanted = mask_from_docnums(docnums, max(docnums) + 1)
    masks = [matches.facets.selection(name, (code,)) for name, code in named]
    counts = coverage_of([mask & wanted for mask in masks], docnums)
    return {docnum: 1.0 + VOCABULARY_BOOST * count for docnum, count in counts.items()}


def candidate_docnums(matches: MatchMasks, parsed: ParsedQuery, selected: int,
                      budget: int, counted: list[int] | None = None) -> list[int]:
    """At most ``budget`` documents of ``selected`` (all of them when they fit), increasing:
    the highest coverage levels first, each by tiers."""
    if selected.bit_count() <= budget:
        return list(docnums_of(selected))
    if counted is None:
        counted = counted_masks(matches, parsed)
    levels = coverage_levels(counted, len(counted))
    chosen = 0
    for level in [*reversed(levels[1:]), selected]:
        for tier in _tiers(matches, parsed, level & selected):
            tier &= ~chosen
            room = budget - chosen.bit_count()
            if tier.bit_count() <= room:
                chosen |= tier
            else:
                return list(docnums_of(chosen | _highest(tier, room)))
    return list(docnums_of(chosen))


def _tiers(matches: MatchMasks, parsed: ParsedQuery, selected: int):
    groups_title = [matches.group_in_fields(group, TITLE_FIELDS) for group in parsed.groups]
    groups_strong = [matches.group_in_fields(group, STRONG_FIELDS) for group in parsed.groups]
    yield _all(groups_title, selected)
    yield _all(groups_strong, selected)
    any_strong = 0
    for mask in groups_strong:
        any_strong |= mask
    yield any_strong & selected
    yield selected


def _all(masks: list[int], selected: int) -> int:
    result = selected if masks else 0
    for mask in masks:
        result &= mask
    return result


def _highest(mask: int, count: int) -> int:
    """The ``count`` highest document numbers of ``mask`` (the most recently indexed)."""
    data = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
    kept = 0
    for index in range(len(data) - 1, -1, -1):
        byte = data[index]
        while byte and count:
            bit = byte.bit_length() - 1
            kept |= 1 << (index * 8 + bit)
            byte &= ~(1 << bit)
            count -= 1
        if not count:
            break
    return kept


def candidate_scores(searcher, query, docnums: list[int]) -> dict[int, float]:
    """The query's score of each of ``docnums`` (increasing) that it matches. Each leaf's
    matcher only skips to the candidates."""
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


def score_candidates(searcher, query, docnums: list[int], limit: int) -> list[int]:
    """The ``limit`` best of ``docnums`` (increasing) by the query's score alone; ties by
    docnum, as Whoosh orders them."""
    scores = candidate_scores(searcher, query, docnums)
    best = heapq.nlargest(limit, ((score, -docnum) for docnum, score in scores.items()))
    return [-negated for _score, negated in best]
