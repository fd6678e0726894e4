"""The dashboard in Chromium: the Kabid sees the charts and the heatmap with coloured steps; a staff member
sees only their own figures."""
from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Iterator

import pytest
from test_browser import Desks, browser  # noqa: F401 - browser is a fixture
from web_helpers import BROWSER_MARKS, copy_db, make_settings, served

from bench.dashboard import fill_figures
from engine import period_of
from engine.bootstrap import open_alur
from web import create_app
from web.dashboard_tables import percent

pytestmark = BROWSER_MARKS
NETWORK = "sop_gangguan_jaringan"
STAFF = ["pengelola_ti", "pemeriksa_ti", "administrator_jaringan_server"]
YEAR = "periode=tahun&tahun=2026"
SHOTS = os.environ.get("ALUR_SCREENSHOTS")  # a folder: the Kabid's page is saved there for a look


def wait_for(page: Any, expression: str, timeout: float = 30.0) -> None:
    """Poll with ``evaluate``: ``wait_for_function`` evaluates a string in the page, which the CSP refuses."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(f"() => Boolean({expression})"):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"not within {timeout} s: {expression}")


@pytest.fixture(scope="module")
def office(template: tuple[Path, dict[int, Any]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app (CSRF on) over a year of generated finished cases; yields (base URL, the engine)."""
    folder = tmp_path_factory.mktemp("dashboard-browser")
    copy_db(template[0], folder / "alur.db")
    alur = open_alur(make_settings(folder, f"sqlite:///{folder / 'alur.db'}"))
    alur.definitions.adopt(template[1])
    fill_figures(alur, [d.process_key for _, d in alur.figures.latest()], 120, datetime(2026, 1, 5, tzinfo=UTC),
                 330, STAFF)
    app = create_app({"SECRET_KEY": "browser-test", "ALUR": alur})
    with served(app) as url:
        yield url, alur
    alur.close()


@pytest.fixture
def desks(browser: Any, office: tuple[str, Any]) -> Iterator[Desks]:  # noqa: F811 - the fixture above
    desks = Desks(browser, office[0])
    yield desks
    desks.close()


def test_the_kabid_sees_charts_and_the_heatmap(desks, office):
    base, alur = office
    page = desks.of("pejabat_administrator_tik")
    page.goto(f"{base}/dasbor?{YEAR}")
    wait_for(page, "window.alurCharts && window.alurCharts.drawn >= 1")
    page.click(f"a[href^='/dasbor/sop/{NETWORK}']")
    wait_for(page, "window.alurHeatmap && window.alurHeatmap.ready")
    assert page.evaluate("window.alurHeatmap.error") is None
    figures = alur.figures.figures(NETWORK, period_of("year", 2026))
    expected = {s.element_id: ("none" if not s.completed or s.on_time_rate is None else
                               "good" if s.on_time_rate >= 0.9 else "fair" if s.on_time_rate >= 0.7 else "poor")
                for s in figures.steps}
    assert page.evaluate("window.alurHeatmap.coloured") == expected
    assert {"good", "fair", "poor"} & set(expected.values())
    for element_id, heat in expected.items():  # the diagram itself is painted, not only the report
        shape = page.locator(f"#heatmap g.djs-element[data-element-id='{element_id}']")
        assert f"heat-{heat}" in (shape.get_attribute("class") or "")
    rework = [f for f in figures.flows if f.rework and f.taken]
    assert rework and page.locator(".heat-label-rework").count() == len([f for f in figures.flows if f.rework])
    assert page.locator(".heat-label-rework").first.inner_text().endswith("×")
    # each step done is labelled with its median working time, each Ya/Tidak flow with how often it was taken
    step_labels = page.locator("#heatmap .heat-label-step").all_inner_texts()
    done = [s for s in figures.steps if s.completed]
    assert len(step_labels) == len(done) and done
    medians = {row[1]: row[5] for row in page.evaluate(  # the steps table: No., Langkah, ..., Median, P90
        "() => [...document.querySelectorAll('#langkah-table tbody tr')].map("
        "r => [...r.children].map(c => c.textContent.trim()))")}
    assert sorted(step_labels) == sorted(f"{percent(s.on_time_rate)} tepat waktu · median {medians[s.name]}"
                                         for s in done)
    assert all(median not in ("", "–") for median in medians.values())
    flow_labels = page.locator("#heatmap .heat-label-flow, #heatmap .heat-label-rework").all_inner_texts()
    assert sorted(int(text.rstrip("×").rsplit(" ", 1)[-1]) for text in flow_labels) == sorted(
        f.taken for f in figures.flows)
    assert page.evaluate("window.alurCharts.drawn") >= 4 and page.evaluate("window.alurCharts.error") is None
    page.click("#pelaksana-title ~ * summary, section[aria-labelledby='pelaksana-title'] summary")
    people = page.inner_text("#pelaksana-table tbody").lower()  # the row headers are shown in capitals
    for username in STAFF:
        assert alur.users.get(username).full_name.lower() in people
    assert desks.console_errors() == []
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "dashboard-kabid.png"), full_page=True)


def test_a_staff_member_sees_only_their_own_figures(desks, office):
    base, alur = office
    page = desks.of("pengelola_ti")
    page.goto(f"{base}/dasbor?{YEAR}")
    wait_for(page, "window.alurCharts && window.alurCharts.drawn >= 1")
    assert page.locator("#ringkasan-table").count() == 0
    page.click("section[aria-labelledby='milik-saya-title'] summary")
    mine = page.inner_text("#milik-saya-table tbody")
    own = alur.figures.own("pengelola_ti", period_of("year", 2026))
    assert own and all(str(p.completed) in mine for _, p in own)
    for other in ("pemeriksa_ti", "administrator_jaringan_server"):
        assert alur.users.get(other).full_name not in page.content()
    response = page.goto(f"{base}/dasbor/sop/{NETWORK}?{YEAR}")
    assert response.status == 403
    assert [e for e in desks.console_errors() if "403" not in e] == []
