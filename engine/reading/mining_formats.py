"""An SOP's cases as process-mining logs, written as they stream: XES, OCEL 2.0 JSON and a flat CSV.

Each activation of a step gives a ``start`` event when it became ready (what its mutu baku counts
from), a ``complete`` event when it was completed, or an ``ate_abort`` event when the model or a
cancellation withdrew it; an open step has only its start. Performers appear as ``Naming`` says
(pseudonyms unless names were allowed).

- XES follows IEEE 1849-2016: the Concept, Time, Organizational, Lifecycle and Identity extensions
  are declared; each case is a trace named by its case id; times carry their offset (WITA).
- OCEL 2.0 JSON has three object types, ``case``, ``task`` (one per step activation) and ``document``,
  and the same events, each related to its case and task (and a completion to the documents it sent).
  The OCEL 2.0 schema types every attribute value as a string; ``eventTypes``/``objectTypes`` declare
  the real type. Times are UTC (``Z``).
- CSV: one row per step activation (case id, activity, start, end, resource, …), times in WITA as
  ``YYYY-MM-DD HH:MM:SS`` (what Excel reads as a date); a text cell that a spreadsheet would take for
  a formula is prefixed with ``'``.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from engine.reading.mining_records import CaseRecord, StepRecord
from engine.worktime.work_calendar import WITA

CSV_COLUMNS = ("case_id", "activity", "start", "end", "resource", "role", "element_id", "state", "sop_version",
               "business_key")
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EPOCH = "1970-01-01T00:00:00Z"  # OCEL 2.0's time of an attribute that never changes


@dataclass(frozen=True)
class LogHeader:
    process_key: str
    sop_name: str
    period_from: str  # YYYY-MM-DD (WITA), both included
    period_to: str
    generated_at: datetime
    pseudonymised: bool


@dataclass(frozen=True)
class Naming:
    """How people and file names appear: ``resource(step)`` gives the performer's name or pseudonym."""

    resource: Callable[[StepRecord], str | None]
    filenames: bool  # document file names may name people: only in an export with names


@dataclass(frozen=True)
class _Event:
    step: StepRecord
    transition: str  # start, complete, ate_abort
    at: datetime


def step_events(case: CaseRecord) -> list[_Event]:
    """The case's events in time order; at one instant, in the order the steps became ready, so a
    step's completion comes before the start of the step it led to, and a start before its own end."""
    keyed: list[tuple[datetime, int, int, _Event]] = []
    for index, step in enumerate(case.steps):
        keyed.append((step.started_at, index, 0, _Event(step, "start", step.started_at)))
        if step.ended_at is not None and step.state in ("completed", "cancelled"):
            transition = "complete" if step.state == "completed" else "ate_abort"
            keyed.append((step.ended_at, index, 1, _Event(step, transition, step.ended_at)))
    return [event for *_key, event in sorted(keyed, key=lambda k: k[:3])]


# -- XES ------------------------------------------------------------------------------------------

_XES_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <extension name="Identity" prefix="identity" uri="http://www.xes-standard.org/identity.xesext"/>
  <global scope="trace">
    <string key="concept:name" value="__INVALID__"/>
  </global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
    <string key="lifecycle:transition" value="complete"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <classifier name="Activity and transition" keys="concept:name lifecycle:transition"/>
"""


def xes_chunks(header: LogHeader, cases: Iterable[CaseRecord], naming: Naming) -> Iterator[str]:
    yield _XES_HEAD
    yield "".join([
        _attr("string", "concept:name", header.sop_name, 1), _attr("string", "lifecycle:model", "standard", 1),
        _attr("string", "process_key", header.process_key, 1), _attr("string", "period_from", header.period_from, 1),
        _attr("string", "period_to", header.period_to, 1),
        _attr("date", "generated_at", _xes_time(header.generated_at), 1),
        _attr("boolean", "pseudonymised", "true" if header.pseudonymised else "false", 1)])
    for case in cases:
        parts = ["  <trace>\n", _attr("string", "concept:name", str(case.instance_id), 2),
                 _attr("string", "status", case.status, 2), _attr("int", "sop_version", str(case.version), 2),
                 _attr("date", "started_at", _xes_time(case.started_at), 2)]
        if case.ended_at is not None:
            parts.append(_attr("date", "ended_at", _xes_time(case.ended_at), 2))
        if case.business_key:
            parts.append(_attr("string", "business_key", case.business_key, 2))
        for event in step_events(case):
            parts.append(_xes_event(event, naming))
        parts.append("  </trace>\n")
        yield "".join(parts)
    yield "</log>\n"


def _xes_event(event: _Event, naming: Naming) -> str:
    step = event.step
    parts = ["    <event>\n", _attr("string", "concept:name", step.activity, 3),
             _attr("string", "lifecycle:transition", event.transition, 3),
             _attr("date", "time:timestamp", _xes_time(event.at), 3),
             _attr("id", "identity:id", f"{step.task_id}:{event.transition}", 3),
             _attr("string", "org:role", step.role, 3),
             _attr("string", "element_id", step.element_id, 3), _attr("string", "task_id", step.task_id, 3)]
    resource = naming.resource(step) if event.transition == "complete" else None
    if resource is not None:
        parts.append(_attr("string", "org:resource", resource, 3))
    parts.append("    </event>\n")
    return "".join(parts)


def _attr(kind: str, key: str, value: str, depth: int) -> str:
    return f'{"  " * depth}<{kind} key="{_xml(key)}" value="{_xml(value)}"/>\n'


def _xml(text: str) -> str:
    text = _XML_INVALID.sub("", text)  # characters XML 1.0 cannot carry at all
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


def _xes_time(moment: datetime) -> str:
    return moment.astimezone(WITA).isoformat(timespec="milliseconds")


# -- OCEL 2.0 JSON -----------------------------------------------------------------------------

_CASE_ATTRIBUTES = (("sop", "string"), ("sop_version", "integer"), ("business_key", "string"),
                    ("opd", "string"), ("status", "string"), ("started_at", "time"), ("ended_at", "time"))
_TASK_ATTRIBUTES = (("element_id", "string"), ("activity", "string"), ("role", "string"), ("state", "string"),
                    ("due_at", "time"), ("resource", "string"))
_DOCUMENT_ATTRIBUTES = (("field", "string"), ("media_type", "string"), ("size", "integer"), ("filename", "string"))
_EVENT_ATTRIBUTES = (("lifecycle", "string"), ("role", "string"), ("resource", "string"))


def ocel_chunks(header: LogHeader, activities: list[str], cases: Callable[[], Iterable[CaseRecord]],
                naming: Naming) -> Iterator[str]:
    """OCEL 2.0 JSON; ``cases`` is called twice (objects, then events), each time streaming every case."""
    types = {"objectTypes": [_type("case", _CASE_ATTRIBUTES), _type("task", _TASK_ATTRIBUTES),
                             _type("document", _DOCUMENT_ATTRIBUTES)],
             "eventTypes": [_type(name, _EVENT_ATTRIBUTES) for name in activities]}
    yield json.dumps(types, ensure_ascii=False)[:-1] + ',\n"objects": ['
    first = True
    seen_documents: set[str] = set()
    for case in cases():
        for item in _ocel_objects(header, case, naming, seen_documents):
            yield ("\n" if first else ",\n") + json.dumps(item, ensure_ascii=False)
            first = False
    yield '\n],\n"events": ['
    first = True
    for case in cases():
        for event in step_events(case):
            yield ("\n" if first else ",\n") + json.dumps(_ocel_event(case, event, naming), ensure_ascii=False)
            first = False
    yield "\n]}\n"


def _type(name: str, attributes: tuple[tuple[str, str], ...]) -> dict[str, object]:
    return {"name": name, "attributes": [{"name": n, "type": t} for n, t in attributes]}


def case_object_id(instance_id: int) -> str:
    return f"case-{instance_id}"


def _ocel_objects(header: LogHeader, case: CaseRecord, naming: Naming,
                  seen_documents: set[str]) -> Iterator[dict[str, object]]:
    case_id = case_object_id(case.instance_id)
    static = [("sop", header.process_key), ("sop_version", str(case.version)), ("business_key", case.business_key),
              ("opd", case.opd), ("started_at", _ocel_time(case.started_at))]
    attributes = [{"name": n, "value": v, "time": _EPOCH} for n, v in static if v is not None]
    attributes.append({"name": "status", "value": "running", "time": _ocel_time(case.started_at)})
    if case.ended_at is not None:
        attributes += [{"name": "status", "value": case.status, "time": _ocel_time(case.ended_at)},
                       {"name": "ended_at", "value": _ocel_time(case.ended_at), "time": _ocel_time(case.ended_at)}]
    yield {"id": case_id, "type": "case", "attributes": attributes,
           "relationships": [{"objectId": f"task-{s.task_id}", "qualifier": "step"} for s in case.steps]}
    for step in case.steps:
        yield _task_object(case_id, step, naming)
        for document in step.documents:
            if document.sha256 in seen_documents:
                continue
            seen_documents.add(document.sha256)
            values = [("field", document.field), ("media_type", document.media_type), ("size", str(document.size))]
            if naming.filenames:
                values.append(("filename", document.filename))
            yield {"id": f"document-{document.sha256}", "type": "document",
                   "attributes": [{"name": n, "value": v, "time": _EPOCH} for n, v in values]}


def _task_object(case_id: str, step: StepRecord, naming: Naming) -> dict[str, object]:
    started = _ocel_time(step.started_at)
    attributes = [{"name": "element_id", "value": step.element_id, "time": _EPOCH},
                  {"name": "activity", "value": step.activity, "time": _EPOCH},
                  {"name": "role", "value": step.role, "time": _EPOCH},
                  {"name": "state", "value": "open", "time": started}]
    if step.due_at is not None:
        attributes.append({"name": "due_at", "value": _ocel_time(step.due_at), "time": started})
    if step.ended_at is not None and step.state in ("completed", "cancelled"):
        attributes.append({"name": "state", "value": step.state, "time": _ocel_time(step.ended_at)})
        resource = naming.resource(step) if step.state == "completed" else None
        if resource is not None:
            attributes.append({"name": "resource", "value": resource, "time": _ocel_time(step.ended_at)})
    relationships = [{"objectId": case_id, "qualifier": "case"}]
    relationships += [{"objectId": f"document-{d.sha256}", "qualifier": "output"} for d in step.documents]
    return {"id": f"task-{step.task_id}", "type": "task", "attributes": attributes, "relationships": relationships}


def _ocel_event(case: CaseRecord, event: _Event, naming: Naming) -> dict[str, object]:
    step = event.step
    attributes = [{"name": "lifecycle", "value": event.transition}, {"name": "role", "value": step.role}]
    resource = naming.resource(step) if event.transition == "complete" else None
    if resource is not None:
        attributes.append({"name": "resource", "value": resource})
    relationships = [{"objectId": case_object_id(case.instance_id), "qualifier": "case"},
                     {"objectId": f"task-{step.task_id}", "qualifier": "task"}]
    if event.transition == "complete":
        relationships += [{"objectId": f"document-{d.sha256}", "qualifier": "output"} for d in step.documents]
    return {"id": f"{step.task_id}:{event.transition}", "type": step.activity, "time": _ocel_time(event.at),
            "attributes": attributes, "relationships": relationships}


def _ocel_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- CSV ------------------------------------------------------------------------------------------

def csv_chunks(cases: Iterable[CaseRecord], naming: Naming) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for case in cases:
        for step in case.steps:
            ended = step.ended_at if step.state in ("completed", "cancelled") else None
            writer.writerow([case.instance_id, _cell(step.activity), csv_time(step.started_at),
                             csv_time(ended) if ended is not None else "", _cell(naming.resource(step) or ""),
                             step.role, step.element_id, step.state, case.version, _cell(case.business_key or "")])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def csv_time(moment: datetime) -> str:
    """A time as the CSV writes it: WITA wall-clock time."""
    return moment.astimezone(WITA).isoformat(sep=" ", timespec="seconds")[:19]


def _cell(text: str) -> str:
    """Text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) starts with ``'`` instead."""
    return "'" + text if text.startswith(_FORMULA_START) else text
