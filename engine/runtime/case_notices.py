"""Notifications a step's model asks for: a role told when a checkbox is ticked (``beritahu_bila``),
and the requesters told when their case ends (a process started by a requester role)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.modeling.parser import ParsedDefinition, UserTaskMeta
from engine.modeling.roles import RoleCatalog
from engine.persistence.models import ProcessInstance
from engine.runtime.people import case_label
from engine.runtime.unit_of_work import UnitOfWork
from engine.worker.notifications import add_notification, requesters_of, users_holding

# Process property: fields of the case data whose values the requester's end notice carries.
RESULT_FIELDS = "hasil_untuk_pemohon"


def tell_role_if_ticked(work: UnitOfWork, roles: RoleCatalog, meta: UserTaskMeta, data: Mapping[str, Any],
                        instance_id: int, task_id: str, label: str, actor: str, now: datetime) -> None:
    notice = meta.notice
    if notice is None or data.get(notice.field) is not True:
        return
    told = []
    for person in users_holding(work.session, roles, [notice.role]):
        if add_notification(work.session, recipient=person, kind="step_notice", title=f"Untuk diketahui: {label}",
                            body=f"{label}: langkah '{meta.name}' diselesaikan oleh {actor} dan diinformasikan "
                                 f"kepada {roles.title(notice.role)}.",
                            dedup_key=f"step_notice:{task_id}:{person.username}", now=now, instance_id=instance_id,
                            task_id=task_id, email=True):
            told.append(person.username)
    work.record_for_case(instance_id, "step_notice_sent", actor=actor, at=now,
                         payload={"task_id": task_id, "role": notice.role, "notified": told})


def tell_requesters_done(work: UnitOfWork, roles: RoleCatalog, definition: ParsedDefinition, instance_id: int,
                         business_key: str | None, data: Mapping[str, Any], actor: str, now: datetime) -> None:
    """A requester's case ended: its requesters learn it, with the result fields the model names; the
    result documents are on their case view."""
    if not definition.start_roles & roles.external:
        return
    started_by, opd_id = work.connection.execute(select(ProcessInstance.started_by, ProcessInstance.opd_id)
                                                 .where(ProcessInstance.id == instance_id)).one()
    label = case_label(definition.name, business_key, instance_id)
    fields = [f.strip() for f in definition.properties.get(RESULT_FIELDS, "").split(",") if f.strip()]
    result = "; ".join(f"{f.replace('_', ' ')}: {data[f]}" for f in fields if data.get(f) not in (None, ""))
    body = f"{label} telah selesai." + (f" {result}." if result else "") + " Dokumen hasil dapat dilihat pada kasus."
    told = []
    for person in requesters_of(work.session, roles, started_by, opd_id):
        if add_notification(work.session, recipient=person, kind="case_completed", title=f"Kasus selesai: {label}",
                            body=body, dedup_key=f"case_completed:{instance_id}:{person.username}", now=now,
                            instance_id=instance_id, email=True):
            told.append(person.username)
    work.record_for_case(instance_id, "requester_notified", actor=actor, at=now, payload={"notified": told})
