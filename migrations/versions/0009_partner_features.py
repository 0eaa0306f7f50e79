"""partner features, organisation pages (issue 15, part B)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 01:35:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Who keeps an organisation's public page (website, presentation) besides the site admins.
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('manages_organisation', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    # When the public presentation (website, description) was last changed.
    with op.batch_alter_table('organisation') as batch:
        batch.add_column(sa.Column('presentation_updated_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('organisation') as batch:
        batch.drop_column('presentation_updated_at')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('manages_organisation')
