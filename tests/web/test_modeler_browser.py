"""Through Debian's Chromium (Playwright, headless): a process owner edits the database incident SOP in the
modeler, sees a flow without a condition flagged on its element, fixes it and deploys version 2; new cases
use v2, a running v1 case finishes on v1, a case moved from the versions page finishes on v2, and the diff
lists exactly the changes made. Also: the SOP documents lay out as planned in the browser.

Screenshots go to tests/web/screenshots/ (ignored by git).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
from web_helpers import BROWSER_MARKS, chromium, watched_tab, copy_db, make_settings
from web_helpers import served as serve_app

from engine.modeling.checks import validate_model
from engine.modeling.diff import diff_models
from engine.bootstrap import open_alur
from engine.modeling.parser import DefinitionParser
from engine.reading.versions import Versions
from tests.engine.test_migration_of_cases import STEPS, STEPS_V2
from tests.processes.process_helpers import CAST, PASSWORD, Case
from web import create_app
from web.demo import demo_password

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).parent / "screenshots"
BUNDLE = ROOT / "web" / "static" / "vendor" / "modeler.js"
KEY = "sop_gangguan_database"
YA_FLOW = "flow_gw_gdb_07_to_gdb_08"

pytestmark = BROWSER_MARKS


def ensure_bundle() -> None:
    """Build the modeler bundle (as ``make modeler`` does) when it is missing or older than its sources."""
    sources = list((ROOT / "web" / "modeler_js").iterdir())
    if BUNDLE.is_file() and BUNDLE.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return
    if shutil.which("npm") is None or not (ROOT / "node_modules" / "esbuild").is_dir():
        message = "the modeler bundle is not built and npm/esbuild are missing (run `make modeler`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    subprocess.run(["npm", "run", "--silent", "build:modeler"], cwd=ROOT, check=True, timeout=300)


@pytest.fixture
def served(template: tuple[Path, dict[int, Any]], tmp_path: Path, clock: Any) -> Iterator[tuple[str, Any]]:
    """The app (CSRF on, the test clock) on a free loopback port, and its engine."""
    ensure_bundle()
    copy_db(template[0], tmp_path / "alur.db")
    alur = open_alur(make_settings(tmp_path, f"sqlite:///{tmp_path / 'alur.db'}"), clock=clock)
    alur.definitions.adopt(template[1])
    app = create_app({"SECRET_KEY": "browser-test", "ALUR": alur})
    with serve_app(app) as url:
        yield url, alur
    alur.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    tab = watched_tab(browser, 1440, 1000, accept_downloads=True)
    yield tab
    tab.context.close()


def add_people(alur: Any) -> None:
    """The people the case walks need (some of them are demo accounts already)."""
    for username, roles in CAST.items():
        if alur.users.find(username) is None:
            alur.users.add_user(username, username, PASSWORD, set(roles))


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/masuk")
    page.fill("#username", username)
    page.fill("#password", demo_password(username))
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/kotak-masuk")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"modeler_{name}.png"), full_page=True)


def model_value(page: Any, element_id: str, expression: str) -> Any:
    """Evaluate ``expression`` on the business object of an element of the diagram being edited."""
    return page.evaluate(f"""() => {{
        const bo = window.alurModeler.modeler.get('elementRegistry').get({element_id!r}).businessObject;
        return {expression};
    }}""")


def wait_model(page: Any, element_id: str, expression: str) -> None:
    """Wait until the properties panel (debounced) has written a value into the model."""
    page.wait_for_function(f"""() => {{
        const element = window.alurModeler.modeler.get('elementRegistry').get({element_id!r});
        const bo = element && element.businessObject;
        return !!bo && ({expression});
    }}""", timeout=10_000)


PROPERTY = "(bo.extensionElements.values.find(v => v.$type === 'camunda:Properties').values" \
           ".find(p => p.name === '{name}') || {{}}).value"


def check_model(page: Any) -> list[dict[str, Any]]:
    page.evaluate("() => { window.alurModeler.problems = null; }")
    page.click("#modeler-check")
    page.wait_for_function("() => window.alurModeler.problems !== null && !window.alurModeler.busy")
    return page.evaluate("() => window.alurModeler.problems")


def test_owner_edits_checks_deploys_and_cases_follow_their_versions(served, page, clock):
    base, alur = served
    add_people(alur)
    stays = Case(alur, clock, KEY, STEPS, starter="pengelola", business_key="GDB/V1/TETAP")
    moves = Case(alur, clock, KEY, STEPS_V2, starter="pengelola", business_key="GDB/V1/PINDAH")
    stays.do("gdb_01")

    login(page, base, "pemilik_proses")
    page.goto(f"{base}/pemodel/{KEY}")
    page.wait_for_function("() => window.alurModeler && window.alurModeler.ready")
    assert page.evaluate("() => window.alurModeler.error") is None

    # the pool carries the SOP's identity and time limit; a task its form; a lane its catalogue role
    assert page.evaluate(f"() => window.alurModeler.select('participant_{KEY}')")  # its band is under the palette
    assert page.input_value("#bio-properties-panel-alur-waktu_pelaksanaan_iso") == "P3D"
    assert page.input_value("#bio-properties-panel-alur-nama_sop") == "PENGELOLAAN GANGGUAN DATABASE"
    page.click('[data-element-id="gdb_06"]')
    assert page.input_value("#bio-properties-panel-alur-camunda-formKey") == "gdb_06_lapor_hasil_pengecekan"
    assert page.input_value("#bio-properties-panel-alur-camunda-candidateGroups") == "pengelola_ti"
    # a disposition names its performer from an earlier form: shown, and editable, in the Alur group
    assert page.input_value("#bio-properties-panel-alur-camunda-candidateUsers") == "${petugas_ti}"
    page.click('[data-element-id="gdb_05"]')
    assert page.input_value("#bio-properties-panel-alur-camunda-assignee") == "${administrator_ditugaskan}"
    page.fill("#bio-properties-panel-alur-camunda-assignee", "${petugas_tidak_ada}")
    wait_model(page, "gdb_05", "bo.get('camunda:assignee') === '${petugas_tidak_ada}'")
    problems = [(p["element_id"], p["source"]) for p in check_model(page)]
    assert ("gdb_05", "alur") in problems  # no form defines that field: the deploy check names the step
    page.fill("#bio-properties-panel-alur-camunda-assignee", "${administrator_ditugaskan}")
    wait_model(page, "gdb_05", "bo.get('camunda:assignee') === '${administrator_ditugaskan}'")

    # a step's mutu baku waktu, in the "Alur" group of the properties panel
    page.click('[data-element-id="gdb_03"]')
    page.fill("#bio-properties-panel-alur-mutu-waktu", "2 jam")
    page.fill("#bio-properties-panel-alur-mutu-waktu_iso", "PT2H")
    wait_model(page, "gdb_03", PROPERTY.format(name="waktu_iso") + " === 'PT2H'")
    assert model_value(page, "gdb_03", PROPERTY.format(name="waktu")) == "2 jam"

    # a lane label: the role stays in the lane's property
    page.click('[data-element-id="lane_kepala_dinas"]', position={"x": 400, "y": 30})
    assert page.input_value("#bio-properties-panel-alur-role") == "kepala_dinas"
    page.fill("#bio-properties-panel-name", "Kepala Dinas Kominfo Prov. Kaltim")
    wait_model(page, "lane_kepala_dinas", "bo.name === 'Kepala Dinas Kominfo Prov. Kaltim'")

    # the Ya flow of "Gangguan telah selesai?" loses its condition: the check names that flow
    page.click(f'[data-element-id="{YA_FLOW}_label"]')
    assert page.input_value("#bio-properties-panel-alur-condition") == "gangguan_selesai == true"
    page.fill("#bio-properties-panel-alur-condition", "")
    wait_model(page, YA_FLOW, "!bo.conditionExpression")
    problems = check_model(page)
    deploy_problems = [(p["element_id"], p["message"]) for p in problems if p["source"] == "alur"]
    assert deploy_problems == [(YA_FLOW, "Alur 'Ya' dari keputusan 'Gangguan telah selesai?' belum berkondisi dan "
                                         "bukan alur default.")]
    assert page.locator(f'g.djs-element.alur-problem[data-element-id="{YA_FLOW}"]').count() == 1
    assert page.locator(f'[data-container-id="{YA_FLOW}"] .alur-problem-badge').count() == 1
    item = page.locator(f'#modeler-problems li[data-element-id="{YA_FLOW}"]').first
    assert "belum berkondisi dan bukan alur default" in item.inner_text()
    shot(page, "1_problem_on_flow")

    # fix it from the problem list, which selects the flow
    page.click("#modeler-canvas")  # away from the flow first
    item.locator("button").click()
    page.fill("#bio-properties-panel-alur-condition", "gangguan_selesai == true")
    wait_model(page, YA_FLOW, "bo.conditionExpression && bo.conditionExpression.body === 'gangguan_selesai == true'")
    assert check_model(page) == []
    assert page.locator("g.djs-element.alur-problem").count() == 0

    # deploy version 2 with a change note
    page.fill("#modeler-change-note", "Langkah 3 menjadi 2 jam; label lane Kepala Dinas")
    page.click("#modeler-deploy-button")
    page.wait_for_function("() => window.alurModeler.deployed !== null")
    assert page.evaluate("() => window.alurModeler.deployed.version") == 2
    assert "Versi 2 di-deploy" in page.inner_text("#modeler-status")
    shot(page, "2_deployed")
    assert page.console_errors == []

    # new cases use v2
    fresh = Case(alur, clock, KEY, STEPS_V2, starter="pengelola", business_key="GDB/V2/BARU")
    assert fresh.view().definition_version == 2

    # the versions page: who, when, why, cases per version, and exactly the changes made
    page.goto(f"{base}/pemodel/{KEY}/versi?dari=1&ke=2")
    rows = page.locator("#version-list tbody tr")
    assert rows.nth(0).get_attribute("data-version") == "2"
    assert "Langkah 3 menjadi 2 jam" in rows.nth(0).inner_text() and "Pemilik Proses (demo)" in rows.nth(0).inner_text()
    assert rows.nth(0).locator("td.running").inner_text() == "1"
    assert rows.nth(1).locator("td.running").inner_text() == "2"
    listed = page.evaluate("""() => Array.from(document.querySelectorAll('#diff-list > li')).map(li =>
        [li.dataset.element, Array.from(li.querySelectorAll('li[data-property]')).map(p => p.dataset.property)])""")
    assert listed == [["lane_kepala_dinas", ["name"]], ["gdb_03", ["mutu:waktu", "mutu:waktu_iso"]]]
    assert Versions(alur.sessions).diff(KEY, 1, 2).summary() == [
        "lane_kepala_dinas: Nama 'Kepala Dinas' → 'Kepala Dinas Kominfo Prov. Kaltim'",
        "gdb_03: Mutu baku: waktu '1 jam' → '2 jam'",
        "gdb_03: Mutu baku: waktu (ISO) 'PT1H' → 'PT2H'",
    ]

    # move one v1 case from the page; the other stays on v1
    row = page.locator(f'tr[data-instance="{moves.id}"]')
    assert "aman" in row.inner_text()
    row.locator("button", has_text="Pindahkan ke v2").click()
    page.wait_for_selector(".flash-success")
    assert f"Kasus #{moves.id} dipindahkan ke versi 2." in page.inner_text(".flashes")
    shot(page, "3_versions_after_migration")

    moves.run("gdb_01", "gdb_02", "gdb_03", "gdb_04", "gdb_05", "gdb_06", "gdb_07", "gdb_08", "gdb_09")
    stays.run("gdb_02", "gdb_03", "gdb_04", "gdb_05", "gdb_06", "gdb_07", "gdb_08", "gdb_09")
    fresh.run("gdb_01", "gdb_02", "gdb_03", "gdb_04", "gdb_05", "gdb_06", "gdb_07", "gdb_08", "gdb_09")
    assert (moves.finish().definition_version, stays.finish().definition_version,
            fresh.finish().definition_version) == (2, 1, 2)
    assert [e.event_type for e in alur.queries.audit_trail(moves.id)].count("instance_migrated") == 1

    # the SOP document of v2 shows the new waktu and the new column header
    page.goto(f"{base}/pemodel/{KEY}/versi/2/dokumen")
    assert "2 jam" in page.inner_text('tr[data-node="gdb_03"] td.waktu')
    assert "Kepala Dinas Kominfo Prov. Kaltim" in page.inner_text("table.flow thead")
    assert page.console_errors == []


@pytest.mark.parametrize("process_key", ["sop_gangguan_database", "sop_pengelolaan_data", "sop_gangguan_jaringan",
                                         "sop_pemeliharaan_akses_dc", "sop_backup_restore_db"])
def test_sop_document_rows_keep_their_planned_height(served, page, process_key):
    """The flowchart SVG of each row is drawn for a planned height: the text must fit in it when printed."""
    base, _alur = served
    login(page, base, "pemilik_proses")
    page.goto(f"{base}/pemodel/{process_key}/versi/1/dokumen")
    page.emulate_media(media="print")
    grown = page.evaluate("""() => Array.from(document.querySelectorAll('tr.step')).filter(tr =>
        tr.getBoundingClientRect().height > Number(tr.dataset.plannedHeight) + 1.5).map(tr => tr.dataset.node)""")
    assert grown == []
    widths = page.evaluate("() => Array.from(document.querySelectorAll('table.flow')).map(t => t.scrollWidth)")
    assert max(widths) <= 1047  # A4 landscape less the margins
    assert page.console_errors == []


@pytest.mark.parametrize("process_key", ["sop_gangguan_database", "sop_pengelolaan_data", "sop_gangguan_jaringan",
                                         "sop_pemeliharaan_akses_dc", "sop_backup_restore_db",
                                         "tinjau_aset_register_server"])
def test_saving_from_the_modeler_keeps_the_meaning(served, page, process_key):
    """bpmn-js (the library inside Camunda Modeler) writes the model back with every convention intact,
    the English texts of its steps, decisions and flows (``<text>_en`` properties) among them."""
    base, alur = served
    login(page, base, "pemilik_proses")
    page.goto(f"{base}/pemodel/{process_key}")
    page.wait_for_function("() => window.alurModeler && window.alurModeler.ready")
    assert page.evaluate("() => window.alurModeler.warnings") == []
    exported = page.evaluate("async () => (await window.alurModeler.modeler.saveXML({format: true})).xml")
    deployed = Versions(alur.sessions).definition_xml(process_key, 1)
    assert diff_models(deployed.encode(), exported.encode()).is_empty
    parser = DefinitionParser(alur.roles, alur.forms)
    assert validate_model(parser, exported.encode(), f"{process_key}.bpmn", process_key).problems == ()
    english = parser.parse(exported.encode(), f"{process_key}.bpmn").english
    assert english == parser.parse(deployed.encode(), f"{process_key}.bpmn").english and len(english) > 20
    # an edit (a step renamed, as an owner does on the canvas) keeps the other elements' English texts
    edited = page.evaluate("""async () => {
        const modeler = window.alurModeler.modeler;
        const task = modeler.get('elementRegistry').filter(e => e.type === 'bpmn:UserTask')[0];
        modeler.get('modeling').updateLabel(task, 'Langkah diganti nama');
        return [task.id, (await modeler.saveXML({format: true})).xml];
    }""")
    renamed, after = edited[0], parser.parse(edited[1].encode(), f"{process_key}.bpmn").english
    assert {k: v for k, v in after.texts.items() if k != (renamed, "name")} == \
        {k: v for k, v in english.texts.items() if k != (renamed, "name")}
    assert after.of(renamed, "name", "Langkah diganti nama") is not None  # its name_en stays for the owner to edit
    assert page.console_errors == []
