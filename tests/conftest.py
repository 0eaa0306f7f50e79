"""Fixtures shared by the whole suite.

The suite runs on SQLite by default and on PostgreSQL with ``--db=postgres`` (the database
named by ``KB_TEST_POSTGRES_URL``). The schema is migrated and the reference data (35,000
territories, vocabularies) loaded once per session; each test gets its own index directory and
leaves the database as it found it (mutable tables are emptied after each test).
"""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, delete, text

from config import TestingConfig
from kb import create_app
from kb.db import Base, import_models

REFERENCE_TABLES = {"territory", "vocabulary_term"}
_counter = itertools.count(1)


def pytest_addoption(parser):
    parser.addoption(
        "--db", choices=("sqlite", "postgres"), default="sqlite",
        help="database backend the suite runs on (postgres needs KB_TEST_POSTGRES_URL)",
    )


def pytest_report_header(config):
    return f"database backend: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def backend(request) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory) -> str:
    if backend == "postgres":
        url = os.environ.get("KB_TEST_POSTGRES_URL")
        if not url:
            pytest.skip("PostgreSQL run skipped: KB_TEST_POSTGRES_URL is not set")
        url = _worker_database(url)
        _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'kb-test.sqlite3'}"


def _worker_database(url: str) -> str:
    """The database of this test process: the one named by the URL, or, under pytest-xdist
    (``make test`` runs the suite on two processes), one per worker created beside it —
    ``kb_test_gw0``… — so that workers never share tables (the role needs ``CREATEDB``)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def prepared_database(database_url, tmp_path_factory) -> str:
    """Migrate the test database and load the reference data once for the session."""
    app = create_app(TestingConfig(database_url, str(tmp_path_factory.mktemp("index0"))))
    with app.app_context():
        from kb.reference import initialise

        initialise()
    app.extensions["kb.engine"].dispose()
    return database_url


def make_app(database_url: str, index_dir: str, **overrides):
    from pathlib import Path

    config = TestingConfig(database_url, index_dir)
    settings = config.as_dict()
    settings["WTF_CSRF_ENABLED"] = False
    settings["STORAGE_URL"] = f"file://{Path(index_dir).parent / 'uploads'}"  # attachments
    settings.update(overrides)
    return create_app(settings)


def _forget_request_globals(_sender, **_extra) -> None:
    """``db_session`` keeps one application context open for a whole test, so the test client's
    requests share its ``g``: forget what a real request would not inherit (the user Flask-Login
    cached, the vocabulary labels)."""
    from flask import g

    g.pop("_login_user", None)
    g.pop("kb_term_labels", None)


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Argon2id with the cheapest parameters: the suite checks the logic, not the cost (which
    stays the library's default in the application)."""
    from argon2 import PasswordHasher

    from kb.accounts import auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                        parallelism=1))


@pytest.fixture
def app(prepared_database, tmp_path):
    """An application on the session's database, with its own empty index directory."""
    from flask import request_started

    application = make_app(prepared_database, str(tmp_path / "index"))
    request_started.connect(_forget_request_globals, application)
    yield application
    _empty_mutable_tables(application)
    application.extensions["kb.engine"].dispose()


@pytest.fixture
def csrf_app(prepared_database, tmp_path):
    """Like ``app`` but with CSRF protection on, as in production."""
    from flask import request_started

    application = make_app(prepared_database, str(tmp_path / "index"), WTF_CSRF_ENABLED=True)
    request_started.connect(_forget_request_globals, application)
    yield application
    _empty_mutable_tables(application)
    application.extensions["kb.engine"].dispose()


def _empty_mutable_tables(application) -> None:
    import_models()
    engine = application.extensions["kb.engine"]
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                connection.execute(delete(table))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db_session(app):
    """The application's session inside an application context."""
    from kb.db import get_session

    with app.app_context():
        yield get_session()


@pytest.fixture
def create_organisation(db_session):
    from kb.accounts.models import Organisation

    def factory(name=None, kind="commune", territory_code="C23096", **fields):
        org = Organisation(
            name=name or f"Organisation de test {next(_counter)}", kind=kind,
            territory_code=territory_code, **fields,
        )
        db_session.add(org)
        db_session.commit()
        return org

    return factory


@pytest.fixture
def create_user(db_session, create_organisation):
    from kb.accounts.models import User

    def factory(role="contributeur", organisation=None, email=None, password=None, **fields):
        if organisation is None and role == "contributeur":
            organisation = create_organisation()
        if password is not None:
            from kb.accounts.auth import hash_password

            password_hash = hash_password(password)
        else:
            password_hash = "!"  # no password can match: tests sign in through the session
        user = User(
            email=email or f"{role}{next(_counter)}@test.example.org", name=f"Test {role}",
            password_hash=password_hash, role=role,
            organisation_id=organisation.id if organisation else None,
            active=True, approved=True, **fields,
        )
        db_session.add(user)
        db_session.commit()
        return user

    return factory


@pytest.fixture
def login_as(client, create_user):
    """Sign ``client`` in as a new user of ``role`` (or as the ``user`` given); returns it."""

    def sign_in(role="contributeur", user=None, test_client=None, **fields):
        from flask import g, has_app_context

        user = user or create_user(role=role, **fields)
        with (test_client or client).session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
        if has_app_context():  # db_session keeps one context open: forget the cached user
            g.pop("_login_user", None)
        return user

    return sign_in


@pytest.fixture
def create_experience(db_session, create_organisation):
    """Insert a write-up directly (published by default), with an outbox entry when published."""
    from kb.experiences.models import Experience, ExperienceTerm
    from kb.search.models import enqueue
    from kb.territories.models import Territory

    def factory(title="Des tablettes pour l'école du village", state="publiee", organisation=None,
                territory_code="C23096", themes=("equipement",), equipment=("tablettes",),
                levels=("elementaire",), territory_types=("rural",), **fields):
        organisation = organisation or create_organisation(territory_code=territory_code)
        territory = db_session.get(Territory, territory_code)
        now = datetime.now(UTC).replace(tzinfo=None)
        experience = Experience(
            title=title, slug=fields.pop("slug", "fiche-de-test"),
            summary=fields.pop("summary", "Un projet de test."),
            organisation_id=organisation.id, territory_code=territory_code,
            departement=territory.departement, region=territory.region, state=state,
            published_at=now if state == "publiee" else None, evidence="aucune", **fields,
        )
        for vocabulary, codes in (("theme", themes), ("equipement", equipment),
                                  ("niveau", levels), ("territoire", territory_types)):
            for position, code in enumerate(codes):
                experience.terms.append(
                    ExperienceTerm(vocabulary=vocabulary, code=code, position=position)
                )
        db_session.add(experience)
        db_session.flush()
        if state == "publiee":
            enqueue(db_session, experience.id)
        db_session.commit()
        return experience

    return factory


@pytest.fixture
def outbox(db_session):
    """The search outbox as (experience id, operation) pairs, oldest first."""
    from sqlalchemy import select

    from kb.search.models import OutboxEntry

    def read():
        db_session.expire_all()
        rows = db_session.scalars(select(OutboxEntry).order_by(OutboxEntry.id))
        return [(row.experience_id, row.operation) for row in rows]

    return read


@pytest.fixture
def sync_index(app):
    """Apply the outbox to the application's index now; returns the sync report."""
    from kb.search.indexer import extension

    def sync():
        with app.app_context():
            return extension(app).sync(wait=5.0)

    return sync


def page_text(response) -> str:
    """The response body with HTML entities decoded (« l'équipe » rather than « l&#39;équipe »)."""
    import html

    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def text_of():
    return page_text
