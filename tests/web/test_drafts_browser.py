"""Through Debian's Chromium (Playwright, headless): what a person types into a task form is saved as a
draft while they type (CSRF on), comes back after a reload with the "Draf tersimpan" note, and can be
discarded; a colleague completing the task first leaves it readable beside the result."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from web_helpers import (BROWSER_MARKS, chromium, watched_tab, copy_db, gjr_01_data, make_settings, open_task,
                         served, start_network_case)

from engine.bootstrap import open_alur
from web import create_app
from web.demo import demo_password

SHOTS = Path(__file__).parent / "screenshots"

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(template: tuple[Path, dict[int, Any]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app (CSRF on, real clock) on a free loopback port, in a thread; and its engine."""
    folder = tmp_path_factory.mktemp("drafts-browser")
    copy_db(template[0], folder / "alur.db")
    alur = open_alur(make_settings(folder, f"sqlite:///{folder / 'alur.db'}"))
    alur.definitions.adopt(template[1])
    alur.users.add_user("tu2", "TU Dua", "rahasia-uji-123", {"kasubag_tu"})
    app = create_app({"SECRET_KEY": "browser-test", "ALUR": alur})
    with served(app) as url:
        yield url, alur
    alur.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    tab = watched_tab(browser)
    yield tab
    tab.context.close()


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/masuk")
    page.fill("#username", username)
    page.fill("#password", demo_password(username))
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/kotak-masuk")


def wait_for_autosave(page: Any) -> str:
    page.wait_for_selector("#draft-status:has-text('Draf tersimpan')", timeout=10_000)
    return page.inner_text("#draft-status")


def test_typing_is_saved_as_a_draft_and_a_reload_restores_it(server: Any, page: Any) -> None:
    base, alur = server
    task = open_task(alur, start_network_case(alur, business_key="045/draf/26"))
    login(page, base, "pengguna_jaringan")
    page.goto(f"{base}/tugas/{task.task_id}")
    page.fill("[name='lokasi']", "Gedung B lantai 3, ruang server")
    page.fill("[name='hal']", "Jaringan putus sejak pagi")
    page.fill("[name='jumlah_pengguna_terdampak']", "12")
    page.fill("[name='sejak']", "2026-11-23T07:45")
    page.check("[name='urgensi'] >> nth=0")
    status = wait_for_autosave(page)
    assert status.startswith("Draf tersimpan") and status.endswith("WITA")

    page.reload()
    page.wait_for_selector("form.task-form")
    assert page.input_value("[name='lokasi']") == "Gedung B lantai 3, ruang server"
    assert page.input_value("[name='hal']") == "Jaringan putus sejak pagi"
    assert page.input_value("[name='jumlah_pengguna_terdampak']") == "12"
    assert page.input_value("[name='sejak']") == "2026-11-23T07:45"
    assert page.is_checked("[name='urgensi'] >> nth=0")
    note = page.inner_text("#draft-note")
    assert note.startswith("Draf tersimpan") and "WITA" in note and "Buang draf" in note
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "task-form-draft-restored.png"), full_page=True)

    page.click("#draft-note button:has-text('Buang draf')")
    page.wait_for_selector(".flash:has-text('Draf dibuang')")
    assert page.input_value("[name='lokasi']") == "" and page.query_selector("#draft-note") is None
    assert alur.drafts.get(task.task_id, "pengguna_jaringan") is None
    assert page.console_errors == []


def test_a_colleague_completing_first_leaves_what_was_typed_readable(server: Any, page: Any) -> None:
    base, alur = server
    case = start_network_case(alur, business_key="045/balapan/26")
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    task = open_task(alur, case, "gjr_02a")
    login(page, base, "kasubag_tu")
    page.goto(f"{base}/tugas/{task.task_id}")
    page.fill("[name='nomor_agenda']", "AG/balapan/1")
    page.fill("[name='catatan']", "Disposisi segera ke Kepala Dinas")
    wait_for_autosave(page)
    alur.runner.claim_task(task.task_id, "tu2")  # meanwhile, at the next desk
    alur.runner.complete_task(task.task_id, "tu2", {
        "nomor_agenda": "AG/rekan", "kode_klasifikasi_arsip": "555", "tanggal_terima": "2026-11-23T09:00:00+08:00",
        "sifat": "biasa", "diteruskan_ke_kepala_dinas": "kepala_dinas",
        "dokumen_surat_teragenda": gjr_01_data(alur)["dokumen_surat_permohonan"]})
    page.click("form.task-form button:has-text('Selesaikan langkah')")
    page.wait_for_selector("#form-notice")
    notice = page.inner_text("#form-notice")
    assert "Kiriman ini tidak disimpan" in notice and "sudah diselesaikan oleh TU Dua" in notice
    unsent = page.inner_text("section.unsent")
    assert "AG/balapan/1" in unsent and "Disposisi segera ke Kepala Dinas" in unsent
    page.reload()  # the autosaved draft stays readable, and only to its owner
    assert "AG/balapan/1" in page.inner_text("section.unsent")
    assert [e for e in page.console_errors if "status of 409" not in e] == []
