"""login security: a session generation and a failed-login count on each account; API tokens with an
expiry and a scope

Revision ID: 0006_login_security
Revises: 0005_documents
"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa

import engine.persistence.models


revision = '0006_login_security'
down_revision = '0005_documents'
branch_labels = None
depends_on = None

EXISTING_TOKEN_LIFETIME = timedelta(days=90)


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_failed_login_at', engine.persistence.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('locked_until', engine.persistence.models.UTCDateTime(), nullable=True))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', engine.persistence.models.UTCDateTime(), nullable=True))
        # Tokens issued before scopes existed could write; they keep doing so until they expire.
        batch_op.add_column(sa.Column('scope', sa.String(length=10), server_default='write', nullable=False))
    # Tokens issued before expiry existed expire 90 days after this upgrade.
    expiry = (datetime.now(timezone.utc) + EXISTING_TOKEN_LIFETIME).replace(tzinfo=None)  # stored naive UTC
    tokens = sa.table('api_token', sa.column('expires_at', sa.DateTime()))
    op.execute(tokens.update().values(expires_at=expiry))


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('scope')
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('last_failed_login_at')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('session_generation')
