"""The inbox's rows in one pass: each cell's text worked out in Python before the template prints it.

Each row used to call a dozen filters, and each filter looked up the request's language, the app's
engine and the row URLs' prefix again: a 25-row inbox spent about a millisecond there. Here those
look-ups happen once per page, and each cell is exactly what its filter gives (tests/web/test_inbox.py
renders the filters' old row template beside the page and compares the bytes).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping, Sequence
from urllib.parse import quote

from markupsafe import Markup

from engine import TaskView
from web.current import current_alur
from web.formatting import (_PATH_SAFE, _around_placeholder, _formatted, _language, _remaining_badge, case_url,
                            state_badge, task_url, user_name, wita_iso)
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


_NO_REMAINING = Markup('<span class="muted">–</span>')


def _words(indonesian: object) -> str:
    """A model's text on an Indonesian page, as web.model_texts.model_text gives it."""
    return "" if indonesian is None else str(indonesian)


def task_rows(tasks: Sequence[TaskView], remaining: Mapping[str, timedelta | None], now: datetime,
              reader: str) -> list[TaskRow]:
    """The rows of ``tasks`` for ``reader``'s inbox; ``remaining`` is the working time left by task id."""
    language = _language()
    moment, timezone, code, translations = language.moments[0], language.timezone, language.code, language.translations
    english = (code or "id") == "en"
    titles: dict[str, str] = {}
    roles = current_alur().roles
    task_around = _around_placeholder("tasks.show", "task_id")
    case_around = _around_placeholder("cases.show", "instance_id")

    def when(at: datetime | None) -> str:  # wita(at)
        return "–" if at is None else _formatted(at, moment, timezone, code) + " WITA"

    rows = []
    for task in tasks:
        role = titles.get(task.role)
        if role is None:
            role = titles[task.role] = roles.title(task.role, code or "id")
        left = remaining.get(task.task_id)
        overdue = task.is_overdue(now)
        rows.append(TaskRow(
            task=task, overdue=overdue,
            url=(task_around[0] + quote(str(task.task_id), safe=_PATH_SAFE) + task_around[1]) if task_around
            else task_url(task.task_id),
            step=step_name(task) if english else _words(task.name),
            case_url=f"{case_around[0]}{int(task.instance_id)}{case_around[1]}" if case_around
            else case_url(task.instance_id),
            process=process_title(task) if english else _words(task.process_name or task.name),
            role=role,
            created_iso=wita_iso(task.created_at), created=when(task.created_at),
            due_iso=wita_iso(task.due_at), due=when(task.due_at),
            remaining=_NO_REMAINING if left is None
            else _remaining_badge(int(abs(left).total_seconds() // 60), left < timedelta(0), translations),
            state=state_badge(task, now),
            assignee=user_name(task.assignee) if task.assignee and task.assignee != reader else None))
    return rows
