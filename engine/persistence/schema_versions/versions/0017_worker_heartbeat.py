"""worker_heartbeat: each running worker's last run, read by /readyz

Revision ID: 0017_worker_heartbeat
Revises: 0005_registers
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0017_worker_heartbeat'
down_revision = '0005_registers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('worker_heartbeat',
    sa.Column('worker_id', sa.String(length=200), nullable=False),
    sa.Column('started_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('beat_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('worker_id')
    )
    op.create_index(op.f('ix_worker_heartbeat_beat_at'), 'worker_heartbeat', ['beat_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_worker_heartbeat_beat_at'), table_name='worker_heartbeat')
    op.drop_table('worker_heartbeat')
