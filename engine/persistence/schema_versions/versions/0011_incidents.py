"""incidents: steps that failed at run time, with the input kept for a retry

Revision ID: 0005_incidents
Revises: 0005_sop_identity
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0005_incidents'
down_revision = '0005_sop_identity'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('element_id', sa.String(length=100), nullable=False),
    sa.Column('step_name', sa.String(length=300), nullable=False),
    sa.Column('failed_element', sa.String(length=100), nullable=False),
    sa.Column('message_json', sa.Text(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('input_json', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('opened_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('failed_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', engine.persistence.models.UTCDateTime(), nullable=True),
    sa.Column('resolved_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index('ix_incident_open', ['status', 'process_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_instance_id'), ['instance_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_instance_id'))
        batch_op.drop_index('ix_incident_open')
    op.drop_table('incident')
