"""sop monitoring: sop_assessment, the Monitoring Pelaksanaan and Evaluasi Penerapan SOP AP forms

Revision ID: 0017_sop_monitoring
Revises: 0017_figures
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0017_sop_monitoring'
down_revision = '0017_model_forms'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sop_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('period_key', sa.String(length=30), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.Column('evidence_json', sa.Text(), nullable=False),
    sa.Column('edits', sa.Integer(), nullable=False),
    sa.Column('drafted_by', sa.String(length=100), nullable=False),
    sa.Column('drafted_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('signed_by', sa.String(length=100), nullable=True),
    sa.Column('signed_name', sa.String(length=200), nullable=True),
    sa.Column('signed_at', engine.persistence.models.UTCDateTime(), nullable=True),
    sa.Column('revision_version', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'process_key', 'period_key', 'version', name='uq_sop_assessment_version')
    )
    with op.batch_alter_table('sop_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sop_assessment_process_key'), ['process_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sop_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sop_assessment_process_key'))
    op.drop_table('sop_assessment')
