"""What the task page looks up in a form's schema, once per form (``engine.reading.form_facts``)."""
from __future__ import annotations

import json

from engine.modeling.forms import FormRegistry
from engine.reading.form_facts import FormFacts, FormFactsCache

SCHEMA = {
    "type": "object",
    "properties": {
        "surat": {"type": "string", "format": "alur-dokumen", "title": "Surat permohonan"},
        "petugas": {"type": "string", "x-widget": "user", "x-role": "pengelola"},
        "uraian": {"type": "string"},
        "lampiran": {"type": "string", "format": "alur-dokumen"},
        "tim": {"type": "array", "items": {"type": "object", "properties": {
            "anggota": {"type": "string", "x-widget": "user", "x-role": "kasi_pdi"},
            "server": {"type": "string", "x-widget": "server"}}}},
    },
}


def test_a_forms_document_fields_and_pickers_table_columns_included():
    facts = FormFacts.of_schema(SCHEMA)
    assert facts.documents == {"surat": "Surat permohonan", "lampiran": "lampiran"}
    assert facts.document_names == frozenset({"surat", "lampiran"})
    assert facts.picker_roles == ("kasi_pdi", "pengelola") and facts.picks_server
    assert list(facts.document_values({"lampiran": "b" * 64, "surat": "a" * 64, "uraian": "c" * 64})) == [
        "a" * 64, "b" * 64]  # in the schema's order, document fields only
    assert list(facts.document_values({"surat": None, "lampiran": ["x"]})) == []
    plain = FormFacts.of_schema({"type": "object", "properties": {"uraian": {"type": "string"}}})
    assert (plain.documents, plain.picker_roles, plain.picks_server) == ({}, (), False)


def test_the_facts_are_kept_per_form_definition(tmp_path):
    (tmp_path / "uji.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    forms = FormRegistry(tmp_path)
    cache = FormFactsCache(forms)
    assert cache.get("uji") is cache.get("uji")
    # a definition the registry does not keep (another one on each get) is looked at again
    pending = FormRegistry(tmp_path / "none", pending={"baru": SCHEMA})
    other = FormFactsCache(pending)
    assert other.get("baru") == cache.get("uji") and other.get("baru") is not other.get("baru")
