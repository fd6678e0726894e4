"""Form validation: formats are checked (dates, date-times), every failing field gets a message."""
from __future__ import annotations

import json

import pytest

from engine.errors import FormInvalid
from engine.modeling.forms import FormRegistry


@pytest.fixture
def registry(tmp_path):
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "properties": {"tanggal": {"type": "string", "format": "date"},
                             "waktu_mulai": {"type": "string", "format": "date-time"}},
              "required": ["tanggal", "waktu_mulai"], "additionalProperties": False}
    (tmp_path / "jadwal.json").write_text(json.dumps(schema))
    return FormRegistry(tmp_path)


def test_valid_dates_pass(registry):
    data = {"tanggal": "2026-11-23", "waktu_mulai": "2026-11-23T08:30:00+08:00"}
    assert registry.validate("jadwal", data) == data


@pytest.mark.parametrize("field, value", [("tanggal", "23/11/2026"), ("waktu_mulai", "kemarin sore"),
                                          ("waktu_mulai", "2026-11-23 08:30")])
def test_malformed_dates_are_refused_per_field(registry, field, value):
    data = {"tanggal": "2026-11-23", "waktu_mulai": "2026-11-23T08:30:00+08:00", field: value}
    with pytest.raises(FormInvalid) as info:
        registry.validate("jadwal", data)
    assert info.value.errors == {field: "Format tidak sesuai."}
