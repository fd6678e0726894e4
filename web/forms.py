"""Task forms from JSON Schema: fields for the templates, and submitted HTML form data back to JSON.

Widgets (docs/bpmn-conventions.md): text, textarea, date, datetime, email, url, integer, number,
checkbox, yesno, select, radio, checkboxes, table (rows of the other widgets), user, server, file.
Conversion problems (``12,x`` in a number) come back as Indonesian field errors, like schema errors;
the engine validates everything again before storing.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from flask_babel import gettext
from werkzeug.datastructures import FileStorage, MultiDict

from engine import SERVER_OPTIONS_KEY, AttachmentView, DOCUMENT_FORMAT, FormInvalid, InvalidInput, WITA
from web.model_words import untranslated
from web.formatting import language_code

Store = Callable[[FileStorage, list[str]], AttachmentView]
_ROW = re.compile(r"^(?P<table>[A-Za-z0-9_]+)-(?P<index>\d{1,3})-(?P<column>[A-Za-z0-9_]+)$")
MAX_ROWS = 200


@dataclass
class Field:
    name: str  # the HTML input name
    key: str  # the schema property
    title: str
    widget: str
    description: str = ""
    required: bool = False
    value: Any = None
    error: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    accept: str = ""
    attachment: AttachmentView | None = None
    minimum: Any = None
    maximum: Any = None
    max_length: int | None = None  # the schema's maxLength: the browser stops typing there
    columns: list["Field"] = field(default_factory=list)  # table: the empty row, a template for new rows
    rows: list[list["Field"]] = field(default_factory=list)
    carried: int | None = None  # the value was carried from this earlier pass of the step (a loop)
    untranslated: bool = False  # the title is Indonesian on an English page (the form has no English text)

    @property
    def input_id(self) -> str:
        return "f-" + self.name


def widget_of(prop: dict[str, Any]) -> str:
    widget: str | None = prop.get("x-widget")
    kind: str | None = prop.get("type")
    fmt: str | None = prop.get("format")
    if fmt == DOCUMENT_FORMAT or widget == "file":
        return "file"
    if kind == "array":
        return "table" if prop.get("items", {}).get("type") == "object" else "checkboxes"
    if kind == "boolean":
        return "yesno" if widget == "yesno" else "checkbox"
    if kind in ("integer", "number"):
        return kind
    if "enum" in prop:
        return "radio" if widget == "radio" else "select"
    if widget in ("user", "textarea", "server"):
        return widget
    return {"date": "date", "date-time": "datetime", "email": "email", "uri": "url"}.get(fmt or "", "text")


def build_fields(schema: dict[str, Any], values: Mapping[str, Any], errors: Mapping[str, str],
                 user_options: Mapping[str, list[tuple[str, str]]],
                 attachments: Mapping[str, AttachmentView], carried: Mapping[str, int] | None = None) -> list[Field]:
    """One Field per schema property, in schema order, with values and errors attached; ``carried`` marks
    the fields whose value came from an earlier pass of the step."""
    required = set(schema.get("required", ()))
    result = []
    for key, prop in schema.get("properties", {}).items():
        item = _field(key, key, prop, key in required, values.get(key), errors.get(key), user_options, attachments)
        if item.widget == "table":
            _fill_table(item, prop, values.get(key), errors, user_options, attachments)
        item.carried = (carried or {}).get(key)
        result.append(item)
    return result


def _field(name: str, key: str, prop: dict[str, Any], required: bool, value: Any, error: str | None,
           user_options: Mapping[str, list[tuple[str, str]]], attachments: Mapping[str, AttachmentView]) -> Field:
    widget = widget_of(prop)
    item = Field(name=name, key=key, title=prop.get("title", key), widget=widget,
                 description=prop.get("description", ""), required=required, error=error,
                 minimum=prop.get("minimum"), maximum=prop.get("maximum"), untranslated=untranslated(prop),
                 max_length=prop.get("maxLength") if isinstance(prop.get("maxLength"), int) else None)
    if widget in ("select", "radio"):
        item.options = _enum_options(prop)
    elif widget == "checkboxes":
        item.options = _enum_options(prop.get("items", {}))
    elif widget == "user":  # active holders of the role only: a stale choice shows as unchosen
        item.options = list(user_options.get(prop.get("x-role", ""), []))
    elif widget == "server":  # the servers of the asset register (not removed)
        item.options = list(user_options.get(SERVER_OPTIONS_KEY, []))
    elif widget == "file":
        item.accept = ",".join(prop.get("x-accept", []))
        item.attachment = attachments.get(value) if isinstance(value, str) else None
    item.value = _display_value(widget, value)
    return item


def _fill_table(item: Field, prop: dict[str, Any], rows: Any, errors: Mapping[str, str],
                user_options: Mapping[str, list[tuple[str, str]]], attachments: Mapping[str, AttachmentView]) -> None:
    items = prop.get("items", {})
    columns, required = items.get("properties", {}), set(items.get("required", ()))
    rows = rows if isinstance(rows, list) and rows else [{}]
    for index, row in enumerate(rows[:MAX_ROWS]):
        row = row if isinstance(row, dict) else {}
        item.rows.append([
            _field(f"{item.key}-{index}-{col}", col, cprop, col in required, row.get(col),
                   errors.get(f"{item.key}.{index}.{col}"), user_options, attachments)
            for col, cprop in columns.items()])
    item.columns = [_field(f"{item.key}-__i__-{col}", col, cprop, col in required, None, None, user_options,
                           attachments) for col, cprop in columns.items()]
    row_errors = [msg for path, msg in errors.items() if path.startswith(item.key + ".") and path.count(".") == 1]
    if not item.error and row_errors:
        item.error = row_errors[0]


def _enum_options(prop: dict[str, Any]) -> list[tuple[str, str]]:
    enum, labels = prop.get("enum") or [], prop.get("x-enum-labels") or []
    if len(labels) != len(enum):
        labels = enum
    return [(str(v), str(label)) for v, label in zip(enum, labels, strict=True)]


def _display_value(widget: str, value: Any) -> Any:
    if value is None:
        return [] if widget == "checkboxes" else ""
    if widget == "datetime" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return (moment.astimezone(WITA) if moment.tzinfo else moment).strftime("%Y-%m-%dT%H:%M")
    if widget == "checkboxes":
        return [str(v) for v in value] if isinstance(value, list) else []
    if widget in ("checkbox", "yesno"):
        return value
    if widget in ("integer", "number") and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


# -- reading a submission -----------------------------------------------------------------------

def read_submission(schema: dict[str, Any], form: MultiDict[str, str], files: MultiDict[str, FileStorage],
                    store: Store) -> tuple[dict[str, Any], dict[str, str]]:
    """Turn an HTML form post into the form's JSON data; returns (data, conversion errors by field path).

    Empty inputs are left out, so the schema reports a missing required field as "Wajib diisi".
    """
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, prop in schema.get("properties", {}).items():
        widget = widget_of(prop)
        value: str | list[Any] | None
        if widget == "file":
            value = _read_file(key, prop, form, files, store, errors)
        elif widget == "table":
            value = _read_table(key, prop, form, errors)
        elif widget == "checkboxes":
            value = [v for v in form.getlist(key) if v] or None
        else:
            value = _convert(widget, form.get(key), key, errors)
        if value is not None:
            data[key] = value
    return data, errors


def form_errors(invalid: FormInvalid) -> dict[str, str]:
    """The engine's messages for a refused form, in the reader's language."""
    return invalid.in_language(language_code())


def upload_errors(schema: dict[str, Any], errors: Mapping[str, str]) -> dict[str, str]:
    """The errors of ``read_submission`` that refused an uploaded file (a draft keeps everything else)."""
    properties = schema.get("properties", {})
    return {key: message for key, message in errors.items()
            if key in properties and widget_of(properties[key]) == "file"}


def _read_file(key: str, prop: dict[str, Any], form: MultiDict[str, str], files: MultiDict[str, FileStorage],
               store: Store, errors: dict[str, str]) -> str | None:
    upload = files.get(key)
    if upload is not None and upload.filename:
        try:
            return store(upload, list(prop.get("x-accept", []))).sha256
        except InvalidInput as exc:
            errors[key] = exc.message
            return form.get(key + "__current") or None
    return form.get(key + "__current") or None


def _read_table(key: str, prop: dict[str, Any], form: MultiDict[str, str], errors: dict[str, str]) -> list[Any] | None:
    columns = prop.get("items", {}).get("properties", {})
    indices = sorted({int(m["index"]) for name in form if (m := _ROW.match(name)) and m["table"] == key})
    rows: list[dict[str, Any]] = []
    for index in indices[:MAX_ROWS]:
        row: dict[str, Any] = {}
        cell_errors: dict[str, str] = {}
        for col, cprop in columns.items():
            value = _convert(widget_of(cprop), form.get(f"{key}-{index}-{col}"), col, cell_errors)
            if value is not None:
                row[col] = value
        if not any(v not in (None, False) for v in row.values()) and not cell_errors:
            continue  # an untouched row (e.g. the blank row offered without JavaScript)
        for col, message in cell_errors.items():
            errors[f"{key}.{len(rows)}.{col}"] = message
        rows.append(row)
    return rows or None


def _convert(widget: str, raw: str | None, key: str, errors: dict[str, str]) -> Any:
    if widget == "checkbox":
        return raw is not None and raw not in ("", "false", "0")
    if raw is None or raw.strip() == "":
        return None
    if widget == "yesno":
        return {"ya": True, "true": True, "tidak": False, "false": False}.get(raw.lower(), raw)
    if widget in ("integer", "number"):
        return _number(widget, raw.strip(), key, errors)
    if widget == "datetime":
        return _datetime(raw.strip(), key, errors)
    if widget == "date":
        return _date(raw.strip(), key, errors)
    return raw if widget == "textarea" else raw.strip()


def _number(widget: str, raw: str, key: str, errors: dict[str, str]) -> Any:
    text = raw.replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # Indonesian decimal comma: 12,5
    try:
        number = float(text) if widget == "number" else int(text)
        if isinstance(number, float) and not math.isfinite(number):  # "nan", "inf", "1e999": no form means them
            raise ValueError(text)
    except ValueError:
        errors[key] = gettext("Harus berupa bilangan bulat.") if widget == "integer" else gettext("Harus berupa angka.")
        return raw
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _datetime(raw: str, key: str, errors: dict[str, str]) -> str:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        errors[key] = gettext("Format tanggal dan jam tidak sesuai.")
        return raw
    return (moment if moment.tzinfo else moment.replace(tzinfo=WITA)).isoformat(timespec="seconds")


def _date(raw: str, key: str, errors: dict[str, str]) -> str:
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date().isoformat()
    except ValueError:
        errors[key] = gettext("Format tanggal tidak sesuai.")
        return raw
