"""A form's schema compiled once into plain Python checks that say whether a submission is valid.

``jsonschema`` re-creates a validator and a reference-resolution scope for every subschema it
descends into: a typical form took 0.05-0.17 ms per submission, most of it in that bookkeeping,
not in the checks. A compiled check answers exactly what ``Draft202012Validator.is_valid`` answers
(the same type checker, ``equal`` and ``uniq``, the same format checker); only when it says
invalid does ``FormRegistry.validate`` ask jsonschema for the errors, so every message stays its own.

A subschema with a keyword not compiled here (``prefixItems``, ``oneOf``, ``patternProperties``, …)
is checked by jsonschema itself; a schema with references (``$ref``, ``$id``, …) is not compiled
at all.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema._utils import equal, uniq  # jsonschema's own equality: 1 == 1.0, True != 1

Check = Callable[[Any], bool]

_TYPES = Draft202012Validator.TYPE_CHECKER
_KEYWORDS = frozenset(Draft202012Validator.VALIDATORS)  # keywords jsonschema checks; others are annotations
_REFERENCES = frozenset({"$ref", "$dynamicRef", "$id", "$anchor", "$dynamicAnchor", "$defs", "definitions"})
_SIMPLE_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str), "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list), "boolean": lambda v: isinstance(v, bool), "null": lambda v: v is None}
_COMPILED = frozenset({"type", "enum", "const", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
                       "exclusiveMinimum", "exclusiveMaximum", "properties", "required", "additionalProperties",
                       "items", "minItems", "maxItems", "uniqueItems", "contains", "allOf", "anyOf", "not",
                       "if", "then", "else"})


def compile_check(schema: Any, format_checker: FormatChecker) -> Check | None:
    """The schema's validity as one function, or None for a schema with references (or a subschema
    naming its own ``$schema``, which jsonschema would check by that dialect)."""
    if any(_has_references(v) for v in schema.values()) if isinstance(schema, dict) else _has_references(schema):
        return None
    return _Compiler(format_checker).compile(schema)


def _has_references(schema: Any) -> bool:
    if isinstance(schema, dict):
        return bool(_REFERENCES & schema.keys()) or "$schema" in schema \
            or any(_has_references(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_has_references(v) for v in schema)
    return False


class _Compiler:
    def __init__(self, format_checker: FormatChecker) -> None:
        self._formats = format_checker

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return lambda _: True
        if schema is False:
            return lambda _: False
        if not isinstance(schema, dict):  # not a schema: jsonschema says what it makes of it
            return Draft202012Validator(schema, format_checker=self._formats).is_valid
        keywords = _KEYWORDS & schema.keys()
        if keywords - _COMPILED or ("contains" in keywords and ("minContains" in schema or "maxContains" in schema)):
            return Draft202012Validator(schema, format_checker=self._formats).is_valid
        text = _text_check(schema, keywords)
        if text is not None:
            return text
        checks = [check for keyword in sorted(keywords) if (check := self._keyword(keyword, schema))]
        if len(checks) == 1:
            return checks[0]
        return _all_of(checks)

    def _keyword(self, keyword: str, schema: dict[str, Any]) -> Check | None:
        value = schema[keyword]
        if keyword == "type":
            return _type_check(value)
        if keyword == "enum":
            return _enum_check(value)
        if keyword == "const":
            return lambda v: equal(v, value)
        if keyword == "minLength":
            return lambda v: not isinstance(v, str) or len(v) >= value
        if keyword == "maxLength":
            return lambda v: not isinstance(v, str) or len(v) <= value
        if keyword == "pattern":
            return lambda v: not isinstance(v, str) or re.search(value, v) is not None
        if keyword == "format":
            return lambda v: self._formats.conforms(v, value)
        if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            return _bound(keyword, value)
        if keyword in ("properties", "required", "additionalProperties"):
            return self._object_keyword(keyword, value, schema)
        if keyword in ("items", "minItems", "maxItems", "uniqueItems", "contains"):
            return self._array_keyword(keyword, value)
        if keyword in ("allOf", "anyOf"):
            subs = [self.compile(sub) for sub in value]
            return (lambda v: all(s(v) for s in subs)) if keyword == "allOf" else (lambda v: any(s(v) for s in subs))
        if keyword == "not":
            negated = self.compile(value)
            return lambda v: not negated(v)
        if keyword == "if":
            condition = self.compile(value)
            then = self.compile(schema.get("then", True))
            otherwise = self.compile(schema.get("else", True))
            return lambda v: then(v) if condition(v) else otherwise(v)
        return None  # "then", "else": checked with their "if" (alone, jsonschema ignores them)

    def _object_keyword(self, keyword: str, value: Any, schema: dict[str, Any]) -> Check:
        if keyword == "properties":
            props = [(name, self.compile(sub)) for name, sub in value.items()]

            def properties(v: Any) -> bool:
                if isinstance(v, dict):
                    for name, check in props:
                        if name in v and not check(v[name]):
                            return False
                return True
            return properties
        if keyword == "required":
            if isinstance(value, list) and all(isinstance(name, str) for name in value):
                names = frozenset(value)
                return lambda v: not isinstance(v, dict) or v.keys() >= names
            return lambda v: not isinstance(v, dict) or all(name in v for name in value)
        known = schema.get("properties", {})
        if isinstance(value, dict):
            extra = self.compile(value)
            return lambda v: not isinstance(v, dict) or all(extra(v[name]) for name in v if name not in known)
        if value:  # additionalProperties: true (or any other truthy non-schema) allows anything
            return lambda _: True
        if isinstance(known, dict):
            names = frozenset(known)
            return lambda v: not isinstance(v, dict) or v.keys() <= names
        return lambda v: not isinstance(v, dict) or all(name in known for name in v)

    def _array_keyword(self, keyword: str, value: Any) -> Check:
        if keyword == "items":
            item = self.compile(value)
            return lambda v: not isinstance(v, list) or all(item(each) for each in v)
        if keyword == "minItems":
            return lambda v: not isinstance(v, list) or len(v) >= value
        if keyword == "maxItems":
            return lambda v: not isinstance(v, list) or len(v) <= value
        if keyword == "uniqueItems":
            return lambda v: not value or not isinstance(v, list) or bool(uniq(v))
        contained = self.compile(value)
        return lambda v: not isinstance(v, list) or any(contained(each) for each in v)


def _all_of(checks: list[Check]) -> Check:
    def all_of(value: Any) -> bool:
        for check in checks:
            if not check(value):
                return False
        return True
    return all_of


def _enum_check(values: list[Any]) -> Check:
    """``enum``: for a string, whether it is one of the enum's strings (jsonschema's ``equal`` compares a
    string with anything by ``==``, so with no other value can it be equal); others by ``equal``."""
    texts = frozenset(each for each in values if isinstance(each, str))
    return lambda v: v in texts if isinstance(v, str) else any(equal(each, v) for each in values)


def _text_check(schema: dict[str, Any], keywords: frozenset[str]) -> Check | None:
    """A text field's usual schema, ``type: string`` with ``minLength``, ``maxLength`` and an ``enum`` of
    strings, as one check; None for any other schema (compiled keyword by keyword)."""
    if schema.get("type") != "string" or not keywords <= _TEXT_KEYWORDS:
        return None
    low, high, values = schema.get("minLength", 0), schema.get("maxLength"), schema.get("enum")
    if not _is_count(low) or (high is not None and not _is_count(high)):
        return None
    if values is not None:
        if not isinstance(values, list) or not all(isinstance(each, str) for each in values):
            return None
        texts = frozenset(values)
        if high is None:
            return lambda v: isinstance(v, str) and v in texts and len(v) >= low
        return lambda v: isinstance(v, str) and v in texts and low <= len(v) <= high
    if high is None:
        return lambda v: isinstance(v, str) and len(v) >= low
    return lambda v: isinstance(v, str) and low <= len(v) <= high


_TEXT_KEYWORDS = frozenset({"type", "minLength", "maxLength", "enum"})


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _type_check(types: Any) -> Check:
    names = [types] if isinstance(types, str) else list(types)
    checks = [_SIMPLE_TYPES.get(name) or _checker_type(name) for name in names]
    return checks[0] if len(checks) == 1 else (lambda v: any(check(v) for check in checks))


def _checker_type(name: str) -> Check:
    """``number`` and ``integer`` (no bool; 1.0 is an integer) as jsonschema's type checker says."""
    return lambda v: bool(_TYPES.is_type(v, name))


def _bound(keyword: str, limit: Any) -> Check:
    def is_number(v: Any) -> bool:
        return bool(_TYPES.is_type(v, "number"))
    if keyword == "minimum":
        return lambda v: not is_number(v) or v >= limit
    if keyword == "maximum":
        return lambda v: not is_number(v) or v <= limit
    if keyword == "exclusiveMinimum":
        return lambda v: not is_number(v) or v > limit
    return lambda v: not is_number(v) or v < limit
