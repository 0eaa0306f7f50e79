"""Facet counts and filters from per-segment columns cached in memory.

For each index segment, every keyword value (``theme=ent``, ``departement=23``…) is turned
once into a bitset of the segment's document numbers (a Python ``int``), and the sort keys
(publication date, budget) into lists by document number. Segments never change once written
(only their deletions do), so the cache is keyed by segment id and survives index refreshes;
a new searcher only combines the per-segment bitsets at their offsets and masks the deleted
documents.

Counting a facet is then a handful of ``&`` and ``int.bit_count()`` on bitsets — no
``groupedby``, no per-document Python loop — and a filter is a bitset too. A query's matches
become a bitset once (:func:`mask_from_docnums`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from whoosh.idsets import DocIdSet

from kb.search.schema import EXTRA_KEYWORDS, FACET_NAMES

KEYWORD_FIELDS = (*FACET_NAMES, *EXTRA_KEYWORDS)
SORT_FIELDS = ("published", "budget")
_BITS = tuple(tuple(bit for bit in range(8) if byte >> bit & 1) for byte in range(256))


def mask_from_docnums(docnums: Iterable[int], size: int) -> int:
    """A bitset with the bits of ``docnums`` set."""
    buffer = bytearray((size + 7) // 8)
    for docnum in docnums:
        buffer[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(buffer, "little")


def docnums_of(mask: int) -> Iterator[int]:
    """The document numbers of a bitset, in increasing order."""
    data = mask.to_bytes((mask.bit_length() + 7) // 8, "little")
    for index, byte in enumerate(data):
        if byte:
            base = index << 3
            for bit in _BITS[byte]:
                yield base + bit


class MaskFilter(DocIdSet):
    """A bitset usable as a Whoosh ``filter=`` (constant-time membership)."""

    def __init__(self, mask: int) -> None:
        self.mask = mask
        self.data = mask.to_bytes((mask.bit_length() + 7) // 8, "little")

    def __contains__(self, docnum: int) -> bool:
        index = docnum >> 3
        return index < len(self.data) and bool(self.data[index] >> (docnum & 7) & 1)

    def __len__(self) -> int:
        return self.mask.bit_count()

    def __bool__(self) -> bool:
        return True  # an empty filter still filters everything out

    def __iter__(self) -> Iterator[int]:
        return docnums_of(self.mask)


@dataclass
class SegmentColumns:
    """A segment's keyword bitsets and sort keys, by local document number."""

    size: int
    values: dict[str, dict[str, int]]
    sort_keys: dict[str, list[int]]


def read_segment(leaf, shared=None) -> SegmentColumns:
    """A segment's columns: from its shared file (:mod:`kb.search.shared`) when it has one,
    else decoded from the posting lists and columns."""
    size = leaf.doc_count_all()
    values: dict[str, dict[str, int]] = {}
    for name in KEYWORD_FIELDS:
        if shared is not None and name in shared.fields:
            values[name] = dict(shared.field_terms(name))
            continue
        values[name] = {
            term.decode("utf-8"): mask_from_docnums(leaf.postings(name, term).all_ids(), size)
            for term in leaf.lexicon(name)
        }
    sort_keys = {}
    for name in SORT_FIELDS:
        column = shared.column(name) if shared is not None else None
        sort_keys[name] = column if column is not None else list(leaf.column_reader(name))
    return SegmentColumns(size, values, sort_keys)


@dataclass
class FacetView:
    """Keyword bitsets and sort keys of one reader (all its segments), by global docnum."""

    size: int
    live: int
    masks: dict[str, dict[str, int]]
    sort_keys: dict[str, list[int]]
    key: tuple = ()  # segments, offsets and deletions: changes with every commit
    _orders: dict[str, list[int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def values(self, name: str) -> dict[str, int]:
        return self.masks.get(name, {})

    def selection(self, name: str, codes: Iterable[str]) -> int:
        """Documents having any of ``codes`` (OR within a facet)."""
        facet = self.values(name)
        mask = 0
        for code in codes:
            mask |= facet.get(code, 0)
        return mask & self.live

    def counts(self, name: str, base: int) -> dict[str, int]:
        """For each value of a facet, how many documents of ``base`` have it."""
        counts = {}
        for value, mask in self.values(name).items():
            count = (mask & base).bit_count()
            if count:
                counts[value] = count
        return counts

    def order(self, key: str) -> list[int]:
        """Live docnums by decreasing sort key (then by decreasing docnum: newest indexed)."""
        with self._lock:
            if key not in self._orders:
                values = self.sort_keys[key]
                live = list(docnums_of(self.live))
                self._orders[key] = sorted(live, key=lambda d: (values[d], d), reverse=True)
            return self._orders[key]


class FacetCache:
    """Per-segment columns, shared by every searcher of a process; read from the segments'
    shared files when ``shared`` (a :class:`kb.search.shared.SharedFiles`) has them."""

    def __init__(self, max_segments: int = 256, max_views: int = 4, shared=None) -> None:
        self.shared = shared
        self._segments: OrderedDict[str, SegmentColumns] = OrderedDict()
        self._views: OrderedDict[tuple, FacetView] = OrderedDict()
        self._lock = threading.Lock()
        self.max_segments = max_segments
        self.max_views = max_views

    def view(self, reader) -> FacetView:
        leaves = [(leaf, offset) for leaf, offset in reader.leaf_readers() if _has_segment(leaf)]
        key = tuple(
            (leaf.segment().segment_id(), offset, leaf.segment().deleted_count())
            for leaf, offset in leaves
        )
        with self._lock:
            view = self._views.get(key)
            if view is not None:
                self._views.move_to_end(key)
                return view
        view = self._combine([(self._segment(leaf), leaf, offset) for leaf, offset in leaves],
                             reader.doc_count_all())
        view.key = key
        with self._lock:
            self._views[key] = view
            while len(self._views) > self.max_views:
                self._views.popitem(last=False)
        return view

    def _segment(self, leaf) -> SegmentColumns:
        segment_id = leaf.segment().segment_id()
        with self._lock:
            columns = self._segments.get(segment_id)
            if columns is not None:
                self._segments.move_to_end(segment_id)
                return columns
        columns = read_segment(leaf, self.shared.get(leaf) if self.shared else None)
        with self._lock:
            self._segments[segment_id] = columns
            while len(self._segments) > self.max_segments:
                self._segments.popitem(last=False)
        return columns

    @staticmethod
    def _combine(parts, size: int) -> FacetView:
        masks: dict[str, dict[str, int]] = {name: {} for name in KEYWORD_FIELDS}
        sort_keys: dict[str, list[int]] = {name: [] for name in SORT_FIELDS}
        live = 0
        for columns, leaf, offset in parts:
            deleted = leaf.segment().deleted_docs() if leaf.has_deletions() else ()
            segment_live = ((1 << columns.size) - 1) & ~mask_from_docnums(deleted, columns.size)
            live |= segment_live << offset
            for name, values in columns.values.items():
                target = masks[name]
                for value, mask in values.items():
                    target[value] = target.get(value, 0) | ((mask & segment_live) << offset)
            for name in SORT_FIELDS:
                sort_keys[name].extend(columns.sort_keys[name])
        return FacetView(size, live, masks, sort_keys)


def _has_segment(leaf) -> bool:
    return hasattr(leaf, "segment") and leaf.doc_count_all() > 0
