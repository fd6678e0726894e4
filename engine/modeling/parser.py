"""Parse and check BPMN models (Camunda 7 dialect) into cached, ready-to-run definitions.

Every refusal is a DeploymentError naming the file, the element id and, where known, the line.
"""
from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.camunda.parser import CamundaParser

from engine.worktime.work_calendar import parse_working_duration
from engine.errors import DeploymentError, ExecutionError, ExpressionTooCostly, InvalidInput, UnsafeExpression
from engine.modeling.expressions import check as check_expression, constant_parts, evaluate, is_constant
from engine.modeling.loop_bounds import DEFAULT_MAX_INSTANCES, bound_multi_instances, count_problem
from engine.modeling.timer_bounds import TIMER_KINDS, timer_problem
from engine.modeling.dataflow import data_flow_problems
from engine.modeling.english import ModelEnglish, read_english
from engine.modeling.forms import FormRegistry
from engine.modeling.messages import Text
from engine.modeling.performers import NamedPerformer, performer_problems, read_differs_from, read_performer
from engine.modeling.roles import RoleCatalog
from engine.modeling.step_notices import StepNotice, notice_problems, read_notice
from engine.modeling.step_time import CLOCK_START, ExternalWait, read_shared_time, read_wait, time_rule_problems

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
}
MUTU_BAKU_REQUIRED = ("kelengkapan", "waktu", "waktu_iso", "output")
_VALIDATOR: BpmnValidator | None = None
_SCHEMA = threading.Lock()  # the validator's making and each validation (_validate)


@dataclass(frozen=True)
class UserTaskMeta:
    element_id: str
    name: str
    documentation: str
    lane_role: str
    role: str  # the lane role, or the narrower candidate group
    form_key: str
    mutu_baku: dict[str, str]
    performer: NamedPerformer | None = None  # camunda:assignee / camunda:candidateUsers (engine.modeling.performers)
    differs_from: tuple[str, ...] = ()  # steps whose performer may not do this one (maker and checker)
    line: int | None = None  # where the task is written in the BPMN file
    shares_time_with: str | None = None  # the first task of a split SOP step (engine.modeling.step_time)
    waits: ExternalWait | None = None  # the case waits on an outside party while this step is open
    notice: StepNotice | None = None  # a role told when a checkbox is ticked (engine.modeling.step_notices)

    @property
    def waktu_iso(self) -> str:
        return self.mutu_baku["waktu_iso"]


@dataclass
class ParsedDefinition:
    process_key: str
    name: str
    sha256: str
    spec: Any
    subprocess_specs: dict[str, Any]
    user_tasks: dict[str, UserTaskMeta]
    properties: dict[str, str]
    lanes: list[tuple[str, str, str]]  # (lane id, visible name, role key), in document order
    start_roles: frozenset[str]
    routine_cycle: str | None = None
    gateways: dict[str, str] = field(default_factory=dict)  # id -> question
    # (source, target) -> (id, name); BPMN lets a sequence flow go without an id
    flows: dict[tuple[str, str], tuple[str | None, str]] = field(default_factory=dict)
    english: ModelEnglish = field(default_factory=ModelEnglish)  # the texts' English (engine.modeling.english)

    @property
    def clock_start(self) -> str | None:
        """The step whose first start starts the case's limit; None: the case's start does."""
        return self.properties.get(CLOCK_START, "").strip() or None

    @property
    def has_clock_rules(self) -> bool:
        """The case limit depends on its steps (a later start, a wait that stops the clock)."""
        return self.clock_start is not None or any(m.waits is not None for m in self.user_tasks.values())


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


_DECLARED = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def utf8_document(content: bytes, filename: str) -> bytes:
    """The file as UTF-8, as it is stored: a file in the encoding it declares (ISO-8859-1, UTF-16, ...)
    is read in that encoding and written again as UTF-8; a UTF-8 file is returned unchanged.

    :raises DeploymentError: the file cannot be read in the encoding it declares
    """
    declared = _DECLARED.match(content)
    if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"):
        try:
            content.decode("utf-8")
            return content
        except UnicodeDecodeError:
            pass  # maybe UTF-16 with a byte-order mark: lxml reads it, or says why not
    root = DefinitionParser.load_xml(content, filename).getroot()
    written: bytes = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return written


def _holder(expr: etree._Element) -> etree._Element:
    """The element a person sees holding an expression: the flow, the timer's event, the repeated step."""
    owner = expr.getparent()
    assert owner is not None  # an expression found below the process
    above = owner.getparent()
    if etree.QName(owner).localname in ("timerEventDefinition", "multiInstanceLoopCharacteristics") and \
            above is not None:
        return above
    return owner


def _parts_problem(text: str) -> Text | None:
    """A computation inside an expression that reads no case data but breaks a bound."""
    for part in constant_parts(text):
        try:
            evaluate(part, {})
        except ExpressionTooCostly as exc:
            return Text.of("expression.refused", expression=text.strip()[:200], why=exc.message)
        except ExecutionError:
            continue  # e.g. a type mismatch that a field's value may still make right
    return None


def _validate(tree: etree._ElementTree, filename: str) -> None:
    """Validate against BPMN 2.0's XSD, one thread at a time.

    libxml2 sets up its XML Schema types at a process's first schema load, and two threads doing so at
    once left them broken for the rest of the process: every later load failed, so every page that parses
    a model answered 500 (a gunicorn worker's threads, their first requests arriving together). And
    SpiffWorkflow reads a failure's message from the validator's error log, which a validation in another
    thread replaces.

    :raises ValidationException: the model breaks the schema
    """
    global _VALIDATOR
    with _SCHEMA:
        if _VALIDATOR is None:  # loading the XSD costs ~100 ms; do it once, on first use
            _VALIDATOR = BpmnValidator()
        _VALIDATOR.validate(tree, filename)



_SPIFF_WORDS = (  # SpiffWorkflow's parser messages (3.2), by their opening words
    ("Multiple outgoing flows are not supported", "spiff.implicit_split"),
    ("Non-default exclusive outgoing sequence flow without condition", "spiff.no_condition"),
    ("No start event found", "spiff.no_start"),
    ("There is no support implemented for this task type", "spiff.unsupported"),
    ("When looking for a task spec", "spiff.dangling"),
    ("is not executable", "spiff.not_executable"),
)


def spiff_words(exc: ValidationException, tree: etree._ElementTree) -> Text:
    """SpiffWorkflow's parser message in words (its text is English and sometimes cut off)."""
    found = tree.getroot().xpath("//*[@id=$id]", id=exc.id) if exc.id else []
    element = (found[0].get("name") or exc.id) if found else (exc.id or "?")
    raw = str(exc)
    for opening, key in _SPIFF_WORDS:
        if opening in raw:
            return Text.of(key, element=element)  # a message without {element} ignores it
    return Text.of("spiff.other", element=element)


_MUTU_BAKU_WORDS = {"kelengkapan": "kelengkapan", "waktu": "waktu", "waktu_iso": "batas waktu", "output": "output"}


def _name_of(process: etree._Element, element_id: str) -> str:
    found = process.xpath(".//*[@id=$id]", id=element_id) if element_id else []
    return (found[0].get("name") or element_id) if found else element_id


def camunda_properties(element: etree._Element) -> dict[str, str]:
    """``camunda:properties`` directly under the element's own extensionElements."""
    props = element.xpath("./bpmn:extensionElements/camunda:properties/camunda:property", namespaces=NS)
    return {p.get("name"): p.get("value", "") for p in props if p.get("name")}


class DefinitionParser:
    """Checks a model against the Alur conventions and parses it with SpiffWorkflow.

    ``parse`` runs every step and stops at the first refusal; the steps are public so that
    ``engine.modeling.checks`` can run them one by one and list every problem at once.
    """

    def __init__(self, roles: RoleCatalog, forms: FormRegistry, max_instances: int = DEFAULT_MAX_INSTANCES) -> None:
        self._roles = roles
        self._forms = forms
        self._max_instances = max_instances

    @property
    def roles(self) -> RoleCatalog:
        return self._roles

    @property
    def forms(self) -> FormRegistry:
        return self._forms

    def with_forms(self, pending: dict[str, dict[str, Any]] | None) -> DefinitionParser:
        """This parser reading also forms not stored yet (a model's new forms, before its deploy)."""
        if not pending:
            return self
        return DefinitionParser(self._roles, self._forms.with_pending(pending), self._max_instances)

    def parse(self, content: bytes, filename: str, expected_key: str | None = None, *,
              new_version: bool = False) -> ParsedDefinition:
        """Parse a model; ``new_version`` (a deploy) also runs the data-flow check, which versions deployed
        before it existed need not pass to be loaded again.

        :raises DeploymentError: the model breaks a rule; the message names the element
        """
        tree = self.load_xml(content, filename)
        process = self.single_process(tree, filename, expected_key)
        lanes, lane_of = self.lanes(process, filename)
        user_tasks = self.user_tasks(process, filename, lane_of)
        user_tasks = self.resolve_performers(process, filename, user_tasks)
        time_problems = (time_rule_problems(user_tasks, camunda_properties(process), self._forms, filename)
                         + notice_problems(user_tasks, self._roles, self._forms, filename))
        if time_problems:
            raise time_problems[0]
        if new_version:
            problems = self.data_flow_problems(process, filename)
            if problems:
                raise problems[0]
        self.check_expressions(process, filename)
        self.check_gateways(process, filename)
        routine_cycle = self.routine_cycle(process, filename)
        process_key = process.get("id", "")  # single_process refused a process without one
        spec, subprocess_specs = self.spiff_spec(tree, process_key, filename, self._max_instances)
        return ParsedDefinition(
            process_key=process_key, name=process.get("name") or process_key,
            sha256=sha256_of(content), spec=spec, subprocess_specs=subprocess_specs,
            user_tasks=user_tasks, properties=camunda_properties(process), lanes=lanes,
            start_roles=self._start_roles(process, user_tasks), routine_cycle=routine_cycle,
            gateways={g.get("id", ""): g.get("name", "") for g in process.iterfind("bpmn:exclusiveGateway", NS)},
            flows={(f.get("sourceRef", ""), f.get("targetRef", "")): (f.get("id"), f.get("name", ""))
                   for f in process.iterfind("bpmn:sequenceFlow", NS)},  # the XSD requires both refs
            english=read_english(process),
        )

    @staticmethod
    def load_xml(content: bytes, filename: str) -> etree._ElementTree:
        try:
            root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))
        except (etree.XMLSyntaxError, ValueError) as exc:  # ValueError: a declared encoding lxml cannot read
            if not isinstance(exc, etree.XMLSyntaxError):
                raise DeploymentError.worded(Text.of("xml.invalid", line="?"), file=filename,
                                             detail=str(exc)) from exc
            raise DeploymentError.worded(Text.of("xml.invalid", line=exc.lineno or "?"), file=filename,
                                         line=exc.lineno, detail=str(exc.msg)) from exc
        tree = etree.ElementTree(root)
        try:
            _validate(tree, filename)
        except ValidationException as exc:
            line = int(exc.line_number) if str(exc.line_number).isdigit() else None
            raise DeploymentError.worded(Text.of("xml.schema", line=line or "?"), file=filename, line=line,
                                         detail=str(exc)) from exc
        return tree

    @staticmethod
    def single_process(tree: etree._ElementTree, filename: str, expected_key: str | None) -> etree._Element:
        processes = [p for p in tree.getroot().iterfind("bpmn:process", NS) if p.get("isExecutable") == "true"]
        if len(processes) != 1:
            raise DeploymentError.worded(Text.of("process.count", count=len(processes)), file=filename)
        process = processes[0]
        if expected_key is not None and process.get("id") != expected_key:
            raise DeploymentError.worded(Text.of("process.key", file_name=expected_key), file=filename,
                                         element_id=process.get("id"), line=process.sourceline)
        if not process.get("id"):
            raise DeploymentError.worded(Text.of("process.no_id"), file=filename, line=process.sourceline)
        return process

    def lanes(self, process: etree._Element, filename: str) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
        lanes, lane_of = [], {}
        for lane in process.iterfind(".//bpmn:lane", NS):
            role = camunda_properties(lane).get("role", "")
            name = lane.get("name") or lane.get("id") or "?"
            if not role:
                raise DeploymentError.worded(Text.of("lane.no_role", lane=name), file=filename,
                                             element_id=lane.get("id"), line=lane.sourceline)
            if role not in self._roles:
                raise DeploymentError.worded(Text.of("lane.unknown_role", role=role, lane=name), file=filename,
                                             element_id=lane.get("id"), line=lane.sourceline)
            lanes.append((lane.get("id", ""), lane.get("name", ""), role))
            for ref in lane.iterfind("bpmn:flowNodeRef", NS):
                node_id = (ref.text or "").strip()
                if node_id in lane_of:
                    raise DeploymentError.worded(Text.of("lane.twice", element=_name_of(process, node_id)),
                                                 file=filename, element_id=node_id, line=ref.sourceline)
                lane_of[node_id] = role
        return lanes, lane_of

    def user_tasks(self, process: etree._Element, filename: str,
                    lane_of: dict[str, str]) -> dict[str, UserTaskMeta]:
        tasks: dict[str, UserTaskMeta] = {}
        for task in process.iterfind(".//bpmn:userTask", NS):
            task_id, line = task.get("id"), task.sourceline
            step = task.get("name") or task_id or "?"
            lane_role = lane_of.get(task_id) if task_id is not None else None
            if task_id is None or lane_role is None:
                raise DeploymentError.worded(Text.of("task.no_lane", step=step), file=filename,
                                             element_id=task_id, line=line)
            role = task.get(f"{{{NS['camunda']}}}candidateGroups", "").strip() or lane_role
            if "," in role or role not in self._roles or not self._roles.covers(lane_role, role):
                raise DeploymentError.worded(Text.of("task.bad_group", step=step, role=role, lane=lane_role),
                                             file=filename, element_id=task_id, line=line)
            form_key = task.get(f"{{{NS['camunda']}}}formKey", "").strip()
            if not form_key:
                raise DeploymentError.worded(Text.of("task.no_form", step=task.get("name") or task_id),
                                             file=filename, element_id=task_id, line=line)
            try:
                self._forms.get(form_key)
            except InvalidInput as exc:
                raise DeploymentError.worded(Text.of("task.unknown_form", form=form_key, step=step), file=filename,
                                             element_id=task_id, line=line, detail=exc.message) from exc
            mutu_baku = camunda_properties(task)
            missing = [_MUTU_BAKU_WORDS[k] for k in MUTU_BAKU_REQUIRED if not mutu_baku.get(k)]
            if missing:
                raise DeploymentError.worded(Text.of("task.mutu_baku", step=step, missing=", ".join(missing)),
                                             file=filename, element_id=task_id, line=line)
            for key in ("waktu_iso", "waktu_min_iso"):
                if mutu_baku.get(key):
                    try:
                        parse_working_duration(mutu_baku[key])
                    except ValueError as exc:
                        raise DeploymentError.worded(Text.of(
                            "task.bad_duration", value=mutu_baku[key], what=Text.of(f"duration.{key}"),
                            step=task.get("name") or task_id), file=filename, element_id=task_id, line=line,
                            detail=str(exc)) from exc
            doc = task.find("bpmn:documentation", NS)
            tasks[task_id] = UserTaskMeta(
                element_id=task_id, name=task.get("name") or task_id,
                documentation=(doc.text or "").strip() if doc is not None else "",
                lane_role=lane_role, role=role, form_key=form_key, mutu_baku=mutu_baku,
                performer=read_performer(task, filename), differs_from=read_differs_from(mutu_baku), line=line,
                shares_time_with=read_shared_time(mutu_baku), waits=read_wait(mutu_baku),
                notice=read_notice(mutu_baku))
        return tasks

    def performer_problems(self, process: etree._Element, filename: str) -> list[DeploymentError]:
        """Every performer named from a field no earlier form defines on some path, or from no person
        picker, and every maker-checker property naming no other step."""
        return performer_problems(process, filename, self._forms)[0]

    def data_flow_problems(self, process: etree._Element, filename: str) -> list[DeploymentError]:
        """Every expression reading a field some path into it leaves unfilled, or comparing a field with
        a value of another kind (engine.modeling.dataflow)."""
        return data_flow_problems(process, filename, self._forms)

    def resolve_performers(self, process: etree._Element, filename: str,
                           user_tasks: dict[str, UserTaskMeta]) -> dict[str, UserTaskMeta]:
        """The tasks with their named performers checked and resolved (a table's person column).

        :raises DeploymentError: the first problem of ``performer_problems``
        """
        problems, resolved = performer_problems(process, filename, self._forms)
        if problems:
            raise problems[0]
        return {task_id: replace(meta, performer=resolved.get(task_id)) for task_id, meta in user_tasks.items()}

    def check_expressions(self, process: etree._Element, filename: str) -> None:
        """Every expression within the whitelist and its bounds; one that reads no case data is evaluated
        now, so a constant timer, count or condition that cannot run is refused here, not in a case."""
        paths = (".//bpmn:conditionExpression", ".//bpmn:timeDuration", ".//bpmn:timeDate",
                 ".//bpmn:timeCycle", ".//bpmn:completionCondition", ".//bpmn:loopCardinality")
        for path in paths:
            for expr in process.iterfind(path, NS):
                owner = expr.getparent()
                assert owner is not None  # expr was found below the process
                above = owner.getparent()
                owner_id = owner.get("id") or (above.get("id") if above is not None else None)
                text = expr.text or ""
                try:
                    check_expression(text)
                    problem = self._constant_problem(expr, text) if is_constant(text) else _parts_problem(text)
                except UnsafeExpression as exc:
                    raise DeploymentError.worded(Text.of("expression.refused", expression=text.strip()[:200],
                                                         why=exc.message), file=filename, element_id=owner_id,
                                                 line=expr.sourceline) from exc
                if problem is not None:
                    element_id = _holder(expr).get("id") or owner_id
                    raise DeploymentError.worded(problem, file=filename, element_id=element_id, line=expr.sourceline)
        for loop in process.iterfind(".//bpmn:multiInstanceLoopCharacteristics", NS):
            collection = loop.get(f"{{{NS['camunda']}}}collection")
            if collection is not None and loop.get(f"{{{NS['camunda']}}}elementVariable") is None:
                task = loop.getparent()
                assert task is not None
                words = Text.of("loop.no_element", where=Text.of("where.loop", step=task.get("name") or task.get(
                    "id") or "?"), collection=collection)
                raise DeploymentError.worded(words, file=filename, element_id=task.get("id"), line=loop.sourceline)
        for script in process.iterfind(".//bpmn:scriptTask", NS):
            words = Text.of("script.refused", element=script.get("name") or script.get("id") or "?")
            raise DeploymentError.worded(words, file=filename, element_id=script.get("id"), line=script.sourceline)

    def _constant_problem(self, expr: etree._Element, text: str) -> Text | None:
        """What is wrong with the value of an expression that reads no case data."""
        kind = etree.QName(expr).localname
        holder = _holder(expr)
        label = holder.get("name") or holder.get("id") or "?"
        try:
            value = evaluate(text, {})
        except ExecutionError as exc:
            return Text.of("expression.refused", expression=text.strip()[:200], why=exc.message)
        if kind in TIMER_KINDS:
            problem = timer_problem(kind, value)
            return None if problem is None else Text.of("timer.out_of_range", where=Text.of("where.timer",
                                                                                           event=label), why=problem)
        if kind == "loopCardinality":
            return count_problem(value, Text.of("where.loop", step=label), text.strip(), self._max_instances)
        return None

    @staticmethod
    def check_gateways(process: etree._Element, filename: str) -> None:
        flows = {f.get("id"): f for f in process.iterfind("bpmn:sequenceFlow", NS)}
        for gateway in process.iterfind("bpmn:exclusiveGateway", NS):
            outgoing = [f for f in flows.values() if f.get("sourceRef") == gateway.get("id")]
            if len(outgoing) < 2:
                continue
            for flow in outgoing:
                if flow.get("id") != gateway.get("default") and flow.find("bpmn:conditionExpression", NS) is None:
                    words = Text.of("gateway.no_condition", flow=flow.get("name") or flow.get("id") or "?",
                                    gateway=gateway.get("name") or gateway.get("id") or "?")
                    raise DeploymentError.worded(words, file=filename, element_id=flow.get("id"), line=flow.sourceline)

    @staticmethod
    def routine_cycle(process: etree._Element, filename: str) -> str | None:
        cycles = process.xpath("./bpmn:startEvent/bpmn:timerEventDefinition/bpmn:timeCycle", namespaces=NS)
        if len(cycles) > 1:
            raise DeploymentError.worded(Text.of("timer.start_twice"), file=filename,
                                  element_id=cycles[1].getparent().getparent().get("id"), line=cycles[1].sourceline)
        return (cycles[0].text or "").strip() if cycles else None

    @staticmethod
    def spiff_spec(tree: etree._ElementTree, process_id: str, filename: str,
                   max_instances: int = DEFAULT_MAX_INSTANCES) -> tuple[Any, dict[str, Any]]:
        parser = CamundaParser()
        try:
            parser.add_bpmn_xml(tree, filename)
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
        except ValidationException as exc:
            line = int(exc.line_number) if str(exc.line_number).isdigit() else None
            if line is None and exc.id:
                found = tree.getroot().xpath("//*[@id=$id]", id=exc.id)
                line = found[0].sourceline if found else None
            raise DeploymentError.worded(spiff_words(exc, tree), file=filename, element_id=exc.id or None,
                                         line=line, detail=str(exc)) from exc
        bound_multi_instances(spec.task_specs, max_instances)
        for sub in subprocess_specs.values():
            bound_multi_instances(sub.task_specs, max_instances)
        # The engine owns routine schedules (one instance per occurrence), so a timer start
        # event must not make the instance wait: run it as a plain start (like spiff-arena).
        for task_spec in spec.task_specs.values():
            if type(task_spec).__name__ == "StartEvent" and \
                    "Timer" in type(getattr(task_spec, "event_definition", None)).__name__:
                task_spec.event_definition = NoneEventDefinition()
        return spec, subprocess_specs

    @staticmethod
    def _start_roles(process: etree._Element, user_tasks: dict[str, UserTaskMeta]) -> frozenset[str]:
        """Roles of the user tasks reachable from a start event without passing another task."""
        flows = list(process.iterfind("bpmn:sequenceFlow", NS))
        gateways = {g.get("id") for g in process.xpath("./bpmn:*[contains(local-name(), 'Gateway')]", namespaces=NS)}
        frontier = [s.get("id") for s in process.iterfind("bpmn:startEvent", NS)]
        seen, roles = set(frontier), set()
        while frontier:
            node = frontier.pop()
            for flow in flows:
                if flow.get("sourceRef") != node or flow.get("targetRef") in seen:
                    continue
                target = flow.get("targetRef")
                seen.add(target)
                if target in user_tasks:
                    roles.add(user_tasks[target].role)
                elif target in gateways:
                    frontier.append(target)
        return frozenset(roles)
