"""The form-data generator of process_helpers, over every form in forms/ (no database needed)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from process_helpers import CAST, FillContext, form_data

from engine.modeling.forms import FormRegistry
from engine.modeling.messages import Text
from engine.modeling.roles import RoleCatalog

ROOT = Path(__file__).resolve().parents[2]
FORMS = FormRegistry(ROOT / "forms")
ROLES = RoleCatalog.load(ROOT / "processes" / "roles.toml")
FORM_KEYS = sorted(p.stem for p in (ROOT / "forms").glob("*.json"))
NOW = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)


def holder(role: str) -> str:
    return next(u for u, roles in CAST.items() if role in ROLES.expand(set(roles)))


def context(full: bool, documents: list[str]) -> FillContext:
    def document(label: str) -> str:
        documents.append(label)
        return f"{len(documents):064x}"
    return FillContext(tag="uji", now=NOW, user_for=holder, document=document, full=full)


def user_fields(schema: dict, data: dict):
    """(role, value) of every user picker in the data, table rows included."""
    for name, field in schema["properties"].items():
        if name not in data:
            continue
        if field.get("x-widget") == "user":
            yield field["x-role"], data[name]
        if field.get("type") == "array" and field["items"].get("type") == "object":
            for row in data[name]:
                yield from user_fields(field["items"], row)


@pytest.mark.parametrize("full", [False, True], ids=["required", "full"])
@pytest.mark.parametrize("key", FORM_KEYS)
def test_generated_data_passes_the_engine_validation(key, full):
    schema = FORMS.get(key).schema
    documents: list[str] = []
    data = form_data(schema, context(full, documents))
    stored = {f"{i:064x}" for i in range(1, len(documents) + 1)}
    missing = Text.of("form.document_missing")
    FORMS.validate(key, data, lambda sha, _accept: None if sha in stored else missing)  # every failing field
    assert set(schema["required"]) <= set(data)
    if full:
        assert set(data) == set(schema["properties"])
    for role, username in user_fields(schema, data):
        assert role in ROLES.expand(set(CAST[username])), (key, role, username)
    assert len(documents) == len(set(documents))  # one upload per document field
    if any(schema["properties"][n].get("format") == "alur-dokumen" for n in schema["required"]):
        assert documents
    # else the step's document is required only on its branch (e.g. "Perbaikan Laporan" on Tidak)


@pytest.mark.parametrize("key", [k for k in FORM_KEYS if "allOf" in json.loads((ROOT / "forms" / f"{k}.json")
                                                                                 .read_text(encoding="utf-8"))])
def test_conditionally_required_fields_are_added_when_their_condition_holds(key):
    schema = FORMS.get(key).schema
    for clause in schema["allOf"]:
        if "properties" not in clause["if"] or "required" not in clause["then"]:
            continue  # brd_05's "berhasil only when the checks agree": tests/processes/test_sop_decision_fields.py
        (field, condition), = clause["if"]["properties"].items()
        if "const" not in condition:  # "contains" on a table: covered by the process walks (pdc_02)
            continue
        data = form_data(schema, context(False, []), {field: condition["const"]})
        assert set(clause["then"]["required"]) <= set(data), (key, field)


def test_overrides_win_and_unknown_fields_are_refused():
    schema = FORMS.get("gdb_07_verifikasi_gangguan").schema
    data = form_data(schema, context(False, []), {"gangguan_selesai": False})
    assert data["gangguan_selesai"] is False and data["arahan_lanjutan"]
    assert "arahan_lanjutan" not in form_data(schema, context(False, []))
    with pytest.raises(AssertionError):
        form_data(schema, context(False, []), {"tidak_ada": 1})
