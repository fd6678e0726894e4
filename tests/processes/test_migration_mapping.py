"""Issue 16's migration scenario on SOP-04: v2 deletes PDC-04. Cases that have not reached it move (the
step is only FUTURE in their tree); a case waiting at it moves once the owner maps it to a step of v2,
and the refusal says which steps would do. The audit replay follows the mapping."""
from __future__ import annotations

import pytest
from lxml import etree
from process_helpers import Case, Step, deploy

from engine.runtime.case_migration import MigrationRefused
from engine.config import PROJECT_ROOT

KEY = "sop_pemeliharaan_akses_dc"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
TEAM = [{"pengguna": "pengelola", "peran": "pengelola_ti"}, {"pengguna": "pemeriksa", "peran": "pemeriksa_ti"}]


def without_pdc_04() -> bytes:
    """SOP-04 with PDC-04 deleted as an owner would in the modeler: PDC-03 now flows to PDC-05."""
    tree = etree.parse(str(PROJECT_ROOT / "processes" / f"{KEY}.bpmn"))
    ns = {"bpmn": BPMN}
    root = tree.getroot()
    into = root.xpath("//bpmn:sequenceFlow[@targetRef='pdc_04']", namespaces=ns)[0]
    out = root.xpath("//bpmn:sequenceFlow[@sourceRef='pdc_04']", namespaces=ns)[0]
    into.set("targetRef", out.get("targetRef"))
    target = root.xpath(f"//*[@id='{out.get('targetRef')}']", namespaces=ns)[0]
    target.find(f"{{{BPMN}}}incoming").text = into.get("id")
    gone = {"pdc_04", out.get("id")}
    for element in root.xpath("//*[@id or @bpmnElement]"):
        if element.get("id") in gone or element.get("bpmnElement") in gone:
            element.getparent().remove(element)
    for ref in root.xpath("//bpmn:flowNodeRef[text()='pdc_04']", namespaces=ns):
        ref.getparent().remove(ref)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


@pytest.fixture
def office(sop):
    deploy(sop, KEY)
    return sop


def steps_of(alur, version: int) -> dict[str, Step]:
    with alur.sessions() as session:
        definition = alur.definitions.get(session, _definition_id(alur, version))[1]
    return {m.element_id: Step(m.name, m.role, m.waktu_iso) for m in definition.user_tasks.values()}


def _definition_id(alur, version: int) -> int:
    from engine.reading.versions import definition_id_of
    with alur.sessions() as session:
        return definition_id_of(session, KEY, version)


def case_at(alur, clock, done: list[str], key: str) -> Case:
    case = Case(alur, clock, KEY, steps_of(alur, 1), starter="kasi_infra", business_key=key, everyone=True)
    for element in done:
        case.do(element, personil_dc_ditugaskan=TEAM) if element == "pdc_01" else case.do(element)
    return case


def test_cases_before_a_deleted_step_move_and_a_case_at_it_moves_once_mapped(office, clock):
    at_01 = case_at(office, clock, [], "PDC/01")
    at_03 = case_at(office, clock, ["pdc_01", "pdc_02"], "PDC/03")
    at_04 = case_at(office, clock, ["pdc_01", "pdc_02", "pdc_03"], "PDC/04")
    office.deployer.deploy_bytes(without_pdc_04(), f"{KEY}.bpmn", "pemilik", "PDC-04 digabung ke PDC-03",
                                 expected_key=KEY)
    v2 = steps_of(office, 2)
    assert "pdc_04" not in v2

    report = office.migrator.migrate_version(KEY, 1, "pemilik")
    assert sorted(report.migrated) == sorted([at_01.id, at_03.id])
    refused, = report.refused
    role = steps_of(office, 1)["pdc_04"].role
    fits = sorted(e for e, step in v2.items() if step.role == role)
    assert fits, "v2 keeps steps of PDC-04's role"
    assert refused.instance_id == at_04.id and refused.reasons == (
        f"langkah yang sedang aktif 'Melaporkan hasil pemeliharaan peralatan data center' (pdc_04) tidak ada di "
        f"versi 2; petakan ke langkah versi 2 dengan peran yang sama: {', '.join(fits)}",)

    # a mapping to a missing step, or to a step of another role, is refused and says why
    with pytest.raises(MigrationRefused) as missing:
        office.migrator.migrate_case(at_04.id, "pemilik", mapping={"pdc_04": "pdc_99"})
    assert "langkah tujuan 'pdc_99'" in missing.value.reasons[0]
    other = next(e for e, step in v2.items() if step.role != role)
    with pytest.raises(MigrationRefused) as wrong_role:
        office.migrator.migrate_case(at_04.id, "pemilik", mapping={"pdc_04": other})
    assert f"berperan '{v2[other].role}', bukan '{role}'" in wrong_role.value.reasons[0]
    assert office.queries.case(at_04.id).definition_version == 1

    before = office.queries.open_tasks(at_04.id)[0]
    check = office.migrator.migrate_case(at_04.id, "pemilik", mapping={"pdc_04": fits[0]})
    assert check.ok and office.queries.case(at_04.id).definition_version == 2
    after = office.queries.open_tasks(at_04.id)[0]
    assert (after.task_id, after.element_id, after.name) == (before.task_id, fits[0], v2[fits[0]].name)
    moved = [e for e in office.queries.audit_trail(at_04.id) if e.event_type == "instance_migrated"]
    assert moved[0].payload["mapped_steps"] == {"pdc_04": fits[0]}

    # every moved case runs to its end on v2, and the replay re-executes each with the same moves
    for case in (at_01, at_03, at_04):
        case.steps = v2
        ready = office.queries.open_tasks(case.id)
        while ready:
            element = ready[0].element_id
            case.do(element, personil_dc_ditugaskan=TEAM) if element == "pdc_01" else case.do(element)
            ready = office.queries.open_tasks(case.id)
        assert case.finish().status == "completed"
        assert office.replay.verify_replay(case.id).ok, office.replay.verify_replay(case.id)
