"""Cases removed under the archive retention schedule (JRA), as the audit log records them.

``alur retention apply`` removes finished cases' rows in one transaction with one
``retention_applied`` event on the system chain, which lists each removed case and the JRA basis of
its SOP (``engine.operations.retention``). The cases' own chains stay, hashes and all. Whatever
reads the log against the tables (verification, replay, the case page) asks here whether a case
that has no row any more was removed so, and is otherwise missing; the answer comes from the
hash-chained log itself, never from a table someone could edit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from engine.audit.chain import SYSTEM_CHAIN
from engine.persistence.models import AuditEvent, ProcessInstance

RETENTION_EVENT = "retention_applied"


@dataclass(frozen=True)
class Removal:
    """One case a ``retention_applied`` event lists."""

    instance_id: int
    process_key: str
    business_key: str | None
    ended_at: str  # ISO text, as the event keeps it
    removed_at: datetime
    removed_by: str
    event_id: int
    period: str  # e.g. "5 tahun"
    basis: str  # the JRA regulation the office named

    def sentence(self) -> str:
        """Indonesian, for the case page, the API and the CLI. It names nothing of the case itself (whoever
        asks sees it, readers of the case or not): only its number and the office's schedule."""
        day = self.removed_at.date().isoformat()
        return (f"Kasus {self.instance_id} telah dihapus sesuai jadwal retensi arsip pada {day} (masa retensi "
                f"{self.period}; dasar: {self.basis}); jejak auditnya tetap tersimpan")


def removed_cases(session: Session | Connection) -> dict[int, Removal]:
    """Every case a retention event lists, by id (the first listing wins)."""
    found: dict[int, Removal] = {}
    rows = session.execute(select(AuditEvent.id, AuditEvent.actor, AuditEvent.at, AuditEvent.payload_json)
                           .where(AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.event_type == RETENTION_EVENT)
                           .order_by(AuditEvent.id))
    for event_id, actor, at, payload_json in rows:
        for removal in _removals(event_id, actor, at, payload_json):
            found.setdefault(removal.instance_id, removal)
    return found


def gone_cases(session: Session | Connection) -> set[int]:
    """The cases removed under retention that indeed have no row (the ones verification must not miss)."""
    removed = set(removed_cases(session))
    if not removed:
        return set()
    present = set(session.scalars(select(ProcessInstance.id).where(ProcessInstance.id.in_(sorted(removed)))))
    return removed - present


def removal_of(session: Session, instance_id: int) -> Removal | None:
    return removed_cases(session).get(instance_id)


def _removals(event_id: int, actor: str, at: datetime, payload_json: str) -> list[Removal]:
    try:
        payload = json.loads(payload_json)
    except ValueError:
        return []
    if not isinstance(payload, dict):
        return []
    sops: dict[str, Any] = payload.get("retention") if isinstance(payload.get("retention"), dict) else {}  # type: ignore[assignment]
    result = []
    for case in payload.get("removed_cases") or ():
        if not isinstance(case, dict) or not isinstance(case.get("instance_id"), int):
            continue
        sop = sops.get(str(case.get("process_key")))
        sop = sop if isinstance(sop, dict) else {}
        result.append(Removal(case["instance_id"], str(case.get("process_key")), case.get("business_key"),
                              str(case.get("ended_at")), at, actor, event_id, str(sop.get("period", "")),
                              str(sop.get("basis", ""))))
    return result
