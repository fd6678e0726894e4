"""Load a case or a task by id, or raise the domain's not-found error: the one home of that lookup."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.removals import removal_of
from engine.errors import CaseNotFound, CaseRemoved, TaskNotFound
from engine.persistence.models import DocumentUpload, HumanTask, ProcessInstance


def case_row(session: Session, instance_id: int) -> ProcessInstance:
    """:raises CaseRemoved: removed under the retention schedule  :raises CaseNotFound:"""
    row = session.get(ProcessInstance, instance_id)
    if row is None:
        removal = removal_of(session, instance_id)
        if removal is not None:
            raise CaseRemoved(removal.sentence(), instance_id=instance_id, removed_at=removal.removed_at.isoformat(),
                              period=removal.period, basis=removal.basis)
        raise CaseNotFound.of(instance_id)
    return row


def task_row(session: Session, task_id: str) -> HumanTask:
    """:raises TaskNotFound:"""
    row = session.get(HumanTask, task_id)
    if row is None:
        raise TaskNotFound.of(task_id)
    return row


def upload_rows(session: Session, hashes: Iterable[str], instance_id: int | None = None) -> dict[str, DocumentUpload]:
    """Per content, the upload to name it by: the first made in the case, else the first made at all.

    (The same content uploaded in another case is another person's upload: named only when the case
    has none of its own, as with documents stored before uploads named their case.)
    """
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    found: dict[str, DocumentUpload] = {}
    for row in session.scalars(select(DocumentUpload).where(DocumentUpload.sha256.in_(wanted))
                               .order_by(DocumentUpload.id)):
        current = found.get(row.sha256)
        if current is None or (instance_id is not None and row.instance_id == instance_id
                               and current.instance_id != instance_id):
            found[row.sha256] = row
    return found
