"""document_upload: drop ix_document_upload_task, which no query uses

Every upload wrote an entry in it (a random page: task ids are UUIDs), about 40 µs of a step with a
document on SQLite. The uploads are read by their case (ix_document_upload_case) or by content and
uploader (ix_document_upload_sha); a task's uploads are found through its case.

Revision ID: 0022_upload_task_index
Revises: 0017_sop_monitoring
"""
from alembic import op


revision = '0022_upload_task_index'
down_revision = '0017_sop_monitoring'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_document_upload_task', table_name='document_upload')


def downgrade() -> None:
    op.create_index('ix_document_upload_task', 'document_upload', ['task_id', 'uploaded_by'], unique=False)
