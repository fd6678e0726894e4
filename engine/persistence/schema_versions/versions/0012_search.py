"""search: case_term (the search index) with its triggers, saved filters, the case list's columns

Revision ID: 0005_search
Revises: 0005_incidents
"""
from alembic import op
import sqlalchemy as sa
import engine.persistence.models
from engine.persistence import search_index


revision = '0005_search'
down_revision = '0005_incidents'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opd', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('letter_number', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('search_terms', sa.Text(), nullable=True))
        batch_op.create_index('ix_process_instance_started_at', ['started_at'], unique=False)
        batch_op.create_index('ix_process_instance_due_at', ['due_at'], unique=False)

    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_instance_id')
        batch_op.drop_index('ix_human_task_inbox')
        batch_op.drop_index('ix_human_task_assignee')
        batch_op.create_index('ix_human_task_inbox',
                              ['state', 'role', 'due_at', 'created_at', 'instance_id', 'id', 'candidate_users'],
                              unique=False)
        batch_op.create_index('ix_human_task_assignee',
                              ['assignee', 'state', 'due_at', 'created_at', 'instance_id', 'id'], unique=False)
        batch_op.create_index('ix_human_task_case', ['instance_id', 'state', 'role', 'assignee', 'due_at'],
                              unique=False)

    op.create_table('case_term',
    sa.Column('term', sa.String(length=100).with_variant(sa.String(length=100, collation='C'), 'postgresql'),
              nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('term', 'instance_id'),
    sqlite_with_rowid=False
    )
    op.create_table('saved_filter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('query_json', sa.Text(), nullable=False),
    sa.Column('created_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.Column('changed_at', engine.persistence.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username', 'name')
    )
    # Existing cases keep search_terms NULL: ``alur init`` (and ``alur search reindex``) indexes them.
    search_index.install(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    for name in search_index.TRIGGER_NAMES:
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + (" ON process_instance"
                                                                  if bind.dialect.name == "postgresql" else ""))
    op.drop_table('saved_filter')
    op.drop_table('case_term')
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_case')
        batch_op.drop_index('ix_human_task_assignee')
        batch_op.drop_index('ix_human_task_inbox')
        batch_op.create_index('ix_human_task_assignee', ['assignee', 'state', 'due_at', 'created_at'], unique=False)
        batch_op.create_index('ix_human_task_inbox', ['state', 'role', 'due_at', 'created_at', 'candidate_users'],
                              unique=False)
        batch_op.create_index('ix_human_task_instance_id', ['instance_id'], unique=False)
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_process_instance_due_at')
        batch_op.drop_index('ix_process_instance_started_at')
        batch_op.drop_column('search_terms')
        batch_op.drop_column('letter_number')
        batch_op.drop_column('opd')
