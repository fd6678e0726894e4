"""Through Debian's Chromium: the Kepala Dinas appoints a Plh for the Kabid from today to next week; the
Kabid's pending disposition (SOP-01 GDB-02) shows in the stand-in's inbox marked "Plh."; the stand-in
completes it and the case page names both; after the mandate's last day (the app's clock moved on)
the Kabid's other pending disposition no longer shows, and cannot be opened.

The app runs on a FakeClock (Monday 23 Nov 2026, 08:30 WITA), moved by the test.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alur_testing import FakeClock
from process_helpers import FillContext, form_data
from test_browser import SHOTS, fill_form, login, submit
from web_helpers import BROWSER_MARKS, chromium, watched_tab, copy_db, make_settings, served, upload

from engine.bootstrap import open_alur
from web import create_app

pytestmark = BROWSER_MARKS
KABID, KADIS, KASI = "pejabat_administrator_tik", "kepala_dinas", "pengawas_infrastruktur_tik"
DISPOSITION = "Menerima dan mengecek laporan, lalu mendisposisikan"


@pytest.fixture
def office(template: tuple[Path, dict[int, Any]], tmp_path: Path) -> Iterator[tuple[str, Any, FakeClock]]:
    """The app (CSRF on) over a copy of the prepared database, on a clock the test moves."""
    copy_db(template[0], tmp_path / "alur.db")
    clock = FakeClock()
    alur = open_alur(make_settings(tmp_path, f"sqlite:///{tmp_path / 'alur.db'}"), clock=clock)
    alur.definitions.adopt(template[1])
    app = create_app({"SECRET_KEY": "browser-test", "ALUR": alur})
    with served(app) as url:
        yield url, alur, clock
    alur.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def desk(browser: Any, base: str, username: str) -> Any:
    page = watched_tab(browser)
    login(page, base, username)
    return page


def kabid_disposition(alur: Any, business_key: str) -> Any:
    """An SOP-01 case whose first step is done: GDB-02 waits in the Kabid's pool."""
    case = alur.runner.start_case("sop_gangguan_database", "pengelola_ti", business_key).instance_id
    first = alur.queries.open_tasks(case)[0]
    ctx = FillContext(tag=business_key, now=alur.clock(), user_for=lambda role: role,
                      document=lambda label: upload(alur, f"{label}.pdf", f"%PDF-1.4 {business_key} {label}".encode(),
                                                    "pengelola_ti"),
                      full=False)
    alur.runner.complete_task(first.task_id, "pengelola_ti", form_data(alur.forms.get(first.form_key).schema, ctx))
    task = alur.queries.open_tasks(case)[0]
    assert (task.element_id, task.role) == ("gdb_02", KABID)
    return task


def test_a_plh_for_the_kabid_works_his_disposition_until_the_mandate_ends(browser: Any, office: Any,
                                                                           tmp_path: Path) -> None:
    base, alur, clock = office
    SHOTS.mkdir(exist_ok=True)
    first, second = kabid_disposition(alur, "GDB/045/1"), kabid_disposition(alur, "GDB/045/2")

    # The Kepala Dinas appoints the Kasi Infrastruktur as Plh of the Kabid, from today to next week.
    kadis = desk(browser, base, KADIS)
    kadis.click("nav.mainnav a:has-text('Plh/Plt')")
    assert kadis.input_value("#f-dari") == "2026-11-23" and kadis.input_value("#f-sampai") == "2026-11-30"
    kadis.select_option("#f-jenis", "plh")
    kadis.select_option("#f-pejabat", KABID)
    kadis.select_option("#f-pelaksana", KASI)
    kadis.fill("#f-dasar", "800.1.6/045/Diskominfo/2026")
    kadis.click("form.mandate-form button[type=submit]")
    kadis.wait_for_load_state("load")
    assert "ditunjuk" in kadis.inner_text(".flashes")
    assert kadis.locator("table.mandates tbody tr", has_text="Berjalan").count() == 1
    kadis.screenshot(path=str(SHOTS / "mandates.png"), full_page=True)

    # The stand-in sees both dispositions of the Kabid, marked Plh. with the Kabid's name.
    kasi = desk(browser, base, KASI)
    kasi.goto(f"{base}/kotak-masuk?tab=available")
    rows = kasi.locator("table.list tbody tr", has_text=DISPOSITION)
    assert rows.count() == 2
    for n in range(2):
        assert rows.nth(n).locator(".badge-mandate").inner_text() == "Plh. Kabid TIK (demo)"
    kasi.screenshot(path=str(SHOTS / "inbox-plh.png"), full_page=True)

    # The stand-in completes the first one; the case page names both people.
    kasi.goto(f"{base}/tugas/{first.task_id}")
    assert "sebagai Plh. Kepala Bidang TIK, atas nama Kabid TIK (demo)" in kasi.inner_text(".notice-mandate")
    fill_form(kasi, first.form_key, tmp_path)
    submit(kasi)
    kasi.goto(f"{base}/kasus/{first.instance_id}")
    performer = kasi.locator("section[aria-labelledby=steps-title] tr", has_text="GDB-02").locator(".acted-for")
    assert performer.inner_text() == \
        "Plh. Kepala Bidang TIK: Kasi Infrastruktur TIK (demo), atas nama Kabid TIK (demo)"
    assert "sebagai Plh. atas nama Kabid TIK (demo), surat 800.1.6/045/Diskominfo/2026" in \
        kasi.inner_text("section[aria-labelledby=audit-title]")
    kasi.screenshot(path=str(SHOTS / "case-plh.png"), full_page=True)
    done = alur.queries.task(first.task_id)
    assert (done.state, done.completed_by) == ("completed", KASI)

    # After the last day of the mandate, the Kabid's other disposition is no longer the stand-in's.
    clock.advance(days=8)
    kasi.goto(f"{base}/kotak-masuk?tab=available")
    assert kasi.locator("table.list tbody tr", has_text=DISPOSITION).count() == 0
    assert kasi.locator(".badge-mandate").count() == 0
    response = kasi.goto(f"{base}/tugas/{second.task_id}")
    assert response.status == 403
    kabid = desk(browser, base, KABID)  # the Kabid, back, still has it
    kabid.goto(f"{base}/kotak-masuk?tab=available")
    assert kabid.locator("table.list tbody tr", has_text=DISPOSITION).count() == 1
    assert kadis.console_errors == [] and kabid.console_errors == []
    assert [e for e in kasi.console_errors if "status of 403" not in e] == []
