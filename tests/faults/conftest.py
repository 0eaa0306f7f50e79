"""Fixtures of the fault tests: an application configured as in production for errors (a short
SQLite busy timeout, exceptions turned into error pages rather than raised into the test), a
valid write-up form, searching and syncing, and a throwaway PostgreSQL cluster of our own that a
test may stop and start."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import request_started
from sqlalchemy import create_engine, text

from tests.conftest import _empty_mutable_tables, _forget_request_globals, make_app

BUSY_TIMEOUT = 0.5  # seconds: how long a request waits for a SQLite lock held elsewhere
PG_BIN = Path("/usr/lib/postgresql/15/bin")


@pytest.fixture
def app(prepared_database, tmp_path):
    """The suite's application, but with a short busy timeout and production error handling
    (``PROPAGATE_EXCEPTIONS`` off: an error in ``after_request`` gives an error page)."""
    application = make_app(prepared_database, str(tmp_path / "index"),
                           DB_BUSY_TIMEOUT=BUSY_TIMEOUT, PROPAGATE_EXCEPTIONS=False)
    request_started.connect(_forget_request_globals, application)
    yield application
    _empty_mutable_tables(application)
    application.extensions["kb.engine"].dispose()


def write_up_form(title: str = "Des tablettes dans les écoles de Guéret") -> dict:
    """A complete, valid filing form (as the browser posts it, CSRF off in tests)."""
    return {
        "title": title,
        "summary": "Six écoles équipées de classes mobiles de tablettes, avec formation.",
        "context": "Les écoles n'avaient aucun équipement mobile.",
        "actions": "Achat de 120 tablettes et formation des enseignants.",
        "results": "Les enseignants utilisent les tablettes chaque semaine.",
        "lessons": "Prévoir la maintenance dès le départ.",
        "territory_code": "C23096", "territory_types": ["rural"], "levels": ["elementaire"],
        "themes": ["equipement", "formation"], "equipment": ["tablettes"],
        "project_state": "termine", "start": "2019-09", "end": "2021-06",
        "budget_eur": "85000", "funders": ["État"], "other_funders": "",
        "schools": "6", "pupils": "640", "teachers": "32", "partners": "Atelier Canopé",
        "links": "https://www.example.org/ecoles", "evidence": "enquete",
        "contact_name": "Marie Durand", "contact_role": "Chargée de mission",
        "contact_email": "marie.durand@example.org",
    }


@pytest.fixture
def found_ids(client):
    """``found_ids(q="…")`` → ids found through ``/api/v1/experiences`` (first 100)."""

    def ids(**params):
        params.setdefault("per_page", 100)
        response = client.get("/api/v1/experiences", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [record["id"] for record in response.get_json()["results"]]

    return ids


@pytest.fixture
def file_write_up(db_session):
    """File a write-up through the operations (revisions, outbox) as ``author``, submitted and
    published by ``moderator`` unless ``publish`` is false; committed."""
    from kb.db import commit
    from kb.experiences import operations as ops

    def factory(author, moderator, title: str, publish: bool = True):
        experience = ops.create_experience(author, write_up_data(title))
        if publish:
            ops.submit_experience(experience, author)
            ops.publish_experience(experience, moderator, "Publiée pour le test.")
        commit()
        return experience

    return factory


def write_up_data(title: str) -> dict:
    """The form's data in the operations' shape."""
    fields = write_up_form(title)
    return {**fields, "funders": ["État"], "links": [fields["links"]], "cofilers": [],
            "budget_eur": 85000, "schools": 6, "pupils": 640, "teachers": 32}


@pytest.fixture
def sqlite_only(backend):
    if backend != "sqlite":
        pytest.skip("SQLite-specific fault (file locks): runs in the SQLite run of the suite")


# --------------------------------------------------------------------------- PostgreSQL


@dataclass
class Cluster:
    """A PostgreSQL server of our own, in a temporary directory, that tests may stop."""

    data: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str) -> None:
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args])

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.pg_ctl("-o", options, "-w", "-t", "30", "-l", str(self.data / "server.log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "-w", "stop")

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)


def _as_postgres(command: list[str]) -> None:
    """Run a PostgreSQL binary as the ``postgres`` user (it refuses to run as root)."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL 15 cluster (initdb + pg_ctl, trust authentication, loopback only,
    a free port), shared by the session's fault tests and removed at the end."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL binaries not found in {PG_BIN}")
    data = Path(tempfile.mkdtemp(prefix="kb-fault-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8"])
    cluster = Cluster(data, _free_port())
    cluster.start()
    yield cluster
    try:
        cluster.stop("immediate")
    except subprocess.CalledProcessError:
        pass  # already stopped
    shutil.rmtree(data, ignore_errors=True)


def wait_until(predicate, timeout: float = 10.0, step: float = 0.1):
    """Poll ``predicate`` until it returns a truthy value (returned) or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)
