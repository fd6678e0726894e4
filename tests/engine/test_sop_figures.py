"""The dashboard's figures equal what the test works out by itself from the times it gave the cases.

Cases of two SOPs are run at known times (the fake clock) across Fridays (closing 11:00), weekends,
Christmas with its cuti bersama and New Year; the test keeps its own record of every step and decision
and computes working time with its own small calendar, not the engine's.
"""
from __future__ import annotations

import json
import math
import random
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from engine.errors import InvalidInput
from engine.persistence.models import AuditEvent, CaseFigure, FlowFigure, StepFigure
from engine.reading.periods import period_of
from engine.reading.ranks import back_edges
from engine.worktime.work_calendar import WorkCalendar

from engine_helpers import add_users

WITA = ZoneInfo("Asia/Makassar")
OPEN, CLOSE, FRIDAY_CLOSE = time(7, 30), time(16, 0), time(11, 0)
# The days off among these dates, as the decrees list them (the test checks the engine agrees).
DAYS_OFF = {date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1), date(2027, 1, 5)}
# Step and case limits per SOP, as the test models write them.
LIMITS = {"uji_loop": {"isi": ("minutes", 30), "periksa": ("days", 2), "case": ("days", 3)},
          "uji_dua": {"isi": ("minutes", 120), "periksa": ("days", 1), "case": ("days", 2)}}


def window(day: date) -> tuple[datetime, datetime] | None:
    if day.weekday() > 4 or day in DAYS_OFF:
        return None
    closing = FRIDAY_CLOSE if day.weekday() == 4 else CLOSE
    return datetime.combine(day, OPEN, WITA), datetime.combine(day, closing, WITA)


def worked(a: datetime, b: datetime) -> int:
    """Working seconds from a to b, by walking the days."""
    total, day = 0, a.astimezone(WITA).date()
    while day <= b.astimezone(WITA).date():
        hours = window(day)
        if hours:
            total += max(0, int((min(b, hours[1]) - max(a, hours[0])).total_seconds()))
        day += timedelta(days=1)
    return total


def within_limit(start: datetime, end: datetime, limit: tuple[str, int]) -> bool:
    kind, amount = limit
    if kind == "minutes":
        return worked(start, end) <= amount * 60
    day, left = start.astimezone(WITA).date(), amount  # the closing of the n-th working day after
    while left:
        day += timedelta(days=1)
        left -= window(day) is not None
    hours = window(day)
    assert hours is not None
    return end <= hours[1]


def nearest_rank(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1]


@dataclass
class Step:
    sop: str
    element: str
    performer: str
    started: datetime
    done: datetime


@dataclass
class Case:
    sop: str
    started: datetime
    ended: datetime | None = None
    status: str = "running"


@pytest.fixture
def two_sops(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    xml = (test_data / "uji_loop.bpmn").read_text()
    xml = (xml.replace("uji_loop", "uji_dua").replace("Uji loop", "Uji dua").replace('"PT30M"', '"PT2H"')
           .replace('"P2D"', '"P1D"').replace('"P3D"', '"P2D"'))
    alur.deployer.deploy_bytes(xml.encode(), "uji_dua.bpmn", "pemilik")
    return alur


def run_cases(alur, clock) -> tuple[list[Step], list[Case], list[tuple[str, str, datetime]]]:
    """Cases one after another from Monday 23 November 2026, with seeded waits and loops."""
    pick = random.Random(19)
    steps, cases, flows = [], [], []
    clock.now = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)
    for number in range(26):
        sop = ("uji_loop", "uji_dua")[number % 2]
        clock.advance(minutes=pick.choice([10, 200, 1000, 1500, 2950, 4300]))
        case = Case(sop, clock.now)
        cases.append(case)
        instance_id = alur.runner.start_case(sop, "pengelola", f"FIG/{number}").instance_id
        if number == 24:  # left running: counted open
            continue
        loops = pick.choice([0, 0, 1, 2])
        for round_ in range(loops + 1):
            performer = "pengelola" if round_ == 0 else pick.choice(["pengelola", "pengelola2"])
            for element, data in (("isi", {"uraian": "laporan"}), ("periksa", {"disetujui": round_ == loops})):
                if element == "periksa":
                    performer = "pengawas"
                if number == 25 and element == "periksa":  # cancelled while its check is open
                    clock.advance(minutes=90)
                    alur.runner.cancel_case(instance_id, "pengelola", "ditarik pemohon")
                    case.ended, case.status = clock.now, "cancelled"
                    break
                task = alur.queries.open_tasks(instance_id)[0]
                started = clock.now
                clock.advance(minutes=pick.choice([10, 25, 29, 31, 45, 90, 200, 600, 1500, 2900, 4400]))
                alur.runner.complete_task(task.task_id, performer, data)
                steps.append(Step(sop, element, performer, started, clock.now))
                if element == "periksa":
                    flows.append((sop, "f6" if data["disetujui"] else "f5", clock.now))
            if case.status == "cancelled":
                break
        if case.status == "running":
            case.ended, case.status = clock.now, "completed"
    return steps, cases, flows


def in_period(moment: datetime | None, period) -> bool:
    return moment is not None and period.start <= moment < period.end


@pytest.mark.parametrize("period", [period_of("month", 2026, 12), period_of("semester", 2026, 2),
                                    period_of("custom", first_day=date(2026, 12, 10), last_day=date(2027, 1, 20))],
                         ids=["month", "semester", "custom"])
def test_figures_equal_the_times_the_cases_were_given(two_sops, clock, period):
    calendar = WorkCalendar()
    assert {d for d in DAYS_OFF if calendar.holiday_name(d)} == DAYS_OFF  # the premise of the test's own calendar
    steps, cases, flows = run_cases(two_sops, clock)
    assert any(s.done.astimezone(WITA).weekday() == 4 for s in steps)  # Fridays are in there
    assert any(s.started.date() < date(2026, 12, 24) < s.done.date() for s in steps)  # and Christmas
    for sop in ("uji_loop", "uji_dua"):
        figures = two_sops.figures.figures(sop, period)
        mine = [s for s in steps if s.sop == sop and in_period(s.done, period)]
        assert mine, "the period holds steps of the SOP"
        for step in figures.steps:
            done = [s for s in mine if s.element == step.element_id]
            seconds = [worked(s.started, s.done) for s in done]
            on_time = sum(within_limit(s.started, s.done, LIMITS[sop][step.element_id]) for s in done)
            assert (step.completed, step.on_time, step.timed) == (len(done), on_time, len(done)), step
            assert step.median_seconds == (statistics.median(seconds) if seconds else None), step
            assert step.p90_seconds == (nearest_rank(seconds, 0.9) if seconds else None), step
        assert {s.element_id for s in figures.steps} == {"isi", "periksa"}
        taken = {f.flow_id: f.taken for f in figures.flows}
        assert taken == {flow: sum(1 for s, f, at in flows if s == sop and f == flow and in_period(at, period))
                         for flow in ("f5", "f6")}
        assert [f.flow_id for f in figures.rework] == ["f5"]  # Tidak leads back: rework
        own = [c for c in cases if c.sop == sop]
        finished = [c for c in own if c.status == "completed" and in_period(c.ended, period)]
        assert figures.cases.started == sum(in_period(c.started, period) for c in own)
        assert figures.cases.finished == len(finished)
        assert figures.cases.cancelled == sum(c.status == "cancelled" and in_period(c.ended, period) for c in own)
        assert figures.cases.open == sum(c.started < period.end and (c.ended is None or c.ended >= period.end)
                                         for c in own)
        assert figures.cases.on_time == sum(within_limit(c.started, c.ended, LIMITS[sop]["case"])
                                            for c in finished if c.ended)
        case_seconds = [worked(c.started, c.ended) for c in finished if c.ended]
        assert figures.cases.median_seconds == (statistics.median(case_seconds) if case_seconds else None)
        assert [(p.month, p.finished, p.on_time) for p in figures.trend] == [
            (month, len(ended), sum(within_limit(c.started, c.ended, LIMITS[sop]["case"]) for c in ended))
            for month in period.months()
            for ended in [[c for c in finished if c.ended and c.ended.astimezone(WITA).date().replace(day=1) == month]]]
        performers = {p.username: p.completed for p in two_sops.figures.performers(sop, period)}
        assert performers == {name: sum(s.performer == name for s in mine)
                              for name in {s.performer for s in mine}}


def test_the_figures_of_a_person_are_theirs_and_reading_them_is_logged(two_sops, clock):
    steps, _cases, _flows = run_cases(two_sops, clock)
    period = period_of("year", 2026)
    own = two_sops.figures.own("pengelola2", period)
    assert [(s.process_key, p.username) for s, p in own] == sorted(
        {(s.sop, "pengelola2") for s in steps if s.performer == "pengelola2" and in_period(s.done, period)})
    assert two_sops.figures.performers("uji_loop", period, []) == []
    two_sops.read_log.record_figures_read("pengawas", "uji_loop", period.key, ["pengelola", "pengelola2"])
    with two_sops.sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.event_type == "performer_figures_viewed")).one()
        assert (event.actor, event.chain) == ("pengawas", "system")
        assert json.loads(event.payload_json)["people"] == ["pengelola", "pengelola2"]
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.event_type == "performer_figures_viewed")) == 1


def test_who_sees_the_dashboard_and_whose_figures(two_sops):
    may = two_sops.permissions
    assert may.oversees_every_sop({"penilai_sop"}) and may.oversees_every_sop({"auditor"})
    assert not may.oversees_every_sop({"pengawas"})
    assert may.oversees_sop({"tim", "pengawas"}, {"pengawas"})  # supervises the team's steps
    assert not may.oversees_sop({"tim", "pengawas"}, {"pengelola_ti"})
    assert may.sees_person("pengawas", {"pengawas"}, "pengelola", {"pengelola_ti"})
    assert may.sees_person("pengelola", {"pengelola_ti"}, "pengelola", {"pengelola_ti"})
    assert not may.sees_person("pengelola2", {"pengelola_ti"}, "pengelola", {"pengelola_ti"})
    assert not may.sees_person("penilai", {"penilai_sop"}, "pengelola", {"pengelola_ti"})


@pytest.mark.sqlite_only("checks input before any query")
@pytest.mark.parametrize("arguments", [
    {"kind": "week", "year": 2026}, {"kind": "month", "year": 2026, "number": 13},
    {"kind": "semester", "year": 2026, "number": 3}, {"kind": "year", "year": None},
    {"kind": "custom", "first_day": date(2026, 5, 1)},
    {"kind": "custom", "first_day": date(2026, 5, 1), "last_day": date(2026, 4, 1)},
    {"kind": "custom", "first_day": date(2020, 5, 1), "last_day": date(2026, 4, 1)}])
def test_a_bad_period_is_refused(arguments, db_engine):
    with pytest.raises(InvalidInput):
        period_of(**arguments)


def test_periods_in_wita_days():
    semester = period_of("semester", 2026, 1)
    assert (semester.first_day, semester.last_day, semester.key) == (date(2026, 1, 1), date(2026, 6, 30), "2026-S1")
    assert semester.start == datetime(2025, 12, 31, 16, 0, tzinfo=timezone.utc)
    december = period_of("month", 2026, 12)
    assert (december.last_day, december.key, len(december.months())) == (date(2026, 12, 31), "2026-12", 1)
    assert len(period_of("year", 2026).months()) == 12


def test_rework_is_the_flow_back_into_a_loop():
    flows = {("start", "gabung"): ("f1", ""), ("gabung", "isi"): ("f2", ""), ("isi", "periksa"): ("f3", ""),
             ("periksa", "setuju"): ("f4", ""), ("setuju", "gabung"): ("f5", "Tidak"),
             ("setuju", "selesai"): ("f6", "Ya")}
    assert back_edges(flows) == {"f5"}


def test_figures_of_cases_from_before_them_are_rebuilt_alike(two_sops, clock):
    """``alur figures rebuild``: emptied tables filled again from the cases, their tasks and decisions."""
    run_cases(two_sops, clock)
    period = period_of("semester", 2026, 2)
    before = [two_sops.figures.figures(sop, period) for sop in ("uji_loop", "uji_dua")]
    people = two_sops.figures.performers("uji_loop", period)
    with two_sops.db.begin() as connection:
        for table in (FlowFigure, StepFigure, CaseFigure):
            connection.execute(delete(table.__table__))
    assert two_sops.figures.figures("uji_loop", period).cases.started == 0
    rebuilt = two_sops.figure_rebuild.fill_missing(batch=7)
    assert rebuilt.cases == 26 and rebuilt.steps > 26 and rebuilt.flows > 0
    assert [two_sops.figures.figures(sop, period) for sop in ("uji_loop", "uji_dua")] == before
    assert two_sops.figures.performers("uji_loop", period) == people
    assert two_sops.figure_rebuild.fill_missing() == type(rebuilt)(0, 0, 0)  # nothing twice
