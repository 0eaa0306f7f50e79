"""Revisions 0003–0006 were released empty (placeholders): a database created then is stamped
0006 without any of their tables. Upgrading it must still create everything (0007–0011)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from kb import schema
from kb.db import make_engine

NEW_TABLES = {"attachment", "pending_revision", "report_event", "organisation_merge"}


def test_a_database_stamped_at_the_released_placeholders_gets_every_table(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'released.sqlite3'}")
    with engine.begin() as connection:
        config = schema.alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    assert schema.current_revision(engine) == "0006"
    assert not NEW_TABLES & set(inspect(engine).get_table_names())
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision(engine) == "0011"
    inspector = inspect(engine)
    assert NEW_TABLES <= set(inspector.get_table_names())
    assert "core_name" in {column["name"] for column in inspector.get_columns("territory")}
    assert "manages_organisation" in {
        column["name"] for column in inspector.get_columns("user_account")}
    assert "updated_at" in {column["name"] for column in inspector.get_columns("organisation")}
