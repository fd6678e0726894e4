"""Issue 18, finding 7: no value without a size, no case variable without a form. Every string field has a
maximum length (long text 10,000 characters, other text 1,000, unless the form says otherwise), tables a
maximum of rows, and start data is refused: a case's data comes through the forms of its steps."""
from __future__ import annotations

import pytest
from engine_helpers import add_users, ready_task, start_loop_case
from sqlalchemy import func, select

from engine.errors import FormInvalid, InvalidInput, UnknownVariables
from engine.modeling.form_bounds import LONG_TEXT_MAX, ROWS_MAX, TEXT_MAX, bounded
from engine.permissions import SYSTEM_ACTOR
from engine.persistence.models import AuditEvent, ProcessInstance


def test_text_fields_get_a_maximum_length_and_tables_a_maximum_of_rows():
    schema = {"type": "object", "properties": {
        "catatan": {"type": "string", "x-widget": "textarea"},
        "nama": {"type": "string"},
        "kode": {"type": "string", "maxLength": 20},  # the form's own limit stays
        "pilihan": {"type": "string", "enum": ["a", "b"]},
        "baris": {"type": "array", "items": {"type": "object", "properties": {"host": {"type": "string"}}}},
        "opsional": {"type": ["string", "null"]}},
        "then": {"properties": {"alasan": {"type": "string", "x-widget": "textarea"}}}}
    limits = bounded(schema)
    properties = limits["properties"]
    assert properties["catatan"]["maxLength"] == LONG_TEXT_MAX == 10_000
    assert properties["nama"]["maxLength"] == TEXT_MAX and properties["opsional"]["maxLength"] == TEXT_MAX
    assert properties["kode"]["maxLength"] == 20 and "maxLength" not in properties["pilihan"]
    assert properties["baris"]["maxItems"] == ROWS_MAX
    assert properties["baris"]["items"]["properties"]["host"]["maxLength"] == TEXT_MAX
    assert limits["then"]["properties"]["alasan"]["maxLength"] == LONG_TEXT_MAX
    assert "maxLength" not in schema["properties"]["nama"]  # the form as written is left alone


def test_every_sop_form_bounds_every_string(sop_alur):
    def strings(node, path=""):
        if isinstance(node, dict):
            kinds = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
            if "string" in kinds and "enum" not in node and "const" not in node:
                yield path, node
            for key, value in node.items():
                yield from strings(value, f"{path}/{key}")
        elif isinstance(node, list):
            for n, item in enumerate(node):
                yield from strings(item, f"{path}/{n}")

    keys = [p.stem for p in sop_alur.settings.forms_dir.glob("*.json")]
    assert len(keys) >= 40
    unbounded = [f"{key}{path}" for key in keys for path, node in strings(sop_alur.forms.get(key).schema)
                 if not isinstance(node.get("maxLength"), int)]
    assert unbounded == []


@pytest.fixture
def deployed(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    return alur


def test_an_overlong_value_is_refused_on_its_field_and_nothing_is_stored(deployed):
    alur = deployed
    case = start_loop_case(alur)
    task = ready_task(alur, case)
    events = _events(alur)
    with pytest.raises(FormInvalid) as refused:
        alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "x" * (TEXT_MAX + 1)})
    assert refused.value.errors == {"uraian": "Terlalu panjang."}
    assert _events(alur) == events and ready_task(alur, case).state in ("ready", "claimed")
    alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "x" * TEXT_MAX})  # the limit itself is fine


def test_start_data_is_refused_unless_the_engine_itself_starts_the_case(deployed):
    alur = deployed
    cases = _cases(alur)
    for data in ({"uraian": "disusupkan"}, {"disetujui": True, "x": 1}):
        with pytest.raises(UnknownVariables) as refused:
            alur.runner.start_case("uji_loop", "pengelola", "UJI/9", data)
        assert refused.value.code == "unknown_variables"
        assert refused.value.context["variables"] == sorted(data)
    with pytest.raises(InvalidInput):
        alur.runner.start_case("uji_loop", "pengelola", "UJI/9", ["bukan", "objek"])  # type: ignore[arg-type]
    assert _cases(alur) == cases  # nothing half-done
    assert alur.runner.start_case("uji_loop", "pengelola", "UJI/9", {}).status == "running"
    routine = alur.runner.start_case("uji_loop", SYSTEM_ACTOR, "RUTIN-1", {"jadwal_rutin": "2026-12-07T00:00:00+00:00"})
    started = next(e for e in alur.queries.audit_trail(routine.instance_id) if e.event_type == "instance_started")
    assert started.payload["data"]["jadwal_rutin"] == "2026-12-07T00:00:00+00:00"
    with pytest.raises(UnknownVariables):
        alur.runner.start_case("uji_loop", SYSTEM_ACTOR, "RUTIN-2", {"jadwal_rutin": "x", "lain": 1})


def _events(alur) -> int:
    with alur.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def _cases(alur) -> int:
    with alur.sessions() as session:
        return session.scalar(select(func.count()).select_from(ProcessInstance))
