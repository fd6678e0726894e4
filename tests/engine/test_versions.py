"""Versions of an SOP: the listing with case counts, and a readable diff that lists exactly what changed."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.errors import DefinitionNotFound
from engine.modeling.diff import diff_models
from engine.reading.versions import Versions

ROOT = Path(__file__).resolve().parents[2]
KEY = "sop_gangguan_database"


def sop01_xml() -> str:
    return (ROOT / "processes" / f"{KEY}.bpmn").read_text(encoding="utf-8")


def set_task_property(xml: str, task_id: str, name: str, value: str) -> str:
    """Change one camunda:property of one user task (the property must exist)."""
    start = xml.index(f'<bpmn:userTask id="{task_id}"')
    end = xml.index("</bpmn:userTask>", start)
    block = xml[start:end]
    changed, count = re.subn(rf'(<camunda:property name="{name}" value=")[^"]*(")', rf"\g<1>{value}\g<2>", block)
    assert count == 1, (task_id, name)
    return xml[:start] + changed + xml[end:]


def rename_lane(xml: str, lane_id: str, name: str) -> str:
    changed, count = re.subn(rf'(<bpmn:lane id="{lane_id}" name=")[^"]*(")', rf"\g<1>{name}\g<2>", xml)
    assert count == 1
    return changed


def sop01_v2_xml() -> str:
    """The edit of the issue: one step's mutu baku waktu, and one lane label."""
    xml = set_task_property(sop01_xml(), "gdb_03", "waktu", "2 jam")
    xml = set_task_property(xml, "gdb_03", "waktu_iso", "PT2H")
    return rename_lane(xml, "lane_kepala_dinas", "Kepala Dinas Kominfo Prov. Kaltim")


def deploy_xml(alur, xml: str, note: str = "", actor: str = "pemilik"):
    return alur.deployer.deploy_bytes(xml.encode("utf-8"), f"{KEY}.bpmn", actor, note, expected_key=KEY)


@pytest.fixture
def versions(sop_alur) -> Versions:
    return Versions(sop_alur.sessions)


def test_versions_list_who_when_why_and_case_counts(sop_alur, versions, clock):
    from tests.processes.process_helpers import add_cast
    add_cast(sop_alur)
    deploy_xml(sop_alur, sop01_xml(), "Versi awal dari SOP 2018", actor="pemilik")
    first = sop_alur.runner.start_case(KEY, "pengelola", "GDB/1").instance_id
    sop_alur.runner.start_case(KEY, "pengelola", "GDB/2")
    sop_alur.runner.cancel_case(first, "pengelola", "salah input")
    clock.advance(hours=2)
    v2 = deploy_xml(sop_alur, sop01_v2_xml(), "Waktu langkah 3 menjadi 2 jam", actor="pemilik2")
    sop_alur.runner.start_case(KEY, "pengelola", "GDB/3")

    listed = versions.list_versions(KEY)
    assert [(v.version, v.deployed_by, v.change_note, v.running_cases, v.finished_cases) for v in listed] == [
        (2, "pemilik2", "Waktu langkah 3 menjadi 2 jam", 1, 0),
        (1, "pemilik", "Versi awal dari SOP 2018", 1, 1),
    ]
    assert listed[0].deployed_at == clock() and listed[0].definition_id == v2.definition_id
    assert listed[1].deployed_at < listed[0].deployed_at
    headline = versions.processes()
    assert [(h.process_key, h.latest_version, h.running_cases) for h in headline] == [(KEY, 2, 2)]
    running = versions.running_cases(KEY, 1)
    assert [(c.business_key, c.open_steps) for c in running] == [
        ("GDB/2", ("Menerima dan mencatat laporan ke form isian laporan",))]


def test_unknown_process_or_version(versions, sop_alur):
    with pytest.raises(DefinitionNotFound):
        versions.list_versions("tidak_ada")
    deploy_xml(sop_alur, sop01_xml())
    with pytest.raises(DefinitionNotFound):
        versions.diff(KEY, 1, 2)
    with pytest.raises(DefinitionNotFound):
        versions.running_cases(KEY, 7)


def test_diff_lists_exactly_the_changed_waktu_and_lane_label(sop_alur, versions):
    deploy_xml(sop_alur, sop01_xml())
    deploy_xml(sop_alur, sop01_v2_xml())
    diff = versions.diff(KEY, 1, 2)
    assert diff.added == () and diff.removed == () and diff.process_changes == ()
    assert [(e.element_id, [(c.key, c.old, c.new) for c in e.changes]) for e in diff.changed] == [
        ("lane_kepala_dinas", [("name", "Kepala Dinas", "Kepala Dinas Kominfo Prov. Kaltim")]),
        ("gdb_03", [("mutu:waktu", "1 jam", "2 jam"), ("mutu:waktu_iso", "PT1H", "PT2H")]),
    ]
    assert diff.summary() == [
        "lane_kepala_dinas: Nama 'Kepala Dinas' → 'Kepala Dinas Kominfo Prov. Kaltim'",
        "gdb_03: Mutu baku: waktu '1 jam' → '2 jam'",
        "gdb_03: Mutu baku: waktu (ISO) 'PT1H' → 'PT2H'",
    ]
    assert versions.diff(KEY, 2, 1).changed[1].changes[0].new == "1 jam"  # either direction


def test_layout_and_formatting_are_not_changes():
    xml = sop01_xml()
    moved = re.sub(r'(<bpmndi:BPMNShape id="gdb_03_di" bpmnElement="gdb_03">\s*<dc:Bounds x=")\d+', r"\g<1>999", xml)
    assert moved != xml
    reformatted = moved.replace("\n    ", "\n  ").replace(' isExecutable="true"', ' isExecutable="true" ')
    assert diff_models(xml.encode(), reformatted.encode()).is_empty


def test_diff_names_added_removed_and_changed_elements_with_their_properties():
    xml = sop01_xml()
    new = xml.replace('<bpmn:flowNodeRef>gdb_06</bpmn:flowNodeRef>', '')  # gdb_06 moves to the pengawas lane
    new = new.replace('<bpmn:flowNodeRef>gdb_07</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>gdb_07</bpmn:flowNodeRef><bpmn:flowNodeRef>gdb_06</bpmn:flowNodeRef>')
    new = new.replace(' camunda:candidateGroups="pengelola_ti"', '')
    new = new.replace('camunda:formKey="gdb_09_surat_laporan_penyelesaian"', 'camunda:formKey="gdb_09_baru"')
    new = new.replace("gangguan_selesai == true", "gangguan_selesai == true and len(penyebab_gangguan) > 0")
    new = new.replace('default="flow_gw_gdb_08_to_merge_gdb_07"', 'default="flow_gw_gdb_08_to_gdb_09"')
    new = new.replace('<camunda:property name="waktu_pelaksanaan_iso" value="P3D"/>',
                      '<camunda:property name="waktu_pelaksanaan_iso" value="P4D"/>')
    new = re.sub(r'\s*<bpmn:lane id="lane_kepala_dinas".*?</bpmn:lane>', "", new, flags=re.S)
    new = new.replace('<bpmn:endEvent id="end_gdb"',
                      '<bpmn:intermediateThrowEvent id="catat_arsip" name="Arsip dicatat"/>\n'
                      '    <bpmn:endEvent id="end_gdb"')
    diff = diff_models(xml.encode(), new.encode())
    assert [(c.key, c.old, c.new) for c in diff.process_changes] == [("property:waktu_pelaksanaan_iso", "P3D", "P4D")]
    assert diff.process_changes[0].label == "Batas waktu pelaksanaan (ISO)"
    assert [(e.element_id, e.kind_label, e.name) for e in diff.added] == [
        ("catat_arsip", "Peristiwa antara", "Arsip dicatat")]
    assert [(e.element_id, e.kind) for e in diff.removed] == [("lane_kepala_dinas", "lane")]
    changed = {e.element_id: {c.key: (c.old, c.new) for c in e.changes} for e in diff.changed}
    assert changed == {
        "gdb_06": {"lane": ("lane_pemeriksa_pengelola_ti", "lane_pengawas_data_integrasi"),
                   "candidateGroups": ("pengelola_ti", None)},
        "gdb_09": {"formKey": ("gdb_09_surat_laporan_penyelesaian", "gdb_09_baru")},
        "flow_gw_gdb_07_to_gdb_08": {"condition": ("gangguan_selesai == true",
                                                   "gangguan_selesai == true and len(penyebab_gangguan) > 0")},
        "gw_gdb_08": {"default": ("flow_gw_gdb_08_to_merge_gdb_07", "flow_gw_gdb_08_to_gdb_09")},
    }
    labels = {c.key: c.label for e in diff.changed for c in e.changes}
    assert labels["formKey"] == "Formulir" and labels["condition"] == "Kondisi" and labels["lane"] == "Lane"


def test_unnamed_flows_read_as_their_ends_and_added_elements_list_their_properties():
    """A step inserted before the end: the owner reads the flows by the steps they join, and the new step with
    its form, role, mutu baku; a changed unnamed flow is named by its ends too."""
    xml = sop01_xml()
    new = xml.replace('<bpmn:sequenceFlow id="flow_gdb_09_to_end_gdb" sourceRef="gdb_09" targetRef="end_gdb"/>',
                      '<bpmn:sequenceFlow id="flow_gdb_09_to_end_gdb" sourceRef="gdb_09" targetRef="gdb_10"/>\n'
                      '    <bpmn:sequenceFlow id="Flow_0x1y2z" sourceRef="gdb_10" targetRef="end_gdb"/>')
    new = new.replace(
        '<bpmn:endEvent id="end_gdb"',
        '<bpmn:userTask id="gdb_10" name="Mengarsipkan laporan" camunda:formKey="gdb_09_surat_laporan_penyelesaian"'
        ' camunda:candidateGroups="pengelola_ti">\n'
        '      <bpmn:extensionElements><camunda:properties>\n'
        '        <camunda:property name="waktu" value="10 menit"/><camunda:property name="waktu_iso" value="PT10M"/>\n'
        '      </camunda:properties></bpmn:extensionElements>\n'
        '    </bpmn:userTask>\n'
        '    <bpmn:endEvent id="end_gdb"')
    new = new.replace('<bpmn:flowNodeRef>gdb_09</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>gdb_09</bpmn:flowNodeRef><bpmn:flowNodeRef>gdb_10</bpmn:flowNodeRef>')
    diff = diff_models(xml.encode(), new.encode())
    added = {e.element_id: e for e in diff.added}
    assert list(added) == ["gdb_10", "Flow_0x1y2z"]
    assert added["Flow_0x1y2z"].name == ("Alur dari «Mengarsipkan laporan» ke "
                                         "«Laporan penyelesaian disampaikan kepada instansi terkait»")
    assert {c.key: (c.label, c.old, c.new) for c in added["gdb_10"].changes} == {
        "lane": ("Lane", None, "lane_pemeriksa_pengelola_ti"),
        "formKey": ("Formulir", None, "gdb_09_surat_laporan_penyelesaian"),
        "candidateGroups": ("Peran langkah (mempersempit lane)", None, "pengelola_ti"),
        "mutu:waktu": ("Mutu baku: waktu", None, "10 menit"),
        "mutu:waktu_iso": ("Mutu baku: waktu (ISO)", None, "PT10M"),
    }
    assert [(c.key, c.new) for c in added["Flow_0x1y2z"].changes] == [("sourceRef", "gdb_10"), ("targetRef", "end_gdb")]
    [rerouted] = diff.changed
    assert rerouted.element_id == "flow_gdb_09_to_end_gdb"
    assert rerouted.name == ("Alur dari «Membuat laporan penyelesaian pekerjaan dan menyampaikannya» "
                             "ke «Mengarsipkan laporan»")
    assert [(c.key, c.old, c.new) for c in rerouted.changes] == [("targetRef", "end_gdb", "gdb_10")]
    assert "+ Flow_0x1y2z (Alur) Alur dari «Mengarsipkan laporan» ke «Laporan penyelesaian disampaikan kepada " \
           "instansi terkait»" in diff.summary()
    assert "  Formulir: 'gdb_09_surat_laporan_penyelesaian'" in diff.summary()
