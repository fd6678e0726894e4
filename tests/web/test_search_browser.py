"""Through Debian's Chromium: search the inbox, sort it from the keyboard, save the search as a tab."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from web_helpers import BROWSER_MARKS, chromium, copy_db, gjr_01_data, make_settings, open_task, served

from engine.bootstrap import open_alur
from web import create_app

SHOTS = Path(__file__).parent / "screenshots"

pytestmark = BROWSER_MARKS


@pytest.fixture
def server(template: tuple[Path, dict[int, Any]], tmp_path: Path) -> Iterator[tuple[str, list[int]]]:
    """The app (CSRF on) with two request letters waiting for Kasubag TU."""
    copy_db(template[0], tmp_path / "alur.db")
    alur = open_alur(make_settings(tmp_path, f"sqlite:///{tmp_path / 'alur.db'}"))
    alur.definitions.adopt(template[1])
    cases = []
    for key, opd in (("045/1/26", "Dinas Pendidikan"), ("046/2/26", "Dinas Kesehatan")):
        case = alur.runner.start_case("sop_gangguan_jaringan", "pengguna_jaringan", key).instance_id
        alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan",
                                  {**gjr_01_data(alur), "opd_pengirim": opd})
        cases.append(case)
    with served(create_app({"SECRET_KEY": "browser-test", "ALUR": alur})) as url:
        yield url, cases
    alur.close()


@pytest.fixture
def page(server: tuple[str, list[int]]) -> Iterator[Any]:
    with chromium() as browser:
        tab = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        base = server[0]
        tab.goto(f"{base}/masuk")
        tab.fill("#username", "kasubag_tu")
        tab.fill("#password", "demo-kasubag_tu")
        tab.click("form button[type=submit]")
        tab.wait_for_url(f"{base}/kotak-masuk")
        yield tab


def test_search_sort_by_keyboard_and_save_the_search_as_a_tab(server, page):
    base, (first, second) = server
    page.goto(f"{base}/kotak-masuk?tab=available")
    page.fill("#s-opd", "kesehatan")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**opd=kesehatan**")
    assert page.locator("table.list tbody tr").count() == 1
    assert page.locator(f"table.list a[href='/kasus/{second}']").count() == 1

    page.goto(f"{base}/kotak-masuk?tab=available")
    page.locator("th a.sort-link", has_text="Kasus").focus()  # reached with Tab like any link
    page.keyboard.press("Enter")
    page.wait_for_url("**urut=case**")
    page.locator("th a.sort-link", has_text="Kasus").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**urut=-case**")
    assert page.get_attribute("th[aria-sort]", "aria-sort") == "descending"
    rows = page.locator("table.list tbody tr td:nth-child(2) a").all_inner_texts()
    assert rows == [f"#{second}", f"#{first}"]

    page.goto(f"{base}/kotak-masuk?tab=available&opd=kesehatan")
    page.fill("#filter-name", "Surat Dinkes")
    page.click("form.saved-filter button[type=submit]")
    page.wait_for_url("**filter=**")
    tab = page.locator("nav.tabs a[aria-current=page]")
    assert "Surat Dinkes" in tab.inner_text() and tab.locator(".count").inner_text() == "1"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "inbox-saved-filter.png"), full_page=True)
