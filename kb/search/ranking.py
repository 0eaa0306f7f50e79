"""Ranking the page shown by BM25F, scoring a bounded set of candidates.

Whoosh ranks by walking every matching document through a union of seven field matchers: for
a common word at 100,000 write-ups that is tens of thousands of documents in Python, for 20
shown. Here the query's own matcher is only moved (``skip_to``) to candidate documents, and
scored there, so the cost follows the number of candidates, not the size of the index.

When the matches are at most :data:`CANDIDATES` (the usual case for precise queries, and every
case on a small index) they are all candidates: the ranking is exactly Whoosh's BM25F. Beyond,
candidates are taken from the strongest tier first — every query group found in the title,
then in the title, summary or place names, then any group there, then the rest — which is where
BM25F's top lies, as the title and summary weigh most; within a tier larger than what is left
of the budget, the most recently indexed documents are taken. (Deep pages of such large
result sets score a larger budget, a superset of the first pages' candidates: their order may
differ slightly from the pages before them.)
"""

from __future__ import annotations

import heapq

from kb.search.facets import docnums_of
from kb.search.matching import MatchMasks
from kb.search.parsing import ParsedQuery

#: Documents scored for a page at most (more when a deep page needs it).
CANDIDATES = 120
TITLE_FIELDS = ("title", "title_exact")
STRONG_FIELDS = ("title", "summary", "title_exact", "summary_exact", "places")


def ranked_page(searcher, matches: MatchMasks, parsed: ParsedQuery, query, selected: int,
                offset: int, limit: int) -> list[int]:
    """Document numbers of the page ``[offset, offset + limit)`` by decreasing score."""
    budget = max(CANDIDATES, 2 * (offset + limit))
    candidates = candidate_docnums(matches, parsed, selected, budget)
    return score_candidates(searcher, query, candidates, offset + limit)[offset:]


def candidate_docnums(matches: MatchMasks, parsed: ParsedQuery, selected: int,
                      budget: int) -> list[int]:
    """At most ``budget`` documents of ``selected`` (all of them when they fit), increasing."""
    if selected.bit_count() <= budget:
        return list(docnums_of(selected))
    chosen = 0
    for tier in _tiers(matches, parsed, selected):
        tier &= ~chosen
        room = budget - chosen.bit_count()
        count = tier.bit_count()
        if count <= room:
            chosen |= tier
        else:
            chosen |= _highest(tier, room)
            break
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


def score_candidates(searcher, query, docnums: list[int], limit: int) -> list[int]:
    """The ``limit`` best of ``docnums`` (increasing) by the query's score; ties by docnum, as
    Whoosh orders them. Each leaf's matcher only skips to the candidates."""
    best: list[tuple[float, int]] = []
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
                item = (matcher.score(), -(docnum + offset))
                if len(best) < limit:
                    heapq.heappush(best, item)
                elif item > best[0]:
                    heapq.heapreplace(best, item)
    return [-negated for _score, negated in sorted(best, reverse=True)]
