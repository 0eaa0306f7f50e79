"""collectivités d'outre-mer and vocabulary-aware search (issue 11) — empty on purpose

This revision was released empty (a placeholder) and databases created then are stamped with
it, so its content lives in 0010: an upgrade from any released revision applies it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 01:35:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
