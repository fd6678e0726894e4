"""registrar: OPD list, the requesting unit of users and cases, confidential cases, e-mail preferences,
the daily digest and the announcements cursor

Revision ID: 0004_registrar
Revises: 0004_assignment
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0004_registrar'
down_revision = '0004_assignment'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('opd',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    cursor = op.create_table('worker_cursor',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    # An existing installation announces the tasks created from now on, not every open task it holds.
    op.bulk_insert(cursor, [{'name': 'announcements', 'at': datetime.now(timezone.utc)}])

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opd_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('email_mode', sa.String(length=10), server_default='instant', nullable=False))
        batch_op.create_index(batch_op.f('ix_user_account_opd_id'), ['opd_id'], unique=False)
        batch_op.create_foreign_key('fk_user_account_opd_id_opd', 'opd', ['opd_id'], ['id'])

    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opd_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confidential', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('registered', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_process_instance_opd_id'), ['opd_id'], unique=False)
        batch_op.create_foreign_key('fk_process_instance_opd_id_opd', 'opd', ['opd_id'], ['id'])

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_pending', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('digest_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notification_digest_pending'), ['digest_pending'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_digest_pending'))
        batch_op.drop_column('digest_id')
        batch_op.drop_column('digest_pending')

    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_constraint('fk_process_instance_opd_id_opd', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_process_instance_opd_id'))
        batch_op.drop_column('registered')
        batch_op.drop_column('confidential')
        batch_op.drop_column('opd_id')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('fk_user_account_opd_id_opd', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_account_opd_id'))
        batch_op.drop_column('email_mode')
        batch_op.drop_column('opd_id')

    op.drop_table('worker_cursor')
    op.drop_table('opd')
