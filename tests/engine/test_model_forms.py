"""Forms made in the modeler's form panel: fields <-> the JSON Schema of forms/*.json (every SOP form reads
back unchanged), stored with the deploy of the model that uses them, and versioned with it: a changed form
is a new key, so running cases keep theirs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.errors import FormInvalid, InvalidInput
from engine.modeling.checks import deploy_checked
from engine.modeling.roles import RoleCatalog
from engine.modeling.form_builder import fields_of, kept_rules, parse_fields, schema_of
from engine.persistence.models import ModelForm
from tests.engine.engine_helpers import add_users, ready_task, start_loop_case

ROOT = Path(__file__).resolve().parents[2]
SOP_FORMS = sorted((ROOT / "forms").glob("*.json"))
ROLES = {"pengelola_ti", "pemeriksa_ti", "tim", "pengawas"}
SOP_ROLES = set(RoleCatalog.load(ROOT / "processes" / "roles.toml").roles)


def panel(fields: list[dict]) -> list:
    """Fields as the panel posts them (JSON)."""
    return parse_fields(json.loads(json.dumps(fields)))


CHECK_FIELDS = [
    {"name": "disetujui", "label": "Laporan disetujui?", "kind": "yesno", "required": True},
    {"name": "alasan_penolakan", "label": "Alasan penolakan", "kind": "longtext", "help": "Wajib bila ditolak.",
     "required": True, "required_if": {"field": "disetujui", "value": False}},
]


def test_fields_make_the_schema_format_of_the_sop_forms():
    fields = panel([*CHECK_FIELDS,
                    {"name": "tingkat", "label": "Tingkat", "kind": "choice", "choices": ["ringan", "berat"]},
                    {"name": "pemeriksa", "label": "Pemeriksa", "kind": "person", "role": "pemeriksa_ti",
                     "required": True},
                    {"name": "berita_acara", "label": "Berita acara", "kind": "document"},
                    {"name": "temuan", "label": "Temuan", "kind": "table", "required": True, "columns": [
                        {"name": "uraian", "label": "Uraian", "kind": "text", "required": True},
                        {"name": "jumlah", "label": "Jumlah", "kind": "number"}]},
                    {"name": "tanggal", "label": "Tanggal", "kind": "date"}])
    schema = schema_of("Periksa laporan", fields, ROLES)
    assert schema == {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Periksa laporan", "type": "object",
        "properties": {
            "disetujui": {"type": "boolean", "title": "Laporan disetujui?", "x-widget": "yesno"},
            "alasan_penolakan": {"type": "string", "title": "Alasan penolakan", "x-widget": "textarea",
                                 "minLength": 1, "description": "Wajib bila ditolak."},
            "tingkat": {"type": "string", "title": "Tingkat", "enum": ["ringan", "berat"], "x-widget": "radio"},
            "pemeriksa": {"type": "string", "title": "Pemeriksa", "x-widget": "user", "x-role": "pemeriksa_ti",
                          "minLength": 1},
            "berita_acara": {"type": "string", "title": "Berita acara", "format": "alur-dokumen", "x-widget": "file",
                             "x-accept": [".pdf", ".docx", ".xlsx", ".jpg", ".png"]},
            "temuan": {"type": "array", "title": "Temuan", "x-widget": "table", "items": {
                "type": "object", "properties": {
                    "uraian": {"type": "string", "title": "Uraian", "minLength": 1},
                    "jumlah": {"type": "number", "title": "Jumlah"}},
                "required": ["uraian"], "additionalProperties": False}, "minItems": 1},
            "tanggal": {"type": "string", "title": "Tanggal", "format": "date"}},
        "required": ["disetujui", "pemeriksa", "temuan"], "additionalProperties": False,
        "allOf": [{"if": {"properties": {"disetujui": {"const": False}}, "required": ["disetujui"]},
                   "then": {"required": ["alasan_penolakan"]}}]}
    assert [f.outline()["required_if"] for f in fields_of(schema)][:2] == [None, {"field": "disetujui",
                                                                                 "value": False}]


@pytest.mark.parametrize("path", SOP_FORMS, ids=lambda p: p.stem)
def test_every_sop_form_reads_back_unchanged_through_the_panel(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    fields = panel([f.outline() for f in fields_of(schema)])
    assert schema_of(schema["title"], fields, SOP_ROLES, kept_rules(schema), schema.get("x-en")) == schema


@pytest.mark.parametrize(("fields", "reason"), [
    ([{"name": "Disetujui", "label": "x", "kind": "yesno"}], "field_name"),
    ([{"name": "a1", "label": "", "kind": "text"}], "field_label"),
    ([{"name": "a1", "label": "A", "kind": "gambar"}], "field_kind"),
    ([{"name": "a1", "label": "A", "kind": "choice", "choices": ["satu"]}], "field_choices"),
    ([{"name": "a1", "label": "A", "kind": "person", "role": "bukan_peran"}], "field_role"),
    ([{"name": "a1", "label": "A", "kind": "table"}], "table_columns"),
    ([{"name": "a1", "label": "A", "kind": "text"}, {"name": "a1", "label": "B", "kind": "text"}], "field_twice"),
    ([{"name": "a1", "label": "A", "kind": "text", "required_if": {"field": "tidak_ada", "value": True}}],
     "condition_field"),
    ([{"name": "a1", "label": "A", "kind": "text"},
      {"name": "a2", "label": "B", "kind": "text", "required_if": {"field": "a1", "value": True}}], "condition_value"),
    ([], "form_fields"),
])
def test_the_builder_refuses_a_bad_field_in_words(fields, reason):
    with pytest.raises(InvalidInput) as info:
        schema_of("Formulir", panel(fields), ROLES)
    assert info.value.context["reason"] == reason and info.value.message


def periksa_v2() -> dict:
    return {"uji_periksa_v2": {"title": "Periksa laporan", "based_on": "uji_periksa", "fields": CHECK_FIELDS}}


def test_a_changed_form_is_a_new_key_deployed_with_the_model_and_running_cases_keep_theirs(alur, test_data):
    add_users(alur)
    v1 = (test_data / "uji_loop.bpmn").read_bytes()
    assert alur.deployer.deploy_bytes(v1, "uji_loop.bpmn", "pemilik").version == 1
    old_case = start_loop_case(alur, business_key="UJI/LAMA")
    alur.runner.complete_task(ready_task(alur, old_case).task_id, "pengelola", {"uraian": "laporan"})
    assert ready_task(alur, old_case).form_key == "uji_periksa"

    assert alur.model_forms.next_key(alur.forms, "uji_periksa") == "uji_periksa_v2"
    pending = alur.model_forms.prepare(alur.forms, periksa_v2())
    v2 = v1.replace(b'camunda:formKey="uji_periksa"', b'camunda:formKey="uji_periksa_v2"')
    # without its new form the model names a form that does not exist
    refused = deploy_checked(alur.deployer, alur.parser, v2, "uji_loop", "pemilik", "alasan", trial=alur.trials)
    assert refused.result is None and any("uji_periksa_v2" in p.message for p in refused.check.problems)
    outcome = deploy_checked(alur.deployer, alur.parser, v2, "uji_loop", "pemilik", "alasan penolakan",
                             trial=alur.trials, forms=pending)
    assert outcome.result is not None and outcome.result.version == 2 and outcome.trial.ok
    with alur.sessions() as session:
        row = session.query(ModelForm).one()
    assert (row.form_key, row.based_on, row.process_key, row.created_by) == ("uji_periksa_v2", "uji_periksa",
                                                                             "uji_loop", "pemilik")
    deployed = alur.audit_log.events(event_type="definition_deployed").items[0]
    assert set(deployed.payload["new_forms"]) == {"uji_periksa_v2"}

    # the running v1 case keeps its form: no reason is asked for
    alur.runner.complete_task(ready_task(alur, old_case).task_id, "pengawas", {"disetujui": False})
    # a new case uses v2 and its form, whose conditional field is enforced
    new_case = start_loop_case(alur, business_key="UJI/BARU")
    alur.runner.complete_task(ready_task(alur, new_case).task_id, "pengelola", {"uraian": "laporan"})
    task = ready_task(alur, new_case)
    assert task.form_key == "uji_periksa_v2"
    with pytest.raises(FormInvalid) as info:
        alur.runner.complete_task(task.task_id, "pengawas", {"disetujui": False})
    assert "alasan_penolakan" in info.value.context["errors"]
    alur.runner.complete_task(task.task_id, "pengawas", {"disetujui": False, "alasan_penolakan": "belum lengkap"})

    # once stored, a form's key never takes another schema; a reopened panel picks the next key
    changed = periksa_v2()
    changed["uji_periksa_v2"]["title"] = "Periksa laporan (baru)"
    with pytest.raises(InvalidInput) as used:
        alur.model_forms.prepare(alur.forms, changed)
    assert used.value.context["reason"] == "form_in_use" and "uji_periksa_v3" in used.value.message
    assert alur.model_forms.prepare(alur.forms, periksa_v2()) == {}  # the same schema again: nothing new
    with pytest.raises(InvalidInput) as file_form:
        alur.model_forms.prepare(alur.forms, {"uji_periksa": periksa_v2()["uji_periksa_v2"]})
    assert file_form.value.context["reason"] == "form_in_use"
