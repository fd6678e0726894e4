"""What a form's checks take from its schema (the fields that pick people or servers, hold documents, must
differ, review the register) is worked out once per form, not walked again at each submission (issue 21):
for every real form, filled fully and minimally, it finds what a walk of the schema finds."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from process_helpers import FillContext, form_data

from engine.modeling.forms import DOCUMENT_FORMAT, FormRegistry
from engine.registers.case_hooks import register_fields
from engine.registers.pickers import REVIEW_HINT
from engine.worktime.clock import utcnow

FORMS = Path(__file__).resolve().parents[2] / "forms"


def _picks(prop: dict[str, Any], widget: str) -> bool:
    return prop.get("x-widget") == widget and (widget != "user" or bool(prop.get("x-role")))


def walked(schema: dict[str, Any], data: dict[str, Any], widget: str) -> list[tuple[str, object]]:
    """(path, value) of each field or table cell showing ``widget`` that the data fills, by a walk of the schema."""
    found: list[tuple[str, object]] = []
    for name, prop in schema.get("properties", {}).items():
        value = data.get(name)
        if _picks(prop, widget) and (isinstance(value, str) if widget == "user" else name in data):
            found.append((name, value))
        columns = prop.get("items", {}).get("properties", {}) if prop.get("type") == "array" else {}
        pickers = [col for col, cprop in columns.items() if _picks(cprop, widget)]
        for index, row in enumerate(value if pickers and isinstance(value, list) else []):
            found += [(f"{name}.{index}.{col}", row.get(col)) for col in pickers if isinstance(row, dict)
                      and (isinstance(row.get(col), str) if widget == "user" else col in row)]
    return found


@pytest.mark.parametrize("full", [True, False])
@pytest.mark.parametrize("key", sorted(path.stem for path in FORMS.glob("*.json")))
def test_a_forms_layout_finds_what_a_walk_of_its_schema_finds(key, full):
    form = FormRegistry(FORMS).get(key)
    ctx = FillContext(tag="t", now=utcnow(), user_for=lambda role: f"user-of-{role}",
                      document=lambda label: "a" * 64, full=full)
    data = form_data(form.schema, ctx)
    properties = form.schema.get("properties", {})
    for _ in range(2):  # worked out at the first call, kept for the next
        assert [(path, name) for path, name, _role in form.picked_people(data)] == walked(form.schema, data, "user")
        registers = register_fields(form, data)
        servers = walked(form.schema, data, "server")
        review = next((name for name, prop in properties.items() if prop.get(REVIEW_HINT)), None)
        assert (registers.choices, registers.review) == (servers, review) if registers else not servers and not review
        assert form.document_fields() == [name for name, prop in properties.items()
                                          if prop.get("format") == DOCUMENT_FORMAT]
        twins = {name: prop["x-differs-from"] for name, prop in properties.items() if prop.get("x-differs-from")}
        same = {**data, **{name: data.get(other) for name, other in twins.items()}}
        assert set(form.differing_people(same)) == {name for name, other in twins.items() if same.get(other)}
