"""tasks: the people a model names (camunda:assignee / candidateUsers), in the inbox index

Revision ID: 0004_assignment
Revises: 0004_mandates
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_assignment'
down_revision = '0004_mandates'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('candidate_users', sa.String(length=2000), nullable=True))
        batch_op.drop_index('ix_human_task_inbox')
        batch_op.create_index('ix_human_task_inbox', ['state', 'role', 'due_at', 'created_at', 'candidate_users'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_inbox')
        batch_op.create_index('ix_human_task_inbox', ['state', 'role', 'due_at', 'created_at'], unique=False)
        batch_op.drop_column('candidate_users')
