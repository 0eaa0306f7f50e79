"""Keeping an index in step with the database: outbox sync, rebuild, check and status.

The database is the source of truth. Applying an outbox row re-reads the write-up: a published
one is (re)indexed, anything else (draft, archived, deleted) is removed — so rows can be applied
twice or out of order without harm, and a crash between a commit and its indexing only delays
it to the next sync. Every function takes the store and a SQLAlchemy ``sessionmaker``; none
needs a request.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from kb.experiences.models import Experience
from kb.search.documents import (
    PlaceNames,
    experience_document,
    is_indexable,
    load_experiences,
    published_id_batches,
)
from kb.search.models import OutboxEntry
from kb.search.schema import SCHEMA_VERSION, index_writer
from kb.search.shared import segment_ids, write_missing
from kb.search.store import MAX_GAPS, Cursor, IndexStore, IndexUnavailable
from kb.search.writing import write_generation

log = logging.getLogger(__name__)
SYNC_BATCH = 500
REBUILD_LOCK_WAIT = 120.0


@dataclass
class SyncReport:
    """What one sync did."""

    applied: int = 0  # outbox rows
    indexed: int = 0  # documents added or replaced
    removed: int = 0  # documents deleted
    skipped: bool = False  # another writer held the lock: left to it or to the next sync
    built: bool = False  # the index was missing and was built from the database
    last_applied: int | None = None
    generation: str | None = None


# --------------------------------------------------------------------------- outbox


def pending_rows(session: Session, cursor: Cursor, limit: int = SYNC_BATCH) -> list[OutboxEntry]:
    """Outbox rows this index has not applied: above its cursor, or in its recent gaps."""
    condition = OutboxEntry.id > cursor.last_applied
    gaps = cursor.live_gaps()
    if gaps:
        condition = or_(condition, OutboxEntry.id.in_(gaps))
    query = select(OutboxEntry).where(condition).order_by(OutboxEntry.id).limit(limit)
    return list(session.scalars(query))


def count_pending(session: Session, cursor: Cursor) -> int:
    condition = OutboxEntry.id > cursor.last_applied
    gaps = cursor.live_gaps()
    if gaps:
        condition = or_(condition, OutboxEntry.id.in_(gaps))
    return session.scalar(select(func.count()).select_from(OutboxEntry).where(condition)) or 0


def apply_outbox(
    store: IndexStore, make_session: sessionmaker, *, wait: float = 0.0, auto_build_limit: int = 0
) -> SyncReport:
    """Apply every pending outbox row to the current generation.

    Takes the writer lock (waiting at most ``wait`` seconds); if another writer holds it, does
    nothing (``skipped``): that writer or the next sync will apply the rows. When there is no
    usable index and the database holds at most ``auto_build_limit`` published write-ups, the
    index is built on the spot; otherwise :class:`IndexUnavailable` is raised.
    """
    with make_session() as session:
        generation = _usable_generation(store)
        if generation is not None and not pending_rows(session, store.read_cursor(generation), 1):
            return SyncReport(generation=generation)
        if generation is None:
            _check_buildable(session, auto_build_limit)  # else searches would queue for the lock
        session.rollback()
        with store.write_lock(wait) as locked:
            if not locked:
                return SyncReport(skipped=True, generation=generation)
            return _apply_locked(store, session, auto_build_limit)


def _usable_generation(store: IndexStore) -> str | None:
    """The current generation if it can be read with this code's schema, else ``None``."""
    try:
        generation = store.current_generation()
        if generation is None:
            return None
        if store.read_cursor(generation).schema_version == SCHEMA_VERSION:
            return generation
    except IndexUnavailable:
        pass
    return None


def _apply_locked(store: IndexStore, session: Session, auto_build_limit: int) -> SyncReport:
    report = SyncReport()
    generation = _usable_generation(store)
    if generation is None:
        generation = _build_missing(store, session, auto_build_limit)
        report.built = True
    report.generation = generation
    index = store.open_index(generation)
    cursor = store.read_cursor(generation)
    while rows := pending_rows(session, cursor):
        indexed, removed = apply_ids(index, session, {row.experience_id for row in rows})
        cursor = cursor.advanced([row.id for row in rows])
        store.write_cursor(generation, cursor)  # after the Whoosh commit: a crash re-applies
        report.applied += len(rows)
        report.indexed += indexed
        report.removed += removed
        session.rollback()  # a new transaction sees rows committed meanwhile
    report.last_applied = cursor.last_applied
    return report


def _check_buildable(session: Session, limit: int) -> int:
    """The number of published write-ups, if at most ``limit`` (an index that small is built
    on the spot); else :class:`IndexUnavailable`."""
    published = session.scalar(
        select(func.count()).select_from(Experience).where(Experience.state == "publiee")
    )
    if published > limit:
        raise IndexUnavailable(
            "missing", "L'index de recherche est absent : lancez « kb index rebuild »."
        )
    return published


def _build_missing(store: IndexStore, session: Session, limit: int) -> str:
    published = _check_buildable(session, limit)
    generation, _count = build_generation(store, session)
    store.swap(generation)
    store.remove_old_generations(keep=1)
    log.info("search index built on the spot (%s write-ups)", published)
    return generation


def apply_ids(index, session: Session, ids: set[int]) -> tuple[int, int]:
    """Make the index agree with the database for these write-ups, in one Whoosh commit."""
    experiences = {e.id: e for e in load_experiences(session, ids)}
    names = PlaceNames(session)
    indexed = removed = 0
    before = segment_ids(index)
    writer = index_writer(index, timeout=30.0)
    try:
        for experience_id in sorted(ids):
            experience = experiences.get(experience_id)
            if is_indexable(experience):
                writer.update_document(**experience_document(experience, names))
                indexed += 1
            else:
                writer.delete_by_term("id", str(experience_id))
                removed += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    write_missing(index, skip=before)  # the new (or merged) segments' shared files
    return indexed, removed


# --------------------------------------------------------------------------- rebuild


def outbox_snapshot(session: Session) -> Cursor:
    """A cursor for an index built from the database as of now: the last outbox row, and the
    ids below it that are not committed yet (their transactions may still commit)."""
    last = session.scalar(select(func.max(OutboxEntry.id))) or 0
    present = set(session.scalars(
        select(OutboxEntry.id).where(OutboxEntry.id > last - MAX_GAPS, OutboxEntry.id <= last)
    ))
    now = time.time()
    gaps = {i: now for i in range(max(1, last - MAX_GAPS + 1), last) if i not in present}
    return Cursor(last_applied=last, gaps=gaps)


def build_generation(store: IndexStore, session: Session, procs: int = 1) -> tuple[str, int]:
    """A new generation holding every published write-up; not served yet."""
    cursor = outbox_snapshot(session)  # before reading any write-up: later changes re-apply
    generation = store.create_generation(cursor)
    try:
        count = _fill(store.open_index(generation), session, procs)
    except BaseException:
        store.discard(generation)
        raise
    return generation, count


def _fill(index, session: Session, procs: int) -> int:
    count = write_generation(index, session, procs)
    write_missing(index, procs)  # before the generation is served
    return count


def rebuild_index(store: IndexStore, make_session: sessionmaker, procs: int = 1) -> dict:
    """Build a fresh generation, catch it up with the outbox and serve it, while the current
    one keeps serving searches until the swap."""
    started = time.perf_counter()
    with make_session() as session:
        generation, count = build_generation(store, session, procs)
        session.rollback()
        with store.write_lock(REBUILD_LOCK_WAIT) as locked:
            if not locked:
                store.discard(generation)
                raise RuntimeError("index writer lock busy")
            caught_up = _catch_up(store, session, generation)
            store.swap(generation)
    removed = store.remove_old_generations(keep=1)
    return {
        "generation": generation, "documents": count, "caught_up": caught_up,
        "seconds": time.perf_counter() - started, "removed_generations": removed,
    }


def _catch_up(store: IndexStore, session: Session, generation: str) -> int:
    index = store.open_index(generation)
    cursor = store.read_cursor(generation)
    applied = 0
    while rows := pending_rows(session, cursor):
        apply_ids(index, session, {row.experience_id for row in rows})
        cursor = cursor.advanced([row.id for row in rows])
        store.write_cursor(generation, cursor)
        applied += len(rows)
        session.rollback()
    return applied


# --------------------------------------------------------------------------- status and check


def index_status(store: IndexStore, make_session: sessionmaker) -> dict:
    """State of the index: ``ok``, ``missing`` or ``error``, documents, cursor and lag."""
    report: dict = {"status": "ok", "directory": str(store.root)}
    try:
        generation = store.current_generation()
        if generation is None:
            raise IndexUnavailable("missing", "L'index de recherche n'a pas encore été construit.")
        index = store.open_index(generation)
        cursor = store.read_cursor(generation)
        documents = _document_count(index)
    except IndexUnavailable as error:
        report.update(status=error.status, message=error.message)
        with make_session() as session:
            report["lag"] = session.scalar(select(func.count()).select_from(OutboxEntry)) or 0
        return report
    with make_session() as session:
        lag = count_pending(session, cursor)
    report.update(
        generation=generation, documents=documents, last_applied=cursor.last_applied,
        lag=lag, pending_gaps=len(cursor.live_gaps()), updated_at=cursor.updated_at,
    )
    return report


def _document_count(index) -> int:
    try:
        with index.reader() as reader:
            return reader.doc_count()
    except Exception as error:  # damaged segment files: Whoosh raises many kinds
        raise IndexUnavailable("error", f"Index illisible ({type(error).__name__}).") from error


@dataclass
class CheckReport:
    missing: list[int] = field(default_factory=list)  # published, not in the index
    orphans: list[int] = field(default_factory=list)  # in the index, not published
    stale: list[int] = field(default_factory=list)  # indexed content differs from the database
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return not (self.missing or self.orphans or self.stale)


def check_index(store: IndexStore, make_session: sessionmaker, repair: bool = False) -> CheckReport:
    """Compare the index with the database document by document (digests)."""
    generation = store.current_generation()
    if generation is None:
        raise IndexUnavailable("missing", "L'index de recherche n'a pas encore été construit.")
    index = store.open_index(generation)
    with index.reader() as reader:
        indexed = {int(fields["id"]): fields.get("digest") for _n, fields in reader.iter_docs()}
    report = CheckReport()
    with make_session() as session:
        names = PlaceNames(session)
        published: set[int] = set()
        for batch in published_id_batches(session):
            for experience in load_experiences(session, batch):
                published.add(experience.id)
                if experience.id not in indexed:
                    report.missing.append(experience.id)
                elif indexed[experience.id] != experience_document(experience, names)["digest"]:
                    report.stale.append(experience.id)
            session.expunge_all()
        report.orphans = sorted(set(indexed) - published)
        if repair and not report.ok:
            with store.write_lock(REBUILD_LOCK_WAIT) as locked:
                if not locked:
                    raise RuntimeError("index writer lock busy")
                ids = {*report.missing, *report.orphans, *report.stale}
                apply_ids(store.open_index(store.current_generation()), session, ids)
            report.repaired = True
    return report
