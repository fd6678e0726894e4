"""The dashboard's tables: each one a chart's data, its table for screen readers and its CSV download,
built once from the engine's figures so the three never disagree."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from markupsafe import Markup

from engine import FlowFigures, PerformerFigures, Period, SopFigures, SopSummary, StepFigures
from web.formatting import duration, format_date, gettext
from web.model_texts import model_text

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    name: str  # the CSV's name
    caption: str
    headers: list[str]
    cells: list[list[str]]  # as the page shows them
    csv_headers: list[str]
    csv_rows: list[list[Cell]]  # raw values: seconds, rates from 0 to 1
    chart: dict[str, Any] | None = field(default=None)  # Chart.js: type, labels, datasets (web/static/js/dashboard.js)


def percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def work_time(seconds: float | None) -> str:
    return "–" if seconds is None else duration(timedelta(seconds=round(seconds)))


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _process(sop: SopSummary, plain: bool = False) -> Markup | str:
    return model_text(sop.process_key, sop.process_key, sop.name, plain=plain)


def _step(figures: SopFigures, step: StepFigures, text: str = "name", plain: bool = False) -> Markup | str:
    """A step's name or mutu baku time in the reader's language (page cells marked where Indonesian)."""
    return model_text(figures.process_key, step.element_id, step.name if text == "name" else step.mutu_baku, text,
                      plain=plain)


def _flow(figures: SopFigures, flow: FlowFigures, what: str, plain: bool = False) -> Markup | str:
    """A decision's question, a flow's answer (Ya/Tidak) or what it leads to, in the reader's language."""
    element = {"question": flow.gateway_id, "answer": flow.flow_id, "target": flow.target_id}[what]
    return model_text(figures.process_key, element, getattr(flow, what), plain=plain)


def summary_table(sops: list[SopSummary]) -> Table:
    headers = [gettext("SOP"), gettext("Dimulai"), gettext("Selesai"), gettext("Berjalan"), gettext("Dibatalkan"),
               gettext("Tepat waktu"), gettext("Median waktu kerja kasus")]
    return Table(
        "ringkasan", gettext("Kasus per SOP"), headers,
        [[_process(s), str(s.cases.started), str(s.cases.finished), str(s.cases.open), str(s.cases.cancelled),
          percent(s.cases.on_time_rate), work_time(s.cases.median_seconds)] for s in sops],
        ["process_key", *headers[1:5], gettext("Tepat waktu (0-1)"), gettext("Median waktu kerja kasus (detik)")],
        [[s.process_key, s.cases.started, s.cases.finished, s.cases.open, s.cases.cancelled, s.cases.on_time_rate,
          s.cases.median_seconds] for s in sops],
        {"type": "bar", "labels": [_process(s, plain=True) for s in sops], "unit": "%", "max": 100,
         "datasets": [{"label": gettext("Kasus selesai tepat waktu (%)"),
                       "data": [_rate(s.cases.on_time_rate) for s in sops]}]} if sops else None)


def own_table(own: list[tuple[SopSummary, PerformerFigures]]) -> Table:
    headers = [gettext("SOP"), gettext("Langkah selesai"), gettext("Tepat waktu"), gettext("Tugas dipegang sekarang")]
    return Table(
        "milik-saya", gettext("Pekerjaan saya"), headers,
        [[_process(s), str(p.completed), percent(p.on_time_rate), str(p.open_now)] for s, p in own],
        ["process_key", headers[1], gettext("Tepat waktu (0-1)"), headers[3]],
        [[s.process_key, p.completed, p.on_time_rate, p.open_now] for s, p in own],
        {"type": "bar", "labels": [_process(s, plain=True) for s, _ in own], "datasets": [
            {"label": gettext("Langkah selesai"), "data": [p.completed for _, p in own]}]} if own else None)


def steps_table(figures: SopFigures) -> Table:
    headers = [gettext("No."), gettext("Langkah"), gettext("Mutu baku waktu"), gettext("Selesai"),
               gettext("Tepat waktu"), gettext("Median waktu kerja"), gettext("Persentil ke-90")]
    steps = figures.steps
    return Table(
        "langkah", gettext("Langkah: ketepatan waktu dan waktu kerja terhadap mutu baku"), headers,
        [[s.step_number, _step(figures, s), _step(figures, s, "waktu") or "–", str(s.completed),
          percent(s.on_time_rate),
          work_time(s.median_seconds), work_time(s.p90_seconds)] for s in steps],
        [gettext("No."), "element_id", headers[1], headers[2], "waktu_iso", headers[3], gettext("Tepat waktu (0-1)"),
         gettext("Median (detik kerja)"), gettext("Persentil ke-90 (detik kerja)")],
        [[s.step_number, s.element_id, s.name, s.mutu_baku, s.limit_iso, s.completed, s.on_time_rate,
          s.median_seconds, s.p90_seconds] for s in steps],
        {"type": "bar", "labels": [f"{s.step_number} {_step(figures, s, plain=True)}" for s in steps], "unit": "%",
         "max": 100,
         "datasets": [{"label": gettext("Tepat waktu (%)"), "data": [_rate(s.on_time_rate) for s in steps]}]}
        if steps else None)


def slowest_table(figures: SopFigures) -> Table:
    headers = [gettext("Langkah"), gettext("Median waktu kerja"), gettext("Persentil ke-90"),
               gettext("Mutu baku waktu"), gettext("Tepat waktu")]
    slow: list[StepFigures] = figures.slowest
    return Table(
        "lambat", gettext("Langkah paling lambat"), headers,
        [[Markup("{} {}").format(s.step_number, _step(figures, s)), work_time(s.median_seconds),
          work_time(s.p90_seconds), _step(figures, s, "waktu") or "–", percent(s.on_time_rate)] for s in slow],
        ["element_id", headers[0], gettext("Median (detik kerja)"), gettext("Persentil ke-90 (detik kerja)"),
         headers[3], gettext("Tepat waktu (0-1)")],
        [[s.element_id, s.name, s.median_seconds, s.p90_seconds, s.mutu_baku, s.on_time_rate] for s in slow],
        {"type": "bar", "horizontal": True, "labels": [f"{s.step_number} {_step(figures, s, plain=True)}"
                                                       for s in slow], "unit": "h",
         "datasets": [{"label": gettext("Median waktu kerja (jam)"), "data": [_hours(s.median_seconds) for s in slow]},
                      {"label": gettext("Persentil ke-90 (jam)"), "data": [_hours(s.p90_seconds) for s in slow]}]}
        if slow else None)


def rework_table(figures: SopFigures) -> Table:
    headers = [gettext("Keputusan"), gettext("Jawaban"), gettext("Menuju"), gettext("Dilalui"),
               gettext("Pengerjaan ulang")]
    flows: list[FlowFigures] = figures.flows
    loops = [f for f in flows if f.rework]
    return Table(
        "alur", gettext("Keputusan Ya/Tidak dan pengerjaan ulang"), headers,
        [[_flow(figures, f, "question"), _flow(figures, f, "answer"), _flow(figures, f, "target"), str(f.taken),
          gettext("ya") if f.rework else gettext("tidak")] for f in flows],
        ["flow_id", "gateway_id", *headers],
        [[f.flow_id, f.gateway_id, f.question, f.answer, f.target, f.taken, f.rework] for f in flows],
        {"type": "bar", "labels": [f"{_flow(figures, f, 'question', True)}: {_flow(figures, f, 'answer', True)}"
                                   for f in loops],
         "datasets": [{"label": gettext("Putaran pengerjaan ulang"), "data": [f.taken for f in loops]}]}
        if loops else None)


def trend_table(figures: SopFigures) -> Table:
    headers = [gettext("Bulan"), gettext("Kasus selesai"), gettext("Tepat waktu"), gettext("Median waktu kerja kasus")]
    points = figures.trend
    labels = [_month(p.month) for p in points]
    return Table(
        "tren", gettext("Tren per bulan"), headers,
        [[label, str(p.finished), percent(p.on_time_rate), work_time(p.median_seconds)]
         for label, p in zip(labels, points, strict=True)],
        [headers[0], headers[1], gettext("Tepat waktu (0-1)"), gettext("Median waktu kerja kasus (detik)")],
        [[f"{p.month:%Y-%m}", p.finished, p.on_time_rate, p.median_seconds] for p in points],
        {"type": "line", "labels": labels, "unit": "%", "max": 100,
         "datasets": [{"label": gettext("Tepat waktu (%)"), "data": [_rate(p.on_time_rate) for p in points]}]}
        if points else None)


def people_table(people: list[PerformerFigures]) -> Table:
    headers = [gettext("Pelaksana"), gettext("Langkah selesai"), gettext("Tepat waktu"),
               gettext("Tugas dipegang sekarang")]
    return Table(
        "pelaksana", gettext("Beban kerja pelaksana"), headers,
        [[p.full_name, str(p.completed), percent(p.on_time_rate), str(p.open_now)] for p in people],
        ["username", headers[0], headers[1], gettext("Tepat waktu (0-1)"), headers[3]],
        [[p.username, p.full_name, p.completed, p.on_time_rate, p.open_now] for p in people],
        {"type": "bar", "labels": [p.full_name for p in people], "datasets": [
            {"label": gettext("Langkah selesai"), "data": [p.completed for p in people]},
            {"label": gettext("Tugas dipegang sekarang"), "data": [p.open_now for p in people]}]} if people else None)


def heat_steps(figures: SopFigures) -> dict[str, dict[str, Any]]:
    """Per step on the diagram: its on-time rate (0-1, None without timed steps) and its median in words."""
    return {s.element_id: {"rate": s.on_time_rate, "median": work_time(s.median_seconds), "done": s.completed,
                           "label": gettext("%(rate)s tepat waktu · median %(median)s",
                                            rate=percent(s.on_time_rate), median=work_time(s.median_seconds))}
            for s in figures.steps}


def heat_flows(figures: SopFigures) -> dict[str, dict[str, Any]]:
    """Per Ya/Tidak flow: how often it was taken."""
    return {f.flow_id: {"taken": f.taken, "rework": f.rework,
                        "label": gettext("%(answer)s: %(num)d×", answer=_flow(figures, f, "answer", True),
                                         num=f.taken)}
            for f in figures.flows}


def period_label(period: Period) -> str:
    """The period as people name it: "Maret 2026", "Semester 1 2026", "Tahun 2026", "5 Jan 2026 – 10 Feb 2026"."""
    first = period.first_day
    if period.kind == "month":
        return format_date(first, "MMMM yyyy")
    if period.kind == "semester":
        return gettext("Semester %(num)d %(year)d", num=1 if first.month == 1 else 2, year=first.year)
    if period.kind == "year":
        return gettext("Tahun %(year)d", year=first.year)
    return f"{format_date(first, 'd MMM yyyy')} – {format_date(period.last_day, 'd MMM yyyy')}"


def _month(month: date) -> str:
    return format_date(month, "MMM yyyy")
