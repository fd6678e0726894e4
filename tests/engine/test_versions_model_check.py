"""Checking a model before a new version: every deploy problem at once, each on its element, plus bpmnlint."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.errors import DeploymentError
from engine.modeling.forms import FormRegistry
from engine.modeling.checks import BpmnLint, parse_lint_output, validate_model
from engine.modeling.roles import RoleCatalog
from engine.modeling.parser import DefinitionParser

ROOT = Path(__file__).resolve().parents[2]
KEY = "sop_gangguan_database"
needs_node = pytest.mark.skipif(shutil.which("npx") is None or not (ROOT / "node_modules" / "bpmnlint").is_dir(),
                                reason="bpmnlint needs Node.js and `npm ci`")


@pytest.fixture(scope="module")
def parser() -> DefinitionParser:
    return DefinitionParser(RoleCatalog.load(ROOT / "processes" / "roles.toml"), FormRegistry(ROOT / "forms"))


def sop01() -> bytes:
    return (ROOT / "processes" / f"{KEY}.bpmn").read_bytes()


def broken_sop01() -> bytes:
    """Five different deploy problems in five places of SOP-01."""
    xml = sop01()
    xml = xml.replace(b'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">gangguan_selesai == true'
                      b'</bpmn:conditionExpression>', b"")
    xml = xml.replace(b'<camunda:property name="waktu_iso" value="PT1H"/>',
                      b'<camunda:property name="waktu_iso" value="1 jam"/>', 1)  # gdb_02
    xml = xml.replace(b'<camunda:property name="role" value="pengawas_data_integrasi"/>',
                      b'<camunda:property name="role" value="kasi_tidak_dikenal"/>')
    xml = xml.replace(b'camunda:formKey="gdb_01_catat_laporan"', b'camunda:formKey="formulir_hilang"')
    xml = xml.replace(b"laporan_diterima == true", b'__import__("os")')
    return xml


@pytest.mark.parametrize("path", sorted((ROOT / "processes").glob("*.bpmn")), ids=lambda p: p.stem)
def test_every_committed_process_passes(parser, path):
    check = validate_model(parser, path.read_bytes(), path.name, path.stem)
    assert check.problems == () and check.ok


def test_every_deploy_problem_is_listed_with_its_element_and_line(parser):
    check = validate_model(parser, broken_sop01(), f"{KEY}.bpmn", KEY)
    found = [(p.element_id, p.source, p.message) for p in check.problems]
    assert found == [
        ("lane_pengawas_data_integrasi", "alur", "Peran 'kasi_tidak_dikenal' pada lajur 'Pejabat Pengawas Seksi "
                                                 "Pengelolaan Data dan Integrasi SI' tidak ada di katalog peran."),
        ("gdb_01", "alur", "Formulir 'formulir_hilang' pada langkah 'Menerima dan mencatat laporan ke form isian "
                           "laporan' tidak ditemukan."),
        ("gdb_02", "alur", "Waktu '1 jam' (batas waktu) pada langkah 'Menerima dan mengecek laporan, lalu "
                           "mendisposisikan' tidak dapat dibaca sebagai lama waktu kerja; tulis mis. PT30M (30 menit), "
                           "PT4H (4 jam) atau P2D (2 hari kerja)."),
        ("flow_gw_gdb_08_to_gdb_09", "alur", "Ekspresi '__import__(\"os\")' tidak dapat dipakai: Fungsi tidak "
                                             "diizinkan: '__import__(\"os\")'"),
        ("flow_gw_gdb_07_to_gdb_08", "alur", "Alur 'Ya' dari keputusan 'Gangguan telah selesai?' belum berkondisi "
                                             "dan bukan alur default."),
    ]  # the tasks of the lane with the bad role are not blamed for it again
    assert all(p.line for p in check.problems) and not check.ok
    with pytest.raises(DeploymentError) as refused:  # deploying stops at one of them
        parser.parse(broken_sop01(), f"{KEY}.bpmn", KEY)
    assert (refused.value.context["element_id"], refused.value.reason) in {(p.element_id, p.message)
                                                                          for p in check.problems}


def test_one_missing_condition_is_the_only_problem(parser):
    xml = sop01().replace(b'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">laporan_diterima == true'
                          b'</bpmn:conditionExpression>', b"")
    check = validate_model(parser, xml, f"{KEY}.bpmn", KEY)
    assert [(p.element_id, p.message) for p in check.problems] == [
        ("flow_gw_gdb_08_to_gdb_09", "Alur 'Ya' dari keputusan 'Laporan telah selesai/sesuai?' belum berkondisi "
                                     "dan bukan alur default.")]


def test_unparseable_xml_and_wrong_key_are_reported(parser):
    check = validate_model(parser, b"<bpmn:definitions", "x.bpmn")
    assert len(check.problems) == 1 and "XML tidak valid" in check.problems[0].message
    check = validate_model(parser, sop01(), "lain.bpmn", "lain")
    assert [(p.element_id, p.message) for p in check.problems] == [
        (KEY, "Id proses harus sama dengan nama berkas 'lain'.")]


@needs_node
def test_bpmnlint_findings_are_added_on_their_elements(parser):
    xml = sop01().replace(b'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">gangguan_selesai == true'
                          b'</bpmn:conditionExpression>', b"")
    check = validate_model(parser, xml, f"{KEY}.bpmn", KEY, lint=BpmnLint(ROOT))
    assert check.lint_note == ""
    lint = [(p.element_id, p.rule) for p in check.problems if p.source == "bpmnlint"]
    assert ("flow_gw_gdb_07_to_gdb_08", "conditional-flows") in lint
    clean = validate_model(parser, sop01(), f"{KEY}.bpmn", KEY, lint=BpmnLint(ROOT))
    assert clean.problems == () and clean.lint_note == ""


def test_without_node_the_check_says_bpmnlint_did_not_run(parser, monkeypatch):
    monkeypatch.setattr("engine.modeling.checks.shutil.which", lambda _name: None)
    check = validate_model(parser, sop01(), f"{KEY}.bpmn", KEY, lint=BpmnLint(ROOT))
    assert check.problems == () and check.ok
    assert "Node.js" in check.lint_note


def test_lint_table_is_parsed():
    output = ("\n/tmp/model.bpmn\n"
              "  gw_1        error  Gateway is superfluous  superfluous-gateway\n"
              "  Task_2      warning  Element has no label  label-required\n"
              "  end         error  Import warning: unresolved reference <x>                 \n"
              "\n✖ 3 problems (2 errors, 1 warning)\n")
    found = parse_lint_output(output)
    assert [(p.element_id, p.severity, p.message, p.rule) for p in found] == [
        ("gw_1", "error", "Gateway ini hanya memiliki satu alur masuk dan satu alur keluar; hapus saja.",
         "superfluous-gateway"),
        ("Task_2", "warning", "Elemen ini belum diberi nama.", "label-required"),
        ("end", "error", "Saran pemeriksa diagram (?).", None),
    ]  # bpmnlint's English stays in the detail only
    assert [p.detail for p in found] == ["Gateway is superfluous", "Element has no label",
                                         "Import warning: unresolved reference <x>"]
    assert found[1].message_in("en") == "This element has no name yet."


@needs_node
def test_every_rule_bpmnlint_runs_has_its_own_words():
    """Each rule of the config bpmnlint runs (.bpmnlintrc: recommended) is told in words of its own in
    both languages, not as the catch-all "advice (rule)"."""
    import json
    import re

    from engine.modeling.messages import CATALOGUE

    extends = json.loads((ROOT / ".bpmnlintrc").read_text())["extends"]
    config = (ROOT / "node_modules" / "bpmnlint" / "config" / f"{extends.split(':')[1]}.js").read_text()
    rules = re.findall(r"'([a-z-]+)':\s*'(?:error|warn)'", config)
    assert len(rules) > 20
    assert [rule for rule in rules if f"lint.{rule}" not in CATALOGUE] == []
    for rule in rules:
        output = f"\n/tmp/model.bpmn\n  el_1  error  Raw English text  {rule}\n"
        [found] = parse_lint_output(output)
        assert "(" + rule + ")" not in found.message and "Raw English" not in found.message_in("en")
