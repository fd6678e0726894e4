"""figures: case_figure, step_figure, flow_figure, the management dashboard's aggregates

Revision ID: 0017_figures
Revises: 0005_registers

Cases, steps and gateway decisions recorded before this revision are not counted until
``alur figures rebuild`` fills the tables from the case history.
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0017_figures'
down_revision = '0017_worker_heartbeat'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_figure',
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('ended_at', engine.persistence.models.UTCDateTime(), nullable=True),
    sa.Column('work_seconds', sa.Integer(), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ),
    sa.PrimaryKeyConstraint('instance_id')
    )
    op.create_index('ix_case_figure_started', 'case_figure', ['process_key', 'started_at', 'ended_at', 'status'],
                    unique=False)
    op.create_index('ix_case_figure_ended', 'case_figure',
                    ['process_key', 'ended_at', 'status', 'on_time', 'work_seconds'], unique=False)
    op.create_table('step_figure',
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('element_id', sa.String(length=100), nullable=False),
    sa.Column('performer', sa.String(length=100), nullable=False),
    sa.Column('started_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('completed_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('work_seconds', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ),
    sa.PrimaryKeyConstraint('task_id')
    )
    op.create_index('ix_step_figure_sop', 'step_figure',
                    ['process_key', 'completed_at', 'element_id', 'work_seconds', 'on_time', 'performer'],
                    unique=False)
    op.create_index('ix_step_figure_performer', 'step_figure', ['performer', 'completed_at', 'process_key'],
                    unique=False)
    op.create_table('flow_figure',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('gateway_id', sa.String(length=100), nullable=False),
    sa.Column('flow_id', sa.String(length=100), nullable=False),
    sa.Column('taken_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_flow_figure_sop', 'flow_figure', ['process_key', 'taken_at', 'flow_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_flow_figure_sop', table_name='flow_figure')
    op.drop_table('flow_figure')
    op.drop_index('ix_step_figure_performer', table_name='step_figure')
    op.drop_index('ix_step_figure_sop', table_name='step_figure')
    op.drop_table('step_figure')
    op.drop_index('ix_case_figure_ended', table_name='case_figure')
    op.drop_index('ix_case_figure_started', table_name='case_figure')
    op.drop_table('case_figure')
