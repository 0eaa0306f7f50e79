"""collectivités d'outre-mer and vocabulary-aware search (issue 11)

The ``territory`` table accepts the kind ``com`` (collectivité d'outre-mer: R975, R977, R978,
R986, R987, R988) and gains ``core_name`` (an EPCI's folded name without its legal form, ranked
by the autocomplete, issue 15). The rows themselves, the 88 communes of these collectivités and
the EPCI core names come from the committed data file: ``kb init`` (migration, then the
idempotent territory load) inserts and updates them in an existing database without touching
the other rows.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 01:35:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

KINDS_BEFORE = "kind IN ('region', 'departement', 'epci', 'commune')"
KINDS_AFTER = "kind IN ('region', 'com', 'departement', 'epci', 'commune')"
COLLECTIVITES = ('975', '977', '978', '986', '987', '988')


def upgrade() -> None:
    with op.batch_alter_table('territory', schema=None) as batch_op:
        batch_op.add_column(sa.Column('core_name', sa.String(length=200), nullable=True))
        batch_op.drop_constraint(op.f('ck_territory_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_territory_kind'), KINDS_AFTER)


def downgrade() -> None:
    # The collectivités and their communes go first (a write-up filed on one of them makes
    # this fail, rather than lose the write-up's territory).
    territory = sa.table('territory', sa.column('kind'), sa.column('region'))
    op.execute(territory.delete().where(
        territory.c.kind == 'commune', territory.c.region.in_(COLLECTIVITES)))
    op.execute(territory.delete().where(territory.c.kind == 'com'))
    with op.batch_alter_table('territory', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_territory_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_territory_kind'), KINDS_BEFORE)
        batch_op.drop_column('core_name')
