"""gunicorn settings for production, as measured by ``bench/served.py`` (docs/performance.md).

    gunicorn --config python:kb.gunicorn_conf "kb:create_app()"

Each setting can be changed from the environment (``KB_GUNICORN_…``) without editing this
file; the defaults are those the benchmark measured on a 2-core machine at 100,000 write-ups:

* ``workers`` — one per core: searching is CPU work in Python, more processes than cores only
  queue on the CPU (and each holds its own caches);
* ``threads`` — 1 (``sync`` workers): a search is CPU work holding the interpreter lock, and
  ``gthread`` workers crashed under load in the benchmark (see below);
* ``preload_app`` — the application is imported, and its index opened and warmed, once in the
  master before the workers are forked: they start with the compiled templates and the caches
  of the master, and a restarted worker is ready at once;
* each worker warms up again (:func:`kb.search.warmup.warm_up`) before it accepts a
  connection, so no user meets a cold worker; ``/healthz`` tells a warming process;
* ``timeout`` — a worker stuck for this long is replaced (the slowest search measured under
  16 concurrent clients is far below it).
"""

from __future__ import annotations

import gc
import os


def _env(name: str, default: str) -> str:
    return os.environ.get(f"KB_GUNICORN_{name}", default)


def _flag(name: str, default: bool) -> bool:
    return _env(name, "1" if default else "0").strip().lower() in ("1", "true", "yes", "on")


bind = _env("BIND", "127.0.0.1:8000")
workers = int(_env("WORKERS", str(max(1, os.cpu_count() or 1))))
threads = int(_env("THREADS", "1"))
# Threads were measured and dropped: under 8-16 clients, gthread workers crashed (SIGSEGV) in
# SQLAlchemy's compiled row loading on SQLite, and gained nothing on CPU-bound searches.
worker_class = "sync" if threads == 1 else "gthread"
preload_app = _flag("PRELOAD", True)
timeout = int(_env("TIMEOUT", "30"))
graceful_timeout = int(_env("GRACEFUL_TIMEOUT", "30"))
keepalive = int(_env("KEEPALIVE", "5"))
backlog = int(_env("BACKLOG", "256"))


def _prepare(app) -> None:
    from kb.search.warmup import add_worker_header

    if os.environ.get("KB_WORKER_HEADER"):
        add_worker_header(app)


def when_ready(server) -> None:
    """Preloaded: warm the master once, before the first fork, then move everything it holds
    out of the garbage collector's sight (``gc.freeze``, as Python's documentation advises
    before forking without ``exec``). Otherwise a worker's first collections walk the objects
    inherited from the master, writing to their pages: each page is then copied, and for the
    first seconds after a start each worker's first search took 145–195 ms instead of 20 ms
    (10,000 write-ups; ``docs/performance.md``)."""
    if not server.cfg.preload_app:
        return
    from kb.search.warmup import warm_up

    app = server.app.wsgi()
    _prepare(app)
    warm_up(app)
    gc.collect()
    gc.freeze()


def post_fork(server, worker) -> None:
    if server.cfg.preload_app:
        from kb.search.warmup import after_fork

        after_fork(worker.app.wsgi())


def post_worker_init(worker) -> None:
    """In the worker, after the application is loaded, before it accepts connections."""
    from kb.search.warmup import warm_up

    _prepare(worker.wsgi)
    warm_up(worker.wsgi)
