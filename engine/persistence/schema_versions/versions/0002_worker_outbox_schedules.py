"""worker: e-mail outbox on notifications, schedule anchors and policy, escalation indexes

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_to', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('email_next_at', engine.persistence.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('email_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('email_error', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notification_email_next_at'), ['email_next_at'], unique=False)

    with op.batch_alter_table('process_schedule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anchor_at', engine.persistence.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('next_seq', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('catch_up', sa.String(length=10), server_default='latest', nullable=False))
        batch_op.add_column(sa.Column('source', sa.String(length=10), server_default='model', nullable=False))
        batch_op.add_column(sa.Column('changed_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('changed_at', engine.persistence.models.UTCDateTime(), nullable=True))
    # Rows from before the anchor existed continue from their next run.
    op.execute("UPDATE process_schedule SET anchor_at = next_run_at WHERE anchor_at IS NULL")
    with op.batch_alter_table('process_schedule', schema=None) as batch_op:
        batch_op.alter_column('anchor_at', existing_type=engine.persistence.models.UTCDateTime(), nullable=False)

    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.create_index('ix_human_task_escalation', ['escalated_at', 'due_at'], unique=False)

    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.create_index('ix_process_instance_warning', ['warned_at', 'warning_at'], unique=False)
        batch_op.create_index('ix_process_instance_breach', ['escalated_at', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_process_instance_breach')
        batch_op.drop_index('ix_process_instance_warning')

    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_escalation')

    with op.batch_alter_table('process_schedule', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
        batch_op.drop_column('changed_by')
        batch_op.drop_column('source')
        batch_op.drop_column('catch_up')
        batch_op.drop_column('next_seq')
        batch_op.drop_column('anchor_at')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_email_next_at'))
        batch_op.drop_column('email_error')
        batch_op.drop_column('email_attempts')
        batch_op.drop_column('email_next_at')
        batch_op.drop_column('email_to')
