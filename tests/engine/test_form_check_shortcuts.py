"""The compiled checks' shortcuts (a text field's schema as one check, an enum's strings as a set, required and
closed objects by their keys) say what jsonschema says, for the schemas they take and those they leave."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from engine.modeling.form_check import compile_check
from engine.modeling.forms import format_checker

_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.sampled_from([0.0, 1.0, 2.5]),
                    st.sampled_from(["", "a", "ab", "abc", "1", "ya", "tidak", "é", "x" * 6]))
_INSTANCE = st.recursive(_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)), max_leaves=6)
_COUNT = st.one_of(st.integers(0, 4), st.sampled_from([1.0, 2.0]))
_TEXT_SCHEMA = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["string", "string", "string", "integer", ["string", "null"]]),
    "minLength": _COUNT, "maxLength": _COUNT,
    "enum": st.lists(_SCALAR, min_size=1, max_size=4),
    "format": st.sampled_from(["date", "x-unknown"]), "title": st.just("Judul")})
_OBJECT_SCHEMA = st.fixed_dictionaries({"type": st.just("object")}, optional={
    "properties": st.dictionaries(st.sampled_from(["a", "b"]), _TEXT_SCHEMA, max_size=2),
    "required": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3, unique=True),
    "additionalProperties": st.one_of(st.booleans(), _TEXT_SCHEMA)})


def _agrees(schema, instances):
    validator = Draft202012Validator(schema, format_checker=format_checker())
    check = compile_check(schema, format_checker())
    assert check is not None
    assert [check(i) for i in instances] == [validator.is_valid(i) for i in instances], schema


@settings(max_examples=300, deadline=None)
@given(_TEXT_SCHEMA, st.lists(_INSTANCE, min_size=1, max_size=8))
def test_a_text_fields_schema_is_checked_as_jsonschema_checks_it(schema, instances):
    _agrees(schema, instances)


@settings(max_examples=300, deadline=None)
@given(_OBJECT_SCHEMA, st.lists(_INSTANCE, min_size=1, max_size=8))
def test_required_and_closed_objects_are_checked_as_jsonschema_checks_them(schema, instances):
    _agrees(schema, instances)


def test_a_texts_length_bounds_are_inclusive():
    texts = ["", "a", "ab", "abc", "abcd", "é", 1, None, ["ab"]]
    for low, high in [(0, 0), (1, 3), (2, 2), (3, 1)]:
        _agrees({"type": "string", "minLength": low, "maxLength": high}, texts)
        _agrees({"type": "string", "minLength": low}, texts)
        _agrees({"type": "string", "maxLength": high, "enum": ["", "ab", "abcd"]}, texts)
        _agrees({"type": "string", "minLength": low, "enum": ["a", "abc"]}, texts)


def test_an_enum_of_strings_takes_no_other_value():
    _agrees({"type": "string", "enum": ["1", "ya"], "minLength": 1, "maxLength": 2},
            ["1", 1, 1.0, True, "ya", "y", None, ["1"], {"1": 1}, "tidak"])
    _agrees({"enum": ["1", 1, None]}, ["1", 1, 1.0, True, None, False, "None"])
    _agrees({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}},
             "additionalProperties": False}, [{}, {"a": "x"}, {"a": "x", "b": 1}, {"a": 1}, [], "a"])
