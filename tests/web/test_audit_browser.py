"""Through Debian's Chromium (Playwright, headless): an auditor replays a finished case with a loop, step
by step with the buttons, the slider and the keyboard, and checks the diagram marking and the data shown
at three chosen steps."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from audit_web_helpers import finished_review
from alur_testing import FakeClock
from web_helpers import BROWSER_MARKS, chromium, watched_tab, copy_db, make_settings, served

from engine.bootstrap import open_alur
from web import create_app

SHOTS = Path(__file__).parent / "screenshots"

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def served_case(template: tuple[Path, dict[int, Any]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app on a free loopback port, holding a finished review that was sent back once."""
    folder = tmp_path_factory.mktemp("audit-browser")
    copy_db(template[0], folder / "alur.db")
    clock = FakeClock()
    alur = open_alur(make_settings(folder, f"sqlite:///{folder / 'alur.db'}"), clock=clock)
    alur.definitions.adopt(template[1])
    case = finished_review(alur, clock)
    app = create_app({"SECRET_KEY": "browser-test", "ALUR": alur})
    with served(app) as url:
        yield url, case, alur
    alur.close()


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    with chromium() as browser:
        yield watched_tab(browser, 1280, 1000)


def marked(page: Any, element_id: str) -> set[str]:
    """The marker classes bpmn-js put on an element of the diagram (as drawn, not as the script meant)."""
    return set(page.evaluate(
        """id => { const e = document.querySelector(`#replay-diagram g.djs-element[data-element-id="${id}"]`);
                   return e ? Array.from(e.classList).filter(c => c.startsWith('alur-')) : null; }""",
        element_id) or [])


def shown(page: Any, key: str) -> str:
    return page.inner_text(f'#step-data tr[data-key="{key}"] td:nth-child(2)')


def wait_until(page: Any, expression: str, timeout: float = 15.0) -> None:
    """Poll a page expression from here: ``wait_for_function`` evaluates strings inside the page, which
    the app's Content-Security-Policy (no 'unsafe-eval') may refuse."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def at_step(page: Any, number: int) -> None:
    wait_until(page, f"window.alurReplay && window.alurReplay.step === {number}")
    assert page.inner_text("#replay-step") == str(number)


def test_replay_a_finished_case_with_a_loop_step_by_step(served_case, page):
    base, case, alur = served_case
    page.goto(f"{base}/masuk")
    page.fill("#username", "auditor")
    page.fill("#password", "demo-auditor")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/kotak-masuk")
    page.goto(f"{base}/audit/kasus/{case}")
    wait_until(page, "!!(window.alurReplay && window.alurReplay.ready)")
    assert page.evaluate("window.alurReplay.error") is None
    total = page.evaluate("window.alurReplay.total")
    assert total == 15  # views are not steps
    at_step(page, 1)

    # Step 2, by the button: the review's first task is open, nothing else has run.
    page.click("#replay-next")
    at_step(page, 2)
    assert page.inner_text("#step-type") == "task_created" and page.inner_text("#step-type-text") == "Langkah dibuka"
    assert page.inner_text("#step-actor").startswith("Pengelola TI (demo) (pengelola_ti), Pranata Komputer")
    assert marked(page, "tar_01") == {"alur-active"} and marked(page, "start_tar") == {"alur-done"}
    assert page.inner_text("#step-active") == "Menyiapkan tinjauan daftar aset register server"
    assert marked(page, "tar_02") == set() and marked(page, "gw_tar_02") == set()
    assert shown(page, "nomor_kasus") == "TAR/2026"
    assert page.inner_text("#step-documents") == "Belum ada dokumen."

    # Step 7, by the slider: the approval said Tidak, the flow back to the preparation is taken.
    page.eval_on_selector("#replay-slider", "(el) => { el.value = '7'; el.dispatchEvent(new Event('input')); }")
    at_step(page, 7)
    assert page.inner_text("#step-type") == "gateway_decided" and "Tidak" in page.inner_text("#step-label")
    assert marked(page, "tar_01") == {"alur-done"} and marked(page, "tar_02") == {"alur-done"}
    assert marked(page, "gw_tar_02") == {"alur-done"}
    assert marked(page, "flow_gw_tar_02_to_merge_tar_01") == {"alur-flow-taken"}
    assert shown(page, "tinjauan_disetujui") == "Tidak" and shown(page, "catatan_pengembalian") == "Lengkapi alamat IP"
    assert page.inner_text("#step-actor").startswith("Kasi Infrastruktur TIK (demo) (pengawas_infrastruktur_tik)")
    assert " · NIP " in page.inner_text("#step-actor")
    assert "Sen, 23 Nov 2026 09.30 WITA" == page.inner_text("#step-time")

    # The last step, by the keyboard: the case is closed, the end reached, each task done twice.
    page.click("h1")  # focus off the slider: the arrows then move whole steps
    page.keyboard.press("End")
    at_step(page, total)
    page.keyboard.press("ArrowLeft")
    at_step(page, total - 1)
    page.keyboard.press("ArrowRight")
    at_step(page, total)
    assert page.inner_text("#step-status") == "Selesai" and page.inner_text("#step-active") == "–"
    assert marked(page, "end_tar") == {"alur-done"} and marked(page, "tar_01") == {"alur-done"}
    assert shown(page, "tinjauan_disetujui") == "Ya" and shown(page, "catatan_pengembalian") == "Sudah lengkap"
    assert page.locator("#replay-diagram .alur-pass").count() == 2  # "2×" on both tasks
    assert page.locator("#step-documents a").count() >= 1
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "audit-replay-last-step.png"), full_page=True)
    assert page.console_errors == []

    views = [e for e in alur.queries.audit_trail(case) if e.event_type == "case_viewed"]
    assert [(e.actor, e.payload["what"]) for e in views] == [("auditor", "replay")]
