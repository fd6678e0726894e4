"""Every page, as each kind of user, on a phone (390×844, Indonesian) and a desktop (1366×768, English):
no page-level sideways scrolling (a wide table scrolls inside its own box) and no serious or critical
accessibility violation found by axe-core (npm ``axe-core``, installed by the Makefile's npm step).

One browser for the module; each person logs in once per screen size. Screenshots go to
tests/web/screenshots/walk/ (ignored by git).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alur_testing import FakeClock
from walk_pages import NOT_PAGES, USERS, Walk, prepare_walk
from web_helpers import (BROWSER_MARKS, ROOT, chromium, copy_db,
                         make_settings, served, watched_tab)

from engine.bootstrap import open_alur
from web import create_app
from web.demo import demo_password

pytestmark = BROWSER_MARKS

SHOTS = Path(__file__).parent / "screenshots" / "walk"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = (("phone", 390, 844, "id"), ("desktop", 1366, 768, "en"))


@pytest.fixture(scope="module")
def walk(template: tuple[Path, dict[int, Any]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    """A network case past its letter (a PNG) and a yearly review sent back once (PDFs)."""
    folder = tmp_path_factory.mktemp("walk")
    copy_db(template[0], folder / "alur.db")
    clock = FakeClock()
    alur = open_alur(make_settings(folder, f"sqlite:///{folder / 'alur.db'}"), clock=clock)
    alur.definitions.adopt(template[1])
    app = create_app({"SECRET_KEY": "walk-test", "ALUR": alur})
    with served(app) as url:
        yield prepare_walk(alur, clock, url)
    alur.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_the_walk_visits_every_page() -> None:
    """A page added to the app is added to the walk (or named here as a file, not a page)."""
    from web_helpers import make_settings as settings
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        alur = open_alur(settings(Path(folder), f"sqlite:///{Path(folder) / 'a.db'}"))
        try:
            app = create_app({"SECRET_KEY": "x", "ALUR": alur})
        finally:
            alur.close()
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if "GET" in (rule.methods or ()) and not rule.rule.startswith("/api")} - NOT_PAGES
    sample = Walk("", None, 1, 2, "t", "d", "i")  # type: ignore[arg-type]
    walked = {endpoint for user in USERS for endpoint, _ in sample.pages(user)} | {"auth.login"}
    assert pages - walked == set()


@pytest.mark.parametrize("username", USERS)
def test_every_page_fits_a_phone_and_has_no_serious_accessibility_problem(
        walk: Walk, browser: Any, username: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    assert AXE.exists(), "axe-core is missing: run `make node` (npm ci)"
    axe = AXE.read_text(encoding="utf-8")
    for screen, width, height, lang in SCREENS:
        tab = watched_tab(browser, width, height)
        try:
            if username == USERS[0]:  # the login page, before anyone is logged in
                tab.goto(f"{walk.base}/bahasa/{lang}?next=/masuk")
                problems += check(tab, axe, f"{screen} {lang} /masuk", f"anon-{screen}-login")
            login(tab, walk.base, username, lang)
            for index, (endpoint, path) in enumerate(walk.pages(username)):
                response = tab.goto(walk.base + path)
                assert response is not None and response.status == 200, (path, response and response.status)
                settle(tab, endpoint)
                problems += check(tab, axe, f"{screen} {lang} {path}", f"{username}-{screen}-{index:02d}-"
                                  f"{endpoint.replace('.', '_')}")
            assert tab.console_errors == [], tab.console_errors
        finally:
            tab.context.close()
    assert problems == [], "\n".join(problems)


def login(tab: Any, base: str, username: str, lang: str) -> None:
    tab.goto(f"{base}/bahasa/{lang}?next=/masuk")
    tab.fill("#username", username)
    tab.fill("#password", demo_password(username))
    tab.click("form button[type=submit]")
    tab.wait_for_url(f"{base}/kotak-masuk")


def settle(tab: Any, endpoint: str) -> None:
    """Wait for what draws after the load: the diagram, the modeler canvas."""
    if tab.query_selector("#diagram, #replay-diagram"):
        for _ in range(300):
            state = tab.evaluate("() => window.alurDiagram || window.alurReplay || null")
            if state and state.get("ready", True):
                break
            tab.wait_for_timeout(100)
    if endpoint == "modeler.editor":
        tab.wait_for_selector(".djs-container", state="attached", timeout=30000)


def check(tab: Any, axe: str, where: str, shot: str) -> list[str]:
    """The page's sideways overflow and its serious or critical axe violations, as lines."""
    problems = []
    sizes = tab.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if sizes[0] > sizes[1]:
        wide = tab.evaluate("""() => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(-4).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
        problems.append(f"{where}: page {sizes[0]} px wide in a {sizes[1]} px window: {wide}")
    if not tab.evaluate("() => typeof window.axe === 'object'"):
        tab.evaluate(axe)
    found = tab.evaluate("""async () => {
        const result = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']});
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')
                + ' ' + (n.failureSummary || '').split('\\n').slice(1, 2).join('')).join(' | '));
    }""")
    problems += [f"{where}: {violation}" for violation in found]
    tab.screenshot(path=str(SHOTS / f"{shot}.jpg"), full_page=True, type="jpeg", quality=70)
    return problems


def tab_to(tab: Any, selector: str, limit: int = 150) -> None:
    """Press Tab until the element matching ``selector`` has the focus, and check the focus shows."""
    for _ in range(limit):
        tab.keyboard.press("Tab")
        if tab.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            ring = tab.evaluate("""() => { const s = getComputedStyle(document.activeElement);
                return s.outlineStyle !== 'none' && s.outlineWidth !== '0px' || s.boxShadow !== 'none'; }""")
            assert ring, f"{selector}: the focus is not visible"
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def choose_file_by_keyboard(tab: Any, document: Path) -> None:
    """Open the focused file input's chooser with Space. Playwright turns on the chooser's interception
    without waiting for the browser, so a press right after may open the (headless, invisible) native
    dialog instead: press again, still on the same focused input, until the chooser is caught."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        try:
            with tab.expect_file_chooser(timeout=5_000) as chooser:
                tab.keyboard.press("Space")
        except PlaywrightTimeout:
            continue
        chooser.value.set_files(str(document))
        return
    raise AssertionError("Space on the focused file input opened no file chooser")


def test_a_task_is_completed_with_the_keyboard_alone(walk: Walk, browser: Any, tmp_path: Path) -> None:
    """The yearly review's first step at 390 px: errors are listed at the top and each link moves to its
    field (a table cell too); table rows are added, choices made, the document uploaded, all by keyboard."""
    case = walk.alur.runner.start_case("tinjau_aset_register_server", "pengelola_ti", "TAR/KEYBOARD").instance_id
    [task] = walk.alur.queries.open_tasks(case)
    tab = watched_tab(browser, 390, 844)
    try:
        login(tab, walk.base, "pengelola_ti", "id")
        tab.goto(f"{walk.base}/tugas/{task.task_id}")
        tab.evaluate("() => document.activeElement.blur()")
        # the register prefilled one row; clear its status so that a cell is in error too
        tab_to(tab, "#f-daftar_server_ditinjau-0-status")
        tab.keyboard.press("Home")
        tab_to(tab, "button.btn-primary")
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        links = tab.eval_on_selector_all("#form-errors .error-links a", "as => as.map(a => a.textContent.trim())")
        assert any(text.startswith("Tanggal tinjauan") for text in links), links
        assert any("baris 1, Status" in text for text in links), links
        assert tab.evaluate("() => document.getElementById('form-errors').getAttribute('role')") == "alert"
        tab.focus("#form-errors")
        tab_to(tab, "#form-errors .error-links a[href='#f-daftar_server_ditinjau-0-status']")
        tab.keyboard.press("Enter")
        assert tab.evaluate("() => document.activeElement.id") == "f-daftar_server_ditinjau-0-status"
        tab.keyboard.press("ArrowDown")  # aktif
        tab.keyboard.press("Tab")  # the row's Ya/Tidak: Ya
        tab.keyboard.press("ArrowDown")
        # a second row by keyboard (the add button focuses its first cell), removed again by keyboard
        tab_to(tab, "button.row-add")
        tab.keyboard.press("Enter")
        assert tab.evaluate("() => document.activeElement.id") == "f-daftar_server_ditinjau-1-server_aset"
        assert tab.locator("#table-daftar_server_ditinjau tbody tr").count() == 2
        tab_to(tab, "button.row-remove[aria-label='Hapus baris 2']")
        tab.keyboard.press("Enter")
        assert tab.locator("#table-daftar_server_ditinjau tbody tr").count() == 1
        tab_to(tab, "#f-tanggal_tinjau")
        tab.keyboard.type("23112026")  # the date field's order follows the browser's language
        if tab.input_value("#f-tanggal_tinjau") != "2026-11-23":
            tab.keyboard.press("Shift+Tab")
            tab.keyboard.press("Shift+Tab")
            tab.keyboard.type("11232026")
        assert tab.input_value("#f-tanggal_tinjau") == "2026-11-23"
        document = tmp_path / "daftar aset.pdf"
        document.write_bytes(b"%PDF-1.4\n% keyboard\n%%EOF\n")
        tab_to(tab, "#f-dokumen_daftar_aset_register_server")
        choose_file_by_keyboard(tab, document)
        tab_to(tab, "button.btn-primary")
        with tab.expect_navigation():
            tab.keyboard.press("Enter")
        assert tab.query_selector("#form-errors") is None, tab.inner_text("#form-errors")
        [done] = [t for t in walk.alur.queries.case_tasks(case) if t.state == "completed"]
        rows = done.data["daftar_server_ditinjau"]
        assert [(r["server_aset"], r["status"], r["sesuai"]) for r in rows] == [("SRV-UJI-01", "aktif", True)]
        assert done.data["tanggal_tinjau"] == "2026-11-23"
        assert [e for e in tab.console_errors if "status of 422" not in e] == []  # the refused first try
    finally:
        tab.context.close()


def test_the_diagram_zooms_pans_and_opens_full_screen(walk: Walk, browser: Any) -> None:
    tab = watched_tab(browser, 390, 844)
    try:
        login(tab, walk.base, "pengelola_ti", "id")
        tab.goto(f"{walk.base}/proses/sop_gangguan_jaringan")
        settle(tab, "processes.show")
        tab.wait_for_selector(".diagram-tools:not([hidden])")
        zoom = "() => document.querySelector('#diagram .viewport').transform.baseVal.consolidate().matrix.a"
        shift = "() => document.querySelector('#diagram .viewport').transform.baseVal.consolidate().matrix.e"
        before = tab.evaluate(zoom)
        tab_to(tab, "[data-diagram='in']")
        tab.keyboard.press("Enter")
        assert tab.evaluate(zoom) > before * 1.2
        x = tab.evaluate(shift)
        tab.click("[data-diagram='left']")
        assert tab.evaluate(shift) > x
        tab.click("[data-diagram='full']")
        assert tab.get_attribute("[data-diagram='full']", "aria-pressed") == "true"
        assert tab.inner_text("[data-diagram='full']") == "Tutup layar penuh"
        height = tab.evaluate("() => document.getElementById('diagram').getBoundingClientRect().height")
        assert height > 844 * 0.75  # the whole screen, less the tools
        tab.keyboard.press("Escape")
        assert tab.get_attribute("[data-diagram='full']", "aria-pressed") == "false"
        assert tab.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert tab.console_errors == []
    finally:
        tab.context.close()
