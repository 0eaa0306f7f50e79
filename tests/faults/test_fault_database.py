"""The database goes away: a French 503 page (JSON under ``/api/`` and ``/healthz``) within a
bounded time, nothing half-saved, and service back as soon as the database is, without a
restart. SQLite: a file locked by another connection; PostgreSQL: a server stopped and started."""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select

from kb.experiences.models import Experience, Revision
from kb.search.models import OutboxEntry
from tests.conftest import make_app
from tests.faults.conftest import BUSY_TIMEOUT, wait_until, write_up_data, write_up_form

FRENCH_503 = "Le service est momentanément indisponible"
PAGES = ("/", "/recherche?q=tablettes", "/territoires/D23")


def _sqlite_path(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


@contextmanager
def write_lock_held_elsewhere(path: str):
    """Another connection in a write transaction (``BEGIN EXCLUSIVE``): in WAL mode readers go
    on, writers wait for it."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def whole_file_locked_elsewhere(app, path: str):
    """Another process holding the whole file (``locking_mode=EXCLUSIVE`` and a write), as a
    maintenance tool might: nobody can even read. It can only take that lock once no one else
    has the file open, so the application's pooled connections are closed first."""
    app.extensions["kb.engine"].dispose()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE vocabulary_term SET position = position WHERE 0")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def _write_ups(app) -> tuple[int, int, int]:
    """(write-ups, revisions, outbox rows) as a separate connection sees them."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as connection:
            return tuple(connection.scalar(select(func.count()).select_from(model))
                         for model in (Experience, Revision, OutboxEntry))
    finally:
        engine.dispose()


def test_sqlite_write_lock_elsewhere_reads_go_on_saves_get_503_then_succeed(
        sqlite_only, app, client, login_as):
    login_as("contributeur")
    with write_lock_held_elsewhere(_sqlite_path(app)):
        for url in (*PAGES, "/healthz", "/experiences/nouvelle"):
            assert client.get(url).status_code == 200, url  # WAL: readers are not blocked
        response, elapsed = _timed(
            lambda: client.post("/experiences/nouvelle", data=write_up_form()))
        assert response.status_code == 503
        assert FRENCH_503 in response.get_data(as_text=True)
        assert elapsed < BUSY_TIMEOUT + 2.0
    assert _write_ups(app) == (0, 0, 0)  # nothing half-saved
    response = client.post("/experiences/nouvelle", data=write_up_form())
    assert response.status_code == 303  # same worker, same pool: recovered
    assert _write_ups(app)[:2] == (1, 1)


def test_sqlite_file_locked_whole_gives_503_pages_and_healthz_then_recovers(
        sqlite_only, app, client, create_experience):
    experience = create_experience(title="Tablettes")
    page = f"/experiences/{experience.id}-{experience.slug}"
    with whole_file_locked_elsewhere(app, _sqlite_path(app)):
        for url in (*PAGES, page):
            response, elapsed = _timed(lambda url=url: client.get(url))
            assert response.status_code == 503, url
            assert FRENCH_503 in response.get_data(as_text=True)
            assert 'lang="fr"' in response.get_data(as_text=True)
            assert elapsed < BUSY_TIMEOUT + 2.0, (url, elapsed)
        health, elapsed = _timed(lambda: client.get("/healthz"))
        assert health.status_code == 503 and elapsed < BUSY_TIMEOUT + 2.0
        assert health.get_json()["database"]["reachable"] is False
    for url in (*PAGES, page, "/healthz"):
        assert client.get(url).status_code == 200, url


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg_app(backend, pg_cluster, tmp_path):
    """An application on a fresh database of our own PostgreSQL cluster, migrated and loaded
    with the reference data, with one published write-up indexed."""
    from kb.reference import initialise

    if backend != "sqlite":
        pytest.skip("uses a PostgreSQL cluster of its own: runs once, in the SQLite run")
    url = pg_cluster.create_database("kb_fault_down")
    application = make_app(url, str(tmp_path / "index"), PROPAGATE_EXCEPTIONS=False)
    with application.app_context():
        initialise()
    yield application
    application.extensions["kb.engine"].dispose()


def _publish_one(app) -> tuple[str, str]:
    from kb.accounts.models import Organisation, User
    from kb.db import commit, get_session
    from kb.experiences import operations as ops

    data = write_up_data("Tablettes numériques à Guéret")
    with app.app_context():
        session = get_session()
        organisation = Organisation(name="Ville de Guéret", kind="commune",
                                    territory_code="C23096")
        session.add(organisation)
        session.flush()
        author = User(email="auteur@example.org", name="Auteur", password_hash="!",
                      role="contributeur", organisation_id=organisation.id, active=True,
                      approved=True)
        moderator = User(email="moderation@example.org", name="Modération", password_hash="!",
                         role="moderateur", active=True, approved=True)
        session.add_all([author, moderator])
        session.flush()
        experience = ops.create_experience(author, data)
        ops.submit_experience(experience, author)
        ops.publish_experience(experience, moderator)
        commit()
        return f"/experiences/{experience.id}-{experience.slug}", author.get_id()


def test_postgresql_stopped_gives_503_then_recovers_without_restart(pg_cluster, pg_app):
    page, author_session_id = _publish_one(pg_app)
    client = pg_app.test_client()
    signed_in = pg_app.test_client()
    with signed_in.session_transaction() as sess:
        sess["_user_id"] = author_session_id
    urls = (*PAGES, page, "/api/v1/experiences?q=tablettes")
    for url in (*urls, "/healthz"):
        assert client.get(url).status_code == 200, url
    assert signed_in.get("/compte").status_code == 200

    pg_cluster.stop("immediate")  # as a crash would
    try:
        for url in urls:
            response, elapsed = _timed(lambda url=url: client.get(url))
            assert response.status_code == 503, url
            assert elapsed < 5.0, (url, elapsed)
            body = response.get_data(as_text=True)
            assert ("indisponible" in body), url
        assert FRENCH_503 in client.get("/").get_data(as_text=True)
        response = signed_in.get("/compte")  # the user loader itself needs the database
        assert response.status_code == 503 and FRENCH_503 in response.get_data(as_text=True)
        saved = signed_in.post("/experiences/nouvelle", data=write_up_form("Pendant la panne"))
        assert saved.status_code == 503
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json()["database"]["reachable"] is False
    finally:
        pg_cluster.start()

    assert wait_until(lambda: client.get("/healthz").status_code == 200)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert signed_in.get("/compte").status_code == 200
    saved = signed_in.post("/experiences/nouvelle", data=write_up_form("Après la panne"))
    assert saved.status_code == 303
    with pg_app.app_context():
        from kb.db import get_session

        titles = set(get_session().scalars(select(Experience.title)))
    assert titles == {"Tablettes numériques à Guéret", "Après la panne"}
