"""Warming a process up before it takes traffic, and saying so on ``/healthz``.

A fresh gunicorn worker (``kb/gunicorn_conf.py`` calls :func:`warm_up` in
``post_worker_init``, before the worker accepts its first connection) opens the current
generation: its searchers, the segments' shared files (:mod:`kb.search.shared`, read ahead
by the kernel), the facet view, the sort order and the spelling lexicon; then it serves a few
searches to itself through the test client, so that templates are compiled, database
connections opened and every code path of ``/recherche`` and of the API imported and run once.
Requests meet a warm worker from the first.

``/healthz`` reports the state of this process (``index.warm``): ``cold`` (never warmed — the
development server, tests), ``warming`` (the answer is then a 503 with ``status: warming``, so
that a load balancer keeps sending traffic elsewhere), ``ready`` or ``error`` (the warm-up
failed: the worker serves anyway, as a cold one).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Flask

log = logging.getLogger(__name__)
EXTENSION = "kb.search.warmup"
#: Searches a worker sends itself: a word, two words with a facet, an empty query sorted by
#: date, a misspelling (did-you-mean), a place name, the API, and the organisation
#: autocomplete (its per-process list of names: about 0.25 s to build at 7,000 organisations).
WARM_REQUESTS = (
    "/recherche?" + urlencode({"q": "numérique"}),
    "/recherche?" + urlencode({"q": "tablettes école", "theme": "equipement"}),
    "/recherche?" + urlencode({"q": "", "tri": "date"}),
    "/recherche?" + urlencode({"q": "tabletes"}),
    "/recherche?" + urlencode({"q": "robots Creuse"}),
    "/api/v1/experiences?" + urlencode({"q": "formation des enseignants"}),
    "/api/v1/organisations?" + urlencode({"q": "commune"}),
)


@dataclass
class WarmState:
    state: str = "cold"
    generation: str | None = None
    seconds: float | None = None
    message: str | None = None

    def to_json(self) -> dict:
        report = {"state": self.state, "pid": os.getpid()}
        if self.generation:
            report["generation"] = self.generation
        if self.seconds is not None:
            report["seconds"] = round(self.seconds, 2)
        if self.message:
            report["message"] = self.message
        return report


def state(app: Flask) -> WarmState:
    return app.extensions.setdefault(EXTENSION, WarmState())


def warm_up(app: Flask) -> WarmState:
    """Warm this process on the current generation (blocking); never raises."""
    from kb.search.indexer import extension
    from kb.search.store import IndexUnavailable

    current = state(app)
    current.state, current.message = "warming", None
    started = time.perf_counter()
    try:
        with app.app_context():
            service = extension(app).service
            with service.view() as view:
                current.generation = view.generation
                for shared in service.shared_files.opened():
                    shared.touch()
                view.facets.order("published")
                view.matches.lexicon("spelling")
            client = app.test_client()
            for path in WARM_REQUESTS:
                response = client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status_code}")
        current.state = "ready"
    except IndexUnavailable as error:  # no index yet: nothing to warm, searches say so
        current.state, current.message = "ready", error.message
    except Exception as error:  # serve anyway, cold
        log.exception("search warm-up failed")
        current.state, current.message = "error", f"{type(error).__name__}"
    current.seconds = time.perf_counter() - started
    log.info("worker %s warm in %.2f s (%s)", os.getpid(), current.seconds, current.state)
    return current


def warm_up_in_background(app: Flask) -> threading.Thread:
    """The same, in a thread: the process serves meanwhile and ``/healthz`` says ``warming``."""
    state(app).state = "warming"
    thread = threading.Thread(target=warm_up, args=(app,), name="kb-warm-up", daemon=True)
    thread.start()
    return thread


def after_fork(app: Flask) -> None:
    """In a worker forked from a preloaded (and warmed) master: open searchers and database
    connections of its own; the caches, keyed by segment, stay valid."""
    from kb.search.indexer import extension

    extension(app).service.reset(keep_results=True)
    engine = app.extensions.get("kb.engine")
    if engine is not None:
        engine.dispose(close=False)  # the master's connections stay the master's
    state(app).state = "cold"


def add_worker_header(app: Flask) -> None:
    """``X-KB-Worker: <pid>`` on every response (benchmarks tell workers apart with it); only
    when ``KB_WORKER_HEADER`` is set, never in production by default."""
    if app.extensions.get("kb.worker_header"):
        return
    app.extensions["kb.worker_header"] = True

    @app.after_request
    def _worker_header(response):
        response.headers["X-KB-Worker"] = str(os.getpid())
        return response
