"""organisation.updated_at: when an organisation's row last changed

The organisation autocomplete keeps every organisation's name, kind and place per process and
rebuilds its list when they change. It saw additions, removals and renames that change the
names' total length; a rename to a name of the same length, or a new kind or place, waited up to
ten minutes. ``updated_at`` is set by every update made through the application, and the list's
key reads its maximum.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 20:20:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisation') as batch:
        batch.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('organisation') as batch:
        batch.drop_column('updated_at')
