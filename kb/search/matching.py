"""Which documents a query matches, as a bitset read straight from the posting lists.

Collecting matches through Whoosh matchers walks a union of seven fields per word, document by
document, in Python: it was most of a search's time. Here a word is the OR of the bitsets of its
terms in each field (a posting list decoded once with ``all_ids()``), the groups of a query are
ANDed, the excluded clauses removed — a few big-integer operations. The bitset of a term is
cached per segment (segments never change, only their deletions, which the live mask removes),
so common words cost nothing after their first search and survive index commits. Phrases and
prefixes go through Whoosh (``docs_for_query``), cached per reader state.

The semantics are those of :meth:`kb.search.parsing.ParsedQuery.match_query`: this module only
computes the same set faster; ranking scores the page's candidates with
:meth:`~kb.search.parsing.ParsedQuery.to_query`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import reduce
from operator import and_

from whoosh.query import Phrase

from kb.search.facets import FacetView, mask_from_docnums
from kb.search.parsing import BAG_FIELDS, Clause, ParsedQuery
from kb.search.schema import EXACT_FIELDS, STEMMED_FIELDS
from kb.search.shared import phrase_text


class LruCache:
    """A bounded, thread-safe least-recently-used cache: at most ``size`` entries, or, with
    ``weigh``, entries whose weights add up to at most ``size`` (an entry heavier than that is
    not kept)."""

    def __init__(self, size: int, weigh=None) -> None:
        self.size = size
        self.total = 0  # entries, or their weights
        self._weigh = weigh or (lambda _value: 1)
        self._items: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple, value) -> None:
        weight = self._weigh(value)
        with self._lock:
            if weight > self.size:
                return
            if key in self._items:
                self.total -= self._weigh(self._items.pop(key))
            self._items[key] = value
            self.total += weight
            while self.total > self.size:
                _key, old = self._items.popitem(last=False)
                self.total -= self._weigh(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.total = 0


class MatchMasks:
    """Bitsets of matching documents for one searcher (global document numbers, live only)."""

    def __init__(self, searcher, facets: FacetView, terms: LruCache, queries: LruCache):
        self.searcher = searcher
        self.facets = facets
        self.terms = terms  # (segment id, field, text) → segment-local bitset
        self.queries = queries  # (reader state, query) → global bitset
        self.leaves = [
            (leaf.segment().segment_id(), leaf, offset)
            for leaf, offset in searcher.reader().leaf_readers()
            if hasattr(leaf, "segment") and leaf.doc_count_all()
        ]
        self._leaf_searchers: dict | None = None

    def term(self, field: str, text: str) -> int:
        def compute(leaf, _offset):
            if (field, text) not in leaf:
                return 0
            return mask_from_docnums(leaf.postings(field, text).all_ids(), leaf.doc_count_all())

        return self._per_segment(field, text, compute)

    def phrase(self, field: str, tokens: tuple[str, ...]) -> int:
        """Documents holding ``tokens`` as a phrase in ``field``: per segment, from the shared
        file when it stores that phrase (the multi-word synonyms), else from Whoosh's phrase
        matcher on that segment; cached per segment like a term."""
        def compute(leaf, offset):
            if not all((field, token) in leaf for token in tokens):
                return 0
            ids = self._leaf_searcher(offset).docs_for_query(Phrase(field, list(tokens)))
            return mask_from_docnums(ids, leaf.doc_count_all())

        return self._per_segment(field, phrase_text(tokens), compute)

    def _per_segment(self, field: str, text: str, compute) -> int:
        """The global bitset of a term (or stored phrase): each segment's local bitset from the
        cache (which reads the shared files), else ``compute(leaf, offset)``, kept."""
        mask = 0
        for segment_id, leaf, offset in self.leaves:
            key = (segment_id, field, text)
            local = self.terms.get(key)
            if local is None:
                local = compute(leaf, offset)
                self.terms.put(key, local)
            mask |= local << offset
        return mask

    def _leaf_searcher(self, offset: int):
        if self._leaf_searchers is None:
            self._leaf_searchers = {start: sub for sub, start in self.searcher.leaf_searchers()}
        return self._leaf_searchers[offset]

    def lexicon(self, field: str) -> dict[str, frozenset[str]]:
        """Every word of a (small) field by its first two letters, for spelling: each segment's
        terms read once, their union kept for this reader state."""
        key = (self.facets.key, field, "lexicon")
        lexicon = self.queries.get(key)
        if lexicon is None:
            words: set[str] = set()
            for segment_id, leaf, _offset in self.leaves:
                segment_key = (segment_id, field, None)
                segment_words = self.terms.get(segment_key)
                if segment_words is None:
                    segment_words = frozenset(t.decode("utf-8") for t in leaf.lexicon(field))
                    self.terms.put(segment_key, segment_words)
                words |= segment_words
            grouped: dict[str, set[str]] = {}
            for word in words:
                grouped.setdefault(word[:2], set()).add(word)
            lexicon = {prefix: frozenset(group) for prefix, group in grouped.items()}
            self.queries.put(key, lexicon)
        return lexicon

    def whoosh(self, query) -> int:
        """Documents of any Whoosh query (phrases, prefixes), cached for this reader state."""
        key = (self.facets.key, repr(query))
        mask = self.queries.get(key)
        if mask is None:
            mask = mask_from_docnums(self.searcher.docs_for_query(query), self.facets.size)
            self.queries.put(key, mask)
        return mask

    def _fields(self, fields, text: str) -> int:
        mask = 0
        for field in fields:
            mask |= self.term(field, text)
        return mask

    def _stemmed(self, tokens: tuple[str, ...]) -> int:
        if len(tokens) == 1:
            return self._fields(STEMMED_FIELDS, tokens[0])
        mask = 0
        for field in STEMMED_FIELDS:
            if field not in BAG_FIELDS:
                mask |= self.phrase(field, tokens)
        for field in BAG_FIELDS:  # all the words, from the cached term bitsets
            words = [self.term(field, token) for token in tokens]
            mask |= reduce(and_, words)
        return mask

    def clause(self, clause: Clause) -> int:
        """Documents matching one clause (before the live mask)."""
        if clause.synonyms is not None:
            mask = 0
            for sequence in clause.synonyms.token_sequences:
                mask |= self._stemmed(sequence)
            return mask
        if clause.prefix or len(clause.exact) > 1 or len(clause.stems) > 1:
            return self.whoosh(clause.to_query())
        mask = self._fields(STEMMED_FIELDS, clause.stems[0]) if clause.stems else 0
        return mask | self._fields(EXACT_FIELDS, clause.exact[0])

    def group_in_fields(self, group: list[Clause], fields: tuple[str, ...]) -> int:
        """Documents where a single-word clause of ``group`` (or a one-word synonym) occurs in
        one of ``fields`` — what ranking tiers are made of; phrases and prefixes count none."""
        mask = 0
        for clause in group:
            if clause.synonyms is not None:
                for sequence in clause.synonyms.token_sequences:
                    if len(sequence) == 1:
                        mask |= self._fields(_in(fields, STEMMED_FIELDS), sequence[0])
            elif not (clause.prefix or len(clause.exact) > 1 or len(clause.stems) > 1):
                if clause.stems:
                    mask |= self._fields(_in(fields, STEMMED_FIELDS), clause.stems[0])
                mask |= self._fields(_in(fields, EXACT_FIELDS), clause.exact[0])
        return mask & self.facets.live

    def groups(self, parsed: ParsedQuery) -> list[int]:
        """The live documents of each group of the query, in order."""
        live = self.facets.live
        return [self._any(group) & live for group in parsed.groups]

    def query(self, parsed: ParsedQuery, relaxed: bool = False, need: int | None = None) -> int:
        """Documents matching the parsed query: every required group, at least
        ``minimum_should_match`` counted groups (one with ``relaxed``, ``need`` when given),
        none of the excluded clauses; every live document for an empty query."""
        if parsed.is_empty:
            return self.facets.live
        if need is None:
            need = parsed.minimum_should_match(relaxed)
        return self.levels(parsed, need)[need]

    def levels(self, parsed: ParsedQuery, top: int) -> list[int]:
        """``levels[j]``, for ``j`` up to ``top``: the documents holding every required group,
        at least ``j`` counted groups and none of the excluded clauses (one pass for every
        ``j``: what widening a query that finds few needs)."""
        groups = self.groups(parsed)
        base = self.facets.live
        for index in parsed.required():
            base &= groups[index]
        if parsed.excluded:
            base &= ~self._any(parsed.excluded) & self.facets.live
        levels = coverage_levels([groups[i] & base for i in parsed.counted()], top)
        levels[0] = base
        return levels

    def all_words(self, parsed: ParsedQuery) -> int:
        """Documents holding every group of the query but its filler words."""
        groups = self.groups(parsed)
        mask = self.facets.live
        for index in (*parsed.required(), *parsed.counted()):
            mask &= groups[index]
        return mask

    def _any(self, clauses: list[Clause]) -> int:
        return self._any_mask(self.clause(clause) for clause in clauses)

    @staticmethod
    def _any_mask(masks) -> int:
        result = 0
        for mask in masks:
            result |= mask
        return result


def coverage_levels(masks: list[int], top: int) -> list[int]:
    """``levels[j]``: the documents set in at least ``j`` of ``masks``, for ``j`` up to
    ``top`` (``levels[0]`` is left empty) — a bit-sliced counter: ``top`` big-integer operations
    per mask."""
    reached = [0] * (top + 1)
    for mask in masks:
        for j in range(top, 1, -1):
            reached[j] |= reached[j - 1] & mask
        if top:
            reached[1] |= mask
    return reached


def _in(fields: tuple[str, ...], kind) -> tuple[str, ...]:
    return tuple(field for field in fields if field in kind)
