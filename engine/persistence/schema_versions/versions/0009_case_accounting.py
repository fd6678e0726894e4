"""case accounting: the cases made before the system chain recorded each creation, listed once

Alur now appends ``case_created`` to the system chain with every new case, and verification fails
for a stored case whose creation is not recorded (``engine.audit.case_accounting``). Cases made
before this revision have no such event, so this revision appends one ``cases_accounted`` event to
the system chain listing their ids as ranges: the upgrade vouches for the cases present at that
moment, and the event is hashed onto the chain like any other. No table changes.

Revision ID: 0005_case_accounting
Revises: 0005_account_data
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

from engine.audit.chain import GENESIS, canonical_json, event_hash
from engine.audit.case_accounting import CASES_ACCOUNTED, id_ranges
from engine.persistence.models import UTCDateTime


revision = '0005_case_accounting'
down_revision = '0005_account_data'
branch_labels = None
depends_on = None

SYSTEM_CHAIN = "system"
events = sa.table("audit_event", sa.column("chain", sa.String), sa.column("seq", sa.Integer),
                  sa.column("instance_id", sa.Integer), sa.column("event_type", sa.String),
                  sa.column("actor", sa.String), sa.column("at", UTCDateTime), sa.column("payload_json", sa.Text),
                  sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
heads = sa.table("audit_chain_head", sa.column("chain", sa.String), sa.column("seq", sa.Integer),
                 sa.column("hash", sa.String))
cases = sa.table("process_instance", sa.column("id", sa.Integer))


def upgrade() -> None:
    conn = op.get_bind()
    ids = conn.execute(sa.select(cases.c.id)).scalars().all()
    if not ids:
        return
    head = conn.execute(sa.select(heads.c.seq, heads.c.hash).where(heads.c.chain == SYSTEM_CHAIN)).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    at = datetime.now(timezone.utc).replace(microsecond=0)
    payload_json = canonical_json({"ranges": id_ranges(ids), "reason": "cases made before each creation "
                                   "was recorded on the system chain (schema upgrade 0005_case_accounting)"})
    digest = event_hash(prev, SYSTEM_CHAIN, seq + 1, None, CASES_ACCOUNTED, "system", at, payload_json)
    conn.execute(sa.insert(events).values(chain=SYSTEM_CHAIN, seq=seq + 1, instance_id=None,
                                          event_type=CASES_ACCOUNTED, actor="system", at=at,
                                          payload_json=payload_json, prev_hash=prev, hash=digest))
    if head:
        conn.execute(sa.update(heads).where(heads.c.chain == SYSTEM_CHAIN).values(seq=seq + 1, hash=digest))
    else:
        conn.execute(sa.insert(heads).values(chain=SYSTEM_CHAIN, seq=seq + 1, hash=digest))


def downgrade() -> None:
    pass  # the event is part of the hash chain: it stays
