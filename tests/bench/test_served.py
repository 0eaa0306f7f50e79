"""The production command for real (issue 14): gunicorn with ``kb/gunicorn_conf.py`` on a small
corpus made by the ``kb`` commands, its workers warm before their first answer, after a
restart too, and a publish searchable on every worker.

The server and the publish helper are the benchmark's (:mod:`bench.served`): the test proves
that what ``make bench`` measures works, on 66 write-ups instead of 100,000."""

from __future__ import annotations

import http.client
import json
import signal
import time

import pytest

from bench import corpus
from bench.served import Server, _publish_once

WORKERS = 2


@pytest.fixture(scope="module")
def served(backend, tmp_path_factory):
    """gunicorn (2 sync workers, preloaded) on the demo write-ups in a SQLite database of its
    own, for the tests of this file; stopped at the end."""
    if backend != "sqlite":
        pytest.skip("serves a SQLite corpus of its own: runs once, in the SQLite run")
    directory = tmp_path_factory.mktemp("served")
    for command in (("init",), ("demo",), ("index", "rebuild")):
        corpus.kb_command(directory, *command)
    server = Server(directory, workers=WORKERS, threads=1, preload=True,
                    log_path=directory / "gunicorn.log")
    yield server
    server.stop()


def _health_by_worker(server: Server, previous: set[int], limit: float = 60.0) -> dict:
    """Every ``/healthz`` answer, by worker, until each of the ``WORKERS`` workers not in
    ``previous`` has answered (refused connections while they start are retried)."""
    answers: dict[int, list[tuple[int, str]]] = {}
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            status, body, headers = server.client.get("/healthz", timeout=5)
        except (OSError, http.client.HTTPException):
            time.sleep(0.02)
            continue
        worker = int(headers["x-kb-worker"])
        if worker not in previous:
            state = json.loads(body)["index"]["warm"]["state"]
            answers.setdefault(worker, []).append((status, state))
            if len(answers) == WORKERS:
                return answers
        time.sleep(0.01)
    raise AssertionError(f"workers did not all answer within {limit} s: {answers}")


def test_workers_are_warm_from_their_first_answer_even_after_a_restart(served):
    answers = _health_by_worker(served, set())
    assert all(reply == (200, "ready") for replies in answers.values() for reply in replies), \
        answers

    served.process.send_signal(signal.SIGHUP)  # gunicorn replaces every worker
    answers = _health_by_worker(served, set(answers))
    assert all(reply == (200, "ready") for replies in answers.values() for reply in replies), \
        answers

    status, body, _headers = served.client.get("/recherche?q=tablettes")
    assert status == 200
    assert "fiches trouvées" in body.decode()


def test_a_publish_is_searchable_on_every_worker(served):
    _health_by_worker(served, set())
    delay = _publish_once(served, served.directory, 0, limit=20.0)
    assert delay is not None, "the edited title was not found by every worker within 20 s"

