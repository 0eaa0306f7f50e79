"""pending edits, report trail, organisation merges (issue 15, part A) — empty on purpose

This revision was released empty (a placeholder) and databases created then are stamped with
it, so its content lives in 0008: an upgrade from any released revision applies it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 01:35:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
