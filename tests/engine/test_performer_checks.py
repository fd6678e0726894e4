"""Deploy checks of performers named from case data (camunda:assignee / candidateUsers) and of the
maker-checker property, on the real SOP models: each refusal names the task, the field and, for a
missing field, a path into the task that passes no form defining it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.errors import DeploymentError
from engine.modeling.checks import validate_model

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def model(key: str) -> str:
    return (PROCESSES / f"{key}.bpmn").read_text(encoding="utf-8")


def with_attribute(xml: str, task_id: str, attribute: str, value: str) -> str:
    """The model with ``attribute`` of ``task_id`` set to ``value`` (replacing the task's own, if any)."""
    start = xml.index(f'<bpmn:userTask id="{task_id}"')
    end = xml.index(">", start)
    tag = re.sub(r'\s(camunda:assignee|camunda:candidateUsers)="[^"]*"', "", xml[start:end])
    return xml[:start] + tag + f' {attribute}="{value}"' + xml[end:]


def refusal(alur, key: str, xml: str) -> DeploymentError:
    with pytest.raises(DeploymentError) as info:
        alur.deployer.deploy_bytes(xml.encode("utf-8"), f"{key}.bpmn", "pemilik", expected_key=key)
    problems = validate_model(alur.parser, xml.encode("utf-8"), f"{key}.bpmn", key).problems
    assert [(p.element_id, p.message) for p in problems] == [(info.value.context["element_id"], info.value.reason)]
    return info.value


def test_the_sops_name_their_performers_and_deploy(sop_alur):
    for key in ("sop_backup_restore_db", "sop_gangguan_jaringan", "sop_gangguan_database"):
        assert sop_alur.deployer.deploy_file(PROCESSES / f"{key}.bpmn", "pemilik").created


def test_an_assignee_field_missing_on_one_path_is_refused(sop_alur):
    """GJR-09 is reached from GJR-07 (connected) or GJR-08 (after the ISP): a field only GJR-08's form
    defines is missing on the first path."""
    xml = with_attribute(model("sop_gangguan_jaringan"), "gjr_09", "camunda:assignee", "${nama_isp}")
    error = refusal(sop_alur, "sop_gangguan_jaringan", xml)
    assert error.context["element_id"] == "gjr_09" and error.context["line"]
    assert error.reason.startswith("Pelaksana langkah 'Menerima laporan gangguan selesai dan meminta laporan "
                                   "penyelesaian' memakai isian 'nama_isp', tetapi ada jalur yang tidak melewati "
                                   "formulir yang mengisinya (Menghubungi dan berkoordinasi dengan pihak ISP): ")
    # the path without GJR-08, by the steps' names
    assert ("Melakukan pengecekan konektivitas pada pengguna jaringan dan server → Jaringan terkoneksi? → "
            "merge_gjr_09 → Menerima laporan gangguan selesai") in error.reason
    assert "camunda:" not in error.reason


def test_a_field_defined_only_after_the_task_is_refused(sop_alur):
    xml = with_attribute(model("sop_backup_restore_db"), "brd_02a", "camunda:assignee", "${pelaksana_pengelola}")
    error = refusal(sop_alur, "sop_backup_restore_db", xml)
    assert error.context["element_id"] == "brd_02a"
    assert "'pelaksana_pengelola'" in error.reason and error.reason.endswith(
        " → Memverifikasi permohonan dan mendisposisikan ke Pengawas Infrastruktur TIK.")


def test_a_task_naming_its_own_field_is_refused(sop_alur):
    xml = with_attribute(model("sop_backup_restore_db"), "brd_02b", "camunda:candidateUsers",
                         "${pelaksana_pengelola}")
    error = refusal(sop_alur, "sop_backup_restore_db", xml)
    assert error.context["element_id"] == "brd_02b" and error.reason.startswith("Calon pelaksana langkah ")


def test_a_field_that_is_no_person_picker_is_refused(sop_alur):
    xml = with_attribute(model("sop_backup_restore_db"), "brd_03", "camunda:assignee", "${nomor_surat}")
    error = refusal(sop_alur, "sop_backup_restore_db", xml)
    assert error.context["element_id"] == "brd_03" and "bukan pemilih satu orang" in error.reason
    team = with_attribute(model("sop_gangguan_jaringan"), "gjr_04", "camunda:assignee", "${anggota_tim_teknis}")
    assert "bukan pemilih satu orang" in refusal(sop_alur, "sop_gangguan_jaringan", team).reason


@pytest.mark.parametrize("value", ["budi", "${budi.nama}", "#{pelaksana_pengelola}", "${a} ${b}"])
def test_an_expression_other_than_a_field_is_refused(sop_alur, value):
    xml = with_attribute(model("sop_backup_restore_db"), "brd_03", "camunda:assignee", value)
    error = refusal(sop_alur, "sop_backup_restore_db", xml)
    assert error.context["element_id"] == "brd_03" and "${nama_isian}" in error.reason


def test_maker_checker_must_name_another_step(sop_alur):
    xml = model("sop_backup_restore_db").replace(
        '<camunda:property name="pelaksana_berbeda_dari" value="brd_04"/>',
        '<camunda:property name="pelaksana_berbeda_dari" value="brd_04, brd_99"/>')
    error = refusal(sop_alur, "sop_backup_restore_db", xml)
    assert error.context["element_id"] == "brd_05" and "'brd_99'" in error.reason
