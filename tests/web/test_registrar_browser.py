"""Through Debian's Chromium (Playwright, headless): Kasubag TU registers a paper letter for an OPD
with its agenda number, the back-up request (SOP-05) runs to its end, and the OPD's requester account
reads the status and the outcome only, and finds the notice under the bell.

Screenshots go to tests/web/screenshots/ (ignored by git).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from test_browser import SHOTS, Desks, browser, do_step, fill_form  # noqa: F401 - browser is a fixture
from web_helpers import BROWSER_MARKS, PDF, add_test_server, copy_db, make_settings, served

from engine.bootstrap import open_alur
from engine.worker.scheduler import build_worker
from web import create_app

pytestmark = BROWSER_MARKS
AGENDA = "005/431/TU-DISKOMINFO/2026"
DINKES = "Dinas Kesehatan Provinsi Kalimantan Timur"


@pytest.fixture(scope="module")
def office(template: tuple[Path, dict[int, Any]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app (CSRF on, real clock) on a free loopback port; yields (base URL, the engine)."""
    folder = tmp_path_factory.mktemp("registrar-browser")
    copy_db(template[0], folder / "alur.db")
    alur = open_alur(make_settings(folder, f"sqlite:///{folder / 'alur.db'}"))
    alur.definitions.adopt(template[1])
    add_test_server(alur)
    app = create_app({"SECRET_KEY": "browser-test", "ALUR": alur})
    with served(app) as url:
        yield url, alur
    alur.close()


@pytest.fixture
def desks(browser: Any, office: tuple[str, Any]) -> Iterator[Desks]:  # noqa: F811 - the fixture above
    desks = Desks(browser, office[0])
    yield desks
    desks.close()


def test_kasubag_tu_registers_a_paper_letter_and_the_requester_reads_status_and_outcome(
        desks: Desks, office: tuple[str, Any], tmp_path: Path) -> None:
    SHOTS.mkdir(exist_ok=True)
    base, alur = office

    # Kasubag TU: Kasus > Daftarkan surat masuk > SOP-05, the unit, the agenda number, BRD-01 with the scan
    tu = desks.of("kasubag_tu")
    tu.goto(f"{base}/kasus")
    tu.click("a:has-text('Daftarkan surat masuk')")
    tu.locator(".start-card", has_text="Back-up dan Restore").locator("a:has-text('Daftarkan')").click()
    tu.wait_for_selector("form.task-form")
    assert tu.query_selector("[name='opd_pemohon']") is None  # chosen from the OPD list instead
    tu.select_option("#reg-opd", label=f"{DINKES} (DINKES)")
    tu.fill("#reg-agenda", AGENDA)
    fill_form(tu, "brd_01_surat_permohonan", tmp_path, skip=("opd_pemohon",))
    tu.check("[name='persetujuan_risiko']")
    tu.screenshot(path=str(SHOTS / "registration-form.png"), full_page=True)
    tu.click("form.task-form button:has-text('Daftarkan dan selesaikan langkah pertama')")
    tu.wait_for_selector("h1:has-text('Kasus #')")
    case_path = tu.url.removeprefix(base)
    text = tu.inner_text("main")
    assert "Surat didaftarkan sebagai kasus" in text and AGENDA in text and f"atas nama {DINKES}" in text

    # the case runs to its end, each step at its own desk
    do_step(desks, tmp_path, "pejabat_administrator_tik", "Memverifikasi permohonan", "brd_02a_verifikasi_disposisi")
    do_step(desks, tmp_path, "pengawas_infrastruktur_tik", "Meneruskan disposisi", "brd_02b_teruskan_personil_dc")
    do_step(desks, tmp_path, "pengelola_ti", "Merencanakan back-up/restore", "brd_03_perencanaan")
    do_step(desks, tmp_path, "pengelola_ti", "Melaksanakan proses back-up/restore", "brd_04_pelaksanaan")
    do_step(desks, tmp_path, "pemeriksa_ti", "Mengkonfirmasi hasil pelaksanaan", "brd_05_konfirmasi_hasil")
    staff = desks.of("kasubag_tu")
    staff.goto(base + case_path)
    assert "Selesai" in staff.inner_text(".page-head") and "Jejak audit" in staff.inner_text("main")
    build_worker(alur).run_once()  # the worker announces the finished request

    # the requester account of Dinas Kesehatan: status, dates, its letter and the outcome, nothing internal
    requester = desks.of("opd_pemohon")
    requester.goto(f"{base}/kasus")
    requester.click(f"a[href='{case_path}']")
    requester.wait_for_selector("#requester-status")
    text = requester.inner_text("main")
    assert requester.inner_text("#requester-status") == "Selesai"
    assert AGENDA in text and DINKES in text and "Mengkonfirmasi hasil pelaksanaan" in text
    for internal in ("Jejak audit", "Langkah dan mutu baku", "Diagram", "Memverifikasi permohonan", "Komentar",
                     "Meneruskan disposisi"):
        assert internal not in text, internal
    documents = requester.locator("section:has(h2:has-text('Dokumen')) li")
    assert documents.count() == 2  # the letter it sent and the confirmed report
    requester.screenshot(path=str(SHOTS / "requester-view.png"), full_page=True)
    with requester.expect_download() as download:
        requester.click("section:has(h2:has-text('Dokumen')) li:has-text('Laporan (terkonfirmasi)') a")
    assert Path(download.value.path()).read_bytes().startswith(PDF)
    assert requester.inner_text(".bell .count") == "1"
    requester.click(".bell")
    assert "Permohonan Anda selesai" in requester.inner_text("main") and AGENDA in requester.inner_text("main")

    # a requester of another unit neither lists nor opens it
    other = desks.of("pengguna_jaringan")
    other.goto(f"{base}/kasus")
    assert other.query_selector(f"a[href='{case_path}']") is None
    assert other.goto(base + case_path).status == 404  # as if there were no such case
    assert [e for e in desks.console_errors() if "status of 404" not in e] == []
