"""Routine schedules: ISO-8601 repeating intervals, the schedule row per process, and its admin.

A cycle is ``R[n]/[start/]period`` (``R/P1M``, ``R/2026-12-01T08:00:00+08:00/P1M``, ``R12/P2W``).
Occurrence ``k`` falls at ``anchor + k × period``, counted in WITA so "every month on the 1st at
08:00" stays there (31 Jan + 1 month is 28 Feb, + 2 months is 31 Mar). Without a start, the first
occurrence is one period after the schedule is set, as BPMN timer cycles behave.

Catch-up after downtime, per schedule (``catch_up``):

- ``latest`` (default): one case for the most recent missed occurrence; the older ones are
  recorded as skipped occurrences (``instance_id`` empty) and in the audit log. Maintenance is
  about the equipment's state now; three back-dated monthly cases after an outage help nobody.
- ``all``: one case per missed occurrence (at most ``MAX_CATCH_UP``; older ones are skipped).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.worktime.work_calendar import WITA
from engine.worktime.clock import Clock, utcnow
from engine.errors import InvalidInput, NotFound
from engine.modeling.definitions import DefinitionStore
from engine.persistence.models import ProcessSchedule
from engine.runtime.unit_of_work import UnitOfWork


CATCH_UP_POLICIES = ("latest", "all")
MAX_CATCH_UP = 100
MIN_PERIOD = timedelta(minutes=1)

_PERIOD = re.compile(r"P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


@dataclass(frozen=True)
class Cycle:
    text: str
    repetitions: int | None  # None: no end
    start: datetime | None
    period: relativedelta

    def occurrence(self, anchor: datetime, k: int) -> datetime:
        """When occurrence ``k`` (0-based) of a schedule anchored at ``anchor`` is due (aware UTC)."""
        return (anchor.astimezone(WITA) + self.period * k).astimezone(timezone.utc)

    def anchor_for(self, now: datetime) -> datetime:
        """The first occurrence of a schedule set at ``now``."""
        return self.start if self.start is not None else self.occurrence(now, 1)

    def first_at_or_after(self, anchor: datetime, moment: datetime) -> int:
        """The smallest ``k`` whose occurrence is at or after ``moment``."""
        if moment <= anchor:
            return 0
        step = self.occurrence(anchor, 1) - anchor
        k = max(0, int((moment - anchor) / step) - 1)  # a guess, then walk: months differ in length
        while k > 0 and self.occurrence(anchor, k - 1) >= moment:
            k -= 1
        while self.occurrence(anchor, k) < moment:
            k += 1
        return k

    def finished(self, k: int) -> bool:
        return self.repetitions is not None and k >= self.repetitions


def parse_cycle(text: str) -> Cycle:
    """Parse ``R[n]/[start/]period``; quotes around it (BPMN expression style) are allowed.

    :raises InvalidInput: not a repeating interval, a period under one minute, or a naive start
    """
    raw = text.strip().strip("\"'").strip()
    parts = raw.split("/")
    if len(parts) not in (2, 3) or not re.fullmatch(r"R\d*", parts[0]):
        raise InvalidInput(f"Siklus '{text}' bukan interval berulang ISO-8601 (mis. R/P1M atau "
                           "R/2026-12-01T08:00:00+08:00/P1M)", field="cycle")
    repetitions = int(parts[0][1:]) if len(parts[0]) > 1 else None
    if repetitions == 0:
        raise InvalidInput("Jumlah pengulangan harus lebih dari nol", field="cycle")
    start = _parse_start(parts[1], text) if len(parts) == 3 else None
    match = _PERIOD.fullmatch(parts[-1])
    if match is None:
        raise InvalidInput(f"Periode '{parts[-1]}' bukan durasi ISO-8601 (mis. P1M, P2W, P1Y)", field="cycle")
    years, months, weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    period = relativedelta(years=years, months=months, weeks=weeks, days=days, hours=hours, minutes=minutes,
                           seconds=seconds)
    probe = datetime(2026, 2, 1, tzinfo=timezone.utc)
    if probe + period - probe < MIN_PERIOD:
        raise InvalidInput("Periode jadwal rutin minimal satu menit", field="cycle")
    return Cycle(raw, repetitions, start, period)


def _parse_start(value: str, text: str) -> datetime:
    try:
        start = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"Waktu mulai '{value}' pada siklus '{text}' tidak valid", field="cycle") from exc
    return (start if start.tzinfo else start.replace(tzinfo=WITA)).astimezone(timezone.utc)


@dataclass(frozen=True)
class ScheduleView:
    process_key: str
    cycle: str
    enabled: bool
    next_run_at: datetime
    catch_up: str
    source: str  # "model" (the diagram's timer start event) or "admin"
    changed_by: str | None
    changed_at: datetime | None


def schedule_view(row: ProcessSchedule) -> ScheduleView:
    return ScheduleView(row.process_key, row.cycle, row.enabled, row.next_run_at, row.catch_up, row.source,
                        row.changed_by, row.changed_at)


def sync_schedule(work: UnitOfWork, process_key: str, model_cycle: str | None, now: datetime, actor: str) -> None:
    """Create or update the schedule of a routine process at deploy, in the deploy's unit of work.

    A schedule an admin set stays as it is; a model-owned one follows the latest diagram, and is
    disabled when the diagram no longer has a timer start event.

    :raises InvalidInput: the diagram's cycle cannot be parsed
    """
    session = work.session
    row = session.scalars(select(ProcessSchedule).where(ProcessSchedule.process_key == process_key)
                          .with_for_update()).first()
    if row is not None and row.source == "admin":
        return
    if model_cycle is None:
        if row is not None and row.enabled:
            row.enabled, row.changed_by, row.changed_at = False, actor, now
            work.record(SYSTEM_CHAIN, "schedule_disabled", actor=actor, at=now,
                        payload={"process_key": process_key, "reason": "timer start event removed"})
        return
    cycle = parse_cycle(model_cycle)
    if row is not None and row.cycle == cycle.text and row.enabled:
        return
    event = "schedule_created" if row is None else "schedule_changed"
    row = row or ProcessSchedule(process_key=process_key, catch_up="latest")
    _apply_cycle(row, cycle, now, actor, source="model")
    session.add(row)
    work.record(SYSTEM_CHAIN, event, actor=actor, at=now,
                payload={"process_key": process_key, "cycle": cycle.text, "next_run_at": row.next_run_at.isoformat(),
                         "source": "model"})


def _apply_cycle(row: ProcessSchedule, cycle: Cycle, now: datetime, actor: str, source: str) -> None:
    anchor = cycle.anchor_for(now)
    k = cycle.first_at_or_after(anchor, now)  # occurrences before now were never due under this cycle
    row.cycle, row.anchor_at, row.next_seq = cycle.text, anchor, k
    row.next_run_at = cycle.occurrence(anchor, k)
    row.enabled = not cycle.finished(k)
    row.source, row.changed_by, row.changed_at = source, actor, now


class ScheduleAdmin:
    """Admin use cases on routine schedules (CLI ``alur schedule``, web admin); each one audited."""

    def __init__(self, sessions: sessionmaker[Session], definitions: DefinitionStore, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._definitions = definitions
        self._clock = clock

    def list_schedules(self) -> list[ScheduleView]:
        with self._sessions() as session:
            return [schedule_view(r) for r in session.scalars(select(ProcessSchedule)
                                                              .order_by(ProcessSchedule.process_key))]

    def set_cycle(self, process_key: str, cycle_text: str, actor: str, catch_up: str | None = None) -> ScheduleView:
        """Set (or create) a process's schedule; it then stays as set across deploys.

        :raises InvalidInput: bad cycle or catch-up policy
        :raises DefinitionNotFound: the process was never deployed
        """
        cycle = parse_cycle(cycle_text)
        if catch_up is not None and catch_up not in CATCH_UP_POLICIES:
            raise InvalidInput(f"Kebijakan susulan harus salah satu dari {', '.join(CATCH_UP_POLICIES)}",
                               field="catch_up")
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            self._definitions.latest(session, process_key)
            now = self._clock()
            row = self._row(session, process_key) or ProcessSchedule(process_key=process_key, catch_up="latest")
            _apply_cycle(row, cycle, now, actor, source="admin")
            row.catch_up = catch_up or row.catch_up
            session.add(row)
            work.record(SYSTEM_CHAIN, "schedule_changed", actor=actor, at=now,
                        payload={"process_key": process_key, "cycle": cycle.text, "catch_up": row.catch_up,
                                 "next_run_at": row.next_run_at.isoformat(), "source": "admin"})
            return schedule_view(row)

    def set_enabled(self, process_key: str, enabled: bool, actor: str) -> ScheduleView:
        """Pause or resume a schedule; resuming continues with the first occurrence after now.

        :raises NotFound: the process has no schedule
        """
        with UnitOfWork.begin(self._sessions) as work:
            row = self._existing(work.session, process_key)
            now = self._clock()
            if enabled and not row.enabled:
                cycle = parse_cycle(row.cycle)
                row.next_seq = cycle.first_at_or_after(row.anchor_at, now)
                row.next_run_at = cycle.occurrence(row.anchor_at, row.next_seq)
                enabled = not cycle.finished(row.next_seq)
            row.enabled, row.changed_by, row.changed_at = enabled, actor, now
            work.record(SYSTEM_CHAIN, "schedule_enabled" if enabled else "schedule_disabled", actor=actor, at=now,
                        payload={"process_key": process_key})
            return schedule_view(row)

    def reset_to_model(self, process_key: str, actor: str) -> ScheduleView | None:
        """Drop an admin's setting and follow the diagram's timer start event again.

        Returns the schedule, or None when the diagram has no timer start event (the schedule,
        if any, is then disabled).
        """
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            _definition_row, definition = self._definitions.latest(session, process_key)
            row = self._row(session, process_key)
            now = self._clock()
            if definition.routine_cycle is None:
                if row is not None:
                    row.source, row.enabled, row.changed_by, row.changed_at = "model", False, actor, now
                    work.record(SYSTEM_CHAIN, "schedule_disabled", actor=actor, at=now,
                                payload={"process_key": process_key, "reason": "the diagram has no timer start"})
                return None
            row = row or ProcessSchedule(process_key=process_key, catch_up="latest")
            _apply_cycle(row, parse_cycle(definition.routine_cycle), now, actor, source="model")
            session.add(row)
            work.record(SYSTEM_CHAIN, "schedule_changed", actor=actor, at=now,
                        payload={"process_key": process_key, "cycle": row.cycle, "catch_up": row.catch_up,
                                 "next_run_at": row.next_run_at.isoformat(), "source": "model"})
            return schedule_view(row)

    @staticmethod
    def _row(session: Session, process_key: str) -> ProcessSchedule | None:
        return session.scalars(select(ProcessSchedule).where(ProcessSchedule.process_key == process_key)
                               .with_for_update()).first()

    def _existing(self, session: Session, process_key: str) -> ProcessSchedule:
        row = self._row(session, process_key)
        if row is None:
            raise NotFound(f"Proses '{process_key}' tidak memiliki jadwal rutin", process_key=process_key)
        return row
