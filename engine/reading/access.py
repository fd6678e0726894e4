"""What the reading rules of ``engine.permissions`` look at, loaded from the database.

The case page, the task page, comments and the worker's notices ask ``Permissions.case_access``
with what these functions read: the case, its tasks, and the reader's roles and unit.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.users import ACTIVE_USER_ROLES, opd_of
from engine.permissions import Access, CaseFacts, Permissions, Reader, TaskFacts
from engine.persistence.models import HumanTask
from engine.persistence.rows import case_row
from engine.values import CaseView, TaskView


def reader_of(session: Session, username: str) -> Reader:
    """An active user's roles and unit; no roles (reads nothing) for an unknown or inactive user."""
    roles = frozenset(session.scalars(ACTIVE_USER_ROLES, {"username": username}))
    return Reader(username, roles, opd_of(session, username) if roles else None)


def case_facts(session: Session, instance_id: int) -> tuple[CaseFacts, list[TaskFacts]]:
    """:raises CaseNotFound:"""
    row = case_row(session, instance_id)
    tasks = session.execute(select(HumanTask.role, HumanTask.state, HumanTask.assignee, HumanTask.completed_by)
                            .where(HumanTask.instance_id == instance_id)).all()
    return CaseFacts(row.started_by, row.opd_id, row.confidential, row.registered), [TaskFacts(*t) for t in tasks]


def facts_of(case: CaseView, tasks: Iterable[TaskView]) -> tuple[CaseFacts, list[TaskFacts]]:
    """The same facts from the views a page has read already."""
    return (CaseFacts(case.started_by, case.opd_id, case.confidential, case.registered),
            [TaskFacts(t.role, t.state, t.assignee, t.completed_by) for t in tasks])


def access_in(session: Session, permissions: Permissions, instance_id: int, username: str) -> Access | None:
    """How much of the case ``username`` reads (``Permissions.case_access``).

    :raises CaseNotFound:
    """
    case, tasks = case_facts(session, instance_id)
    return permissions.case_access(case, tasks, reader_of(session, username))
