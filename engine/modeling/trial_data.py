"""Form data for "Uji jalan" (the trial run before deploy), made from the forms' JSON Schemas.

Every field of a form gets a plain valid value; the fields the model's expressions read get each value
that can change a decision: yes and no, every choice, a number on and around each constant it is
compared with, and "left empty" when the form does not require it. A combination the form refuses
(its ``if``/``then`` rules, a checkbox that must be ticked) is repaired where the form says how, and
left out when it cannot be.
"""
from __future__ import annotations

import ast
import copy
import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator

from engine.modeling.dataflow import literals
from engine.modeling.expressions import CONSTANTS, syntax_tree
from engine.modeling.forms import DOCUMENT_FORMAT, FormDefinition

ABSENT = object()  # "left empty": the field is not in the submitted data
MAX_COMBINATIONS = 24  # per step: the decision fields' values, combined
_SAMPLE_DOCUMENT = "0" * 64  # a document field holds the sha256 of an upload


@dataclass(frozen=True)
class ReadFields:
    """The fields a model's expressions read, and the literal values each is compared with."""

    literals: dict[str, tuple[object, ...]]

    @classmethod
    def of(cls, expressions: list[str]) -> ReadFields:
        found: dict[str, list[object]] = {}
        for text in expressions:
            tree = syntax_tree(text)
            if tree is None:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Name) and node.id not in CONSTANTS:
                    found.setdefault(node.id, [])
                if isinstance(node, ast.Compare):
                    operands = [node.left, *node.comparators]
                    for left, right in itertools.pairwise(operands):
                        for named, other in ((left, right), (right, left)):
                            if isinstance(named, ast.Name):
                                found.setdefault(named.id, []).extend(literals(other))
        return cls({name: tuple(_unique(values)) for name, values in found.items()})

    def __contains__(self, name: object) -> bool:
        return name in self.literals


def sample_submissions(form: FormDefinition, read: ReadFields, today: datetime) -> tuple[list[dict[str, Any]], bool]:
    """The submissions to try for one step: every combination of its decision fields' values (at most
    ``MAX_COMBINATIONS``), each valid for the form. The flag says whether combinations were left out
    because there were too many."""
    properties = form.schema.get("properties", {})
    required = set(form.schema.get("required", []))
    base = {name: plain_value(prop, name, today) for name, prop in properties.items() if isinstance(prop, dict)}
    deciding = [name for name in properties if name in read]
    choices = [_values_of(properties[name], name, read.literals[name], name in required, base[name])
               for name in deciding]
    combos = itertools.product(*choices)
    picked = list(itertools.islice(combos, MAX_COMBINATIONS))
    cut = next(combos, None) is not None
    validator = form.validator
    found: list[dict[str, Any]] = []
    for combo in picked:
        data = dict(base)
        for name, value in zip(deciding, combo, strict=True):
            if value is ABSENT:
                data.pop(name, None)
            else:
                data[name] = value
        repaired = _repaired(validator, data, properties, today, fixed=dict(zip(deciding, combo, strict=True)))
        if repaired is not None and repaired not in found:
            found.append(repaired)
    return found, cut


def plain_value(prop: dict[str, Any], name: str, today: datetime) -> Any:
    """A valid value of a field, as a careful person would fill it in."""
    if "const" in prop:
        return prop["const"]
    if prop.get("enum"):
        return prop["enum"][0]
    kind = prop.get("type")
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        low = prop.get("minimum", prop.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in prop else 1)
        return int(low) if kind == "integer" else low
    if kind == "array":
        items: dict[str, Any] = prop["items"] if isinstance(prop.get("items"), dict) else {}
        if items.get("enum"):
            return [items["enum"][0]]
        return [plain_value(items, name, today) for _ in range(max(1, int(prop.get("minItems", 1))))]
    if kind == "object":
        return {key: plain_value(sub, key, today) for key, sub in prop.get("properties", {}).items()
                if isinstance(sub, dict)}
    return _text(prop, name, today)


def _text(prop: dict[str, Any], name: str, today: datetime) -> str:
    fmt = prop.get("format")
    if fmt == DOCUMENT_FORMAT:
        return _SAMPLE_DOCUMENT
    if fmt == "date":
        return today.date().isoformat()
    if fmt == "date-time":
        return today.replace(microsecond=0).isoformat()
    if fmt == "email":
        return "uji@kaltimprov.go.id"
    if fmt == "uri":
        return "https://kaltimprov.go.id"
    if prop.get("x-widget") == "user":
        return f"uji_{name}"  # one person per picker: a maker-checker pair names two people
    text = "Uji jalan"
    return text[: int(prop["maxLength"])] if "maxLength" in prop else text


def _values_of(prop: dict[str, Any], name: str, literals: tuple[object, ...], required: bool,
               plain: Any) -> list[object]:
    kind = prop.get("type")
    values: list[object]
    if "const" in prop:
        values = [prop["const"]]
    elif kind == "boolean":
        values = [True, False]
    elif prop.get("enum"):
        values = list(prop["enum"])
    elif kind in ("integer", "number"):
        values = [plain]
        for literal in literals:
            if isinstance(literal, (int, float)) and not isinstance(literal, bool):
                values += [literal - 1, literal, literal + 1]
        values = [v for v in _unique(values) if _in_range(prop, v)]
        if kind == "integer":
            values = [v for v in values if isinstance(v, (int, float)) and float(v).is_integer()]
    elif kind == "string":
        values = [plain, *(v for v in literals if isinstance(v, str))]
    else:
        values = [plain]
    values = _unique(values)
    if not required:
        values.append(ABSENT)
    return values


def _in_range(prop: dict[str, Any], value: object) -> bool:
    assert isinstance(value, (int, float))
    return not (("minimum" in prop and value < prop["minimum"]) or ("maximum" in prop and value > prop["maximum"])
                or ("exclusiveMinimum" in prop and value <= prop["exclusiveMinimum"])
                or ("exclusiveMaximum" in prop and value >= prop["exclusiveMaximum"]))


def _repaired(validator: Draft202012Validator, data: dict[str, Any], properties: dict[str, Any], today: datetime,
              fixed: dict[str, object]) -> dict[str, Any] | None:
    """The data made valid where the form says how (a value its rule demands, a field it requires), keeping
    the decision fields as chosen; None when it cannot be."""
    for _ in range(10):
        errors = list(validator.iter_errors(data))
        if not errors:
            return data
        changed = False
        for error in errors:
            path = list(error.absolute_path)
            if error.validator == "required" and not path:
                missing = error.message.split("'")[1] if "'" in error.message else ""
                if missing in fixed or missing not in properties or missing in data:
                    return None
                data[missing] = plain_value(properties[missing], missing, today)
                changed = True
            elif error.validator in ("const", "enum") and len(path) == 1 and path[0] not in fixed:
                data[str(path[0])] = copy.deepcopy(error.validator_value if error.validator == "const"
                                                   else error.validator_value[0])
                changed = True
        if not changed:
            return None
    return None



def _unique(values: list[object]) -> list[object]:
    """``values`` once each, in order (``True`` and ``1`` are different answers here)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for value in values:
        key = (type(value).__name__, repr(value))
        if key not in seen:
            seen.add(key)
            kept.append(value)
    return kept
