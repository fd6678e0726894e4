"""Load a case or a task by id, or raise the domain's not-found error: the one home of that lookup."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.errors import CaseNotFound, TaskNotFound
from engine.persistence.models import HumanTask, ProcessInstance


def case_row(session: Session, instance_id: int) -> ProcessInstance:
    """:raises CaseNotFound:"""
    row = session.get(ProcessInstance, instance_id)
    if row is None:
        raise CaseNotFound.of(instance_id)
    return row


def task_row(session: Session, task_id: str) -> HumanTask:
    """:raises TaskNotFound:"""
    row = session.get(HumanTask, task_id)
    if row is None:
        raise TaskNotFound.of(task_id)
    return row
