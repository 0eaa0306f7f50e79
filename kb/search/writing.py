"""Writing a new generation: every published write-up, in one segment per process.

A rebuild splits the published write-ups into ``procs`` parts of consecutive ids. Each part is
written by a process of its own — forked, so the application is loaded once — that reads its
write-ups through its own database connection, builds their documents and writes a segment;
the parent then lists the segments in the index's table of contents in one commit. The order of
the documents is the order of the ids, whatever the number of processes.

Whoosh's own multi-process writer, used until December 2026, had the parent build every
document and hand them to its writers through pickled files: the parent took a core's share of
two, and each writer sorted every posting, spilling to disk through Whoosh's generic external
sort: one pickle call per posting written and read. Here the postings are grouped by term
(:class:`PostingRuns`): only terms are sorted, and runs are merged term by term. With two
processes: 261 → 409 write-ups a second at 10,000, 226 → 308 at 100,000 (``docs/performance.md``
« Rebuild in parallel segments »).
"""

from __future__ import annotations

import heapq
import marshal
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from sqlalchemy.orm import Session
from whoosh.filedb.filestore import random_name
from whoosh.writing import SegmentWriter

from kb.search.documents import (
    BATCH_SIZE,
    PlaceNames,
    experience_document,
    is_indexable,
    load_experiences,
    published_ids,
)
from kb.search.schema import IndexCodec

#: Postings a writer keeps in memory before it writes them to a run on disk, in megabytes of
#: the estimate below (4,000 write-ups of the synthetic corpus: 212 MB estimated, 198 MB
#: resident).
POOL_MB = 256
#: Estimated bytes of a term's entry (key, list, dictionary slot) and of a posting in its list.
TERM_BYTES = 250
POSTING_BYTES = 110
#: Postings marshalled at once in a run (whole terms: a chunk may hold more): what a run being
#: merged keeps in memory.
RUN_CHUNK = 20_000


class PostingRuns:
    """The postings of the segment being written, grouped by term.

    Whoosh's pool keeps one tuple per posting and sorts them all — in memory, or in runs on disk
    merged posting by posting. A rebuild's writer adds its documents in increasing order, so the
    postings of a term already come in document order: only the terms need sorting. Each term
    keeps a flat list (document, weight, value, …); past :data:`POOL_MB` the terms are written,
    sorted, to a run, and the runs are merged term by term, a term's lists joined in run order.
    """

    def __init__(self, tempstore, limitmb: int = POOL_MB) -> None:
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        self.terms: dict[tuple[str, bytes], list] = {}
        self.size = 0
        self.runs: list[str] = []
        self.fieldnames: set[str] = set()
        self.last_document = -1

    def add(self, item) -> None:
        fieldname, text, document, weight, value = item
        if document < self.last_document:
            raise ValueError("postings must be added in document order")
        self.last_document = document
        postings = self.terms.get((fieldname, text))
        if postings is None:
            postings = self.terms[fieldname, text] = []
            self.fieldnames.add(fieldname)
            self.size += TERM_BYTES + len(text)
        postings += (document, weight, value)
        self.size += POSTING_BYTES + len(value)
        if self.size > self.limit:
            self._save()

    def _save(self) -> None:
        terms = self.terms
        name = f"{random_name()}.run"
        with self.tempstore.create_file(name).raw_file() as handle:
            chunk, held = [], 0
            for key in sorted(terms):
                postings = terms[key]
                chunk.append((*key, postings))
                held += len(postings)
                if held >= 3 * RUN_CHUNK:
                    marshal.dump(chunk, handle)
                    chunk, held = [], 0
            if chunk:
                marshal.dump(chunk, handle)
        self.runs.append(name)
        self.terms, self.size = {}, 0

    def _read_run(self, number: int, name: str):
        with self.tempstore.open_file(name).raw_file() as handle:
            while True:
                try:
                    chunk = marshal.load(handle)
                except EOFError:
                    break
                for fieldname, text, postings in chunk:
                    yield fieldname, text, number, postings
        self.tempstore.delete_file(name)

    def iter_postings(self):
        """Every posting ``(field, term, document, weight, value)``, sorted."""
        if self.runs:
            if self.terms:
                self._save()
            # (field, term, run number): a term's lists come in run order, so document order
            terms = heapq.merge(*[self._read_run(number, name)
                                  for number, name in enumerate(self.runs)])
        else:
            terms = ((*key, 0, self.terms[key]) for key in sorted(self.terms))
        for fieldname, text, _number, postings in terms:
            for start in range(0, len(postings), 3):
                yield fieldname, text, postings[start], postings[start + 1], postings[start + 2]

    def cleanup(self) -> None:
        for name in self.runs:
            if self.tempstore.file_exists(name):
                self.tempstore.delete_file(name)
        self.terms, self.runs = {}, []


class RebuildWriter(SegmentWriter):
    """A segment writer of a new generation (the codec and layout of
    :func:`kb.search.schema.index_writer`) whose postings go through :class:`PostingRuns`."""

    def __init__(self, index, **options) -> None:
        super().__init__(index, codec=IndexCodec(), compound=False, **options)
        self.pool = PostingRuns(self._tempstorage)


def write_generation(index, session: Session, procs: int = 1) -> int:
    """Write every published write-up into the empty index of a new generation; the count."""
    ids = published_ids(session)
    parts = [part for part in (ids[i * len(ids) // procs:(i + 1) * len(ids) // procs]
                               for i in range(procs)) if part]
    if len(parts) <= 1:
        writer = RebuildWriter(index)
        try:
            count = add_documents(writer, session, ids)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return count
    return _write_in_processes(index, session, parts)


def add_documents(writer: SegmentWriter, session: Session, ids: list[int]) -> int:
    names = PlaceNames(session)
    count = 0
    for start in range(0, len(ids), BATCH_SIZE):
        for experience in load_experiences(session, ids[start:start + BATCH_SIZE]):
            if is_indexable(experience):
                writer.add_document(**experience_document(experience, names))
                count += 1
        session.expunge_all()
    return count


#: What a forked writer process inherits from the rebuild that started it.
_inherited: dict = {}


def _write_in_processes(index, session: Session, parts: list[list[int]]) -> int:
    # The table of contents is written under the index's lock, held from the start as Whoosh's
    # multi-process writer does; the processes write their segments without it.
    writer = RebuildWriter(index)
    _inherited.update(index=index, engine=session.get_bind())
    try:
        with ProcessPoolExecutor(len(parts), mp_context=get_context("fork"),
                                 initializer=_forget_connections) as pool:
            results = list(pool.map(_write_part, parts))
    except BaseException:
        writer.cancel()
        raise
    finally:
        _inherited.clear()
    # the same steps as Whoosh's MpWriter commit with ``multisegment=True``
    writer._close_segment()  # this writer's own segment stays empty
    writer._commit_toc([segment for segment, _count in results])
    writer._finish()
    return sum(count for _segment, count in results)


def _forget_connections() -> None:
    """In a forked process: never touch the parent's pooled database connections."""
    _inherited["engine"].dispose(close=False)


def _write_part(ids: list[int]):
    writer = RebuildWriter(_inherited["index"], _lk=False)
    try:
        with Session(bind=_inherited["engine"]) as session:
            count = add_documents(writer, session, ids)
        segment = writer._finalize_segment()  # listed by the parent
    except BaseException:
        writer._close_segment()  # not cancel(): it removes shared temp files
        raise
    return segment, count
