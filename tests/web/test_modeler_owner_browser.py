"""Through Chromium: a process owner uploads a .bpmn file into the modeler (a wrong file is refused in words,
the diagram stays), deploys it, and rolls back to version 1 from the versions page."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from test_modeler_browser import (  # noqa: F401
    PROPERTY, browser, check_model, login, model_value, page, served, wait_model,
)
from web_helpers import BROWSER_MARKS

from tests.engine.test_versions import KEY, set_task_property, sop01_xml

pytestmark = BROWSER_MARKS


def upload(page: Any, path: Path) -> dict[str, Any]:  # noqa: F811
    page.evaluate("() => { window.alurModeler.uploaded = null; }")
    page.set_input_files("#modeler-upload", str(path))
    page.wait_for_function("() => window.alurModeler.uploaded !== null && window.alurModeler.uploaded !== undefined")
    return page.evaluate("() => window.alurModeler.uploaded")


def test_owner_uploads_a_bpmn_file_deploys_it_and_rolls_back(served, page, tmp_path):  # noqa: F811
    base, alur = served
    login(page, base, "pemilik_proses")
    page.goto(f"{base}/pemodel/{KEY}")
    page.wait_for_function("() => window.alurModeler && window.alurModeler.ready")
    waktu = PROPERTY.format(name="waktu")

    wrong = tmp_path / "daftar.csv"
    wrong.write_text("Nama,Peran\nBudi,pengelola\n", encoding="utf-8")
    assert upload(page, wrong)["reason"] == "not_xml"
    assert "bukan model BPMN" in page.inner_text("#modeler-status")
    assert model_value(page, "gdb_03", waktu) == "1 jam"  # the diagram is unchanged

    edited = tmp_path / "gdb-revisi.bpmn"
    edited.write_text(set_task_property(sop01_xml(), "gdb_03", "waktu", "2 jam"), encoding="utf-8")
    assert upload(page, edited) == {"ok": True, "filename": "gdb-revisi.bpmn"}
    assert "gdb-revisi.bpmn dibuka di pemodel" in page.inner_text("#modeler-status")
    assert model_value(page, "gdb_03", waktu) == "2 jam"
    assert check_model(page) == []
    page.fill("#modeler-change-note", "Dari berkas revisi: langkah 3 menjadi 2 jam")
    page.click("#modeler-deploy-button")
    page.wait_for_function("() => window.alurModeler.deployed !== null")
    assert page.evaluate("() => window.alurModeler.deployed.version") == 2

    page.goto(f"{base}/pemodel/{KEY}/versi")
    row = page.locator('#version-list tr[data-version="1"]')
    row.locator("summary").click()
    row.locator("textarea").fill("2 jam tidak disetujui")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(".flash-success")
    assert "Versi 1 di-deploy lagi sebagai versi 3." in page.inner_text(".flashes")
    assert "Kembali ke versi 1: 2 jam tidak disetujui" in page.inner_text('#version-list tr[data-version="3"]')
    assert alur.versions.diff(KEY, 1, 3).is_empty
    # the refused upload's 422 is the only thing the browser reports
    assert [e for e in page.console_errors if "422" not in e] == [] and len(page.console_errors) == 1


PANEL_WORDS = """() => {
    const texts = (selector) => Array.from(document.querySelectorAll(selector)).map((n) => n.textContent.trim());
    return {
        groups: texts('#modeler-properties .bio-properties-panel-group-header-title'),
        type: texts('#modeler-properties .bio-properties-panel-header-type'),
        general: texts('#modeler-properties [data-group-id="group-general"] .bio-properties-panel-label'),
        palette: Array.from(document.querySelectorAll('.djs-palette .entry'))
            .map((n) => n.getAttribute('aria-label')).filter(Boolean),
    };
}"""


# the condition picker's options are the forms' own field labels and step names (data, as the SOP words them)
ALUR_TEXTS = """() => Array.from(document.querySelectorAll(
    '#modeler-properties [data-group-id="group-alur"] :is(.bio-properties-panel-label, '
    + '.bio-properties-panel-description, option)')).filter((n) => !(n.tagName === 'OPTION' && n.value
    && n.closest('#bio-properties-panel-alur-condition-field'))).map((n) => n.textContent.trim()).filter(Boolean)"""
ALUR_EN = {"Form (forms/<key>.json)", "Step role (optional)", "Requirements", "— choose a form —",
           "Condition (when this flow is taken)", "Default flow (taken when no condition holds)"}
ALUR_ID = {"Formulir (forms/<kunci>.json)", "Peran langkah (opsional)", "Kelengkapan", "— pilih formulir —",
           "Kondisi (jika alur ini diambil)", "Alur default (diambil bila tidak ada kondisi yang terpenuhi)"}


@pytest.mark.parametrize(("lang", "expected"), [
    ("id", {"groups": ["Umum", "Alur (konvensi SOP)", "Dokumentasi", "Properti SOP lainnya"],
            "type": ["Langkah (user task)"], "general": ["Nama", "ID"]}),
    ("en", {"groups": ["General", "Alur (SOP conventions)", "Documentation", "Other SOP properties"],
            "type": ["User Task"], "general": ["Name", "ID"]}),
])
def test_the_panel_shows_only_alur_groups_in_the_ui_language(served, page, lang, expected):  # noqa: F811
    base, _alur = served
    login(page, base, "pemilik_proses")
    page.goto(f"{base}/bahasa/{lang}?next=/pemodel/{KEY}")
    page.wait_for_function("() => window.alurModeler && window.alurModeler.ready")
    assert page.evaluate("() => window.alurModeler.select('gdb_03')")
    page.wait_for_selector('#modeler-properties [data-group-id="group-alur"]')
    words = page.evaluate(PANEL_WORDS)
    palette = words.pop("palette")
    assert words == expected
    english = {"Activate hand tool", "Create start event", "Create task", "Create gateway"}
    indonesian = {"Alat geser kanvas", "Buat peristiwa mulai", "Buat tugas", "Buat gateway"}
    assert (english if lang == "en" else indonesian) <= set(palette)
    assert not (indonesian if lang == "en" else english) & set(palette)
    # the Alur group's own texts, for a step and for a flow out of a Yes/No gateway
    alur_texts = page.evaluate(ALUR_TEXTS)
    assert page.evaluate("() => window.alurModeler.select('flow_gw_gdb_07_to_gdb_08')")
    page.wait_for_selector("#bio-properties-panel-alur-condition")
    alur_texts += page.evaluate(ALUR_TEXTS)
    page.evaluate("() => window.alurModeler.select('gdb_03')")
    page.wait_for_selector('#modeler-properties [data-group-id="group-alur"]')
    mine, other = (ALUR_EN, ALUR_ID) if lang == "en" else (ALUR_ID, ALUR_EN)
    assert mine <= set(alur_texts) and not other & set(alur_texts)
    if lang == "en":
        indonesian_words = {"yang", "wajib", "langkah", "pilih", "opsional", "formulir", "kondisi", "peran"}
        assert [t for t in alur_texts if indonesian_words & set(t.lower().replace(".", " ").split())] == []
    # the extension properties list keeps the official SOP wording and the step's English texts (where the
    # owner edits them) only: the Alur group edits the rest
    group = '#modeler-properties [data-group-id="group-CamundaPlatform__ExtensionProperties"]'
    page.click(f"{group} .bio-properties-panel-group-header")
    listed = page.evaluate(f"""() => Array.from(document.querySelectorAll(
        '{group} .bio-properties-panel-collapsible-entry-header-title')).map((n) => n.textContent.trim())""")
    assert listed and all(name.startswith("sop_") or name.endswith("_en") for name in listed), listed
    assert {"name_en", "kelengkapan_en", "waktu_en", "output_en"} <= set(listed)
    assert page.console_errors == []


def test_owner_saves_a_draft_and_reopens_it_from_the_modeler_page(served, page):  # noqa: F811
    base, alur = served
    login(page, base, "pemilik_proses")
    page.goto(f"{base}/pemodel/{KEY}")
    page.wait_for_function("() => window.alurModeler && window.alurModeler.ready")
    waktu = PROPERTY.format(name="waktu")
    assert page.evaluate("() => window.alurModeler.select('gdb_03')")
    page.fill("#bio-properties-panel-alur-mutu-waktu", "2 jam")
    wait_model(page, "gdb_03", f"{waktu} === '2 jam'")

    page.click("#modeler-draft-button")  # no name yet: the browser asks for one, nothing is sent
    assert page.evaluate("() => window.alurModeler.draftSaved") is None
    page.fill("#modeler-draft-title", "Revisi waktu langkah 3")
    page.click("#modeler-draft-button")
    page.wait_for_function("() => window.alurModeler.draftSaved")
    draft_id = page.evaluate("() => window.alurModeler.draftSaved.id")
    assert 'Draf "Revisi waktu langkah 3" disimpan.' in page.inner_text("#modeler-status")
    assert page.url.endswith(f"/pemodel/{KEY}?draf={draft_id}")
    assert [v.version for v in alur.versions.list_versions(KEY)] == [1]

    page.goto(f"{base}/pemodel")
    page.click(f'[data-draft="{draft_id}"] a')
    page.wait_for_function("() => window.alurModeler && window.alurModeler.ready")
    assert model_value(page, "gdb_03", waktu) == "2 jam"
    assert page.input_value("#modeler-draft-title") == "Revisi waktu langkah 3"
    page.fill("#modeler-draft-title", "Revisi waktu langkah 3 (final)")  # saving again replaces the draft
    page.evaluate("() => { window.alurModeler.draftSaved = null; }")
    page.click("#modeler-draft-button")
    page.wait_for_function("() => window.alurModeler.draftSaved")
    assert [(d.draft_id, d.title) for d in alur.model_drafts.list(KEY)] == [
        (draft_id, "Revisi waktu langkah 3 (final)")]
    assert page.console_errors == []
