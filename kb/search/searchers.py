"""Searchers kept open between requests and refreshed when the index changes.

A process keeps a small pool of Whoosh searchers on the generation named by ``CURRENT``.
Checking one out costs a read of the pointer file and Whoosh's ``up_to_date()`` (a directory
listing): when the generation was swapped (``kb index rebuild``) the pool is replaced; when
something was committed (an outbox sync) the searcher is reopened on the new commit. Searches
never open an index per request; facet columns survive reopening (cached per segment).

The per-segment state — each word's bitset, the facet bitsets, the sort keys, the spelling
lexicon — is read from the segments' shared files (:mod:`kb.search.shared`), written once at
commit and memory-mapped by every process, so a new worker does not decode posting lists;
what it converts is kept in the same bounded caches as before. :mod:`kb.search.warmup` opens
the current generation before a worker takes traffic.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kb.search.facets import FacetCache, FacetView
from kb.search.matching import LruCache, MatchMasks
from kb.search.scoring import DECODED_CACHE_BYTES, Scorer, byte_cache
from kb.search.shared import SharedFiles
from kb.search.store import IndexStore, IndexUnavailable

MISSING_MESSAGE = "L'index de recherche n'a pas encore été construit."
#: Bitsets kept in memory: of terms per segment (the words searched lately), and of phrase
#: and prefix queries. At 100,000 documents a bitset is at most 12.5 kB.
TERM_CACHE_SIZE = 16384
QUERY_CACHE_SIZE = 256
#: Result pages (ids, total, facet counts) of recent searches, keyed by query, filters, sort,
#: page and index state: a commit or a swap changes the key, so a page is never stale.
RESULT_CACHE_SIZE = 512


@dataclass
class IndexView:
    """What a search reads: a searcher, its facet columns, the bitsets of matching documents,
    and which generation they are of."""

    searcher: object
    facets: FacetView
    matches: MatchMasks
    generation: str
    scorer: Scorer


class TermMasks(LruCache):
    """The term-bitset cache :class:`MatchMasks` reads — keys ``(segment id, field, text)``,
    or ``(segment id, field, None)`` for a field's words — filled from the segments' shared
    files before anyone decodes a posting list."""

    def __init__(self, size: int, files: SharedFiles) -> None:
        super().__init__(size)
        self.files = files

    def get(self, key: tuple):
        value = super().get(key)
        if value is None and len(key) == 3:
            shared = self.files.by_id(key[0])
            if shared is not None:
                _segment, field, text = key
                value = shared.words(field) if text is None else shared.term(field, text)
                if value is not None:
                    self.put(key, value)
        return value


class SearchService:
    """One per application: the index store, the searcher pool, the facet and term caches."""

    def __init__(self, store: IndexStore, pool_size: int = 4, shared: bool = True) -> None:
        self.store = store
        self.pool_size = pool_size
        self.shared_files = SharedFiles(enabled=shared)
        self.facet_cache = FacetCache(shared=self.shared_files)
        self.term_masks = TermMasks(TERM_CACHE_SIZE, self.shared_files)
        self.query_masks = LruCache(QUERY_CACHE_SIZE)
        self.result_pages = LruCache(RESULT_CACHE_SIZE)  # see kb.search.queries
        self.decoded_postings = byte_cache(DECODED_CACHE_BYTES)  # segments without shared files
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._index = None
        self._idle: list = []

    @contextmanager
    def view(self) -> Iterator[IndexView]:
        """Check a fresh searcher out of the pool for the duration of a search."""
        searcher, generation = self._checkout()
        try:
            self._attach_shared(searcher)
            facets = self.facet_cache.view(searcher.reader())
            matches = MatchMasks(searcher, facets, self.term_masks, self.query_masks)
            scorer = Scorer(searcher, matches, self.shared_files, self.decoded_postings)
            yield IndexView(searcher, facets, matches, generation, scorer)
        finally:
            self._checkin(searcher, generation)

    def _checkout(self):
        with self._lock:
            generation = self.store.current_generation()
            if generation is None:
                raise IndexUnavailable("missing", MISSING_MESSAGE)
            if generation != self._generation:
                self._open(generation)
            index = self._index
            searcher = self._idle.pop() if self._idle else None
        try:
            if searcher is None:
                searcher = index.searcher()
            elif not searcher.up_to_date():
                searcher = _refreshed(index, searcher)
        except Exception as error:
            self.reset()
            raise IndexUnavailable("error", f"Index illisible ({type(error).__name__}).") from error
        return searcher, generation

    def _open(self, generation: str) -> None:
        index = self.store.open_index(generation)
        self._close_idle()
        self.shared_files.use_directory(self.store.path(generation))
        self._index, self._generation = index, generation

    def _attach_shared(self, searcher) -> None:
        """Open the shared files of the searcher's segments (once per segment)."""
        segment_ids = []
        for leaf, _offset in searcher.reader().leaf_readers():
            if hasattr(leaf, "segment") and leaf.doc_count_all():
                self.shared_files.get(leaf)
                segment_ids.append(leaf.segment().segment_id())
        if len(self.shared_files.opened()) > len(segment_ids):
            self.shared_files.forget(segment_ids)  # merged away: their files can be freed

    def _checkin(self, searcher, generation: str) -> None:
        with self._lock:
            if generation == self._generation and len(self._idle) < self.pool_size:
                self._idle.append(searcher)
                return
        _close(searcher)

    def _close_idle(self) -> None:
        for searcher in self._idle:
            _close(searcher)
        self._idle = []

    def reset(self, keep_results: bool = False) -> None:
        """Forget every open searcher (after an error, in tests, in a forked worker); the
        result pages too unless ``keep_results`` (they are keyed by the index's state)."""
        with self._lock:
            self._close_idle()
            self._index, self._generation = None, None
        if not keep_results:
            self.result_pages.clear()


def _refreshed(index, searcher):
    """A searcher on the latest commit. Not Whoosh's ``refresh()``: in whoosh-reloaded 2.7 it
    re-uses segment readers with their old deletions (an updated document shows twice) and
    keeps merged-away segments; opening a new reader is cheap and always right."""
    _close(searcher)
    return index.searcher()


def _close(searcher) -> None:
    try:
        searcher.close()
    except Exception:  # closing a searcher on a deleted generation may fail: nothing to keep
        pass
