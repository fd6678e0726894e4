"""Form definitions (``forms/<form_key>.json``): loading, and validating submissions."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field as dataclass_field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Callable, Sequence

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError

from engine.errors import FormInvalid, InvalidInput
from engine.modeling.form_bounds import bounded
from engine.modeling.form_check import compile_check
from engine.modeling.messages import Text

DOCUMENT_FORMAT = "alur-dokumen"
SEARCH_KINDS = ("opd", "nomor")  # the values of a field's "x-search" (engine.runtime.search_terms)
# Formats of values that are times, not words: a search files none of their tokens (``SearchFields.timed``).
TIME_FORMATS = frozenset({"date", "date-time", "time"})
_SHA256 = re.compile(r"[0-9a-f]{64}")

# the JSON Schema keywords with a message of their own ("form.<keyword>" in engine.modeling.messages)
_WORDED = frozenset({"required", "type", "enum", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
                     "pattern", "format", "additionalProperties", "minItems", "uniqueItems", "const"})


@dataclass(frozen=True)
class SearchFields:
    """A form's fields marked for search, and those whose values are times: top-level names, or
    ``table.column`` inside a table."""

    opd: tuple[str, ...] = ()
    nomor: tuple[str, ...] = ()
    # Dates and times (``TIME_FORMATS``): "2026-12-08T04:40:56+08:00" would file "2026", "12", "08t04", "40",
    # "56", "00" as words, which a search for "40" would then find in every case with such a time.
    timed: tuple[str, ...] = ()

    @classmethod
    def of_schema(cls, schema: dict[str, Any]) -> SearchFields:
        found: dict[str, list[str]] = {kind: [] for kind in SEARCH_KINDS}
        timed: list[str] = []
        for name, prop in schema.get("properties", {}).items():
            if not isinstance(prop, dict):
                continue
            if prop.get("x-search") in found:
                found[prop["x-search"]].append(name)
            items = prop.get("items")
            if prop.get("format") in TIME_FORMATS or (isinstance(items, dict) and items.get("format") in TIME_FORMATS):
                timed.append(name)  # a time, or a list of them
            for column, sub in (items.get("properties", {}) if isinstance(items, dict) else {}).items():
                if not isinstance(sub, dict):
                    continue
                if sub.get("x-search") in found:
                    found[sub["x-search"]].append(f"{name}.{column}")
                if sub.get("format") in TIME_FORMATS:
                    timed.append(f"{name}.{column}")
        return cls(tuple(found["opd"]), tuple(found["nomor"]), tuple(timed))

    @cached_property
    def timed_by_table(self) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
        """``timed`` split once per form: the top-level names, and each table's columns."""
        columns: dict[str, set[str]] = {}
        for path in self.timed:
            table, _, column = path.partition(".")
            if column:
                columns.setdefault(table, set()).add(column)
        return (frozenset(p for p in self.timed if "." not in p),
                {table: frozenset(names) for table, names in columns.items()})


@dataclass(frozen=True)
class FormDefinition:
    key: str
    schema: dict[str, Any]  # never changed once loaded: what is worked out of it is kept below
    _widget_fields: dict[str, Any] = dataclass_field(default_factory=dict, compare=False, repr=False)
    _marked: dict[str, str | None] = dataclass_field(default_factory=dict, compare=False, repr=False)

    @property
    def title(self) -> str:
        return str(self.schema.get("title", self.key))

    @cached_property
    def search_fields(self) -> SearchFields:
        return SearchFields.of_schema(self.schema)

    @cached_property
    def validator(self) -> Draft202012Validator:
        """Built once per form: building it (and its format checker) cost more than most validations."""
        return Draft202012Validator(self.schema, format_checker=format_checker())

    @cached_property
    def is_valid(self) -> Callable[[Any], bool]:
        """Whether data passes the schema, exactly as ``validator.is_valid`` says, compiled once into
        plain checks (``engine.modeling.form_check``); the validator itself for a schema with references."""
        return compile_check(self.schema, format_checker()) or self.validator.is_valid

    def document_fields(self) -> list[str]:
        return list(self._document_fields)

    @cached_property
    def _document_fields(self) -> tuple[str, ...]:
        return tuple(name for name, prop in self.schema.get("properties", {}).items()
                     if prop.get("format") == DOCUMENT_FORMAT)

    def picked_people(self, data: dict[str, Any]) -> list[tuple[str, str, str]]:
        """The people a submission picks (``x-widget: user``, also in table rows): (field path,
        username, ``x-role``)."""
        found = []
        for name, role, columns in self._people_pickers:
            value = data.get(name)
            if role is not None and isinstance(value, str):
                found.append((name, value, role))
            for index, row in enumerate(value if columns and isinstance(value, list) else []):
                for col, column_role in columns:
                    if isinstance(row, dict) and isinstance(row.get(col), str):
                        found.append((f"{name}.{index}.{col}", row[col], column_role))
        return found

    @cached_property
    def _people_pickers(self) -> tuple[tuple[str, str | None, tuple[tuple[str, str], ...]], ...]:
        """The fields that pick people, in the schema's order: (field, its ``x-role`` if it is a picker,
        its table's picker columns with theirs); worked out once per form, not at each submission."""
        found = []
        for name, prop in self.schema.get("properties", {}).items():
            columns = prop.get("items", {}).get("properties", {}) if prop.get("type") == "array" else {}
            pickers = tuple((col, cprop["x-role"]) for col, cprop in columns.items() if _is_picker(cprop))
            if _is_picker(prop) or pickers:
                found.append((name, prop["x-role"] if _is_picker(prop) else None, pickers))
        return tuple(found)

    def widget_fields(self, widget: str) -> tuple[tuple[str, bool, tuple[str, ...]], ...]:
        """The fields that show ``widget`` (``x-widget``), in the schema's order: (field, whether it does
        itself, the columns of its table that do); worked out once per form and widget."""
        found = self._widget_fields.get(widget)
        if found is None:
            found = []
            for name, prop in self.schema.get("properties", {}).items():
                columns = prop.get("items", {}).get("properties", {}) if prop.get("type") == "array" else {}
                shown = tuple(col for col, cprop in columns.items() if cprop.get("x-widget") == widget)
                if prop.get("x-widget") == widget or shown:
                    found.append((name, prop.get("x-widget") == widget, shown))
            found = self._widget_fields[widget] = tuple(found)
        return found

    def field_marked(self, hint: str) -> str | None:
        """The first field whose schema sets ``hint`` (an ``x-`` keyword) to a true value, if any."""
        if hint not in self._marked:
            self._marked[hint] = next((name for name, prop in self.schema.get("properties", {}).items()
                                       if prop.get(hint)), None)
        return self._marked[hint]

    def differing_people(self, data: dict[str, Any]) -> dict[str, Text]:
        """Pickers that must name someone else than another picker (``x-differs-from``): field -> message."""
        errors = {}
        properties = self.schema.get("properties", {})
        for name, other in self._differing:
            if data.get(name) and data.get(name) == data.get(other):
                title = properties.get(other, {}).get("title", other)
                title_en = (properties.get(other, {}).get("x-en") or {}).get("title") or title
                errors[name] = Text.of("form.differs", title=title, title_en=title_en)
        return errors

    @cached_property
    def _differing(self) -> tuple[tuple[str, Any], ...]:
        return tuple((name, prop["x-differs-from"]) for name, prop in self.schema.get("properties", {}).items()
                     if prop.get("x-differs-from"))


# A form file's key: a plain name, no separator, NUL nor leading dot, short enough for a file name. Keys are
# anyone's text (a model's formKey, the form panel's URL): a 300-character one was an OSError, one with a NUL
# a ValueError, and "../x" read a file outside the forms folder. The modeler's keys (form_builder.KEY) fit.
_FILE_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}")


class FormRegistry:
    """Loads form schemas once and validates submissions against them: ``forms/<key>.json``, then the
    forms process owners made in the modeler (``stored``: a key's schema, or None), then ``pending`` ones
    (a model being checked before its deploy stores them). A key's schema never changes once stored."""

    def __init__(self, forms_dir: Path, stored: Callable[[str], dict[str, Any] | None] | None = None,
                 pending: dict[str, dict[str, Any]] | None = None) -> None:
        self._dir = forms_dir
        self._stored = stored
        self._pending = dict(pending or {})
        self._cache: dict[str, FormDefinition] = {}

    def with_pending(self, pending: dict[str, dict[str, Any]]) -> FormRegistry:
        """This registry with forms not stored yet (checked, not validated here)."""
        return FormRegistry(self._dir, self._stored, {**self._pending, **pending})

    def is_file(self, key: str) -> bool:
        path = self._file(key)
        return path is not None and path.is_file()

    def exists(self, key: str) -> bool:
        path = self._file(key)
        return path is not None and (
            path.is_file() or key in self._pending or (self._stored is not None and self._stored(key) is not None))

    def _file(self, key: str) -> Path | None:
        """The file of ``key``; None for a key no form can have."""
        return self._dir / f"{key}.json" if _FILE_KEY.fullmatch(key) else None

    def keys(self) -> list[str]:
        """The keys of the form files (stored forms are listed by ``engine.modeling.model_forms``)."""
        return sorted(path.stem for path in self._dir.glob("*.json"))

    def get(self, key: str) -> FormDefinition:
        """:raises InvalidInput: the form file is missing, not JSON, or not a valid schema"""
        form = self._cache.get(key)
        if form is None:
            form = self._load(key)
            if key not in self._pending:
                self._cache[key] = form
        return form

    def _load(self, key: str) -> FormDefinition:
        path = self._file(key)
        if path is None:
            raise InvalidInput(f"Formulir '{key[:60]}' tidak ditemukan", form_key=key[:200])
        if not path.is_file():
            schema = self._pending.get(key) or (self._stored(key) if self._stored is not None else None)
            if schema is not None:
                return FormDefinition(key, schema)
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
        except FileNotFoundError as exc:
            raise InvalidInput(f"Formulir '{key}' tidak ditemukan ({path.name})", form_key=key) from exc
        except (json.JSONDecodeError, SchemaError) as exc:
            raise InvalidInput(f"Formulir '{key}' tidak valid: {exc}", form_key=key) from exc
        return FormDefinition(key, bounded(schema))

    def validate(self, key: str, data: dict[str, Any],
                 document_problem: Callable[[str, Sequence[str]], Text | None] | None = None,
                 person_problem: Callable[[str, str], Text | None] | None = None) -> dict[str, Any]:
        """Return the data if valid.

        ``document_problem(sha256, accepted extensions)`` says why a document field may not name that
        upload (not the user's own for the task, nor carried by the case; a type the field does not
        accept), or None; without it, document fields are checked for their form only.

        ``person_problem(username, role)`` says why a picked person may not be picked (not an active
        holder of the picker's ``x-role``), or None; without it, pickers are checked by the schema only.

        :raises FormInvalid: with one message per failing field
        """
        form = self.get(key)
        errors: dict[str, Text] = {}
        # Most submissions are valid: jsonschema is asked for the errors (and their words) only when
        # the compiled check finds one.
        for error in () if form.is_valid(data) else form.validator.iter_errors(data):
            field = _field_of(error)
            errors.setdefault(field, _message(error))
        if document_problem is not None:
            properties = form.schema.get("properties", {})
            for name in form.document_fields():
                value = data.get(name)
                problem = document_problem(value, properties[name].get("x-accept", [])) \
                    if isinstance(value, str) and name not in errors else None
                if problem:
                    errors[name] = problem
        if person_problem is not None:
            for field, username, role in form.picked_people(data):
                problem = person_problem(username, role)
                if problem:
                    errors.setdefault(field, problem)
        for field, message in form.differing_people(data).items():
            errors.setdefault(field, message)
        if errors:
            raise FormInvalid.worded(errors, key)
        return data


@cache
def format_checker() -> FormatChecker:
    """The formats a form's schema may use, Alur's document field (a sha256) among them (one shared
    checker: it holds no state between checks)."""
    checker = FormatChecker()
    checker.checks(DOCUMENT_FORMAT)(lambda value: not isinstance(value, str) or _SHA256.fullmatch(value)
                                    is not None)
    return checker


def _is_picker(prop: dict[str, Any]) -> bool:
    return prop.get("x-widget") == "user" and bool(prop.get("x-role"))


def _field_of(error: ValidationError) -> str:
    if error.validator == "required":
        # "'x' is a required property": the field is the missing name, not the parent object
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return ".".join([*map(str, error.absolute_path), missing]) if missing else "_form"
    if error.validator == "additionalProperties":
        extra = error.message.split("'")[1] if "'" in error.message else ""
        return ".".join([*map(str, error.absolute_path), extra]) if extra else "_form"
    return ".".join(map(str, error.absolute_path)) or "_form"


def _message(error: ValidationError) -> Text:
    schema = error.schema if isinstance(error.schema, dict) else {}
    own = schema.get("x-message")
    if isinstance(own, str) and own:  # the form says why, e.g. a result its checks contradict
        english = schema.get("x-en")
        own_en = english.get("message") if isinstance(english, dict) else None
        return Text.of("form.own", text=own, text_en=own_en or own)
    if error.validator == "format" and error.validator_value == DOCUMENT_FORMAT:
        return Text.of("form.document_missing")
    if error.validator == "const" and error.validator_value is True:
        return Text.of("form.must_tick")  # a checkbox that must be ticked (formdsl.accept)
    return Text.of(f"form.{error.validator}" if error.validator in _WORDED else "form.invalid")
