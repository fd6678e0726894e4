"""Through Debian's Chromium (Playwright, headless): a document file of a finished case is replaced on
disk; the auditor opens the case from the audit pages, follows its verification link, and the page says
a problem was found, naming the document and the step that submitted it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from audit_web_helpers import finished_review
from sqlalchemy import text
from alur_testing import FakeClock
from web_helpers import BROWSER_MARKS, chromium, watched_tab, copy_db, make_settings, served

from engine.bootstrap import open_alur
from web import create_app

SHOTS = Path(__file__).parent / "screenshots"

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def replaced_document(template: tuple[Path, dict[int, Any]], tmp_path_factory: pytest.TempPathFactory
                      ) -> Iterator[tuple[str, int, str, str]]:
    """The app on a loopback port; a finished review whose first submitted document was replaced on
    disk. Yields the URL, the case, the document's file name and the step that submitted it."""
    folder = tmp_path_factory.mktemp("audit-records-browser")
    copy_db(template[0], folder / "alur.db")
    clock = FakeClock()
    alur = open_alur(make_settings(folder, f"sqlite:///{folder / 'alur.db'}"), clock=clock)
    alur.definitions.adopt(template[1])
    case = finished_review(alur, clock)
    with alur.db.connect() as conn:
        steps = conn.execute(text("select name, data_json from human_task where instance_id = :c and "
                                  "state = 'completed' order by completed_at, id"), {"c": case}).all()
        step, sha = next((name, value) for name, data_json in steps for value in json.loads(data_json).values()
                         if isinstance(value, str) and len(value) == 64)
        filename = conn.execute(text("select filename from document_upload where sha256 = :s and instance_id = :c "
                                     "order by id limit 1"), {"s": sha, "c": case}).scalar_one()
    (alur.settings.attachments_dir / sha[:2] / sha).write_bytes(b"%PDF-1.4\n% diganti diam-diam\n%%EOF\n")
    app = create_app({"SECRET_KEY": "browser-test", "ALUR": alur})
    with served(app) as url:
        yield url, case, filename, step
    alur.close()


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    with chromium() as browser:
        yield watched_tab(browser, 1280, 1000)


def test_the_verification_page_names_a_replaced_document_and_its_step(replaced_document, page):
    base, case, filename, step = replaced_document
    page.goto(f"{base}/masuk")
    page.fill("#username", "auditor")
    page.fill("#password", "demo-auditor")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/kotak-masuk")
    page.goto(f"{base}/audit/kasus")
    page.click(f"a[href='/audit/kasus/{case}']")
    page.wait_for_url(f"{base}/audit/kasus/{case}")
    page.click(f"a[href='/audit/kasus/{case}/verifikasi']")
    page.wait_for_url(f"{base}/audit/kasus/{case}/verifikasi")

    assert page.inner_text("#verdict") == "Ditemukan masalah"
    problems = page.locator("#document-problem-list li").all_inner_texts()
    assert problems == [f"Dokumen «{filename}» pada langkah «{step}» (kasus #{case}): isi berkas berubah"]
    assert "CHANGED" in page.inner_text("#verification-report")  # the report's own line, for the record
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "audit-verification-replaced-document.png"), full_page=True)
