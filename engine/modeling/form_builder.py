"""A form as the modeler's form panel edits it (a title and a list of fields) <-> the JSON Schema of
``forms/<key>.json``.

A field has a name, a label, a kind (text, long text, number, date, yes/no, choice, a person of a role,
a document, a table), whether it is required, a help text, and may be required only when another field
has a value (the ``if``/``then`` rules the SOP forms use). What the panel does not edit in a field read
from an existing form (a search mark, a labelled choice list, a rule of another shape) is kept as it was.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from engine.errors import InvalidInput
from engine.modeling.forms import DOCUMENT_FORMAT

KINDS = ("text", "longtext", "number", "date", "yesno", "choice", "person", "document", "table")
# "other": a field of a kind the panel does not make (e.g. ticked choices); kept as it is, its label and help
# and whether it is required may be changed
COLUMN_KINDS = ("text", "number", "date", "yesno", "choice", "person")
DOCUMENT_TYPES = [".pdf", ".docx", ".xlsx", ".jpg", ".png"]
SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
NAME = re.compile(r"[a-z][a-z0-9_]{0,59}")
KEY = re.compile(r"[a-z][a-z0-9_]{2,99}")
MAX_FIELDS = 60
MAX_TEXT = 500


@dataclass
class FormField:
    name: str
    label: str
    kind: str
    required: bool = False
    help: str = ""
    choices: list[str] = field(default_factory=list)  # a choice's values
    role: str = ""  # a person picker's role
    columns: list[FormField] = field(default_factory=list)  # a table's columns
    required_if: tuple[str, Any] | None = None  # (other field, its value): required only then
    kept: dict[str, Any] = field(default_factory=dict)  # the field's schema as read, for what is not edited here

    def outline(self) -> dict[str, Any]:
        """The field as the form panel shows it (JSON)."""
        return {"name": self.name, "label": self.label, "kind": self.kind, "required": self.required,
                "help": self.help, "choices": self.choices, "role": self.role,
                "columns": [c.outline() for c in self.columns],
                "required_if": ({"field": self.required_if[0], "value": self.required_if[1]}
                                if self.required_if else None), "kept": self.kept}


# -- schema -> fields ---------------------------------------------------------------------------------------

def fields_of(schema: dict[str, Any]) -> list[FormField]:
    """The fields of a form's schema, in order, with their conditional requirements."""
    required = set(schema.get("required", []))
    conditions = _conditions(schema)
    found = []
    for name, prop in schema.get("properties", {}).items():
        if not isinstance(prop, dict):
            continue
        found.append(_field(name, prop, name in required, conditions.get(name)))
    return found


def _field(name: str, prop: dict[str, Any], required: bool, required_if: tuple[str, Any] | None) -> FormField:
    kind = kind_of(prop)
    columns = []
    if kind == "table":
        items = prop.get("items", {})
        column_required = set(items.get("required", []))
        columns = [_field(col, sub, col in column_required, None) for col, sub in items.get("properties", {}).items()
                   if isinstance(sub, dict)]
    return FormField(name, str(prop.get("title") or name), kind, required, str(prop.get("description", "")),
                     [str(v) for v in prop.get("enum", [])], str(prop.get("x-role", "")), columns, required_if,
                     copy.deepcopy(prop))


def kind_of(prop: dict[str, Any]) -> str:
    kind, widget, fmt = prop.get("type"), prop.get("x-widget"), prop.get("format")
    if kind == "boolean":
        return "yesno"
    if kind in ("number", "integer"):
        return "number"
    if kind == "array":
        items = prop.get("items")
        return "table" if isinstance(items, dict) and items.get("type") == "object" else "other"
    if widget == "user":
        return "person"
    if fmt == DOCUMENT_FORMAT:
        return "document"
    if fmt in ("date", "date-time"):
        return "date"
    if prop.get("enum"):
        return "choice"
    return "longtext" if widget == "textarea" else "text"


def _conditions(schema: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """``if <field> is <value> then required <names>`` rules, by the name they require."""
    found = {}
    for rule in schema.get("allOf", []):
        simple = _simple_rule(rule)
        if simple is not None:
            other, value, names = simple
            for name in names:
                found[name] = (other, value)
    return found


def _simple_rule(rule: Any) -> tuple[str, Any, list[str]] | None:
    if not isinstance(rule, dict) or set(rule) != {"if", "then"} or set(rule["then"]) != {"required"}:
        return None
    props = rule["if"].get("properties", {})
    if len(props) != 1:
        return None
    [(other, test)] = props.items()
    if not isinstance(test, dict) or set(test) != {"const"}:
        return None
    return other, test["const"], list(rule["then"]["required"])


# -- fields -> schema ---------------------------------------------------------------------------------------

def schema_of(title: str, fields: list[FormField], roles: set[str],
              kept_rules: list[dict[str, Any]] | None = None, english: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON Schema of a form (the format of ``forms/*.json``); ``english`` is the form's own ``x-en``
    (its English title), kept as read: the panel edits the Indonesian texts.

    :raises InvalidInput: a field without a name or label, a name twice, an unknown kind or role, a choice
        without choices, a condition on a field the form does not have (``context['field']`` names it)
    """
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidInput("Judul formulir wajib diisi (paling banyak 200 karakter).", field="title",
                           reason="form_title")
    if not fields or len(fields) > MAX_FIELDS:
        raise InvalidInput(f"Formulir memerlukan 1 sampai {MAX_FIELDS} isian.", field="fields", reason="form_fields")
    names = [f.name for f in fields]
    properties = {}
    for item in fields:
        if names.count(item.name) > 1:
            raise InvalidInput(f"Nama isian '{item.name}' dipakai dua kali.", field=item.name, reason="field_twice")
        properties[item.name] = _property(item, roles)
    schema: dict[str, Any] = {"$schema": SCHEMA_URI, "title": title, "type": "object", "properties": properties,
                              "required": [f.name for f in fields if f.required and f.required_if is None]}
    schema["additionalProperties"] = False
    rules = list(kept_rules or [])
    by_condition: dict[tuple[str, str], list[str]] = {}
    for item in fields:
        if item.required_if is None:
            continue
        other, value = item.required_if
        if other not in properties or other == item.name:
            raise InvalidInput(f"Isian '{item.label}' wajib bila isian '{other}' bernilai tertentu, tetapi isian itu "
                               "tidak ada di formulir ini.", field=item.name, reason="condition_field")
        value = _condition_value(properties[other], value, item)
        by_condition.setdefault((other, repr(value)), []).append(item.name)
        rule = {"if": {"properties": {other: {"const": value}}, "required": [other]},
                "then": {"required": by_condition[(other, repr(value))]}}
        rules = [r for r in rules if (_simple_rule(r) or (None, None))[:2] != (other, value)]
        rules.append(rule)
    if rules:
        schema["allOf"] = rules
    if english:
        schema["x-en"] = copy.deepcopy(english)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise InvalidInput(f"Formulir tidak valid: {exc.message}", field="fields", reason="schema") from exc
    return schema


def kept_rules(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The form's rules the panel does not edit (any ``allOf`` entry that is not ``if X is V then required``)."""
    return [copy.deepcopy(r) for r in schema.get("allOf", []) if _simple_rule(r) is None]


def _property(item: FormField, roles: set[str], column: bool = False) -> dict[str, Any]:
    if not NAME.fullmatch(item.name or ""):
        raise InvalidInput(f"Nama isian '{item.name}' harus huruf kecil, angka dan garis bawah, diawali huruf "
                           "(mis. hasil_sesuai).", field=item.name or "?", reason="field_name")
    label = (item.label or "").strip()
    if not label or len(label) > MAX_TEXT or len(item.help) > MAX_TEXT:
        raise InvalidInput(f"Isian '{item.name}' memerlukan label (paling banyak {MAX_TEXT} karakter).",
                           field=item.name, reason="field_label")
    same_kind = bool(item.kept) and kind_of(item.kept) == item.kind
    if item.kind not in (COLUMN_KINDS if column else KINDS) and not (item.kind == "other" and same_kind):
        raise InvalidInput(f"Jenis isian '{item.kind}' tidak dikenal.", field=item.name, reason="field_kind")
    prop: dict[str, Any] = {key: value for key, value in item.kept.items() if key not in ("title", "description")} \
        if same_kind else {}
    shape = _shape(item, roles) if item.kind != "other" else {}
    # a field read from a form keeps its own widget and format; the panel changes what it edits
    prop.update({key: value for key, value in shape.items() if not (same_kind and key in _KEPT_WHEN_SAME)})
    prop["title"] = label
    if item.help.strip():
        prop["description"] = item.help.strip()
    if item.required and item.kind in ("text", "longtext", "person") and "minLength" not in prop and not same_kind:
        prop["minLength"] = 1
    if not item.required:
        prop.pop("minLength", None)
    return dict(sorted(prop.items(), key=lambda pair: _ORDER.get(pair[0], 50)))


_KEPT_WHEN_SAME = ("x-widget", "format", "type", "x-accept")
_ORDER = {"type": 0, "title": 1, "format": 2, "enum": 3, "x-widget": 4, "x-role": 5, "x-accept": 6, "items": 7,
          "minItems": 8, "minLength": 9, "minimum": 10, "description": 20}


def _shape(item: FormField, roles: set[str]) -> dict[str, Any]:
    kind = item.kind
    if kind == "text":
        return {"type": "string"}
    if kind == "longtext":
        return {"type": "string", "x-widget": "textarea"}
    if kind == "number":
        return {"type": item.kept.get("type", "number") if kind_of(item.kept) == "number" else "number"}
    if kind == "date":
        return {"type": "string", "format": item.kept.get("format", "date") if kind_of(item.kept) == "date" else "date"}
    if kind == "yesno":
        return {"type": "boolean", "x-widget": "yesno"}
    if kind == "choice":
        choices = [c.strip() for c in item.choices if c.strip()]
        if len(choices) < 2 or len(set(choices)) != len(choices):
            raise InvalidInput(f"Isian pilihan '{item.label}' memerlukan paling sedikit dua pilihan yang berbeda.",
                               field=item.name, reason="field_choices")
        return {"type": "string", "enum": choices, "x-widget": item.kept.get("x-widget", "radio")}
    if kind == "person":
        if item.role not in roles:
            raise InvalidInput(f"Isian orang '{item.label}' memerlukan peran dari katalog peran.", field=item.name,
                               reason="field_role")
        return {"type": "string", "x-widget": "user", "x-role": item.role}
    if kind == "document":
        return {"type": "string", "format": DOCUMENT_FORMAT, "x-widget": "file",
                "x-accept": item.kept.get("x-accept", DOCUMENT_TYPES)}
    if not item.columns:
        raise InvalidInput(f"Tabel '{item.label}' memerlukan paling sedikit satu kolom.", field=item.name,
                           reason="table_columns")
    columns = {c.name: _property(c, roles, column=True) for c in item.columns}
    if len(columns) != len(item.columns):
        raise InvalidInput(f"Tabel '{item.label}' memiliki nama kolom ganda.", field=item.name, reason="table_columns")
    table: dict[str, Any] = {"type": "array", "x-widget": "table", "items": {
        "type": "object", "properties": columns, "required": [c.name for c in item.columns if c.required],
        "additionalProperties": False}}
    if item.required:
        table["minItems"] = 1
    return table


def _condition_value(prop: dict[str, Any], value: Any, item: FormField) -> Any:
    """The value of a condition, of the kind of the field it tests."""
    kind = kind_of(prop)
    if kind == "yesno":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "ya", "yes"):
            return True
        if str(value).lower() in ("false", "tidak", "no"):
            return False
    elif kind == "choice" and str(value) in prop.get("enum", []):
        return str(value)
    raise InvalidInput(f"Isian '{item.label}' wajib bila '{prop.get('title')}' bernilai '{value}', tetapi nilai itu "
                       "tidak mungkin (syarat hanya untuk isian ya/tidak atau pilihan).", field=item.name,
                       reason="condition_value")


def parse_fields(raw: Any) -> list[FormField]:
    """Fields from the form panel's JSON.

    :raises InvalidInput: not a list of field objects
    """
    if not isinstance(raw, list):
        raise InvalidInput("Daftar isian formulir tidak valid.", field="fields", reason="form_fields")
    return [_parse_field(item) for item in raw]


def _parse_field(item: Any) -> FormField:
    if not isinstance(item, dict):
        raise InvalidInput("Daftar isian formulir tidak valid.", field="fields", reason="form_fields")
    condition = item.get("required_if")
    required_if = None
    if isinstance(condition, dict) and condition.get("field"):
        required_if = (str(condition["field"]), condition.get("value"))
    choices: list[Any] = item["choices"] if isinstance(item.get("choices"), list) else []
    kept: dict[str, Any] = item["kept"] if isinstance(item.get("kept"), dict) else {}
    columns: list[Any] = item["columns"] if isinstance(item.get("columns"), list) else []
    return FormField(str(item.get("name", "")).strip(), str(item.get("label", "")), str(item.get("kind", "")),
                     bool(item.get("required")), str(item.get("help", "") or ""), [str(c) for c in choices],
                     str(item.get("role", "") or ""),
                     [_parse_field(c) for c in columns if isinstance(c, dict)],
                     required_if, kept)
