"""Every form of forms/ renders with the right widget per field, and posts read back as valid JSON data."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask import render_template_string
from werkzeug.datastructures import FileStorage, MultiDict
from web_helpers import make_settings

from engine.runtime.attachments import AttachmentView
from engine.bootstrap import open_alur
from web import create_app
from web.forms import build_fields, read_submission, widget_of

FORMS = sorted((Path(__file__).resolve().parents[2] / "forms").glob("*.json"))
RENDER = '{% from "macros/fields.html" import field %}{% for f in fields %}{{ field(f) }}{% endfor %}'
INPUT_OF = {"text": 'type="text"', "textarea": "<textarea", "date": 'type="date"', "datetime": 'type="datetime-local"',
            "email": 'type="email"', "url": 'type="url"', "integer": 'type="number"', "number": 'inputmode="decimal"',
            "checkbox": 'type="checkbox"', "yesno": 'value="ya"', "select": "<select", "user": "<select",
            "server": "<select", "radio": 'type="radio"', "checkboxes": 'type="checkbox"', "file": 'type="file"',
            "table": "<table"}


@pytest.fixture(scope="module")
def render_app(template, tmp_path_factory):
    """One app for rendering only (nothing is written), shared by the module's many cases."""
    folder = tmp_path_factory.mktemp("render")
    alur = open_alur(make_settings(folder, f"sqlite:///{template[0]}"))
    yield create_app({"TESTING": True, "SECRET_KEY": "x", "ALUR": alur})
    alur.close()


def _render(app, schema, values=None, errors=None):
    options = {"kepala_dinas": [("kepala_dinas", "Demo Kepala Dinas")]}
    with app.test_request_context():
        fields = build_fields(schema, values or {}, errors or {}, options, {})
        return render_template_string(RENDER, fields=fields)


@pytest.mark.parametrize("path", FORMS, ids=[p.stem for p in FORMS])
def test_every_form_renders_every_field_with_its_widget(render_app, path):
    schema = json.loads(path.read_text())
    html = _render(render_app, schema)
    for key, prop in schema["properties"].items():
        widget = widget_of(prop)
        block = html.split(f'id="field-{key}"', 1)[1].split('<div class="field ', 1)[0] if widget != "table" \
            else html.split(f'id="field-{key}"', 1)[1]
        assert INPUT_OF[widget] in block, (key, widget)
        assert prop["title"] in html
        if widget == "table":
            for column in prop["items"]["properties"]:
                assert f'name="{key}-0-{column}"' in html and f'name="{key}-__i__-{column}"' in html
        elif widget != "checkboxes":
            assert f'name="{key}"' in html


def test_all_widgets_are_used_by_the_forms():
    used = {widget_of(prop) for path in FORMS for prop in json.loads(path.read_text())["properties"].values()}
    assert used >= {"text", "textarea", "date", "datetime", "integer", "number", "checkbox", "yesno", "select",
                    "radio", "checkboxes", "table", "user", "file"}


def test_text_fields_carry_their_maximum_length_so_the_browser_stops_typing_there(render_app):
    schema = render_app.config["ALUR"].forms.get("gdb_03_arahan_penyelesaian").schema
    html = _render(render_app, schema)
    assert '<textarea id="f-arahan_penyelesaian" name="arahan_penyelesaian" rows="4" maxlength="10000"' in html
    short = _render(render_app, {"type": "object", "properties": {"nama": {"type": "string", "maxLength": 80}}})
    assert 'maxlength="80"' in short


def test_enum_labels_and_kept_values(render_app):
    schema = json.loads((FORMS[0].parent / "brd_01_surat_permohonan.json").read_text())
    html = _render(render_app, schema, {"jenis_layanan": "restore"}, {"jenis_layanan": "Pilih salah satu."})
    assert "Restore" in html and 'value="restore" id="f-jenis_layanan-2" checked' in html
    assert 'id="f-jenis_layanan-error"' in html


def test_a_yes_no_column_of_a_table_is_a_ya_tidak_choice(render_app):
    schema = json.loads((FORMS[0].parent / "tar_01_siapkan_tinjauan_aset_register.json").read_text())
    rows = [{"server_aset": "SRV-1", "status": "aktif", "sesuai": True}, {"sesuai": False}]
    html = _render(render_app, schema, {"daftar_server_ditinjau": rows})
    first, second = (html.split(f'id="f-daftar_server_ditinjau-{i}-sesuai"')[1].split("</select>")[0] for i in (0, 1))
    assert '<option value="ya" selected>Ya</option>' in first and '<option value="tidak">Tidak</option>' in first
    assert '<option value="tidak" selected>Tidak</option>' in second
    form = MultiDict([("daftar_server_ditinjau-0-server_aset", "SRV-1"), ("daftar_server_ditinjau-0-sesuai", "tidak")])
    with render_app.test_request_context():
        data, _errors = read_submission(schema, form, MultiDict(), lambda upload, accept: None)
    assert data["daftar_server_ditinjau"] == [{"server_aset": "SRV-1", "sesuai": False}]


def test_submission_is_converted_to_schema_types(render_app):
    schema = {"type": "object", "properties": {
        "n": {"type": "integer"}, "x": {"type": "number"}, "ok": {"type": "boolean"},
        "yes": {"type": "boolean", "x-widget": "yesno"}, "when": {"type": "string", "format": "date-time"},
        "day": {"type": "string", "format": "date"}, "tags": {"type": "array", "items": {"enum": ["a", "b"]}},
        "rows": {"type": "array", "x-widget": "table", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "size": {"type": "number"}, "up": {"type": "boolean"}}}},
        "doc": {"type": "string", "format": "alur-dokumen"}, "old": {"type": "string", "format": "alur-dokumen"},
        "empty": {"type": "string"}}}
    form = MultiDict([("n", "12"), ("x", "12,5"), ("ok", "true"), ("yes", "tidak"), ("when", "2026-11-23T08:15"),
                      ("day", "2026-11-23"), ("tags", "a"), ("tags", "b"), ("rows-0-name", "router"),
                      ("rows-0-size", "2"), ("rows-3-name", "switch"), ("rows-3-up", "true"), ("rows-5-name", ""),
                      ("old__current", "f" * 64), ("empty", "  ")])
    files = MultiDict([("doc", FileStorage(io.BytesIO(b"%PDF-"), "a.pdf"))])
    stored = AttachmentView("e" * 64, "a.pdf", "application/pdf", 5, "u", None)  # type: ignore[arg-type]
    with render_app.test_request_context():
        data, errors = read_submission(schema, form, files, lambda upload, accept: stored)
    assert errors == {}
    assert data == {"n": 12, "x": 12.5, "ok": True, "yes": False, "when": "2026-11-23T08:15:00+08:00",
                    "day": "2026-11-23", "tags": ["a", "b"],
                    "rows": [{"name": "router", "size": 2, "up": False}, {"name": "switch", "up": True}],
                    "doc": "e" * 64, "old": "f" * 64}


def test_conversion_errors_name_the_field_and_row(render_app):
    schema = {"type": "object", "properties": {
        "n": {"type": "integer"}, "day": {"type": "string", "format": "date"},
        "rows": {"type": "array", "x-widget": "table", "items": {"type": "object", "properties": {
            "size": {"type": "number"}}}}}}
    form = MultiDict([("n", "1.5"), ("day", "23/11/2026"), ("rows-0-size", "besar"), ("rows-1-size", "nan"),
                      ("rows-2-size", "-inf"), ("rows-3-size", "1e999")])
    with render_app.test_request_context():
        data, errors = read_submission(schema, form, MultiDict(), lambda u, a: None)
    assert errors == {"n": "Harus berupa bilangan bulat.", "day": "Format tanggal tidak sesuai.",
                      "rows.0.size": "Harus berupa angka.", "rows.1.size": "Harus berupa angka.",
                      "rows.2.size": "Harus berupa angka.", "rows.3.size": "Harus berupa angka."}
    assert data["n"] == "1.5"  # the raw text is kept for the form
