"""The inbox's rows in one pass: each row's HTML worked out in Python, the template prints it whole.

Each row used to call a dozen filters through Jinja, then print a dozen cells: a 25-row inbox spent
about a millisecond on its rows. Here the request's language, the role titles, the steps' and
processes' texts and the rows' URL patterns are looked up once per page, and each row is one string
formatting; the template prints the rows whole (the ``rows_html`` filter). Each cell is exactly
what its filter gives, escaped as Jinja escapes it (tests/web/test_inbox.py renders the filters' row
template beside the page and compares the bytes).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Mapping, NamedTuple, Sequence

from babel.support import NullTranslations
from markupsafe import Markup, escape

from engine import TaskView
from web.current import current_alur
from web.formatting import case_urls, request_language, task_urls, user_name
from web.model_texts import process_title, step_name


class TaskRow(NamedTuple):
    """One inbox row: the task, the texts of its step and process, and the row as HTML (``<tr>``).
    (A named tuple: a frozen dataclass costs a 25-row page some 25 µs more to build.)"""
    task: TaskView
    step: Markup | str  # step_name
    process: Markup | str  # process_title
    html: Markup


def task_rows(tasks: Sequence[TaskView], remaining: Mapping[str, timedelta | None], now: datetime,
              reader: str) -> list[TaskRow]:
    """The rows of ``tasks`` for ``reader``'s inbox; ``remaining`` is the working time left by task id."""
    language = request_language()
    code = language.code or "id"
    english = code == "en"
    roles = current_alur().roles
    task_url, case_url = task_urls(), case_urls()
    time_element, remaining_badge, state_badge = language.time_element, language.remaining_badge, language.state_badge
    # An inbox lists few roles, steps and processes, many times each: each is worked out once per page.
    titles: dict[str, str] = {}
    steps: dict[tuple[str, str, str], tuple[Markup | str, str]] = {}
    processes: dict[tuple[str, str], tuple[Markup | str, str]] = {}
    rows = []
    for task in tasks:
        role = titles.get(task.role)
        if role is None:
            role = titles[task.role] = _html(roles.title(task.role, code))
        step_key = (task.process_key, task.element_id, task.name)
        step, step_html = steps.get(step_key) or steps.setdefault(step_key, _texted(step_name(task, english=english)))
        process_key = (task.process_key, task.process_name)
        process, process_html = processes.get(process_key) or processes.setdefault(
            process_key, _texted(process_title(task, english=english)))
        business_key = f'<br><span class="muted small">{_html(task.business_key)}</span>' if task.business_key else ""
        assignee = (f'<br><span class="small muted">{_html(user_name(task.assignee))}</span>'
                    if task.assignee and task.assignee != reader else "")
        mandate = _mandate(task, language.translations) if task.acting_for else ""
        # templates/inbox/index.html's row as Jinja printed it: after a line break, before the loop's indent;
        # numbers need no escaping
        html = f"""
    <tr class="{'row-overdue' if task.is_overdue(now) else ''}">
      <td><a class="strong" href="{_html(task_url(task.task_id))}">{step_html}</a>{mandate}</td>
      <td><a href="{_html(case_url(task.instance_id))}">#{int(task.instance_id)}</a> · {process_html}
        {business_key}</td>
      <td class="small">{role}</td>
      <td class="nowrap small">{time_element(task.created_at)}</td>
      <td class="nowrap">{time_element(task.due_at)}</td>
      <td class="nowrap">{remaining_badge(remaining.get(task.task_id))}</td>
      <td>{state_badge(task, now)}{assignee}</td>
    </tr>
  """
        rows.append(TaskRow(task, step, process, Markup(html)))
    return rows


def _texted(text: Markup | str) -> tuple[Markup | str, str]:
    """A model text and its HTML."""
    return text, _html(text)


_SPECIAL = re.compile("[&<>'\"]").search  # what markupsafe escapes


def _html(value: Any) -> str:
    """``value`` as Jinja prints it in an HTML template: Markup as it is, anything else escaped.
    (markupsafe's ``escape`` costs a row some ten microseconds; most values have nothing to escape.)"""
    if isinstance(value, Markup):
        return str(value)
    text = str(value)
    return str(escape(text)) if _SPECIAL(text) else text


def _mandate(task: TaskView, translations: NullTranslations) -> str:
    """The badge of a task done as a stand-in (Plh./Plt.), as the template's ``_()`` printed its title."""
    acting = task.acting_for
    if not acting:
        return ""
    title = Markup(translations.ugettext("Sebagai %(label)s atas nama %(name)s")) % {
        "label": acting.label, "name": acting.absent_name}
    return (f'\n        <br><span class="badge badge-mandate" title="{title}">'
            f'{_html(acting.label)} {_html(acting.absent_name)}</span>')
