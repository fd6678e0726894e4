"""mandates: stand-ins (Plh/Plt) and per-person leave

Revision ID: 0004_mandates
Revises: 0004_drafts
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0004_mandates'
down_revision = '0004_drafts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mandate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=3), nullable=False),
    sa.Column('absent', sa.String(length=100), nullable=False),
    sa.Column('stand_in', sa.String(length=100), nullable=False),
    sa.Column('from_day', sa.Date(), nullable=False),
    sa.Column('to_day', sa.Date(), nullable=False),
    sa.Column('starts_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('ends_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('basis', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('ended_early_at', engine.persistence.models.UTCDateTime(), nullable=True),
    sa.Column('ended_by', sa.String(length=100), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=True),
    sa.Column('closed_at', engine.persistence.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mandate', schema=None) as batch_op:
        batch_op.create_index('ix_mandate_stand_in', ['stand_in', 'ends_at'], unique=False)
        batch_op.create_index('ix_mandate_absent', ['absent', 'ends_at'], unique=False)
        batch_op.create_index('ix_mandate_open', ['closed_at', 'ends_at'], unique=False)

    op.create_table('staff_leave',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('from_day', sa.Date(), nullable=False),
    sa.Column('to_day', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('reminded_at', engine.persistence.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('staff_leave', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_leave_username'), ['username'], unique=False)
        batch_op.create_index('ix_staff_leave_reminder', ['reminded_at', 'to_day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_leave', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_leave_reminder')
        batch_op.drop_index(batch_op.f('ix_staff_leave_username'))
    op.drop_table('staff_leave')
    with op.batch_alter_table('mandate', schema=None) as batch_op:
        batch_op.drop_index('ix_mandate_open')
        batch_op.drop_index('ix_mandate_absent')
        batch_op.drop_index('ix_mandate_stand_in')
    op.drop_table('mandate')
