"""documents: one row per upload (who sent which content for which case and task)

Uploads made before this revision keep their content row (``attachment``); each becomes one upload
by its first uploader, with no case: the case pages find it through the step data that names it.

Revision ID: 0005_documents
Revises: 0005_search
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models


revision = '0005_documents'
down_revision = '0005_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_upload',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('media_type', sa.String(length=150), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=100), nullable=False),
    sa.Column('uploaded_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_document_upload_case', 'document_upload', ['instance_id', 'sha256'], unique=False)
    op.create_index('ix_document_upload_task', 'document_upload', ['task_id', 'uploaded_by'], unique=False)
    op.create_index('ix_document_upload_sha', 'document_upload', ['sha256', 'uploaded_by'], unique=False)
    op.execute("INSERT INTO document_upload (sha256, filename, media_type, size, uploaded_by, uploaded_at) "
               "SELECT sha256, filename, media_type, size, uploaded_by, uploaded_at FROM attachment")


def downgrade() -> None:
    op.drop_index('ix_document_upload_sha', table_name='document_upload')
    op.drop_index('ix_document_upload_task', table_name='document_upload')
    op.drop_index('ix_document_upload_case', table_name='document_upload')
    op.drop_table('document_upload')
