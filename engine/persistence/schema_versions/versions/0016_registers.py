"""registers: the server asset register (SOP-05) and the data-center access register (SOP-04)

Revision ID: 0005_registers
Revises: 0005_model_drafts
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0005_registers'
down_revision = '0005_model_drafts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('server_asset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_number', sa.String(length=60), nullable=False),
    sa.Column('hostname', sa.String(length=200), nullable=False),
    sa.Column('ip_address', sa.String(length=60), nullable=False),
    sa.Column('operating_system', sa.String(length=200), nullable=False),
    sa.Column('dbms', sa.String(length=200), nullable=False),
    sa.Column('owner_opd', sa.String(length=300), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('backup_schedule', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('last_backup_at', engine.persistence.models.UTCDateTime(), nullable=True),
    sa.Column('last_backup_result', sa.String(length=20), nullable=True),
    sa.Column('last_restore_at', engine.persistence.models.UTCDateTime(), nullable=True),
    sa.Column('last_restore_result', sa.String(length=20), nullable=True),
    sa.Column('last_job_instance_id', sa.Integer(), nullable=True),
    sa.Column('last_job_confirmed', sa.Boolean(), nullable=False),
    sa.Column('last_reviewed_at', engine.persistence.models.UTCDateTime(), nullable=True),
    sa.Column('last_review_result', sa.String(length=20), nullable=True),
    sa.Column('last_review_note', sa.Text(), nullable=True),
    sa.Column('last_review_instance_id', sa.Integer(), nullable=True),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('asset_number')
    )
    op.create_table('dc_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visitor', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=300), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('escort', sa.String(length=200), nullable=False),
    sa.Column('time_in', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('time_out', engine.persistence.models.UTCDateTime(), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('opened_by', sa.String(length=100), nullable=False),
    sa.Column('closed_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_dc_visit_instance_id'), 'dc_visit', ['instance_id'], unique=False)
    op.create_index(op.f('ix_dc_visit_time_out'), 'dc_visit', ['time_out'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_dc_visit_time_out'), table_name='dc_visit')
    op.drop_index(op.f('ix_dc_visit_instance_id'), table_name='dc_visit')
    op.drop_table('dc_visit')
    op.drop_table('server_asset')
