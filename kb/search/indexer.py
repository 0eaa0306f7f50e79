"""The search feature's hooks into the application: the index service of this process, outbox
sync after each commit, catch-up before searches, and the health report.

* After a commit that wrote outbox rows (``session.info["kb_outbox_written"]``), the process
  applies the pending rows to its own index — waiting briefly for the writer lock, else leaving
  them to whoever holds it or to the next sync.
* Before a search, at most once every ``SEARCH_CATCH_UP_SECONDS``, the process checks the
  outbox for rows it has not applied (written by another host, or left by a crash) and applies
  them. Several hosts sharing one database thus converge without a worker; ``kb index sync
  --follow`` is the worker for those that want one.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app

from kb import db
from kb.search.searchers import SearchService
from kb.search.store import IndexStore, IndexUnavailable
from kb.search.sync import SyncReport, apply_outbox, index_status

log = logging.getLogger(__name__)

DEFAULTS = {
    "INDEX_APPLY_AFTER_COMMIT": True,
    "SEARCH_CATCH_UP_SECONDS": 1.0,  # how often a search checks the outbox (< 0: never)
    "SEARCH_LOCK_WAIT": 0.5,  # how long an after-commit sync waits for the writer lock
    "SEARCH_AUTO_BUILD_LIMIT": 500,  # build a missing index in-process up to this many write-ups
    "SEARCH_POOL_SIZE": 4,
}
EXTENSION = "kb.search"


class SearchExtension:
    """Per-application state: the store, the searcher pool, the catch-up clock."""

    def __init__(self, app: Flask) -> None:
        self.store = IndexStore(app.config["INDEX_DIR"])
        self.service = SearchService(self.store, app.config["SEARCH_POOL_SIZE"])
        self.make_session = app.extensions["kb.sessionmaker"]
        self.config = app.config
        self._last_catch_up = 0.0
        self._clock_lock = threading.Lock()

    def sync(self, wait: float | None = None) -> SyncReport:
        """Apply pending outbox rows to this process's index."""
        report = apply_outbox(
            self.store, self.make_session,
            wait=self.config["SEARCH_LOCK_WAIT"] if wait is None else wait,
            auto_build_limit=self.config["SEARCH_AUTO_BUILD_LIMIT"],
        )
        with self._clock_lock:
            self._last_catch_up = time.monotonic()
        return report

    def catch_up(self) -> None:
        """Sync if the last check is older than ``SEARCH_CATCH_UP_SECONDS``; never raises for
        a busy lock (the holder applies the rows)."""
        interval = self.config["SEARCH_CATCH_UP_SECONDS"]
        if interval < 0:
            return  # disabled: only commits and `kb index sync` update the index
        with self._clock_lock:
            if interval > 0 and time.monotonic() - self._last_catch_up < interval:
                return
            self._last_catch_up = time.monotonic()
        try:
            self.sync(wait=0.0)
        except IndexUnavailable:
            pass  # the search reports it
        except Exception:  # a failing sync must not break searching: the index stays as it was
            log.exception("search index catch-up failed")


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.extensions[EXTENSION] = SearchExtension(app)
    db.on_after_commit(app, _after_commit)


def extension(app: Flask | None = None) -> SearchExtension:
    return (app or current_app).extensions[EXTENSION]


def _after_commit(session) -> None:
    """Apply the outbox rows the commit just wrote (the searchable-within-seconds path)."""
    if not session.info.pop("kb_outbox_written", False):
        return
    if not current_app.config["INDEX_APPLY_AFTER_COMMIT"]:
        return
    try:
        extension().sync()
    except IndexUnavailable as error:
        log.warning("search index not updated: %s", error.message)
    except Exception:  # the commit succeeded; the rows stay pending for the next sync
        log.exception("search index sync after commit failed")


def index_health() -> dict:
    """State of this process's index for ``/healthz``: status ``ok``, ``missing`` or
    ``error``, documents, last applied outbox row, lag (outbox rows not applied yet), and
    whether this process is warm (:mod:`kb.search.warmup`)."""
    from kb.search.warmup import state

    ext = extension()
    try:
        report = index_status(ext.store, ext.make_session)
    except Exception as error:  # the database part of /healthz reports database errors
        report = {"status": "error",
                  "message": f"État de l'index inconnu ({type(error).__name__})."}
    report.pop("directory", None)
    report["warm"] = state(current_app).to_json()
    return report
