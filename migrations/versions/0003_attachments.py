"""attachments on write-ups (issue 13) — empty on purpose

This revision was released empty (a placeholder) and databases created then are stamped with
it, so its content lives in 0007: an upgrade from any released revision applies it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 01:35:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
