"""The index directory: generations, the pointer to the current one, the writer lock, and the
outbox cursor each generation keeps.

Layout of ``INDEX_DIR``::

    CURRENT            name of the generation being served (replaced atomically)
    write.lock         flock()ed by whoever writes (sync, swap): one writer at a time
    gen-…/             one Whoosh index per generation
        outbox.json    last outbox row applied to it, recent gaps, schema version

``kb index rebuild`` fills a new generation while the current one keeps serving, catches it up
with the outbox under the lock, then replaces ``CURRENT``: readers switch on their next search.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as whoosh_index

from kb.search.schema import SCHEMA, SCHEMA_VERSION

POINTER = "CURRENT"
LOCK_FILE = "write.lock"
CURSOR_FILE = "outbox.json"
_GENERATION = re.compile(r"gen-[0-9]{8}T[0-9]{12}-[0-9a-f]{6}")
#: Outbox ids skipped by a sync may belong to transactions still running: they are looked for
#: again for this long (in seconds), then forgotten (a rolled-back transaction never commits).
GAP_TTL = 600.0
MAX_GAPS = 2000

_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


class IndexUnavailable(Exception):
    """The index cannot be read. ``status`` is ``missing`` or ``error``; the message is French."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Cursor:
    """Where a generation stands in the outbox: the last row applied, and the ids below it not
    seen yet (with when they were first missed), which a late commit may still fill."""

    last_applied: int = 0
    gaps: dict[int, float] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION
    updated_at: str | None = None

    def to_json(self) -> dict:
        return {
            "last_applied": self.last_applied,
            "gaps": {str(k): v for k, v in sorted(self.gaps.items())},
            "schema_version": self.schema_version,
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    @classmethod
    def from_json(cls, data: dict) -> Cursor:
        return cls(
            last_applied=int(data.get("last_applied", 0)),
            gaps={int(k): float(v) for k, v in (data.get("gaps") or {}).items()},
            schema_version=int(data.get("schema_version", 0)),
            updated_at=data.get("updated_at"),
        )

    def advanced(self, seen_ids: list[int], now: float | None = None) -> Cursor:
        """The cursor after applying ``seen_ids`` (rows above ``last_applied`` or in the gaps)."""
        now = time.time() if now is None else now
        seen = set(seen_ids)
        last = max([self.last_applied, *seen])
        gaps = {i: t for i, t in self.gaps.items() if i not in seen and now - t < GAP_TTL}
        for missing in range(max(self.last_applied + 1, last - MAX_GAPS), last):
            if missing not in seen:
                gaps.setdefault(missing, now)
        if len(gaps) > MAX_GAPS:
            gaps = dict(sorted(gaps.items())[-MAX_GAPS:])
        return Cursor(last, gaps, self.schema_version)

    def live_gaps(self, now: float | None = None) -> list[int]:
        now = time.time() if now is None else now
        return sorted(i for i, t in self.gaps.items() if now - t < GAP_TTL)


class IndexStore:
    """One index directory (``INDEX_DIR``) and its generations."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    # ------------------------------------------------------------------ generations

    def current_generation(self) -> str | None:
        """The generation named by ``CURRENT``, or ``None`` when there is none (yet)."""
        try:
            name = (self.root / POINTER).read_text().strip()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise IndexUnavailable("error", f"Index illisible : {error.strerror}.") from error
        if not _GENERATION.fullmatch(name) or not (self.root / name).is_dir():
            raise IndexUnavailable("error", "L'index désigne une génération absente.")
        return name

    def path(self, generation: str) -> Path:
        return self.root / generation

    def create_generation(self, cursor: Cursor) -> str:
        """A new, empty generation with its cursor; not served until :meth:`swap`."""
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")  # names sort by age
        name = f"gen-{stamp}-{secrets.token_hex(3)}"
        path = self.path(name)
        path.mkdir()
        whoosh_index.create_in(str(path), SCHEMA)
        self.write_cursor(name, cursor)
        return name

    def open_index(self, generation: str):
        """The Whoosh index of a generation; :class:`IndexUnavailable` if it cannot be read or
        was built with another schema version."""
        cursor = self.read_cursor(generation)
        if cursor.schema_version != SCHEMA_VERSION:
            raise IndexUnavailable(
                "error",
                "L'index a été construit par une version antérieure : il faut le reconstruire."
            )
        try:
            # the schema of this code, not the one pickled in the index: documents are always
            # analysed like queries (SCHEMA_VERSION guards changes that need a rebuild)
            return whoosh_index.open_dir(str(self.path(generation)), schema=SCHEMA)
        except Exception as error:  # Whoosh raises many kinds: all mean « unreadable »
            raise IndexUnavailable("error", f"Index illisible ({type(error).__name__}).") from error

    def swap(self, generation: str) -> None:
        """Serve ``generation`` from now on (an atomic rename of the pointer file)."""
        temporary = self.root / f".{POINTER}.{secrets.token_hex(4)}"
        temporary.write_text(generation + "\n")
        with open(temporary) as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, self.root / POINTER)
        _fsync_directory(self.root)

    def generations(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if _GENERATION.fullmatch(p.name))

    def remove_old_generations(self, keep: int = 1) -> list[str]:
        """Delete generations older than the current one, keeping the ``keep`` newest of them
        (a process may still be reading one for a moment)."""
        current = self.current_generation()
        older = [g for g in self.generations() if g != current and (current is None or g < current)]
        doomed = older[:-keep] if keep else older
        for name in doomed:
            shutil.rmtree(self.path(name), ignore_errors=True)
        return doomed

    def discard(self, generation: str) -> None:
        shutil.rmtree(self.path(generation), ignore_errors=True)

    # ------------------------------------------------------------------ cursor

    def read_cursor(self, generation: str) -> Cursor:
        path = self.path(generation) / CURSOR_FILE
        try:
            return Cursor.from_json(json.loads(path.read_text()))
        except FileNotFoundError as error:
            message = "Index incomplet : état de synchronisation absent."
            raise IndexUnavailable("error", message) from error
        except (OSError, ValueError, TypeError, AttributeError) as error:
            message = "Index illisible : état de synchronisation corrompu."
            raise IndexUnavailable("error", message) from error

    def write_cursor(self, generation: str, cursor: Cursor) -> None:
        """Write the cursor atomically (after the Whoosh commit it describes)."""
        directory = self.path(generation)
        temporary = directory / f".{CURSOR_FILE}.{secrets.token_hex(4)}"
        temporary.write_text(json.dumps(cursor.to_json()))
        os.replace(temporary, directory / CURSOR_FILE)

    # ------------------------------------------------------------------ writer lock

    @contextmanager
    def write_lock(self, wait: float = 0.0) -> Iterator[bool]:
        """Hold the writer lock of this directory; yields ``False`` if it could not be taken
        within ``wait`` seconds (another thread or process is writing)."""
        self.root.mkdir(parents=True, exist_ok=True)
        thread_lock = _thread_lock(str(self.root.resolve()))
        acquired = thread_lock.acquire(timeout=wait) if wait > 0 else thread_lock.acquire(False)
        if not acquired:
            yield False
            return
        handle = open(self.root / LOCK_FILE, "a+")  # noqa: SIM115 (closed below)
        try:
            if not _flock(handle, wait):
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            handle.close()
            thread_lock.release()


def _thread_lock(key: str) -> threading.Lock:
    """flock() excludes other processes; threads of this process also take this lock."""
    with _thread_locks_guard:
        return _thread_locks.setdefault(key, threading.Lock())


def _flock(handle, wait: float) -> bool:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
