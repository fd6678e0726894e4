"""Check a model before deploying it: every problem the deploy checks find, plus bpmnlint's findings.

Deploying stops at the first problem; a process owner fixing a diagram wants them all at once, each
on its element. So each deploy check runs on one element at a time (a copy of the process holding
just that element), which reuses the deploy rules themselves instead of restating them. A last full
parse guarantees that a model with no problem here also deploys.
"""
from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from lxml import etree

from engine.modeling.deploy import Deployer
from engine.errors import DeploymentError, InvalidInput
from engine.modeling.messages import CATALOGUE, Text
from engine.modeling.model_forms import PendingForm
from engine.modeling.parser import NS, DefinitionParser
from engine.modeling.trial_run import TrialReport, TrialRun
from engine.values import DeployResult

_BPMN = "{%s}" % NS["bpmn"]
_LINT_LINE = re.compile(r"^\s{2}(\S+)\s+(error|warning|warn|info)\s{2,}(.+?)(?:\s{2,}(\S+))?\s*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class ModelProblem:
    element_id: str | None
    message: str  # in Indonesian
    source: str  # "alur" (the engine's deploy checks) or "bpmnlint"
    severity: str = "error"  # "error" or "warning"
    line: int | None = None
    rule: str | None = None
    text: Text | None = None  # the message in both languages, when catalogued
    detail: str = ""  # the tool's own technical text (SpiffWorkflow, lxml, bpmnlint): never the message

    def message_in(self, language: str) -> str:
        """The message in the reader's language ("id" or "en")."""
        return self.text.render(language) if self.text is not None else self.message


@dataclass(frozen=True)
class ModelCheck:
    problems: tuple[ModelProblem, ...]
    lint_note: str = ""  # why bpmnlint did not run, when it did not

    @property
    def errors(self) -> tuple[ModelProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def ok(self) -> bool:
        """Deployable: no error from the deploy checks (bpmnlint findings are advice)."""
        return not any(p.source == "alur" for p in self.errors)


@dataclass(frozen=True)
class CheckedDeploy:
    check: ModelCheck
    result: DeployResult | None  # None: refused, ``check`` says why
    trial: TrialReport | None = None  # the trial run ("Uji jalan"), when the checks let it run

    @property
    def refusal(self) -> str | None:
        """Why the deploy was refused, as a stable code: a check failed, or a path of the trial run
        cannot finish; None when deployed (or nothing changed)."""
        if self.result is not None:
            return None
        return STRANDED_PATH if self.trial is not None and not self.trial.ok else DEPLOY_REFUSED


DEPLOY_REFUSED = "deployment_refused"
STRANDED_PATH = "stranded_path"


def deploy_checked(deployer: Deployer, parser: DefinitionParser, content: bytes, process_key: str, actor: str,
                   change_note: str, lint: "BpmnLint | None" = None,
                   restored_from: int | None = None, trial: TrialRun | None = None,
                   forms: dict[str, PendingForm] | None = None) -> CheckedDeploy:
    """Check a model as :func:`validate_model` does, then run it on every path (``trial``, "Uji jalan"),
    and deploy it as the next version when the deploy checks pass and no path is stranded (bpmnlint
    findings are reported, they do not block). ``forms``: the model's new forms, stored with it."""
    filename = f"{process_key}.bpmn"
    schemas = {key: form.schema for key, form in (forms or {}).items()}
    parser = parser.with_forms(schemas)
    checked = validate_model(parser, content, filename, process_key, lint)
    if not checked.ok:
        return CheckedDeploy(checked, None)
    report = None
    if trial is not None:
        try:
            report = trial.run(content, process_key, schemas)
        except DeploymentError as exc:  # a rule the element-wise checks did not see
            return CheckedDeploy(ModelCheck((*checked.problems, _problem(exc)), checked.lint_note), None)
        if not report.ok:
            stranded = tuple(ModelProblem(element_id, text.render("id"), "alur", text=text)
                             for element_id, text in report.problems())
            return CheckedDeploy(ModelCheck((*checked.problems, *stranded), checked.lint_note), None, report)
    try:
        return CheckedDeploy(checked, deployer.deploy_bytes(content, filename, actor, change_note, process_key,
                                                            restored_from, forms), report)
    except DeploymentError as exc:  # a rule only the deployer knows (e.g. a routine schedule)
        return CheckedDeploy(ModelCheck((*checked.problems, _problem(exc)), checked.lint_note), None, report)


def available_forms(forms_dir: Path) -> list[str]:
    """The form keys a user task may name (``forms/<key>.json``)."""
    return sorted(path.stem for path in forms_dir.glob("*.json"))


def validate_model(parser: DefinitionParser, content: bytes, filename: str = "model.bpmn",
                   expected_key: str | None = None, lint: "BpmnLint | None" = None) -> ModelCheck:
    """Every problem of a model: the engine's deploy checks, then bpmnlint when ``lint`` is given."""
    problems = deploy_problems(parser, content, filename, expected_key)
    note = ""
    if lint is not None:
        found, note = lint.lint(content)
        problems += found
    return ModelCheck(tuple(problems), note)


def deploy_problems(parser: DefinitionParser, content: bytes, filename: str,
                    expected_key: str | None = None) -> list[ModelProblem]:
    """The deploy checks, element by element; empty when the model deploys."""
    try:
        tree = parser.load_xml(content, filename)
    except DeploymentError as exc:
        return [_problem(exc)]
    problems: list[ModelProblem] = []
    try:
        process = parser.single_process(tree, filename, expected_key)
    except DeploymentError as exc:
        problems.append(_problem(exc))
        if exc.context.get("element_id") is None:
            return problems  # no single executable process: nothing else can be checked
        process = parser.single_process(tree, filename, None)
    lane_of = _check_lanes(parser, process, filename, problems)
    for task in process.iterfind(".//bpmn:userTask", NS):
        _run(problems, partial(parser.user_tasks, _wrap(process, [task]), filename, lane_of))
    problems += [_problem(exc) for exc in parser.performer_problems(process, filename)]
    for element in _expression_owners(process):
        _run(problems, partial(parser.check_expressions, _wrap(process, [element]), filename))
    for gateway in process.iterfind("bpmn:exclusiveGateway", NS):
        _check_gateway(parser, process, gateway, filename, problems)
    problems += [_problem(exc) for exc in parser.data_flow_problems(process, filename)]
    _run(problems, lambda: _check_cycle(parser, process, filename))
    if process.get("id"):  # single_process refused a process without one
        # SpiffWorkflow's own finding too (its first), unless it is on an element already listed: said once
        spiff: list[ModelProblem] = []
        _run(spiff, lambda: parser.spiff_spec(tree, process.get("id", ""), filename))
        listed = {p.element_id for p in problems}
        problems += [p for p in spiff if not problems or (p.element_id is not None and p.element_id not in listed)]
    known = {(p.element_id, p.message) for p in problems}
    try:
        parser.parse(content, filename, expected_key, new_version=True)
    except DeploymentError as exc:
        if (exc.context.get("element_id"), exc.reason) not in known:
            problems.append(_problem(exc))
    return problems


def _check_lanes(parser: DefinitionParser, process: etree._Element, filename: str,
                 problems: list[ModelProblem]) -> dict[str, str]:
    """Each lane on its own, then the valid ones together (an element in two lanes)."""
    valid, stand_in = [], {}
    for lane in process.iterfind(".//bpmn:lane", NS):
        if _run(problems, partial(parser.lanes, _wrap(process, [lane]), filename)):
            valid.append(copy.deepcopy(lane))
        else:  # its steps are checked as if the lane were valid, so its one problem is not repeated per step
            stand_in.update(_stand_in_roles(parser, process, lane))
    for _ in range(100):  # drop one doubled reference per round until none is left
        try:
            return {**stand_in, **parser.lanes(_wrap(process, valid), filename)[1]}
        except DeploymentError as exc:
            problems.append(_problem(exc))
            doubled = [r for ln in valid for r in ln.iterfind("bpmn:flowNodeRef", NS)
                       if (r.text or "").strip() == exc.context.get("element_id")]
            if len(doubled) < 2:
                break
            lane_of_ref = doubled[-1].getparent()
            assert lane_of_ref is not None  # a flowNodeRef found in a lane
            lane_of_ref.remove(doubled[-1])
    return stand_in


def _stand_in_roles(parser: DefinitionParser, process: etree._Element, lane: etree._Element) -> dict[str, str]:
    """For the steps of a lane with a bad role: their own narrower role, or any catalogue role."""
    any_role = next(iter(parser.roles.roles), "")
    roles = {}
    for ref in lane.iterfind("bpmn:flowNodeRef", NS):
        node_id = (ref.text or "").strip()
        task = process.find(f".//bpmn:userTask[@id='{node_id}']", NS) if node_id.isidentifier() else None
        narrowed = task.get(f"{{{NS['camunda']}}}candidateGroups", "").strip() if task is not None else ""
        roles[node_id] = narrowed or any_role
    return roles


def _check_gateway(parser: DefinitionParser, process: etree._Element, gateway: etree._Element, filename: str,
                   problems: list[ModelProblem]) -> None:
    """One outgoing flow at a time: the others get a stand-in condition, so only this one can fail."""
    outgoing = [f for f in process.iterfind("bpmn:sequenceFlow", NS) if f.get("sourceRef") == gateway.get("id")]
    for flow in outgoing:
        others = []
        for other in outgoing:
            if other is flow:
                continue
            stand_in = copy.deepcopy(other)
            if stand_in.find("bpmn:conditionExpression", NS) is None:
                etree.SubElement(stand_in, f"{_BPMN}conditionExpression").text = "true"
            others.append(stand_in)
        _run(problems, partial(parser.check_gateways, _wrap(process, [gateway, flow, *others]), filename))


def _check_cycle(parser: DefinitionParser, process: etree._Element, filename: str) -> None:
    """The start timer's cycle must be one the routine scheduler can run (as the deployer checks)."""
    cycle = parser.routine_cycle(process, filename)
    if cycle is not None:
        from engine.modeling.schedules import parse_cycle  # the scheduler's own parser: the same rule as deploy
        try:
            parse_cycle(cycle)
        except InvalidInput as exc:
            start = process.xpath("./bpmn:startEvent[bpmn:timerEventDefinition]", namespaces=NS)[0]
            raise DeploymentError(exc.message, file=filename, element_id=start.get("id"),
                                  line=start.sourceline) from exc


def _expression_owners(process: etree._Element) -> list[etree._Element]:
    """Flows and events that carry an expression, and script tasks (refused as such)."""
    owners = []
    for element in process:
        if not isinstance(element.tag, str):
            continue
        if etree.QName(element).localname == "scriptTask" or element.xpath(
                ".//bpmn:conditionExpression|.//bpmn:timeDuration|.//bpmn:timeDate|.//bpmn:timeCycle"
                "|.//bpmn:completionCondition|.//bpmn:loopCardinality|.//bpmn:multiInstanceLoopCharacteristics",
                namespaces=NS):
            owners.append(element)
    return owners


def _wrap(process: etree._Element, elements: list[etree._Element]) -> etree._Element:
    """A stand-in process with the same id holding copies of ``elements`` (line numbers kept)."""
    wrapper = etree.Element(process.tag, nsmap=process.nsmap, attrib=dict(process.attrib))
    for element in elements:
        wrapper.append(copy.deepcopy(element))
    return wrapper


def _run(problems: list[ModelProblem], check: Callable[[], object]) -> bool:
    try:
        check()
        return True
    except DeploymentError as exc:
        problems.append(_problem(exc))
        return False


def _problem(exc: DeploymentError) -> ModelProblem:
    return ModelProblem(exc.context.get("element_id"), exc.reason, "alur", "error", exc.context.get("line"),
                        text=exc.text, detail=exc.detail)


class BpmnLint:
    """bpmnlint (``npx --no-install bpmnlint``) with the project's ``.bpmnlintrc``; optional."""

    def __init__(self, project_root: Path, timeout: float = 60.0) -> None:
        self._root = project_root
        self._timeout = timeout

    def lint(self, content: bytes) -> tuple[list[ModelProblem], str]:
        """bpmnlint's findings, or none and a note saying why it could not run."""
        npx = shutil.which("npx")
        if npx is None:
            return [], "bpmnlint tidak dijalankan: Node.js (npx) tidak terpasang di server."
        if not (self._root / "node_modules" / "bpmnlint").is_dir():
            return [], "bpmnlint tidak dijalankan: paket npm belum terpasang (jalankan `npm ci`)."
        with tempfile.TemporaryDirectory(prefix="alur-lint-") as tmp:
            path = Path(tmp) / "model.bpmn"
            path.write_bytes(content)
            try:
                done = subprocess.run([npx, "--no-install", "bpmnlint", str(path)], cwd=self._root,
                                      capture_output=True, text=True, timeout=self._timeout,
                                      env=_lint_env(), check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                return [], f"bpmnlint gagal dijalankan: {exc}"
        problems = parse_lint_output(done.stdout)
        if done.returncode not in (0, 1) or (done.returncode == 1 and not problems):
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"kode keluar {done.returncode}"]
            return problems, f"bpmnlint gagal dijalankan: {detail[0]}"
        return problems, ""


def parse_lint_output(output: str) -> list[ModelProblem]:
    """Rows of bpmnlint's table: ``  <element id>  error|warning  <message>  <rule>``."""
    problems = []
    for raw in output.splitlines():
        match = _LINT_LINE.match(_ANSI.sub("", raw))
        if match:
            element_id, category, message, rule = match.groups()
            text = Text.of(f"lint.{rule}") if f"lint.{rule}" in CATALOGUE else Text.of("lint.other", rule=rule or "?")
            problems.append(ModelProblem(element_id, text.render("id"), "bpmnlint",
                                         "error" if category == "error" else "warning", None, rule,
                                         text=text, detail=message.strip()))
    return problems


def _lint_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(NO_COLOR="1", FORCE_COLOR="0", npm_config_update_notifier="false")
    return env
