"""drafts: a person's unsent input to a task form

Revision ID: 0004_drafts
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0004_drafts'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('task_draft',
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('data_json', sa.Text(), nullable=False),
    sa.Column('saved_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['human_task.id'], ),
    sa.PrimaryKeyConstraint('task_id', 'username')
    )


def downgrade() -> None:
    op.drop_table('task_draft')
