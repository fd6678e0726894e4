"""audit: signed checkpoints of the audit chain heads

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('body_json', sa.Text(), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.Column('public_key', sa.String(length=100), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('chain_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoint_created_at'), ['created_at'], unique=False)

    op.create_table('audit_checkpoint_head',
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('chain', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['audit_checkpoint.id'], ),
    sa.PrimaryKeyConstraint('checkpoint_id', 'chain')
    )
    with op.batch_alter_table('audit_checkpoint_head', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoint_head_chain'), ['chain'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_checkpoint_head', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoint_head_chain'))
    op.drop_table('audit_checkpoint_head')
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoint_created_at'))
    op.drop_table('audit_checkpoint')
