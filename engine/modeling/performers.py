"""Performers named from case data (Camunda 7 dialect) and the deploy check of their fields.

A user task may name who does it from a person picker filled in an earlier step::

    <bpmn:userTask id="brd_03" camunda:assignee="${pelaksana_pengelola}" .../>
    <bpmn:userTask id="gjr_04" camunda:candidateUsers="${anggota_tim_teknis}" .../>

``assignee`` names one person (a picker, ``x-widget: user``); ``candidateUsers`` names several (a
picker, or a table whose rows hold one picker column). The task stays restricted to its lane's role.

Deploy refuses such a task unless every path from a start event into it passes an earlier user task
whose form defines the field: a data-flow check over the sequence flows, where a task whose form
defines the field ends a path (its boundary events still fire before the form is sent).

A step may also have to be done by someone other than the performer of earlier steps (maker and
checker): the task property ``pelaksana_berbeda_dari`` lists those steps' ids, comma-separated.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from engine.errors import DeploymentError, InvalidInput
from engine.modeling.forms import FormRegistry
from engine.modeling.messages import Text

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "camunda": "http://camunda.org/schema/1.0/bpmn"}
ASSIGNEE, CANDIDATES = "assignee", "candidateUsers"
DIFFERS_FROM = "pelaksana_berbeda_dari"  # task property: step ids whose performer may not do this step
_FIELD = re.compile(r"^\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$")


@dataclass(frozen=True)
class NamedPerformer:
    """Who a task names from case data: one ``assignee``, or ``candidateUsers``."""

    kind: str  # ASSIGNEE or CANDIDATES
    field: str
    column: str | None = None  # for a table of people: the column holding the username

    def usernames(self, data: Mapping[str, Any]) -> list[str]:
        """The people the case data names, in order, without repeats (empty when the field is empty)."""
        value = data.get(self.field)
        items = value if isinstance(value, list) else [value]
        found: list[str] = []
        for item in items:
            if isinstance(item, dict) and self.column:
                item = item.get(self.column)
            if isinstance(item, str) and item.strip() and item.strip() not in found:
                found.append(item.strip())
        return found[:1] if self.kind == ASSIGNEE else found


def read_performer(task: etree._Element, filename: str) -> NamedPerformer | None:
    """The task's ``camunda:assignee`` or ``camunda:candidateUsers``, without its table column yet.

    :raises DeploymentError: not of the form ``${field}``, or both attributes given
    """
    found = []
    step = task.get("name") or task.get("id") or "?"
    for kind in (ASSIGNEE, CANDIDATES):
        raw = task.get(f"{{{NS['camunda']}}}{kind}")
        if raw is None or not raw.strip():
            continue
        match = _FIELD.match(raw.strip())
        if match is None:
            raise DeploymentError.worded(Text.of("performer.form", where=_where(kind, step), written=raw.strip()),
                                         file=filename, element_id=task.get("id"), line=task.sourceline)
        found.append(NamedPerformer(kind, match.group(1)))
    if len(found) > 1:
        raise DeploymentError.worded(Text.of("performer.both", step=step), file=filename,
                                     element_id=task.get("id"), line=task.sourceline)
    return found[0] if found else None


def _where(kind: str, step: str) -> Text:
    return Text.of("where.performer" if kind == ASSIGNEE else "where.candidates", step=step)


def element_labels(process: etree._Element) -> Callable[[str], str]:
    """An element's name for messages (its id when it has none)."""
    names = {e.get("id"): (e.get("name") or "").strip() for e in process.iter() if isinstance(e.tag, str)}

    def label(element_id: str) -> str:
        return names.get(element_id) or element_id
    return label


def read_differs_from(properties: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(step.strip() for step in properties.get(DIFFERS_FROM, "").split(",") if step.strip())


@dataclass(frozen=True)
class TaskOutline:
    """What the check reads of a user task, straight from the XML: also a task another check refuses
    (a bad lane or mutu baku) still defines its form's fields for the tasks after it."""

    element_id: str
    name: str
    form_key: str
    line: int | None
    performer: NamedPerformer | None
    differs_from: tuple[str, ...]


def outline_tasks(process: etree._Element) -> list[TaskOutline]:
    """The process's user tasks; a malformed performer expression (refused by the task's own check)
    counts as none here."""
    outlines = []
    for task in process.iterfind(".//bpmn:userTask", NS):
        try:
            performer = read_performer(task, "")
        except DeploymentError:
            performer = None
        props = {p.get("name"): p.get("value", "") for p in task.xpath(
            "./bpmn:extensionElements/camunda:properties/camunda:property", namespaces=NS)}
        task_id = task.get("id") or ""
        outlines.append(TaskOutline(task_id, task.get("name") or task_id,
                                    task.get(f"{{{NS['camunda']}}}formKey", "").strip(), task.sourceline,
                                    performer, read_differs_from(props)))
    return outlines


def performer_problems(process: etree._Element, filename: str,
                       forms: FormRegistry) -> tuple[list[DeploymentError], dict[str, NamedPerformer]]:
    """Every refused performer field and maker-checker reference of a process, and the performers with
    their table column resolved, by task id."""
    tasks = outline_tasks(process)
    graph = PathGraph(process)
    label = element_labels(process)
    fields_of = {t.element_id: form_fields(forms, t.form_key) for t in tasks}
    problems: list[DeploymentError] = []
    resolved: dict[str, NamedPerformer] = {}
    for task in tasks:
        for step in task.differs_from:
            if step not in fields_of or step == task.element_id:
                problems.append(DeploymentError.worded(Text.of("performer.differs", step=task.name, other=step),
                                                       file=filename, element_id=task.element_id, line=task.line))
        performer = task.performer
        if performer is None:
            continue
        where = _where(performer.kind, task.name)
        definers = sorted(t.element_id for t in tasks if performer.field in fields_of[t.element_id])
        path = graph.path_avoiding(task.element_id, set(definers))
        if path is not None:
            text = Text.of("dataflow.missing_on_path", where=where, field=performer.field,
                           definers=", ".join(label(d) for d in definers), path=" → ".join(label(n) for n in path)) \
                if definers else Text.of("dataflow.unknown_field", where=where, field=performer.field)
            problems.append(DeploymentError.worded(text, file=filename, element_id=task.element_id, line=task.line))
            continue
        column, reason = _picker_column(performer, [fields_of[d][performer.field] for d in definers])
        if reason:
            problems.append(DeploymentError.worded(
                Text.of("performer.not_picker", where=where, field=performer.field, reason=Text.of(reason)),
                file=filename, element_id=task.element_id, line=task.line))
            continue
        resolved[task.element_id] = NamedPerformer(performer.kind, performer.field, column)
    return problems, resolved


def form_fields(forms: FormRegistry, form_key: str) -> dict[str, dict[str, Any]]:
    try:
        return dict(forms.get(form_key).schema.get("properties", {}))
    except InvalidInput:  # reported by the task's own check
        return {}


def _picker_column(performer: NamedPerformer, props: list[dict[str, Any]]) -> tuple[str | None, str]:
    """The table column of a list of people (None for a single picker); or why the field names nobody."""
    columns: set[str | None] = set()
    for prop in props:
        if prop.get("type") == "string" and prop.get("x-widget") == "user":
            columns.add(None)
            continue
        items = prop.get("items", {}) if prop.get("type") == "array" else {}
        if performer.kind == ASSIGNEE:
            return None, "reason.not_one_person"
        if items.get("type") == "string" and items.get("x-widget") == "user":
            columns.add(None)
            continue
        people = [name for name, col in items.get("properties", {}).items() if col.get("x-widget") == "user"]
        if items.get("type") != "object" or len(people) != 1:
            return None, "reason.not_people"
        columns.add(people[0])
    if len(columns) != 1:
        return None, "reason.differs"
    return columns.pop(), ""


class PathGraph:
    """The sequence flows of a process (sub-processes entered at their start and passed over as a whole)."""

    def __init__(self, process: etree._Element) -> None:
        self.next: dict[str, list[str]] = {}
        for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
            self.next.setdefault(flow.get("sourceRef", ""), []).append(flow.get("targetRef", ""))
        self.boundary: dict[str, list[str]] = {}
        for event in process.iterfind(".//bpmn:boundaryEvent", NS):
            self.boundary.setdefault(event.get("attachedToRef", ""), []).append(event.get("id", ""))
        for sub in process.iterfind(".//bpmn:subProcess", NS):
            starts = [s.get("id", "") for s in sub.iterfind("bpmn:startEvent", NS)]
            self.next.setdefault(sub.get("id", ""), []).extend(starts)
        self.starts = [s.get("id", "") for s in process.iterfind("bpmn:startEvent", NS)]

    def path_avoiding(self, target: str, blockers: set[str]) -> list[str] | None:
        """A path from a start event into ``target`` that passes through none of ``blockers``, or None.

        A blocker is reached but not passed (its boundary events are, since they fire before it ends).
        """
        parent: dict[str, str | None] = {start: None for start in self.starts}
        frontier = list(self.starts)
        while frontier:
            node = frontier.pop(0)
            if node == target:
                path = [node]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])  # type: ignore[arg-type]
                return path[::-1]
            following = list(self.boundary.get(node, ()))
            if node not in blockers:
                following += self.next.get(node, ())
            for successor in following:
                if successor not in parent:
                    parent[successor] = node
                    frontier.append(successor)
        return None
