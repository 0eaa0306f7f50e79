"""A process killed (SIGKILL) in the middle of a save: the database holds the whole write-up or
nothing of it, and ``kb index sync`` — or any later search — brings the index level with it.

Each case runs ``crash_child.py`` in a subprocess that saves through the operations and kills
itself at the chosen point; a fresh application then inspects the database and the index."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from kb.db import Base, import_models
from kb.experiences.models import Experience, ExperienceTerm, Revision
from kb.search.models import OutboxEntry
from tests.faults import crash_child

CHILD = Path(crash_child.__file__)
ROOT = CHILD.parents[2]
BEFORE_COMMIT = ("after-first-flush", "before-commit")
AFTER_COMMIT = ("after-commit", "mid-index-commit", "before-cursor")


def run_child(app, action: str, point: str, author, moderator, experience_id=None) -> int:
    args = [sys.executable, str(CHILD), app.config["SQLALCHEMY_DATABASE_URI"],
            app.config["INDEX_DIR"], action, point, str(author.id), str(moderator.id)]
    if experience_id is not None:
        args.append(str(experience_id))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KB_ENV": "testing"}
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr  # killed where told, not failing
    return done.returncode


def row_counts(app) -> dict[str, int]:
    """Rows of every table, read by a connection of its own (as a fresh process would)."""
    import_models()
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as connection:
            return {table.name: connection.scalar(select(func.count()).select_from(table))
                    for table in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def revision_count(db_session, experience_id: int) -> int:
    return db_session.scalar(select(func.count()).select_from(Revision)
                             .where(Revision.experience_id == experience_id))


def lag(client) -> int:
    return client.get("/healthz").get_json()["index"]["lag"]


@pytest.fixture
def people(create_user):
    return create_user(role="contributeur"), create_user(role="moderateur")


@pytest.fixture
def no_catch_up(app, sync_index):
    """An index exists; only commits and ``kb index sync`` update it (no catch-up on search),
    so that the test shows what the sync command repairs."""
    sync_index()
    app.config["SEARCH_CATCH_UP_SECONDS"] = -1


@pytest.mark.parametrize("point", [*BEFORE_COMMIT, *AFTER_COMMIT])
def test_new_write_up_killed_mid_save_is_all_or_nothing_and_sync_catches_up(
        point, app, client, runner, db_session, people, no_catch_up, found_ids):
    before = row_counts(app)

    assert run_child(app, "create", point, *people) == -signal.SIGKILL

    after = row_counts(app)
    if point in BEFORE_COMMIT:
        assert after == before  # not one row of the half-done save
        assert lag(client) == 0
    else:
        db_session.expire_all()
        experience = db_session.scalars(
            select(Experience).where(Experience.title == crash_child.CREATE_TITLE)).one()
        assert experience.state == "publiee"
        revisions = db_session.scalars(
            select(Revision.action).where(Revision.experience_id == experience.id)
            .order_by(Revision.number)).all()
        assert revisions == ["create", "submit", "publish"]
        terms = db_session.scalar(select(func.count()).select_from(ExperienceTerm)
                                  .where(ExperienceTerm.experience_id == experience.id))
        assert terms == 5  # 2 themes, 1 equipment, 1 level, 1 territory type
        assert after["search_outbox"] == before["search_outbox"] + 1
        assert lag(client) == 1  # committed, not (fully) indexed

    result = runner.invoke(args=["index", "sync"])
    assert result.exit_code == 0, result.output
    assert lag(client) == 0
    expected = [] if point in BEFORE_COMMIT else [experience.id]
    assert found_ids(q="panne") == expected
    check = runner.invoke(args=["index", "check"])
    assert check.exit_code == 0 and "conforme" in check.output, check.output


@pytest.mark.parametrize("point", ["before-commit", "after-commit", "mid-index-commit"])
def test_edit_killed_mid_save_keeps_one_version_and_sync_catches_up(
        point, app, client, runner, db_session, people, no_catch_up, found_ids, file_write_up):
    experience = file_write_up(*people, crash_child.CREATE_TITLE)  # published and indexed
    version, revisions = experience.version, revision_count(db_session, experience.id)
    assert found_ids(q="sauvée") == [experience.id]

    assert run_child(app, "edit", point, *people, experience.id) == -signal.SIGKILL

    db_session.expire_all()
    experience = db_session.get(Experience, experience.id)
    if point == "before-commit":
        assert (experience.title, experience.version) == (crash_child.CREATE_TITLE, version)
        assert revision_count(db_session, experience.id) == revisions
    else:
        assert (experience.title, experience.version) == (crash_child.EDIT_TITLE, version + 1)
        assert revision_count(db_session, experience.id) == revisions + 1
        assert db_session.scalar(select(func.count()).select_from(OutboxEntry)) == 2
    result = runner.invoke(args=["index", "sync"])
    assert result.exit_code == 0, result.output
    edited = point != "before-commit"
    assert found_ids(q="modifié") == ([experience.id] if edited else [])
    assert found_ids(q="sauvée") == ([] if edited else [experience.id])
    check = runner.invoke(args=["index", "check"])
    assert check.exit_code == 0 and "conforme" in check.output, check.output
