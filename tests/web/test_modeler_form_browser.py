"""Through Chromium, the issue's "done when": a process owner adds a step to the database incident SOP with a
new form made in the form panel (two fields, one yes/no), writes the decision's condition by picking that
field, runs "Uji jalan", deploys; a case then runs through the new step and both ways of its branch."""
from __future__ import annotations

from typing import Any

from test_modeler_browser import (  # noqa: F401
    KEY, PROPERTY, add_people, browser, login, page, served, shot, wait_model,
)
from web_helpers import BROWSER_MARKS

from tests.engine.test_migration_of_cases import PPTI, STEPS
from tests.processes.process_helpers import Case, Step

pytestmark = BROWSER_MARKS
NEW_STEP = "gdb_10"
STEPS_V2 = {**STEPS, NEW_STEP: Step("Konfirmasi kepuasan pemohon", PPTI, "PT30M")}

# Diagram surgery as the palette and the mouse would do it (bpmn-js modeling commands): widen the pool, move
# the end event, put the new step and a decision between the last step and the end, and wire them.
ADD_STEP = """() => {
    const m = window.alurModeler.modeler;
    const modeling = m.get('modeling'), registry = m.get('elementRegistry'), factory = m.get('bpmnFactory');
    const pool = registry.get('participant_sop_gangguan_database');
    const laneShape = registry.get('lane_pemeriksa_pengelola_ti');  // widening a lane widens the pool and its lanes
    modeling.resizeLane(laneShape, { x: laneShape.x, y: laneShape.y, width: laneShape.width + 420,
                                     height: laneShape.height });
    const last = registry.get('gdb_09'), end = registry.get('end_gdb');
    modeling.moveElements([end], { x: 460, y: 0 });
    modeling.moveElements([last], { x: 90, y: 0 });
    const shape = (type, id, name, x) => modeling.createShape(
        { type, businessObject: factory.create(type, { id, name }) }, { x, y: 350 }, pool);
    const merge = shape('bpmn:ExclusiveGateway', 'merge_gdb_09', undefined, 2300);
    const task = shape('bpmn:UserTask', 'gdb_10', 'Konfirmasi kepuasan pemohon', 2640);
    const gateway = shape('bpmn:ExclusiveGateway', 'gw_gdb_10', 'Pemohon puas?', 2790);
    modeling.reconnectEnd(registry.get('flow_gw_gdb_08_to_gdb_09'), merge, { x: 2275, y: 350 });
    modeling.connect(merge, last);
    modeling.reconnectEnd(registry.get('flow_gdb_09_to_end_gdb'), task, { x: 2590, y: 350 });
    modeling.connect(task, gateway);
    const yes = modeling.connect(gateway, end);
    modeling.updateProperties(yes, { name: 'Ya' });
    const no = modeling.connect(gateway, merge);
    modeling.updateProperties(no, { name: 'Tidak' });
    const lane = laneShape.businessObject;
    return { yes: yes.id, no: no.id, inLane: (lane.flowNodeRef || []).map((n) => n.id) };
}"""


def fill_field(tab: Any, index: int, label: str, kind: str) -> None:
    row = tab.locator(f'#modeler-form-panel fieldset.form-field[data-index="{index}"]')
    row.locator('input[name="field-label"]').fill(label)
    row.locator('select[name="field-kind"]').select_option(kind)


def test_owner_adds_a_step_with_a_new_form_picks_its_field_runs_the_trial_deploys_and_a_case_follows(
        served, page, clock):  # noqa: F811
    base, alur = served
    add_people(alur)
    login(page, base, "pemilik_proses")
    page.goto(f"{base}/pemodel/{KEY}")
    page.wait_for_function("() => window.alurModeler && window.alurModeler.ready")
    flows = page.evaluate(ADD_STEP)
    # placed in the Pemeriksa dan Pengelola TI lane
    assert {"merge_gdb_09", NEW_STEP, "gw_gdb_10"} <= set(flows["inLane"])

    # the new step: its mutu baku in the Alur group, then a new form in the form panel
    assert page.evaluate(f"() => window.alurModeler.select('{NEW_STEP}')")
    for name, value in (("kelengkapan", "Laporan penyelesaian"), ("waktu", "30 menit"), ("waktu_iso", "PT30M"),
                        ("output", "Konfirmasi pemohon")):
        page.fill(f"#bio-properties-panel-alur-mutu-{name}", value)
    wait_model(page, NEW_STEP, PROPERTY.format(name="output") + " === 'Konfirmasi pemohon'")
    panel = page.locator("#modeler-form-panel")
    assert "belum memiliki formulir" in panel.inner_text()
    panel.locator('button[name="form-new"]').click()
    form_key = f"form_{NEW_STEP}"
    wait_model(page, NEW_STEP, f"bo.get('camunda:formKey') === '{form_key}'")
    panel.locator('input[name="form-title"]').fill("Konfirmasi kepuasan pemohon")
    panel.locator('button[name="field-add"]').click()
    fill_field(page, 0, "Pemohon puas", "yesno")
    panel.locator('fieldset[data-index="0"] input[name="field-required"]').check()
    panel.locator('button[name="field-add"]').click()
    fill_field(page, 1, "Catatan pemohon", "longtext")
    panel.locator('fieldset[data-index="1"] select[name="field-when"]').select_option("pemohon_puas")
    panel.locator('fieldset[data-index="1"] select[name="field-when-value"]').select_option("false")
    shot(page, "form_panel")

    # the decision: "Tidak" is the default flow; "Ya" gets its condition by picking the new field
    page.evaluate(f"() => window.alurModeler.select('{flows['no']}')")
    page.check("#bio-properties-panel-alur-default")
    wait_model(page, "gw_gdb_10", f"bo.default && bo.default.id === '{flows['no']}'")
    page.evaluate(f"() => window.alurModeler.select('{flows['yes']}')")
    picker = page.locator("#bio-properties-panel-alur-condition-field")
    options = picker.locator("option").all_inner_texts()
    assert any(o.startswith("Pemohon puas (pemohon_puas)") for o in options)
    assert any("(gangguan_selesai)" in o for o in options)  # fields of earlier steps are offered too
    picker.select_option("pemohon_puas")
    wait_model(page, flows["yes"], "bo.conditionExpression && bo.conditionExpression.body === 'pemohon_puas == true'")
    # the panel shows it once it renders again after the model changed (not at once)
    page.wait_for_function("() => (document.querySelector('#bio-properties-panel-alur-condition') || {}).value "
                           "=== 'pemohon_puas == true'", timeout=10_000)

    # Uji jalan: every path finishes, the new step and both answers of its decision are on them
    page.evaluate("() => { window.alurModeler.trial = null; }")
    page.click("#modeler-trial")
    page.wait_for_function("() => window.alurModeler.trial !== null && !window.alurModeler.busy", timeout=60_000)
    trial = page.evaluate("() => window.alurModeler.trial")
    assert trial["ok"] is True, trial.get("problems") or trial.get("message")
    steps = [s for p in trial["paths"] for s in p["steps"]]
    assert any(s["element_id"] == NEW_STEP and s["role"] == PPTI and s["due_at"] for s in steps)
    assert {("Pemohon puas?", "Ya"), ("Pemohon puas?", "Tidak")} <= {(s["question"], s["name"]) for s in steps}
    assert page.locator("#modeler-trial-result .trial-path").count() == len(trial["paths"])
    assert "semuanya sampai selesai" in page.inner_text("#modeler-status")
    shot(page, "trial")

    page.fill("#modeler-change-note", "Langkah baru: konfirmasi kepuasan pemohon")
    page.click("#modeler-deploy-button")
    # the deploy runs the checks, bpmnlint and the trial run again: allow for a busy machine
    page.wait_for_function("() => window.alurModeler.deployed !== null || (window.alurModeler.problems || []).length",
                           timeout=90_000)
    assert page.evaluate("() => window.alurModeler.problems") == []  # bpmnlint's advice too
    assert page.evaluate("() => window.alurModeler.deployed.version") == 2
    assert page.console_errors == []

    # a case on v2 runs through the new step and both ways of its decision
    case = Case(alur, clock, KEY, STEPS_V2, starter="pengelola", business_key="GDB/V2/KONFIRMASI")
    case.run("gdb_01", "gdb_02", "gdb_03", "gdb_04", "gdb_05", "gdb_06", "gdb_07", "gdb_08", "gdb_09")
    task = case.do(NEW_STEP, pemohon_puas=False, catatan_pemohon="Laporan belum mencantumkan penyebab")
    assert task.form_key == form_key
    case.do("gdb_09")
    case.do(NEW_STEP, pemohon_puas=True)
    view = case.finish()
    assert (view.definition_version, view.status) == (2, "completed")
    decisions = [e.payload for e in alur.queries.audit_trail(case.id) if e.event_type == "gateway_decided"]
    assert [(d["question"], d["answer"]) for d in decisions if d["gateway"] == "gw_gdb_10"] == [
        ("Pemohon puas?", "Tidak"), ("Pemohon puas?", "Ya")]
    assert alur.forms.get(form_key).schema["allOf"] == [
        {"if": {"properties": {"pemohon_puas": {"const": False}}, "required": ["pemohon_puas"]},
         "then": {"required": ["catatan_pemohon"]}}]
