"""model_form: forms a process owner made or changed in the modeler, stored with the deploy that uses them;
model_draft.forms_json: a draft keeps the new forms of its model

Revision ID: 0017_model_forms
Revises: 0005_registers
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0017_model_forms'
down_revision = '0017_external_identity'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('model_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_key', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('schema_json', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('based_on', sa.String(length=100), nullable=True),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('form_key')
    )
    op.create_index(op.f('ix_model_form_process_key'), 'model_form', ['process_key'], unique=False)
    with op.batch_alter_table('model_draft') as batch:
        batch.add_column(sa.Column('forms_json', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('model_draft') as batch:
        batch.drop_column('forms_json')
    op.drop_index(op.f('ix_model_form_process_key'), table_name='model_form')
    op.drop_table('model_form')
