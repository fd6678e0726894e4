"""The data-flow check at deploy: expressions read only fields a form fills in on every path before
them, compared with values of the field's kind; every problem listed at once, in words, in both languages."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import DeploymentError
from engine.modeling.checks import validate_model

ROOT = Path(__file__).resolve().parents[2]
CONDITION = "${disetujui == true}"


def loop_xml(test_data: Path, condition: str = CONDITION) -> bytes:
    xml = (test_data / "uji_loop.bpmn").read_text(encoding="utf-8")
    return xml.replace(CONDITION, condition).encode("utf-8")


def refused(alur, xml: bytes, key: str = "uji_loop") -> DeploymentError:
    with pytest.raises(DeploymentError) as info:
        alur.deployer.deploy_bytes(xml, f"{key}.bpmn", "pemilik", expected_key=key)
    return info.value


def problems(alur, xml: bytes, key: str = "uji_loop"):
    return validate_model(alur.parser, xml, f"{key}.bpmn", key).problems


def test_a_condition_on_a_field_no_form_defines_is_refused_at_deploy(alur, test_data):
    xml = loop_xml(test_data, "hasil_sesuai == true")
    error = refused(alur, xml)
    assert error.context["element_id"] == "f6" and error.context["line"]
    assert error.reason == ("Kondisi alur 'Ya' dari keputusan 'Laporan disetujui?' memakai isian 'hasil_sesuai', "
                           "tetapi tidak ada formulir dalam model ini yang mengisinya.")
    assert error.text is not None and error.text.render("en") == (
        "The condition of flow 'Ya' leaving decision 'Laporan disetujui?' uses the field 'hasil_sesuai', but no "
        "form in this model fills it in.")
    found = problems(alur, xml)
    assert [(p.element_id, p.message) for p in found] == [("f6", error.reason)]
    assert alur.versions.processes() == []  # nothing deployed


def test_a_boolean_field_compared_with_a_string_is_refused(alur, test_data):
    error = refused(alur, loop_xml(test_data, "disetujui == 'ya'"))
    assert error.context["element_id"] == "f6"
    assert "membandingkan isian ya/tidak 'disetujui' dengan 'ya'; bandingkan dengan true atau false" in error.reason


@pytest.mark.parametrize("condition", ["disetujui == true", "disetujui", "not disetujui", "disetujui != False",
                                       "jumlah > 3 and uraian != ''", "disetujui == null"])
def test_conditions_of_the_right_kind_pass(alur, test_data, condition):
    assert problems(alur, loop_xml(test_data, condition)) == ()
    assert alur.deployer.deploy_bytes(loop_xml(test_data, condition), "uji_loop.bpmn", "pemilik").created


def test_a_field_defined_on_only_one_of_two_incoming_paths_is_refused(sop_alur):
    """GJR-07's decision is reached straight from GJR-07, and again after the ISP step GJR-08 looped
    back: a field only GJR-08's form fills in is missing on the first path."""
    key = "sop_gangguan_jaringan"
    xml = (ROOT / "processes" / f"{key}.bpmn").read_bytes().replace(
        b">jaringan_terkoneksi == true<", b">jaringan_terkoneksi == true and jaringan_terhubung == false<")
    error = refused(sop_alur, xml, key)
    assert error.context["element_id"] == "flow_gw_gjr_07_to_merge_gjr_09"
    assert "memakai isian 'jaringan_terhubung', tetapi ada jalur yang tidak melewati formulir yang mengisinya " \
           "(Menghubungi dan berkoordinasi dengan pihak ISP)" in error.reason
    assert "Melakukan pengecekan konektivitas pada pengguna jaringan dan server → Jaringan terkoneksi?" in error.reason


def test_every_problem_of_a_model_is_listed_at_once(alur, test_data):
    condition = "hasil_sesuai == true and disetujui == 'ya' and jumlah == 'banyak' and uraian == 3"
    xml = loop_xml(test_data, condition).replace(b'value="P2D"', b'value="dua hari"', 1)
    found = problems(alur, xml)
    assert [(p.element_id, p.message.split(" memakai ")[-1].split(" membandingkan ")[-1][:30]) for p in found] == [
        ("periksa", "Waktu 'dua hari' (batas waktu)"),
        ("f6", "isian 'hasil_sesuai', tetapi t"),
        ("f6", "isian ya/tidak 'disetujui' den"),
        ("f6", "isian angka 'jumlah' dengan 'b"),
        ("f6", "isian teks 'uraian' dengan 3; "),
    ]
    assert all(p.source == "alur" and p.line and p.text is not None for p in found)
    english = [p.message_in("en") for p in found]
    assert "compares the number field 'jumlah' with 'banyak'" in english[3]
    assert not any(word in p.message for p in found for word in ("camunda:", "ISO-8601", "waktu_iso"))


def test_an_enum_is_compared_with_one_of_its_choices(sop_alur):
    key = "sop_gangguan_database"
    sop = (ROOT / "processes" / f"{key}.bpmn").read_bytes()
    xml = sop.replace(b">gangguan_selesai == true<", b">gangguan_selesai == true and prioritas == 'darurat'<")
    error = refused(sop_alur, xml, key)
    assert "isian pilihan 'prioritas' dengan 'darurat', yang bukan salah satu pilihannya ('biasa', 'segera', " \
           "'sangat segera')" in error.reason
    fine = sop.replace(b">gangguan_selesai == true<", b">gangguan_selesai == true or prioritas == 'segera'<")
    assert problems(sop_alur, fine, key) == ()


def test_a_timer_reading_a_field_is_checked_before_its_step(alur, test_data):
    """A boundary timer is read when its step opens: the step's own form is not filled in yet."""
    xml = loop_xml(test_data).decode().replace('<bpmn:endEvent id="selesai" name="Selesai">', (
        '<bpmn:boundaryEvent id="tenggat" name="Tenggat periksa" attachedToRef="periksa">'
        '<bpmn:outgoing>f7</bpmn:outgoing><bpmn:timerEventDefinition>'
        '<bpmn:timeDuration>catatan_periksa</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
        '<bpmn:sequenceFlow id="f7" sourceRef="tenggat" targetRef="selesai"/>'
        '<bpmn:endEvent id="selesai" name="Selesai"><bpmn:incoming>f7</bpmn:incoming>'))
    found = problems(alur, xml.encode())
    assert [(p.element_id, p.message) for p in found] == [(
        "tenggat", "Waktu pada 'Tenggat periksa' memakai isian 'catatan_periksa', tetapi ada jalur yang tidak melewati "
                   "formulir yang mengisinya (Periksa laporan): Mulai → gabung → Isi laporan → Periksa laporan → "
                   "Tenggat periksa.")]


def test_spiffworkflow_messages_are_put_in_words(alur, test_data):
    """A task with two outgoing flows: SpiffWorkflow's English stays in the detail."""
    xml = loop_xml(test_data).replace(b'<bpmn:sequenceFlow id="f6"',
                                      b'<bpmn:sequenceFlow id="f8" sourceRef="isi" targetRef="selesai"/>'
                                      b'<bpmn:sequenceFlow id="f6"')
    found = [p for p in problems(alur, xml) if p.detail]
    assert [(p.element_id, p.message) for p in found] == [
        ("isi", "'Isi laporan' memiliki lebih dari satu alur keluar; gunakan gateway untuk percabangan.")]
    assert "Multiple outgoing flows" in found[0].detail and "Multiple" not in found[0].message
    assert found[0].message_in("en") == "'Isi laporan' has more than one outgoing flow; use a gateway to branch."


@pytest.mark.parametrize("path", sorted((ROOT / "processes").glob("*.bpmn")), ids=lambda p: p.stem)
def test_the_sop_models_pass_the_data_flow_check(sop_alur, path):
    assert problems(sop_alur, path.read_bytes(), path.stem) == ()


def test_spiffworkflows_finding_is_listed_with_the_other_problems(alur, test_data):
    """Every problem at once: a task with two outgoing flows and a condition on an unknown field."""
    xml = loop_xml(test_data, "hasil_sesuai == true").replace(
        b'<bpmn:sequenceFlow id="f6"', b'<bpmn:sequenceFlow id="f8" sourceRef="isi" targetRef="selesai"/>'
                                       b'<bpmn:sequenceFlow id="f6"')
    assert [p.element_id for p in problems(alur, xml)] == ["f6", "isi"]
