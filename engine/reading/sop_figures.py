"""Figures per SOP and period, for the management dashboard and the monitoring and evaluation forms.

Read from the aggregates each step writes (``engine.runtime.figures``): a row per case, per completed
step with its working time already computed, per gateway decision. No audit event is read and no
working time computed here. Periods are WITA calendar days; a step counts in the period it was
completed in, a case in the period it started (started) or ended (finished, cancelled).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import Connection, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, sessionmaker

from engine.modeling.definitions import DefinitionStore
from engine.modeling.parser import ParsedDefinition
from engine.persistence.db import read_only_connection, read_only_session
from engine.persistence.models import (CaseFigure, FlowFigure, HumanTask, ProcessDefinition, StepFigure,
                                       UserAccount)
from engine.reading.periods import Period
from engine.reading.ranks import Distribution, back_edges, distributions
from engine.worktime.work_calendar import WITA

SLOWEST = 5

_CASES = CaseFigure.__table__
_STEPS = StepFigure.__table__
_FLOWS = FlowFigure.__table__
_TASKS = HumanTask.__table__
_DEFINITIONS = ProcessDefinition.__table__


def rate(hits: int, of: int) -> float | None:
    return hits / of if of else None


@dataclass(frozen=True)
class CaseCounts:
    started: int = 0
    finished: int = 0
    open: int = 0  # running at the end of the period (or now, for a period not over yet)
    cancelled: int = 0
    on_time: int = 0  # finished cases that ended by their limit
    timed: int = 0  # finished cases with a limit
    median_seconds: float | None = None  # working time of the finished cases
    p90_seconds: int | None = None

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.timed)


@dataclass(frozen=True)
class StepFigures:
    element_id: str
    name: str
    step_number: str  # the SOP's own numbering ("langkah"), else the element id
    mutu_baku: str  # the time as the SOP writes it ("1-2 hari")
    limit_iso: str | None
    completed: int
    on_time: int
    timed: int
    median_seconds: float | None
    p90_seconds: int | None

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.timed)


@dataclass(frozen=True)
class FlowFigures:
    flow_id: str
    gateway_id: str
    question: str
    answer: str  # the flow's label: Ya, Tidak
    target: str  # the name of what it leads to
    taken: int
    rework: bool  # leads back to an earlier step (a Tidak loop)
    target_id: str = ""  # the element it leads to


@dataclass(frozen=True)
class TrendPoint:
    month: date
    finished: int
    on_time: int
    timed: int
    median_seconds: float | None

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.timed)


@dataclass(frozen=True)
class PerformerFigures:
    """A person's work in one SOP, counts only: personal data (UU 27/2022), shown to them and their
    supervisors only."""

    username: str
    full_name: str
    completed: int
    on_time: int
    timed: int
    open_now: int  # tasks of the SOP they hold now

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.timed)


@dataclass(frozen=True)
class SopSummary:
    process_key: str
    name: str
    cases: CaseCounts


@dataclass(frozen=True)
class SopFigures:
    process_key: str
    name: str
    definition_id: int  # the latest version: its diagram carries the heatmap
    period: Period
    cases: CaseCounts
    steps: list[StepFigures]
    flows: list[FlowFigures]
    trend: list[TrendPoint]
    slowest: list[StepFigures] = field(default_factory=list)  # by median working time, slowest first

    @property
    def rework(self) -> list[FlowFigures]:
        return [f for f in self.flows if f.rework]


class SopFiguresReader:
    """Figures per SOP and period. Who may see which SOP and person is decided by the caller with
    ``engine.permissions``; per-person reads are logged by ``engine.audit.read_log``."""

    def __init__(self, sessions: sessionmaker[Session], definitions: DefinitionStore) -> None:
        self._sessions = sessions
        self._definitions = definitions

    def latest(self, process_keys: Iterable[str] | None = None) -> list[tuple[int, ParsedDefinition]]:
        """The latest deployed version of each process (of ``process_keys``, else all), by key."""
        latest = (select(_DEFINITIONS.c.process_key, func.max(_DEFINITIONS.c.version).label("version"))
                  .group_by(_DEFINITIONS.c.process_key).subquery())
        query = (select(_DEFINITIONS.c.id).join(latest, and_(latest.c.process_key == _DEFINITIONS.c.process_key,
                                                             latest.c.version == _DEFINITIONS.c.version))
                 .order_by(_DEFINITIONS.c.process_key))
        if process_keys is not None:
            query = query.where(_DEFINITIONS.c.process_key.in_(list(process_keys)))
        with read_only_session(self._sessions) as session:
            ids = session.scalars(query).all()
            return [(definition_id, self._definitions.get(session, definition_id)[1]) for definition_id in ids]

    def overview(self, process_keys: Sequence[str], period: Period) -> list[SopSummary]:
        """Case counts of each SOP, in the order given."""
        names = {p.process_key: p.name for _, p in self.latest(process_keys)}
        with read_only_connection(self._sessions) as connection:
            counts = {key: self._case_counts(connection, key, period) for key in names}
        return [SopSummary(key, names[key], counts[key]) for key in process_keys if key in names]

    def figures(self, process_key: str, period: Period) -> SopFigures:
        """Everything the dashboard shows of one SOP in one period.

        :raises DefinitionNotFound: the SOP was never deployed
        """
        with read_only_session(self._sessions) as session:
            row, definition = self._definitions.latest(session, process_key)
        with read_only_connection(self._sessions) as connection:
            cases = self._case_counts(connection, process_key, period)
            steps = self._steps(connection, definition, period)
            flows = self._flows(connection, definition, period)
            trend = self._trend(connection, process_key, period)
        slowest = sorted((s for s in steps if s.median_seconds is not None),
                         key=lambda s: -(s.median_seconds or 0))[:SLOWEST]
        return SopFigures(process_key, definition.name, row.id, period, cases, steps, flows, trend, slowest)

    def performers(self, process_key: str, period: Period, usernames: Iterable[str] | None = None
                   ) -> list[PerformerFigures]:
        """Each person's steps of the SOP completed in the period, and the tasks they hold now; only
        ``usernames`` when given (the people the reader may see)."""
        wanted = None if usernames is None else sorted(set(usernames))
        if wanted is not None and not wanted:
            return []
        s = _STEPS.c
        where = [s.process_key == process_key, s.completed_at >= period.start, s.completed_at < period.end]
        held = (select(_TASKS.c.assignee, func.count()).where(
            _TASKS.c.state == "claimed", _TASKS.c.process_key == process_key).group_by(_TASKS.c.assignee))
        if wanted is not None:
            where.append(s.performer.in_(wanted))
            held = held.where(_TASKS.c.assignee.in_(wanted))
        hit = case((s.on_time.is_(True), 1), else_=0)
        counted = (select(s.performer, func.count(), func.coalesce(func.sum(hit), 0), func.count(s.on_time))
                   .where(*where).group_by(s.performer))
        with read_only_connection(self._sessions) as connection:
            done = {performer: (count, int(hits), timed)
                    for performer, count, hits, timed in connection.execute(counted)}
            open_now: dict[str, int] = {assignee: count for assignee, count in connection.execute(held) if assignee}
            people = set(done) | set(open_now)
            names: dict[str, str] = {}
            if people:
                names = {username: name for username, name in connection.execute(
                    select(UserAccount.username, UserAccount.full_name)
                    .where(UserAccount.username.in_(sorted(people))))}
        result = []
        for username in sorted(people):
            count, hits, timed = done.get(username, (0, 0, 0))
            result.append(PerformerFigures(username, names.get(username, username), count, hits, timed,
                                           open_now.get(username, 0)))
        return sorted(result, key=lambda p: (-p.completed, p.username))

    def own(self, username: str, period: Period) -> list[tuple[SopSummary, PerformerFigures]]:
        """A person's own figures in every SOP they worked in during the period (or hold tasks of now)."""
        with read_only_connection(self._sessions) as connection:
            keys = set(connection.scalars(select(_STEPS.c.process_key).distinct().where(
                _STEPS.c.performer == username, _STEPS.c.completed_at >= period.start,
                _STEPS.c.completed_at < period.end)))
            keys |= set(connection.scalars(select(_TASKS.c.process_key).distinct().where(
                _TASKS.c.assignee == username, _TASKS.c.state == "claimed")))
        result = []
        for _, definition in self.latest(sorted(keys)):
            mine = self.performers(definition.process_key, period, [username])
            if mine:
                result.append((SopSummary(definition.process_key, definition.name, CaseCounts()), mine[0]))
        return result

    # -- the queries -------------------------------------------------------------------------------

    def _case_counts(self, connection: Connection, process_key: str, period: Period) -> CaseCounts:
        c = _CASES.c
        start, end = period.start, period.end
        started, open_ = connection.execute(select(
            func.count(case((c.started_at >= start, 1))),
            func.count(case((or_(c.ended_at.is_(None), c.ended_at >= end), 1))),
        ).where(c.process_key == process_key, c.started_at < end)).one()
        ended = distributions(connection, c.status, c.work_seconds, c.on_time,
                              [c.process_key == process_key, c.ended_at >= start, c.ended_at < end])
        done, cancelled = ended.get("completed", Distribution()), ended.get("cancelled", Distribution())
        return CaseCounts(started=started, finished=done.count, open=open_, cancelled=cancelled.count,
                          on_time=done.on_time, timed=done.timed, median_seconds=done.median, p90_seconds=done.p90)

    def _steps(self, connection: Connection, definition: ParsedDefinition, period: Period) -> list[StepFigures]:
        s = _STEPS.c
        done = distributions(connection, s.element_id, s.work_seconds, s.on_time, [
            s.process_key == definition.process_key, s.completed_at >= period.start, s.completed_at < period.end])
        order: list[str] = list(definition.user_tasks) + sorted(set(done) - set(definition.user_tasks))
        steps = []
        for element_id in order:
            meta = definition.user_tasks.get(element_id)
            figures = done.get(element_id, Distribution())
            steps.append(StepFigures(
                element_id, meta.name if meta else element_id,
                meta.mutu_baku.get("langkah", element_id) if meta else element_id,
                meta.mutu_baku.get("waktu", "") if meta else "", meta.mutu_baku.get("waktu_iso") if meta else None,
                figures.count, figures.on_time, figures.timed, figures.median, figures.p90))
        return steps

    def _flows(self, connection: Connection, definition: ParsedDefinition, period: Period) -> list[FlowFigures]:
        f = _FLOWS.c
        taken: dict[str, int] = {flow_id: count for flow_id, count in connection.execute(
            select(f.flow_id, func.count()).where(f.process_key == definition.process_key, f.taken_at >= period.start,
                                                  f.taken_at < period.end).group_by(f.flow_id))}
        names = {**{g: q for g, q in definition.gateways.items()},
                 **{e: m.name for e, m in definition.user_tasks.items()}}
        back = back_edges(definition.flows)
        result = []
        outgoing: dict[str, int] = defaultdict(int)
        for source, _ in definition.flows:
            outgoing[source] += 1
        for (source, target), (flow_id, answer) in definition.flows.items():
            if source not in definition.gateways or outgoing[source] < 2 or not flow_id:
                continue  # a decision's flows only (not a merge's)
            result.append(FlowFigures(flow_id, source, definition.gateways[source] or source, answer or flow_id,
                                      names.get(target, target), taken.get(flow_id, 0), flow_id in back, target))
        return result

    def _trend(self, connection: Connection, process_key: str, period: Period) -> list[TrendPoint]:
        """Per month of the period, in one query: the month is found by comparing the end with the months'
        first instants (WITA), the same on every backend."""
        c = _CASES.c
        months = period.months()
        starts = [datetime.combine(month, time(0), WITA) for month in months[1:]]
        month_of = case(*[(c.ended_at < start, index) for index, start in enumerate(starts)],
                        else_=len(months) - 1) if starts else literal(0)
        done = distributions(connection, month_of, c.work_seconds, c.on_time, [
            c.process_key == process_key, c.status == "completed", c.ended_at >= period.start,
            c.ended_at < period.end])
        return [TrendPoint(month, found.count, found.on_time, found.timed, found.median)
                for index, month in enumerate(months) for found in [done.get(index, Distribution())]]
