"""pending edits, report trail, organisation merges (issue 15, part A)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 01:35:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
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
    op.create_table('pending_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('experience_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('base_revision', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('en-attente', 'renvoyee', 'approuvee', 'retiree')", name=op.f('ck_pending_revision_status')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_pending_revision_version')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_pending_revision_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_pending_revision_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['experience_id'], ['experience.id'], name=op.f('fk_pending_revision_experience_id_experience'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_revision'))
    )
    op.create_index(op.f('ix_pending_revision_experience_id'), 'pending_revision', ['experience_id'], unique=False)
    op.create_table('report_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('reponse', 'question-auteurs', 'reponse-auteurs', 'archivage', 'traite')", name=op.f('ck_report_event_kind')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_report_event_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_event_report_id_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_event'))
    )
    op.create_index(op.f('ix_report_event_report_id'), 'report_event', ['report_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_report_event_report_id'), table_name='report_event')
    op.drop_table('report_event')
    op.drop_index(op.f('ix_pending_revision_experience_id'), table_name='pending_revision')
    op.drop_table('pending_revision')
    op.drop_index(op.f('ix_organisation_merge_into_id'), table_name='organisation_merge')
    op.drop_index(op.f('ix_organisation_merge_from_id'), table_name='organisation_merge')
    op.drop_table('organisation_merge')
