"""Figures per SOP and period, for the management dashboard and the monitoring and evaluation forms.

Read from the aggregates each step writes (``engine.runtime.figures``): a row per case, per completed
step with its working time already computed, per gateway decision. No audit event is read and no
working time computed here. Periods are WITA calendar days; a step counts in the period it was
completed in, a case in the period it started (started) or ended (finished, cancelled).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import InvalidInput
from engine.modeling.definitions import DefinitionStore
from engine.modeling.parser import ParsedDefinition
from engine.persistence.db import read_only_connection, read_only_session
from engine.persistence.models import (CaseFigure, FlowFigure, HumanTask, ProcessDefinition, StepFigure,
                                       UserAccount)
from engine.worktime.clock import Clock, utcnow
from engine.worktime.work_calendar import WITA

PERIOD_KINDS = ("month", "semester", "year", "custom")
MAX_CUSTOM_DAYS = 3 * 366
SLOWEST = 5

_CASES = CaseFigure.__table__
_STEPS = StepFigure.__table__
_FLOWS = FlowFigure.__table__
_TASKS = HumanTask.__table__
_DEFINITIONS = ProcessDefinition.__table__


@dataclass(frozen=True)
class Period:
    """WITA days ``first_day`` to ``last_day``, both included."""

    kind: str
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), WITA)

    @property
    def end(self) -> datetime:
        """The instant after the period (exclusive)."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), WITA)

    @property
    def key(self) -> str:
        """A short stable name: 2026-03, 2026-S1, 2026, 2026-01-05..2026-02-10."""
        if self.kind == "month":
            return f"{self.first_day:%Y-%m}"
        if self.kind == "semester":
            return f"{self.first_day.year}-S{1 if self.first_day.month == 1 else 2}"
        if self.kind == "year":
            return str(self.first_day.year)
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"

    def months(self) -> list[date]:
        """The first day of every month the period touches, in order (the trend's points)."""
        months, cursor = [], self.first_day.replace(day=1)
        while cursor <= self.last_day:
            months.append(cursor)
            cursor = (cursor + timedelta(days=32)).replace(day=1)
        return months


def period_of(kind: str, year: int | None = None, number: int | None = None, first_day: date | None = None,
              last_day: date | None = None) -> Period:
    """A month (``number`` 1-12), a semester (1: January-June, 2: July-December), a year, or custom days.

    :raises InvalidInput: an unknown kind, a month or semester out of range, a custom period without
        both days, ending before it starts or longer than three years
    """
    if kind not in PERIOD_KINDS:
        raise InvalidInput(f"Jenis periode tidak dikenal: {kind}", field="periode")
    if kind == "custom":
        if first_day is None or last_day is None:
            raise InvalidInput("Periode khusus memerlukan tanggal awal dan akhir", field="dari")
        if last_day < first_day:
            raise InvalidInput("Tanggal akhir periode sebelum tanggal awalnya", field="sampai")
        if (last_day - first_day).days > MAX_CUSTOM_DAYS:
            raise InvalidInput("Periode khusus paling lama tiga tahun", field="sampai")
        return Period(kind, first_day, last_day)
    if year is None or not 2000 <= year <= 2200:
        raise InvalidInput("Tahun periode tidak sah", field="tahun")
    if kind == "year":
        return Period(kind, date(year, 1, 1), date(year, 12, 31))
    if kind == "semester":
        if number not in (1, 2):
            raise InvalidInput("Semester harus 1 atau 2", field="ke")
        return Period(kind, date(year, 1, 1), date(year, 6, 30)) if number == 1 else \
            Period(kind, date(year, 7, 1), date(year, 12, 31))
    if number is None or not 1 <= number <= 12:
        raise InvalidInput("Bulan harus 1 sampai 12", field="ke")
    following = date(year + (number == 12), number % 12 + 1, 1)
    return Period(kind, date(year, number, 1), following - timedelta(days=1))


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

    def __init__(self, sessions: sessionmaker[Session], definitions: DefinitionStore, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._definitions = definitions
        self._clock = clock

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
                                      names.get(target, target), taken.get(flow_id, 0), flow_id in back))
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


@dataclass(frozen=True)
class Distribution:
    """Of one group of rows: how many, how many on time of how many timed, the median and 90th percentile."""

    count: int = 0
    on_time: int = 0
    timed: int = 0
    median: float | None = None
    p90: int | None = None


def distributions(connection: Connection, group: Any, value: Any, on_time: Any,
                  where: Sequence[Any]) -> dict[Any, Distribution]:
    """Per value of ``group``: the rows matching ``where`` counted (one aggregate query), then their
    ``value`` ranked by the database (a window function, on SQLite and PostgreSQL alike) and only the
    middle and 90th-percentile rows of each group fetched, so the cost stays in the database however many
    rows the period holds. The median of an even count is the mean of the two middle values; the 90th
    percentile is the nearest rank (the smallest value that at least 90% of the rows reach)."""
    hit = case((on_time.is_(True), 1), else_=0)
    counts = {g: (n, int(hits or 0), timed) for g, n, hits, timed in connection.execute(
        select(group, func.count(), func.sum(hit), func.count(on_time)).where(*where).group_by(group))}
    if not counts:
        return {}
    ranks = {g: {(n + 1) // 2, (n + 2) // 2, (n * 9 + 9) // 10} for g, (n, _, _) in counts.items()}
    ranked = select(group.label("g"), value.label("v"),
                    func.row_number().over(partition_by=group, order_by=value).label("rn")).where(*where).subquery()
    wanted = or_(*[and_(ranked.c.g == g, ranked.c.rn.in_(sorted(rows))) for g, rows in ranks.items()])
    at: dict[Any, dict[int, Any]] = {}
    for g, v, rn in connection.execute(select(ranked.c.g, ranked.c.v, ranked.c.rn).where(wanted)):
        at.setdefault(g, {})[rn] = v
    result = {}
    for g, (n, hits, timed) in counts.items():
        values = at.get(g, {})
        middle = [values[rn] for rn in {(n + 1) // 2, (n + 2) // 2} if values.get(rn) is not None]
        result[g] = Distribution(n, hits, timed, sum(middle) / len(middle) if middle else None,
                                 values.get((n * 9 + 9) // 10))
    return result


def back_edges(flows: dict[tuple[str, str], tuple[str | None, str]]) -> set[str]:
    """The flows that lead back into a loop of steps already passed (rework), by flow id: the back
    edges of a depth-first walk from the start events (the nodes no flow enters)."""
    graph: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for (source, target), (flow_id, _) in flows.items():
        graph[source].append((target, flow_id))
    entered = {target for _, target in flows}
    back: set[str] = set()
    state: dict[str, int] = {}  # 1: on the walk's path, 2: done
    for root in [node for node in graph if node not in entered]:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(graph[root]))]
        while stack:
            node, edges = stack[-1]
            step = next(edges, None)
            if step is None:
                state[node] = 2
                stack.pop()
                continue
            target, flow_id = step
            if state.get(target) == 1:
                if flow_id:
                    back.add(flow_id)
            elif target not in state:
                state[target] = 1
                stack.append((target, iter(graph[target])))
    return back
