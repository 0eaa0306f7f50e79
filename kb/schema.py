"""Database schema management through Alembic: upgrade to head, report the current revision."""

from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from kb import ROOT

MIGRATIONS_DIR = ROOT / "migrations"


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Migrate the database to the latest revision (idempotent), in one transaction.

    On SQLite, foreign keys are switched off meanwhile: a batch migration rebuilds a table by
    copying it and dropping the original, and with foreign keys on, that ``DROP TABLE`` would
    fail on (or cascade to) the rows that refer to it (the write-ups on a territory). The keys
    are checked before the commit and switched back on after it.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:  # only takes effect outside a transaction
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                cfg = alembic_config(engine)
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def _check_foreign_keys(connection) -> None:
    """Refuse (and so roll back) a migration that left a row pointing to nothing."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        table, _rowid, parent, _key = broken[0]
        raise RuntimeError(f"la migration laisse des références cassées ({len(broken)}), "
                           f"par exemple {table} → {parent}")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
