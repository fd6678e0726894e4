"""external identity: where each account signs in (local, LDAP, OpenID Connect) and its directory id

Revision ID: 0017_external_identity
Revises: 0005_registers
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_external_identity'
down_revision = '0017_figures'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auth_source', sa.String(length=10), server_default='local', nullable=False))
        batch_op.add_column(sa.Column('external_subject', sa.String(length=300), nullable=True))
        batch_op.create_unique_constraint('uq_user_account_external', ['auth_source', 'external_subject'])


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('uq_user_account_external', type_='unique')
        batch_op.drop_column('external_subject')
        batch_op.drop_column('auth_source')
