"""pending edits, report trail, organisation merges (issue 15, part A)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 01:35:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organisation_merge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_id', sa.Integer(), nullable=False),
    sa.Column('from_name', sa.String(length=200), nullable=False),
    sa.Column('from_slug', sa.String(length=120), nullable=False),
    sa.Column('into_id', sa.Integer(), nullable=False),
    sa.Column('into_name', sa.String(length=200), nullable=False),
    sa.Column('merged_by_id', sa.Integer(), nullable=True),
    sa.Column('merged_at', sa.DateTime(), nullable=False),
    sa.Column('experiences_moved', sa.Integer(), nullable=False),
    sa.Column('cofilings_moved', sa.Integer(), nullable=False),
    sa.Column('accounts_moved', sa.Integer(), nullable=False),
    sa.Column('memberships_moved', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merged_by_id'], ['user_account.id'], name=op.f('fk_organisation_merge_merged_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_merge'))
    )
    op.create_index(op.f('ix_organisation_merge_from_id'), 'organisation_merge', ['from_id'], unique=False)
    op.create_index(op.f('ix_organisation_merge_into_id'), 'organisation_merge', ['into_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_organisation_merge_into_id'), table_name='organisation_merge')
    op.drop_index(op.f('ix_organisation_merge_from_id'), table_name='organisation_merge')
    op.drop_table('organisation_merge')
