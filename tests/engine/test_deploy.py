"""Deploying models: versioning by content, and every refusal naming its element."""
from __future__ import annotations

import re

import pytest
from engine_helpers import add_users, ready_task, start_loop_case

from engine.errors import DeploymentError


def loop_xml(test_data) -> str:
    return (test_data / "uji_loop.bpmn").read_text(encoding="utf-8")


def deploy_text(alur, xml: str, name: str = "uji_loop.bpmn"):
    return alur.deployer.deploy_bytes(xml.encode("utf-8"), name, "pemilik", expected_key=name[:-5])


def test_deploying_identical_content_twice_is_a_no_op(alur, test_data):
    first = alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    second = alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    assert (first.version, first.created) == (1, True)
    assert (second.version, second.created, second.definition_id) == (1, False, first.definition_id)


def test_changed_file_becomes_version_2_and_running_v1_case_finishes_on_v1(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    old_case = start_loop_case(alur)
    v2 = deploy_text(alur, loop_xml(test_data).replace('name="Isi laporan"', 'name="Isi laporan (revisi)"'))
    assert (v2.version, v2.created) == (2, True)

    new_case = start_loop_case(alur, business_key="UJI/002")
    assert ready_task(alur, new_case).name == "Isi laporan (revisi)"
    assert alur.queries.case(new_case).definition_version == 2

    task = ready_task(alur, old_case)
    assert task.name == "Isi laporan"
    alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "v1"})
    review = ready_task(alur, old_case)
    alur.runner.complete_task(review.task_id, "pengawas", {"disetujui": True})
    case = alur.queries.case(old_case)
    assert (case.status, case.definition_version) == ("completed", 1)


def _refusal(alur, xml: str) -> DeploymentError:
    with pytest.raises(DeploymentError) as info:
        deploy_text(alur, xml)
    return info.value


def test_malformed_xml_is_refused_with_its_line(alur, test_data):
    error = _refusal(alur, loop_xml(test_data).replace("</bpmn:process>", "</bpmn:proces>"))
    assert error.context["file"] == "uji_loop.bpmn"
    assert error.context["line"] == 53
    assert "XML tidak valid" in error.message


def test_unknown_role_is_refused_naming_the_lane(alur, test_data):
    error = _refusal(alur, loop_xml(test_data).replace('value="pengawas"/>', 'value="kepala_bintang"/>'))
    assert error.context["element_id"] == "lane_pengawas"
    assert "kepala_bintang" in error.message and error.context["line"]


def test_missing_form_is_refused_naming_the_task(alur, test_data):
    error = _refusal(alur, loop_xml(test_data).replace('camunda:formKey="uji_periksa"',
                                                       'camunda:formKey="tidak_ada"'))
    assert error.context["element_id"] == "periksa"
    assert "tidak_ada" in error.message


@pytest.mark.parametrize("condition", [
    "__import__('os').system('true')",
    "disetujui.__class__.__mro__",
    "open('/etc/passwd').read() != ''",
    "[c for c in ().__class__.__base__.__subclasses__()]",
])
def test_unsafe_condition_is_refused_at_deploy(alur, test_data, condition):
    xml = loop_xml(test_data).replace("${disetujui == true}", condition.replace("'", "&apos;"))
    error = _refusal(alur, xml)
    assert error.context["element_id"] == "f6"
    assert error.code == "deployment_refused"


def test_task_outside_any_lane_is_refused(alur, test_data):
    error = _refusal(alur, loop_xml(test_data).replace("<bpmn:flowNodeRef>periksa</bpmn:flowNodeRef>", ""))
    assert error.context["element_id"] == "periksa"
    assert "Langkah 'Periksa laporan' tidak berada di lajur mana pun" in error.message


def test_missing_mutu_baku_is_refused(alur, test_data):
    error = _refusal(alur, loop_xml(test_data).replace('<camunda:property name="output" value="Catatan"/>', ""))
    assert error.context["element_id"] == "periksa" and "output" in error.message


def test_bad_working_time_is_refused(alur, test_data):
    error = _refusal(alur, loop_xml(test_data).replace('value="PT30M"', 'value="30 menit"'))
    assert error.context["element_id"] == "isi" and "(batas waktu) pada langkah 'Isi laporan'" in error.message
    assert "ISO" not in error.message and "waktu_iso" not in error.message


def test_gateway_flow_without_condition_is_refused(alur, test_data):
    xml = re.sub(r"<bpmn:conditionExpression.*?</bpmn:conditionExpression>", "", loop_xml(test_data), flags=re.S)
    error = _refusal(alur, xml)
    assert error.context["element_id"] == "f6"


def test_candidate_group_outside_its_lane_is_refused(alur, test_data):
    error = _refusal(alur, loop_xml(test_data).replace('camunda:candidateGroups="pengelola_ti"',
                                                       'camunda:candidateGroups="pengawas"'))
    assert error.context["element_id"] == "isi"


def test_file_name_must_match_process_id(alur, test_data):
    with pytest.raises(DeploymentError) as info:
        deploy_text(alur, loop_xml(test_data), name="lain.bpmn")
    assert info.value.context["element_id"] == "uji_loop"


def test_bpmn_schema_violation_is_refused_with_line(alur, test_data):
    error = _refusal(alur, loop_xml(test_data).replace("<bpmn:endEvent", "<bpmn:fooEvent").replace(
        "</bpmn:endEvent>", "</bpmn:fooEvent>"))
    assert "skema BPMN" in error.message and error.context["line"]


def test_refused_deploy_stores_nothing(alur, test_data):
    _refusal(alur, loop_xml(test_data).replace('value="pengawas"/>', 'value="kepala_bintang"/>'))
    from engine.modeling.definitions import definition_count
    with alur.sessions() as session:
        assert definition_count(session) == 0


def test_seeding_at_start_up_keeps_a_newer_version_deployed_since(alur, test_data, tmp_path):
    folder = tmp_path / "processes"
    folder.mkdir()
    (folder / "uji_loop.bpmn").write_text(loop_xml(test_data), encoding="utf-8")
    assert [r.created for r in alur.deployer.seed_directory(folder, "system")] == [True]
    v2 = deploy_text(alur, loop_xml(test_data).replace('name="Isi laporan"', 'name="Isi laporan v2"'))
    again = alur.deployer.seed_directory(folder, "system")  # the old file is not deployed as v3
    assert [(r.version, r.created, r.definition_id) for r in again] == [(2, False, v2.definition_id)]
    (folder / "uji_loop.bpmn").write_text(loop_xml(test_data).replace("Isi laporan", "Isi laporan v3"))
    assert [(r.version, r.created) for r in alur.deployer.seed_directory(folder, "system")] == [(3, True)]


def test_the_sop_list_shows_a_new_version_at_once_here_and_soon_elsewhere(alur, test_data, monkeypatch):
    """The latest versions are read once per LATEST_FRESH_SECONDS: a deployment through this process is
    listed at once, one through another process (another app server, ``alur deploy``) within that time."""
    from engine import open_alur
    from engine.reading import catalog

    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    assert [p.version for p in alur.catalog.processes("pengelola")] == [1]
    deploy_text(alur, loop_xml(test_data).replace('name="Isi laporan"', 'name="Isi laporan baru"'))
    assert [p.version for p in alur.catalog.processes("pengelola")] == [2]  # this process: at once
    other = open_alur(alur.settings, db=alur.db)
    try:
        deploy_text(other, loop_xml(test_data).replace('name="Isi laporan"', 'name="Isi laporan lagi"'))
    finally:
        other.close()
    assert [p.version for p in alur.catalog.processes("pengelola")] == [2]  # read within the last seconds
    monkeypatch.setattr(catalog, "LATEST_FRESH_SECONDS", 0.0)
    assert [p.version for p in alur.catalog.processes("pengelola")] == [3]
