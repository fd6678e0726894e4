"""The penilai SOP in a real browser (390 px phone, 1366 px desktop): drafts the monitoring form of SOP-03,
fills in a row, saves and signs it off; the editable form has no serious axe-core problem and never
scrolls sideways."""
from __future__ import annotations

from typing import Any

import pytest
from test_page_walk import AXE, SHOTS, check, login
from web_helpers import BROWSER_MARKS, chromium, served, watched_tab

from web import create_app

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def browser() -> Any:
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("screen, width, height, lang", [("phone", 390, 844, "id"), ("desktop", 1366, 768, "en")])
def test_penilai_drafts_fills_and_signs_off_in_the_browser(alur, browser, screen, width, height, lang):
    SHOTS.mkdir(parents=True, exist_ok=True)
    axe = AXE.read_text(encoding="utf-8")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "ALUR": alur})  # CSRF on
    with served(app) as base:
        tab = watched_tab(browser, width, height)
        try:
            login(tab, base, "penilai_sop", lang)
            tab.goto(f"{base}/dasbor/penilaian")
            problems = check(tab, axe, f"{screen} /dasbor/penilaian", f"penilai-{screen}-index")
            tab.select_option("#as-sop", "sop_gangguan_jaringan")
            tab.fill("#as-tahun", "2026")
            tab.select_option("#as-semester", "1")
            tab.click("form.inline-form button[type=submit]")
            tab.wait_for_url(f"{base}/dasbor/penilaian/*")
            problems += check(tab, axe, f"{screen} form (draft)", f"penilai-{screen}-form")
            rows = tab.locator("table.assessment-rows tbody tr").count()
            for index in range(rows):
                tab.check(f"input[name=penilaian_{index}][value=baik]")
            tab.fill("textarea[name=catatan_0]", "Belum ada gangguan yang dilaporkan lewat Alur.")
            tab.click("#assessment-form button[type=submit]")
            tab.wait_for_load_state()
            assert tab.input_value("textarea[name=catatan_0]") == "Belum ada gangguan yang dilaporkan lewat Alur."
            tab.click("form[action$='/sahkan'] button[type=submit]")
            tab.wait_for_load_state()
            assert tab.locator("textarea").count() == 0
            problems += check(tab, axe, f"{screen} form (signed)", f"penilai-{screen}-signed")
            assert problems == [], "\n".join(problems)
            assert tab.console_errors == [], tab.console_errors
        finally:
            tab.context.close()
    [form] = alur.assessments.list_forms(frozenset({"penilai_sop"}))
    assert form.signed and form.content["rows"][0]["catatan"].startswith("Belum ada gangguan")
