"""The SOP's time rules beyond one step's own time, as Alur properties of the model (``camunda:property``).

* ``waktu_bersama_dengan`` (step): the SOP gives one time to a step the model splits in two; the
  second task names the first, and its due time is the first task's start plus the shared time
  (``waktu_iso``, equal on both).
* ``menunggu_pihak_luar`` (step): while this step is open the case waits on someone outside the
  office (the value names them) and, where the SOP counts only the office's own time, the case clock
  and the step's clock stop. ``menunggu_mulai`` / ``menunggu_sampai`` name date-time fields of the
  step's form that record when the wait began and ended (default: the task's start and its end);
  the time between them is not counted.
* ``waktu_pelaksanaan_mulai`` (process): the step whose first start starts the case's limit
  (``waktu_pelaksanaan_iso``), e.g. when Diskominfo receives a request, not when the requester
  opens the case.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import DeploymentError, InvalidInput

SHARES_TIME = "waktu_bersama_dengan"
WAITS_ON = "menunggu_pihak_luar"
WAIT_FROM = "menunggu_mulai"
WAIT_UNTIL = "menunggu_sampai"
CLOCK_START = "waktu_pelaksanaan_mulai"
DATE_TIME = "date-time"


@dataclass(frozen=True)
class ExternalWait:
    """A step during which the case waits on an outside party (``menunggu_pihak_luar``)."""

    party: str
    starts: str | None = None  # date-time field: the wait began (default: the task's start)
    ends: str | None = None  # date-time field: the outside party delivered (default: the task's end)


def read_shared_time(properties: Mapping[str, str]) -> str | None:
    return properties.get(SHARES_TIME, "").strip() or None


def read_wait(properties: Mapping[str, str]) -> ExternalWait | None:
    party = properties.get(WAITS_ON, "").strip()
    if not party:
        return None
    return ExternalWait(party, properties.get(WAIT_FROM, "").strip() or None,
                        properties.get(WAIT_UNTIL, "").strip() or None)


def time_rule_problems(tasks: Mapping[str, Any], process_properties: Mapping[str, str], forms: Any,
                       filename: str) -> list[DeploymentError]:
    """Every time rule naming no step, sharing a different time, chaining a share, or naming a field
    the step's form has not as a date-time."""
    problems: list[DeploymentError] = []
    for task_id, meta in tasks.items():
        first_id = meta.shares_time_with
        if first_id is not None:
            first = tasks.get(first_id)
            if first is None or first_id == task_id:
                problems.append(DeploymentError(f"{SHARES_TIME} '{first_id}' bukan user task lain dalam proses ini",
                                                file=filename, element_id=task_id, line=meta.line))
            elif first.shares_time_with is not None:
                problems.append(DeploymentError(f"{SHARES_TIME}: langkah '{first_id}' sendiri memakai waktu "
                                                "bersama; sebut langkah pertama", file=filename,
                                                element_id=task_id, line=meta.line))
            elif first.waktu_iso != meta.waktu_iso:
                problems.append(DeploymentError(f"{SHARES_TIME}: waktu_iso harus sama dengan '{first_id}' "
                                                f"({first.waktu_iso})", file=filename, element_id=task_id,
                                                line=meta.line))
        if meta.waits is not None:
            try:
                properties = forms.get(meta.form_key).schema.get("properties", {})
            except InvalidInput:
                continue  # the form's own refusal is reported by the user task check
            for key, name in ((WAIT_FROM, meta.waits.starts), (WAIT_UNTIL, meta.waits.ends)):
                if name is not None and properties.get(name, {}).get("format") != DATE_TIME:
                    problems.append(DeploymentError(f"{key} '{name}' bukan isian tanggal dan jam pada formulir "
                                                    f"'{meta.form_key}'", file=filename, element_id=task_id,
                                                    line=meta.line))
    start = process_properties.get(CLOCK_START, "").strip()
    if start and start not in tasks:
        problems.append(DeploymentError(f"{CLOCK_START} '{start}' bukan user task dalam proses ini",
                                        file=filename))
    return problems
