"""The inbox's rows in one pass: each cell's text worked out in Python before the template prints it.

Each row used to call a dozen filters through Jinja: a 25-row inbox spent about a millisecond there,
a third of it once the same functions are called here (the role titles looked up once per page).
Each cell is exactly what its filter gives (tests/web/test_inbox.py renders the filters' row template
beside the page and compares the bytes).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping, Sequence

from markupsafe import Markup

from engine import TaskView
from web.current import current_alur
from web.formatting import (case_url, language_code, remaining_badge, state_badge, task_url, user_name, wita,
                            wita_iso)
from web.model_texts import process_title, step_name


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One inbox row: the task, and its cells as the filters of web/formatting.py would print them."""
    task: TaskView
    overdue: bool
    url: str  # task_url
    step: Markup | str  # step_name
    case_url: str
    process: Markup | str  # process_title
    role: str  # role_title
    created_iso: str
    created: str  # wita
    due_iso: str
    due: str  # wita
    remaining: Markup  # remaining_badge
    state: Markup  # state_badge
    assignee: Markup | str | None  # user_name, when someone other than the reader holds the task


def task_rows(tasks: Sequence[TaskView], remaining: Mapping[str, timedelta | None], now: datetime,
              reader: str) -> list[TaskRow]:
    """The rows of ``tasks`` for ``reader``'s inbox; ``remaining`` is the working time left by task id."""
    code = language_code()
    roles = current_alur().roles
    titles: dict[str, str] = {}
    rows = []
    for task in tasks:
        role = titles.get(task.role)
        if role is None:
            role = titles[task.role] = roles.title(task.role, code)
        rows.append(TaskRow(
            task=task, overdue=task.is_overdue(now), url=task_url(task.task_id), step=step_name(task),
            case_url=case_url(task.instance_id), process=process_title(task), role=role,
            created_iso=wita_iso(task.created_at), created=wita(task.created_at),
            due_iso=wita_iso(task.due_at), due=wita(task.due_at),
            remaining=remaining_badge(remaining.get(task.task_id)), state=state_badge(task, now),
            assignee=user_name(task.assignee) if task.assignee and task.assignee != reader else None))
    return rows
