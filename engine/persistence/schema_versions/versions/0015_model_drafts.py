"""model_draft: models a process owner saved without deploying them

Revision ID: 0005_model_drafts
Revises: 0006_login_security
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0005_model_drafts'
down_revision = '0006_login_security'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('model_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('based_on_version', sa.Integer(), nullable=False),
    sa.Column('bpmn_xml', sa.Text(), nullable=False),
    sa.Column('saved_by', sa.String(length=100), nullable=False),
    sa.Column('saved_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_model_draft_process_key'), 'model_draft', ['process_key'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_model_draft_process_key'), table_name='model_draft')
    op.drop_table('model_draft')
