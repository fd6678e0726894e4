"""The compiled form checks (engine.modeling.form_check) say exactly what jsonschema says of the same data,
and a submission's errors still come from jsonschema, worded as before."""
from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from process_helpers import FillContext, form_data

from engine.errors import FormInvalid
from engine.modeling.form_check import compile_check
from engine.modeling.forms import FormRegistry, format_checker

ROOT = Path(__file__).resolve().parents[2]
FORMS = FormRegistry(ROOT / "forms")
ODD_VALUES = [None, "", " ", "x" * 5000, 0, -1, 1, 1.0, 2.5, True, False, [], [{}], {}, "2026-11-23",
              "2026-11-23T08:30:00+08:00", "23/11/2026", "a" * 64, "bukan@surel", "https://contoh.go.id"]


def _sha(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def _filled(schema: dict[str, Any], full: bool) -> dict[str, Any]:
    ctx = FillContext(tag="uji", now=datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc), user_for=lambda role: role,
                      document=_sha, full=full)
    return form_data(schema, ctx)


def _variants(data: dict[str, Any], schema: dict[str, Any]) -> Iterator[Any]:
    """The data, then each field dropped, replaced by odd values or by each of its enum's, a field too
    many, and the same inside the first row of every table."""
    yield data
    for name, prop in schema.get("properties", {}).items():
        for value in [*ODD_VALUES, *prop.get("enum", []), *([prop["const"]] if "const" in prop else [])]:
            yield {**data, name: value}
        if name in data:
            yield {k: v for k, v in data.items() if k != name}
        rows = data.get(name)
        if isinstance(rows, list) and rows and isinstance(rows[0], dict):
            yield {**data, name: rows * 2}  # the same row twice (uniqueItems)
            columns = prop.get("items", {}).get("properties", {})
            for column in columns:
                for value in [*ODD_VALUES[:12], *columns[column].get("enum", [])]:
                    changed = copy.deepcopy(rows)
                    changed[0][column] = value
                    yield {**data, name: changed}
                yield {**data, name: [{k: v for k, v in rows[0].items() if k != column}, *rows[1:]]}
            yield {**data, name: [{**rows[0], "kolom_lain": "x"}, *rows[1:]]}
    yield {**data, "isian_lain": "x"}
    yield from (None, [], "teks", 1)


@pytest.mark.parametrize("key", FORMS.keys())
def test_the_compiled_check_agrees_with_jsonschema_on_every_form(key):
    form = FORMS.get(key)
    check = compile_check(form.schema, format_checker())
    assert check is not None  # no form of ours uses references
    seen = 0
    for full in (False, True):
        data = _filled(form.schema, full)
        assert check(data) and form.validator.is_valid(data)
        for variant in _variants(data, form.schema):
            assert check(variant) == form.validator.is_valid(variant), (key, json.dumps(variant, default=str)[:400])
            seen += 1
    assert seen > 50


SCHEMAS = [
    {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1, "exclusiveMaximum": 5}}},
    {"type": "object", "properties": {"n": {"type": ["number", "null"], "maximum": 2, "exclusiveMinimum": 0}}},
    {"properties": {"a": {"enum": [1, "1", None, [1], {"b": 1}]}, "c": {"const": False}}},
    {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}, "uniqueItems": True, "maxItems": 2},
    {"type": "array", "contains": {"const": "x"}, "minItems": 1},
    {"anyOf": [{"type": "string"}, {"type": "integer"}], "not": {"const": 3}},
    {"allOf": [{"if": {"properties": {"k": {"const": "ya"}}, "required": ["k"]}, "then": {"required": ["v"]},
                "else": {"properties": {"v": False}}}]},
    {"type": "object", "additionalProperties": {"type": "boolean"}, "properties": {"s": {"maxLength": 2}}},
    {"oneOf": [{"type": "string"}, {"minLength": 1}]},  # not compiled: jsonschema checks it
    {"type": "object", "patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": False},
    {"type": "array", "prefixItems": [{"type": "integer"}], "items": False},
    {"type": "string", "format": "date"},
    True, False,
]
INSTANCES = [None, True, False, 0, 1, 1.0, 2, 3, 4.5, 5, -1, "", "x", "ab", "abc", "A", "1", "2026-11-23", "23/11",
             [], ["x"], ["a", "a"], ["a", "b", "c"], [1], [1, "x"], [True], [1.0, 1], {}, {"a": 1}, {"a": True},
             {"a": "1"}, {"a": [1]}, {"a": {"b": 1}}, {"c": False}, {"c": 0}, {"k": "ya"}, {"k": "ya", "v": 1},
             {"k": "tidak", "v": 1}, {"k": "tidak"}, {"s": "abc"}, {"s": "ab", "t": True}, {"t": 1}, {"n": 1},
             {"n": 5}, {"n": 4.0}, {"n": 1.5}, {"n": True}, {"n": None}, {"n": 0}, {"x1": 1}, {"x1": "a"}, {"y": 1}]


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: json.dumps(s)[:60])
def test_each_keyword_is_checked_as_jsonschema_checks_it(schema):
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema, format_checker=format_checker())
    check = compile_check(schema, format_checker())
    assert check is not None
    assert [check(i) for i in INSTANCES] == [validator.is_valid(i) for i in INSTANCES]


def test_a_schema_with_references_is_left_to_jsonschema():
    schema = {"$defs": {"t": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/t"}}}
    assert compile_check(schema, format_checker()) is None
    nested_dialect = {"properties": {"a": {"$schema": "http://json-schema.org/draft-07/schema#"}}}
    assert compile_check(nested_dialect, format_checker()) is None


def test_jsonschema_is_asked_only_for_an_invalid_submission(monkeypatch):
    """The errors (and so their words) still come from jsonschema, when there are any."""
    form = FORMS.get("brd_01_surat_permohonan")
    data = _filled(form.schema, False)
    asked = []
    original = type(form.validator).iter_errors
    monkeypatch.setattr(type(form.validator), "iter_errors",
                        lambda self, instance, *a: asked.append(1) or original(self, instance, *a))
    assert FORMS.validate(form.key, data) == data
    assert asked == []
    with pytest.raises(FormInvalid) as refused:
        FORMS.validate(form.key, {**data, "jenis_layanan": "restore", "hal": ""})
    assert asked  # (its "if" asks once more)
    assert refused.value.errors == {"hal": "Terlalu pendek.", "titik_pemulihan": "Wajib diisi.",
                                    "target_restore": "Wajib diisi."}
