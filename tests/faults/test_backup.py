"""``kb backup DIR`` / ``kb restore DIR``: restored into an empty database, every table holds
the same rows as the original, the index is rebuilt and finds the published write-ups, and a
restored PostgreSQL database goes on allocating ids after the restored ones."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, select

from kb import schema
from kb.db import Base, import_models
from tests.conftest import make_app


@pytest.fixture
def filled(create_user, create_organisation, file_write_up, db_session):
    """Accounts, organisations, two published write-ups and a draft, with revisions,
    moderation comments, terms and outbox rows."""
    author = create_user(role="contributeur")
    moderator = create_user(role="moderateur")
    published = [file_write_up(author, moderator, "Tablettes numériques à Guéret"),
                 file_write_up(author, moderator, "Robots pédagogiques au collège")]
    file_write_up(author, moderator, "Brouillon sur les visualiseurs", publish=False)
    return published


def all_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    import_models()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: [tuple(row) for row in connection.execute(
                        select(table).order_by(*table.primary_key))]
                    for table in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


@pytest.fixture
def empty_target(request, backend, tmp_path):
    """``empty_target(kind)`` → an application on a new, empty database: a SQLite file, or a
    database of our own PostgreSQL cluster (started on first use)."""
    apps = []

    def make(kind: str):
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        else:
            cluster = request.getfixturevalue("pg_cluster")
            url = cluster.create_database(f"kb_restored_{backend}")
        application = make_app(url, str(tmp_path / "restored-index"))
        apps.append(application)
        return application

    yield make
    for application in apps:
        application.extensions["kb.engine"].dispose()


def _backup(runner, directory, *options) -> dict:
    result = runner.invoke(args=["backup", str(directory), *options])
    assert result.exit_code == 0, result.output
    assert "Sauvegarde « " in result.output and "3 fiches" in result.output
    return json.loads((directory / "manifest.json").read_text())


def restore(target, directory):
    """``kb restore DIRECTORY`` on the target application (its context pushed over the one
    that ``db_session`` keeps open on the original)."""
    with target.app_context():
        return target.test_cli_runner().invoke(args=["restore", str(directory)])


def _restore_and_compare(app, target, directory, published) -> None:
    result = restore(target, directory)
    assert result.exit_code == 0, result.output
    assert "nombres de lignes vérifiés" in result.output
    assert "Index reconstruit : 2 fiches publiées." in result.output
    original = all_rows(app.config["SQLALCHEMY_DATABASE_URI"])
    restored = all_rows(target.config["SQLALCHEMY_DATABASE_URI"])
    assert {name: len(rows) for name, rows in restored.items()} == \
           {name: len(rows) for name, rows in original.items()}
    assert restored == original  # every value of every row, reference data included
    found = target.test_client().get("/api/v1/experiences?q=tablettes robots&per_page=10")
    titles = {r["title"] for r in target.test_client().get(
        "/api/v1/experiences?per_page=10").get_json()["results"]}
    assert found.status_code == 200
    assert titles == {e.title for e in published}


def test_backup_and_restore_into_an_empty_database(app, runner, filled, empty_target, backend,
                                                   tmp_path):
    manifest = _backup(runner, tmp_path / "backup")
    expected_format = "sqlite" if backend == "sqlite" else "pg_dump"
    assert manifest["format"] == expected_format
    assert manifest["schema_revision"] == schema.head_revision(app.extensions["kb.engine"])
    assert manifest["counts"]["experience"] == 3 and manifest["counts"]["territory"] > 30000
    target = empty_target("sqlite" if backend == "sqlite" else "postgresql")
    _restore_and_compare(app, target, tmp_path / "backup", filled)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_json_backup_restores_into_either_backend(kind, app, runner, filled, empty_target,
                                                  tmp_path):
    manifest = _backup(runner, tmp_path / "backup", "--format", "json")
    assert manifest["format"] == "json"
    assert "tables/experience.jsonl.gz" in manifest["files"]
    target = empty_target(kind)
    _restore_and_compare(app, target, tmp_path / "backup", filled)
    # ids go on after the restored ones (PostgreSQL sequences moved past them)
    from sqlalchemy import func

    from kb.accounts.models import Organisation
    from kb.db import get_session

    with target.app_context():
        session = get_session()
        largest = session.scalar(select(func.max(Organisation.id)))
        organisation = Organisation(name="Après restauration", kind="commune",
                                    territory_code="C23096")
        session.add(organisation)
        session.commit()
        assert organisation.id == largest + 1


def test_restore_refuses_a_database_in_use(app, runner, filled, tmp_path):
    _backup(runner, tmp_path / "backup")
    before = all_rows(app.config["SQLALCHEMY_DATABASE_URI"])
    result = runner.invoke(args=["restore", str(tmp_path / "backup")])
    assert result.exit_code == 1
    assert "La base de destination n'est pas vide" in result.output
    assert all_rows(app.config["SQLALCHEMY_DATABASE_URI"]) == before


def test_restore_refuses_a_damaged_backup(app, runner, filled, empty_target, backend, tmp_path):
    manifest = _backup(runner, tmp_path / "backup")
    damaged = tmp_path / "backup" / next(iter(manifest["files"]))
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    target = empty_target("sqlite" if backend == "sqlite" else "postgresql")
    result = restore(target, tmp_path / "backup")
    assert result.exit_code == 1
    assert "Sauvegarde abîmée" in result.output


def test_backup_refuses_a_directory_that_is_not_empty(app, runner, tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "autre.txt").write_text("déjà là")
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 1 and "n'est pas vide" in result.output
