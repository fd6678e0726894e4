""""Uji jalan": a model run in memory with SpiffWorkflow on every path before deploy (each loop taken once
and twice), with form data made from the forms; a path that cannot finish is named, and the deploy refuses
the model."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine.modeling.checks import DEPLOY_REFUSED, STRANDED_PATH, deploy_checked
from engine.modeling.trial_data import ReadFields, sample_submissions
from engine.worktime.work_calendar import WorkCalendar

ROOT = Path(__file__).resolve().parents[2]
CONDITION = "${disetujui == true}"
SOPS = sorted(p.stem for p in (ROOT / "processes").glob("*.bpmn"))


def loop_xml(test_data: Path, condition: str = CONDITION) -> bytes:
    return (test_data / "uji_loop.bpmn").read_text(encoding="utf-8").replace(CONDITION, condition).encode("utf-8")


def without_default(xml: bytes, back: str, forward: str) -> bytes:
    """The loop model whose decision has a condition on each flow and no default flow."""
    text = xml.decode("utf-8").replace(' default="f5"', "").replace(CONDITION, forward)
    return text.replace('<bpmn:sequenceFlow id="f5" name="Tidak" sourceRef="setuju" targetRef="gabung"/>',
                        '<bpmn:sequenceFlow id="f5" name="Tidak" sourceRef="setuju" targetRef="gabung">'
                        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{back}'
                        '</bpmn:conditionExpression></bpmn:sequenceFlow>').encode("utf-8")


def route(path) -> list[str]:
    return [f"{s.question}={s.name}" if s.kind == "decision" else s.element_id for s in path.steps]


def test_every_path_of_a_loop_is_run_with_the_loop_taken_once_and_twice(alur, test_data, clock):
    report = alur.trials.run(loop_xml(test_data), "uji_loop")
    assert report.ok and report.stranded == ()
    once = ["isi", "periksa"]
    assert [route(p) for p in report.paths] == [
        [*once, "Laporan disetujui?=Ya"],
        [*once, "Laporan disetujui?=Tidak", *once, "Laporan disetujui?=Ya"],
        [*once, "Laporan disetujui?=Tidak", *once, "Laporan disetujui?=Tidak", *once, "Laporan disetujui?=Ya"]]
    assert [p.loops for p in report.paths] == [0, 2, 4]
    assert report.cut_at_loop_bound == 1  # "Tidak" a third time would run the steps a fourth time
    first, check = report.paths[0].steps[:2]
    # roles from the lanes (or the narrower group), the time as written, and the due time step after step
    assert (first.role, first.waktu, first.waktu_iso) == ("pengelola_ti", "30 menit", "PT30M")
    calendar = WorkCalendar()
    assert first.due_at == calendar.due(clock.now, "PT30M")
    assert (check.role, check.waktu_iso, check.due_at) == ("pengawas", "P2D", calendar.due(first.due_at, "P2D"))
    assert check.answers == (("Laporan disetujui?", True),)
    assert report.paths[1].steps[1].answers == (("Laporan disetujui?", False),)


def test_a_condition_on_a_field_a_form_may_leave_empty_strands_a_path(alur, test_data):
    """``jumlah`` is of the right kind and filled in before the decision on every path, so the data-flow
    check passes; but the form does not require it, and a case whose officer leaves it empty stops."""
    xml = loop_xml(test_data, "jumlah > 3")
    report = alur.trials.run(xml, "uji_loop")
    assert not report.ok
    stranded = report.stranded
    assert stranded and {p.element_id for p in stranded} == {"setuju"}
    assert stranded[0].problem.render("id") == (
        "Langkah 'Periksa laporan' tidak dapat diselesaikan: ekspresi 'jumlah > 3' pada 'Laporan disetujui?' "
        "tidak dapat dihitung (isian 'jumlah' tidak ada pada data kasus).")
    assert stranded[0].problem.render("en").startswith("Step 'Periksa laporan' could not be completed")
    assert [(s.element_id, s.answers) for s in stranded[0].steps] == [("isi", (("Jumlah", None),)),
                                                                      ("periksa", ())]
    # paths where jumlah is filled in finish: above 3 (Ya) and after looping back with 3 or less
    assert any(p.finished and any(a == ("Jumlah", 4) for s in p.steps for a in s.answers) for p in report.paths)


def test_the_deploy_refuses_a_model_with_a_stranded_path(alur, test_data):
    outcome = deploy_checked(alur.deployer, alur.parser, loop_xml(test_data, "jumlah > 3"), "uji_loop", "pemilik",
                             "coba", trial=alur.trials)
    assert outcome.result is None and outcome.refusal == STRANDED_PATH
    problems = [p for p in outcome.check.problems if p.source == "alur"]
    assert problems and {p.element_id for p in problems} == {"setuju"}
    assert problems[0].message.startswith("Uji jalan, jalur ")
    assert problems[0].message_in("en").startswith("Trial run, path ")
    assert alur.versions.processes() == []  # nothing deployed
    fine = deploy_checked(alur.deployer, alur.parser, loop_xml(test_data), "uji_loop", "pemilik", "coba",
                          trial=alur.trials)
    assert fine.result is not None and fine.result.created and fine.refusal is None and fine.trial.ok


def test_a_model_failing_the_checks_is_refused_before_the_trial(alur, test_data):
    outcome = deploy_checked(alur.deployer, alur.parser, loop_xml(test_data, "hasil_sesuai == true"), "uji_loop",
                             "pemilik", "coba", trial=alur.trials)
    assert outcome.refusal == DEPLOY_REFUSED and outcome.trial is None


def test_a_decision_with_no_flow_for_some_data_is_a_stranded_path(alur, test_data):
    xml = without_default(loop_xml(test_data), back="jumlah == 2", forward="jumlah == 5")
    report = alur.trials.run(xml, "uji_loop")
    stranded = report.stranded
    assert stranded and all(p.element_id == "setuju" for p in stranded)
    assert stranded[0].problem.render("id") == (
        "Keputusan 'Laporan disetujui?' setelah 'Periksa laporan' tidak punya alur untuk data ini: tidak ada "
        "kondisi yang terpenuhi dan tidak ada alur default.")
    # the numbers tried are those on and around each compared constant, so both flows are taken too
    assert {"Laporan disetujui?=Ya", "Laporan disetujui?=Tidak"} <= {r for p in report.paths for r in route(p)}


def test_a_timer_on_a_step_is_tried_firing_before_the_step_is_done(alur, test_data, clock):
    xml = (test_data / "uji_timer.bpmn").read_bytes()
    report = alur.trials.run(xml, "uji_timer")
    assert report.ok
    assert sorted(route(p) for p in report.paths) == [["batas", "eskalasi"], ["isi"]]
    timer = next(p for p in report.paths if route(p)[0] == "batas").steps[0]
    assert timer.kind == "timer" and timer.name == "Lewat 2 jam" and timer.due_at == clock.now + timedelta(hours=2)


@pytest.mark.parametrize("process_key", SOPS)
def test_every_path_of_every_sop_finishes_and_every_decision_takes_each_flow(sop_alur, process_key):
    xml = (ROOT / "processes" / f"{process_key}.bpmn").read_bytes()
    report = sop_alur.trials.run(xml, process_key)
    assert report.ok, [p.problem.render("id") for p in report.stranded]
    assert report.notes == ()
    definition = sop_alur.parser.parse(xml, f"{process_key}.bpmn")
    branching = {source for source, _ in definition.flows if sum(1 for s, _ in definition.flows if s == source) > 1}
    flows = {flow_id for (source, _), (flow_id, _) in definition.flows.items() if source in definition.gateways
             and source in branching}
    taken = {s.flow_id for p in report.paths for s in p.steps if s.kind == "decision"}
    assert taken == flows


def test_data_from_a_form_with_conditional_fields_fills_what_each_answer_requires(sop_alur, clock):
    form = sop_alur.forms.get("gdb_07_verifikasi_gangguan")
    submissions, too_many = sample_submissions(form, ReadFields.of(["gangguan_selesai == true"]), clock.now)
    assert not too_many
    assert [s["gangguan_selesai"] for s in submissions] == [True, False]
    for data in submissions:
        sop_alur.forms.validate("gdb_07_verifikasi_gangguan", data)  # each valid for the form, if/then included
    assert submissions[0]["dokumen_laporan_penyelesaian_gangguan"] and submissions[1]["arahan_lanjutan"]
