"""sop_identity: Nomor SOP, Tanggal Pembuatan/Revisi/Efektif and Disahkan oleh, filled in by the process owner

Revision ID: 0005_sop_identity
Revises: 0005_case_accounting
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0005_sop_identity'
down_revision = '0005_case_accounting'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sop_identity',
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('nomor_sop', sa.String(length=200), nullable=False),
    sa.Column('tanggal_pembuatan', sa.Date(), nullable=True),
    sa.Column('tanggal_revisi', sa.Date(), nullable=True),
    sa.Column('tanggal_efektif', sa.Date(), nullable=True),
    sa.Column('disahkan_jabatan', sa.String(length=300), nullable=False),
    sa.Column('disahkan_nama', sa.String(length=200), nullable=False),
    sa.Column('disahkan_nip', sa.String(length=30), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('process_key')
    )


def downgrade() -> None:
    op.drop_table('sop_identity')
