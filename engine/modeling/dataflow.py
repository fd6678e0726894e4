"""The data-flow check at deploy: every expression reads only fields a form fills in before it, on
every path, and compares each with a value of the field's kind.

Expressions are gateway conditions (read when the gateway is reached: after the step before it),
timer texts (read when the event starts waiting: before the step it is attached to is done) and
multi-instance counts. Performer expressions (``${field}``) have their own check, on the same graph,
in ``engine.modeling.performers``. Every problem of a model is returned, not only the first.
"""
from __future__ import annotations

import ast
from itertools import pairwise
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

from lxml import etree

from engine.errors import DeploymentError
from engine.modeling.expressions import CONSTANTS, FUNCTIONS, syntax_tree
from engine.modeling.forms import FormRegistry
from engine.modeling.messages import Text
from engine.modeling.performers import NS, PathGraph, element_labels, form_fields, outline_tasks

_TIMERS = ("timeDuration", "timeDate", "timeCycle")
_NO_VALUE = object()


@dataclass(frozen=True)
class ExpressionUse:
    """An expression of the model and the node the case data must have reached when it is read."""

    element_id: str  # where the problem is shown
    line: int | None
    reached: str  # the node whose incoming paths must fill the fields in
    where: Text
    expression: str


def data_flow_problems(process: etree._Element, filename: str, forms: FormRegistry) -> list[DeploymentError]:
    """Every field an expression reads that some path into it leaves unfilled, and every comparison of
    a field with a value of another kind."""
    tasks = outline_tasks(process)
    fields_of = {t.element_id: form_fields(forms, t.form_key) for t in tasks}
    graph = PathGraph(process)
    label = element_labels(process)
    problems: list[DeploymentError] = []
    for use in expression_uses(process, label):
        tree = syntax_tree(use.expression)
        if tree is None:
            continue  # a syntax problem, reported by the expression check
        for field in _field_names(tree):
            definers = sorted(t for t, fields in fields_of.items() if field in fields)
            text = _path_problem(graph, use, field, definers, label)
            if text is None:
                text = _kind_problem(tree, use, field, {label(d): fields_of[d][field] for d in definers})
            if text is not None:
                problems.append(DeploymentError.worded(text, file=filename, element_id=use.element_id,
                                                       line=use.line))
    return problems


def expression_uses(process: etree._Element, label: Callable[[str], str]) -> list[ExpressionUse]:
    """The conditions, timer texts and multi-instance counts of a process, in document order."""
    uses = []
    for element in process.iter():
        if not isinstance(element.tag, str):
            continue
        kind = etree.QName(element).localname
        if kind == "sequenceFlow":
            condition = element.find("bpmn:conditionExpression", NS)
            if condition is not None and (condition.text or "").strip():
                source, target = element.get("sourceRef", ""), element.get("targetRef", "")
                flow = element.get("name") or f"{label(source)} → {label(target)}"
                uses.append(ExpressionUse(element.get("id", ""), condition.sourceline, source,
                                          Text.of("where.condition", flow=flow, gateway=label(source)),
                                          condition.text or ""))
        elif kind in ("boundaryEvent", "intermediateCatchEvent", "startEvent"):
            for timer in element.xpath("./bpmn:timerEventDefinition/*", namespaces=NS):
                if etree.QName(timer).localname in _TIMERS and (timer.text or "").strip():
                    uses.append(ExpressionUse(element.get("id", ""), timer.sourceline, element.get("id", ""),
                                              Text.of("where.timer", event=label(element.get("id", ""))),
                                              timer.text or ""))
        elif kind == "multiInstanceLoopCharacteristics":
            task = element.getparent()
            assert task is not None
            collection = element.get("{http://camunda.org/schema/1.0/bpmn}collection")
            if collection:  # the list the copies are made from must be filled in, as a read field must
                uses.append(ExpressionUse(task.get("id", ""), element.sourceline, task.get("id", ""),
                                          Text.of("where.loop", step=label(task.get("id", ""))), collection))
            for part in element.xpath("./bpmn:loopCardinality|./bpmn:completionCondition", namespaces=NS):
                if (part.text or "").strip():
                    uses.append(ExpressionUse(task.get("id", ""), part.sourceline, task.get("id", ""),
                                              Text.of("where.loop", step=label(task.get("id", ""))), part.text or ""))
    return uses


def _field_names(tree: ast.Expression) -> list[str]:
    """The names an expression reads from case data, in order, once each."""
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in CONSTANTS and not (
                id(node) in called and node.id in FUNCTIONS) and node.id not in found:
            found.append(node.id)
    return found


def _path_problem(graph: PathGraph, use: ExpressionUse, field: str, definers: list[str],
                  label: Callable[[str], str]) -> Text | None:
    if not definers:
        return Text.of("dataflow.unknown_field", where=use.where, field=field)
    path = graph.path_avoiding(use.reached, set(definers))
    if path is None:
        return None
    return Text.of("dataflow.missing_on_path", where=use.where, field=field,
                   definers=", ".join(label(d) for d in definers), path=" → ".join(label(n) for n in path))


def _kind_problem(tree: ast.Expression, use: ExpressionUse, field: str,
                  props: dict[str, dict[str, Any]]) -> Text | None:
    """The first comparison of ``field`` with a value its form does not allow, if any."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for left, right in pairwise(operands):
            for named, other in ((left, right), (right, left)):
                if not (isinstance(named, ast.Name) and named.id == field):
                    continue
                for value in literals(other):
                    for prop in props.values():
                        text = _mismatch(prop, value, use, field)
                        if text is not None:
                            return text
    return None


def literals(node: ast.expr) -> list[object]:
    """The literal values a comparison side holds (a list or tuple's items for ``in``)."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return [v for item in node.elts for v in literals(item)]
    if isinstance(node, ast.Constant):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in CONSTANTS:
        return [CONSTANTS[node.id]]
    return []


def _mismatch(prop: dict[str, Any], value: object, use: ExpressionUse, field: str) -> Text | None:
    if value is None:
        return None  # "is it filled in?" suits every kind
    shown = _shown(value)
    kind = prop.get("type")
    if kind == "boolean" and not isinstance(value, bool):
        return Text.of("dataflow.boolean", where=use.where, field=field, value=shown)
    if "enum" in prop and kind == "string" and value not in prop["enum"]:
        return Text.of("dataflow.enum", where=use.where, field=field, value=shown,
                       choices=", ".join(f"'{v}'" for v in prop["enum"]))
    if kind in ("number", "integer") and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return Text.of("dataflow.number", where=use.where, field=field, value=shown)
    if kind == "string" and "enum" not in prop and not isinstance(value, str):
        return Text.of("dataflow.string", where=use.where, field=field, value=shown)
    return None


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"'{value}'" if isinstance(value, str) else str(value)
