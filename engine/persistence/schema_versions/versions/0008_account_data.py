"""account data: NIP, jabatan, unit kerja and phone on the user account

Revision ID: 0005_account_data
Revises: 0004_registrar
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_account_data'
down_revision = '0004_registrar'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nip', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('jabatan', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('unit_kerja', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=30), nullable=True))
        batch_op.create_unique_constraint('uq_user_account_nip', ['nip'])


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_account_nip', type_='unique')
        batch_op.drop_column('phone')
        batch_op.drop_column('unit_kerja')
        batch_op.drop_column('jabatan')
        batch_op.drop_column('nip')
