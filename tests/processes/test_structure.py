"""Structural checks of processes/*.bpmn, processes/roles.toml and forms/*.json.

Pure lxml + tomllib + jsonschema (SpiffWorkflow only to prove each file parses); no engine import.
The contract is docs/bpmn-conventions.md; the expected steps, lanes and decisions come from
shared/notes/domain.md §1.1–1.6 (with every [DEC] resolution taken).

Run: .venv/bin/python -m pytest tests/processes/test_structure.py -q
"""
from __future__ import annotations

import json
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
FORMS = ROOT / "forms"

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
}
CAMUNDA = "{%s}" % NS["camunda"]
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
FLOW_NODE_TAGS = ("userTask", "startEvent", "endEvent", "exclusiveGateway", "intermediateCatchEvent",
                  "intermediateThrowEvent", "parallelGateway", "serviceTask", "task", "callActivity")
MUTU_BAKU_REQUIRED = ("langkah", "kelengkapan", "waktu", "waktu_iso", "output")
IDENTITY_PROPERTIES = ("waktu_pelaksanaan", "waktu_pelaksanaan_iso", "nomor_sop", "tanggal_pembuatan",
                       "tanggal_revisi", "tanggal_efektif", "disahkan_oleh", "nama_sop", "unit_kerja",
                       "penanggung_jawab", "dasar_hukum", "kualifikasi_pelaksana", "keterkaitan",
                       "peralatan_perlengkapan", "peringatan", "pencatatan_pendataan")
SYSTEM_FIELDS = {"nomor_kasus", "pelaksana", "waktu_mulai", "waktu_selesai", "batas_waktu", "lampiran",
                 "alasan_terlambat"}
DOCUMENT_FORMAT = "alur-dokumen"

# --- expectations from domain.md -------------------------------------------------------------------

ADM, PPTI, PDI, KABID, KADIS = ("administrator_jaringan_server", "pemeriksa_pengelola_ti",
                                "pengawas_data_integrasi", "pejabat_administrator_tik", "kepala_dinas")
PTI, PMI, PJ, TU, TT, PIT, DC, OPD = ("pengelola_ti", "pemeriksa_ti", "pengguna_jaringan", "kasubag_tu",
                                      "tim_teknis", "pengawas_infrastruktur_tik", "personil_dc", "opd_pemohon")

EXPECTED = {
    "sop_gangguan_database": {
        "lanes": [ADM, PPTI, PDI, KABID, KADIS],
        # step id -> (lane role, task role after camunda:candidateGroups)
        "steps": {"gdb_01": (PPTI, PPTI), "gdb_02": (KABID, KABID), "gdb_03": (PDI, PDI),
                  "gdb_04": (PPTI, PPTI), "gdb_05": (ADM, ADM), "gdb_06": (PPTI, PTI), "gdb_07": (PDI, PDI),
                  "gdb_08": (KABID, KABID), "gdb_09": (PPTI, PPTI)},
        # (task before the gateway, decision field, Ya -> task, Tidak -> task)
        "decisions": [("gdb_07", "gangguan_selesai", "gdb_08", "gdb_05"),
                      ("gdb_08", "laporan_diterima", "gdb_09", "gdb_07")],
        "waktu_pelaksanaan_iso": "P3D",
    },
    "sop_pengelolaan_data": {
        "lanes": [ADM, PTI, PDI, KABID],
        "steps": {"pdt_01": (KABID, KABID), "pdt_02": (PDI, PDI), "pdt_03": (PTI, PTI), "pdt_04": (ADM, ADM),
                  "pdt_05": (PTI, PTI), "pdt_06": (PDI, PDI), "pdt_07": (KABID, KABID), "pdt_08": (PDI, PDI),
                  "pdt_09": (PTI, PTI)},
        "decisions": [("pdt_06", "pengelolaan_selesai", "pdt_07", "pdt_04"),
                      ("pdt_07", "disetujui", "pdt_08", "pdt_06")],
        "waktu_pelaksanaan_iso": "P3D",
    },
    "sop_gangguan_jaringan": {
        "lanes": [PJ, TU, TT, PIT, KABID, KADIS],
        "steps": {"gjr_01": (PJ, PJ), "gjr_02a": (TU, TU), "gjr_02b": (KADIS, KADIS), "gjr_03a": (KABID, KABID),
                  "gjr_03b": (PIT, PIT), "gjr_04": (TT, TT), "gjr_05": (TT, TT), "gjr_06": (TT, TT),
                  "gjr_07": (TT, TT), "gjr_08": (PIT, PIT), "gjr_09": (KABID, KABID), "gjr_10": (TT, PTI)},
        "decisions": [("gjr_07", "jaringan_terkoneksi", "gjr_09", "gjr_08"),
                      ("gjr_08", "jaringan_terhubung", "gjr_09", "gjr_04")],
        "waktu_pelaksanaan_iso": "P14D",
        "waktu_peringatan_iso": "P3D",
    },
    "sop_pemeliharaan_akses_dc": {
        "lanes": [DC, PIT],
        "steps": {"pdc_01": (PIT, PIT), "pdc_02": (DC, PTI), "pdc_03": (DC, PMI), "pdc_04": (PIT, PIT),
                  "pdc_05": (PIT, PIT), "pdc_06": (DC, PTI)},
        "decisions": [],
        "time_cycle": "R/P1M",
    },
    "sop_backup_restore_db": {
        "lanes": [OPD, KABID, PIT, DC],
        "steps": {"brd_01": (OPD, OPD), "brd_02a": (KABID, KABID), "brd_02b": (PIT, PIT), "brd_03": (DC, PTI),
                  "brd_04": (DC, PTI), "brd_05": (DC, PMI)},
        "decisions": [],
    },
    "tinjau_aset_register_server": {
        "lanes": [DC, PIT],
        "steps": {"tar_01": (DC, DC), "tar_02": (PIT, PIT)},
        "decisions": [("tar_02", "tinjauan_disetujui", None, "tar_01")],
        "time_cycle": "R/P1Y",
    },
}
EXPECTED_STEP_ORDER = {  # the happy path, in order
    "sop_gangguan_database": [f"gdb_0{i}" for i in range(1, 10)],
    "sop_pengelolaan_data": [f"pdt_0{i}" for i in range(1, 10)],
    "sop_gangguan_jaringan": ["gjr_01", "gjr_02a", "gjr_02b", "gjr_03a", "gjr_03b", "gjr_04", "gjr_05",
                              "gjr_06", "gjr_07", "gjr_09", "gjr_10"],
    "sop_pemeliharaan_akses_dc": [f"pdc_0{i}" for i in range(1, 7)],
    "sop_backup_restore_db": ["brd_01", "brd_02a", "brd_02b", "brd_03", "brd_04", "brd_05"],
    "tinjau_aset_register_server": ["tar_01", "tar_02"],
}
BASE_ROLES = {"kepala_dinas", "kasubag_tu", "pejabat_administrator_tik", "pengawas_infrastruktur_tik",
              "pengawas_data_integrasi", "pengelola_ti", "pemeriksa_ti", "administrator_jaringan_server",
              "opd_pemohon", "pengguna_jaringan", "walidata", "isp"}
GROUP_ROLES = {"pemeriksa_pengelola_ti": {"pengelola_ti", "pemeriksa_ti"},
               "tim_teknis": {"administrator_jaringan_server", "pengelola_ti", "pemeriksa_ti"},
               "personil_dc": {"pengelola_ti", "pemeriksa_ti"}}
SUPPORTING_ROLES = {"admin_sistem", "auditor", "pemilik_proses", "penilai_sop"}

BPMN_FILES = sorted(PROCESSES.glob("*.bpmn"))
BPMN_IDS = [p.stem for p in BPMN_FILES]


# --- helpers ---------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def tree(stem: str) -> etree._ElementTree:
    return etree.parse(str(PROCESSES / f"{stem}.bpmn"))


def process_el(stem: str) -> etree._Element:
    procs = tree(stem).getroot().findall("bpmn:process", NS)
    assert len(procs) == 1, f"{stem}: exactly one process expected"
    return procs[0]


def props(el: etree._Element) -> dict[str, str]:
    return {p.get("name"): p.get("value", "")
            for p in el.xpath("./bpmn:extensionElements/camunda:properties/camunda:property", namespaces=NS)}


def local(el: etree._Element) -> str:
    return etree.QName(el).localname


def flow_nodes(stem: str) -> dict[str, etree._Element]:
    return {el.get("id"): el for el in process_el(stem) if isinstance(el.tag, str) and local(el) in FLOW_NODE_TAGS}


def flows(stem: str) -> list[etree._Element]:
    return process_el(stem).findall("bpmn:sequenceFlow", NS)


def lanes(stem: str) -> list[etree._Element]:
    return process_el(stem).findall(".//bpmn:lane", NS)


def user_tasks(stem: str) -> dict[str, etree._Element]:
    return {t.get("id"): t for t in process_el(stem).findall("bpmn:userTask", NS)}


def lane_of(stem: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for lane in lanes(stem):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            assert ref.text not in result, f"{stem}: {ref.text} is in two lanes"
            result[ref.text] = props(lane)["role"]
    return result


def bounds(stem: str) -> dict[str, tuple[float, float, float, float]]:
    result = {}
    for shape in tree(stem).getroot().iterfind(".//bpmndi:BPMNShape", NS):
        b = shape.find("dc:Bounds", NS)
        result[shape.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    return result


def label_bounds(stem: str) -> dict[str, tuple[float, float, float, float]]:
    result = {}
    root = tree(stem).getroot()
    for di in [*root.iterfind(".//bpmndi:BPMNShape", NS), *root.iterfind(".//bpmndi:BPMNEdge", NS)]:
        b = di.find("bpmndi:BPMNLabel/dc:Bounds", NS)
        if b is not None:
            result[di.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    return result


def overlap(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


@lru_cache(maxsize=None)
def roles() -> dict[str, dict[str, Any]]:
    return tomllib.loads((PROCESSES / "roles.toml").read_text(encoding="utf-8"))["roles"]


@lru_cache(maxsize=None)
def load_form(key: str) -> dict[str, Any]:
    return json.loads((FORMS / f"{key}.json").read_text(encoding="utf-8"))


def forms_of(stem: str) -> dict[str, dict[str, Any]]:
    return {tid: load_form(t.get(f"{CAMUNDA}formKey")) for tid, t in user_tasks(stem).items()}


def next_step(stem: str, node_id: str) -> str | None:
    """Follow single outgoing flows through merging gateways and catch events to the next task (None = end)."""
    nodes = flows_by_source(stem)
    elements = flow_nodes(stem)
    seen = set()
    while True:
        el = elements[node_id]
        kind = local(el)
        if kind == "userTask":
            return node_id
        if kind == "endEvent":
            return None
        outs = nodes[node_id]
        assert len(outs) == 1, f"{stem}: cannot follow {node_id} (it branches)"
        assert node_id not in seen, f"{stem}: cycle without a task at {node_id}"
        seen.add(node_id)
        node_id = outs[0].get("targetRef")


def flows_by_source(stem: str) -> dict[str, list[etree._Element]]:
    result: dict[str, list[etree._Element]] = {nid: [] for nid in flow_nodes(stem)}
    for f in flows(stem):
        result[f.get("sourceRef")].append(f)
    return result


def flows_by_target(stem: str) -> dict[str, list[etree._Element]]:
    result: dict[str, list[etree._Element]] = {nid: [] for nid in flow_nodes(stem)}
    for f in flows(stem):
        result[f.get("targetRef")].append(f)
    return result


def condition_names(expression: str) -> set[str]:
    text = expression.strip()
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1]
    text = re.sub(r"\"[^\"]*\"|'[^']*'", " ", text)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    return words - {"true", "false", "null", "and", "or", "not", "in", "True", "False", "None", "len", "int",
                    "str", "float", "bool", "min", "max", "abs", "round"}


def sample_value(name: str, schema: dict[str, Any]) -> Any:
    """A value that satisfies a field schema (used to prove every form can be submitted)."""
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "string":
        fmt = schema.get("format")
        return {"date": "2026-01-05", "date-time": "2026-01-05T08:00:00+08:00", "email": "pic@kaltimprov.go.id",
                "uri": "https://data.kaltimprov.go.id/dataset", DOCUMENT_FORMAT: "a" * 64}.get(fmt, f"isi {name}")
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "array":
        items = schema["items"]
        if items.get("type") == "object":
            row = {k: sample_value(k, v) for k, v in items["properties"].items() if k in items.get("required", [])}
            return [row] * max(1, schema.get("minItems", 1))
        return [sample_value(name, items)] * max(1, schema.get("minItems", 0))
    raise AssertionError(f"no sample for {name}: {schema}")


# --- role catalogue ----------------------------------------------------------------------------------

def test_roles_toml_shape():
    catalogue = roles()
    assert BASE_ROLES | set(GROUP_ROLES) | SUPPORTING_ROLES <= set(catalogue)
    for key, role in catalogue.items():
        assert SNAKE.match(key), key
        assert role.get("title") and role.get("title_en"), key
        assert isinstance(role.get("supervisors"), list), key
        for sup in role["supervisors"]:
            assert sup in catalogue and "members" not in catalogue[sup], (key, sup)
        if "members" in role:
            assert role["members"], key
            for member in role["members"]:
                assert member in catalogue and "members" not in catalogue[member], (key, member)
    for group, members in GROUP_ROLES.items():
        assert set(catalogue[group]["members"]) == members, group
    for key in ("kepala_dinas", "opd_pemohon", "pengguna_jaringan", "walidata", "isp"):
        assert catalogue[key]["supervisors"] == [], key
    assert "pejabat_administrator_tik" in catalogue["pengelola_ti"]["supervisors"]


# --- per process --------------------------------------------------------------------------------------

def test_all_expected_processes_exist():
    assert set(BPMN_IDS) == set(EXPECTED)


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_process_identity(stem):
    root = tree(stem).getroot()
    proc = process_el(stem)
    assert proc.get("id") == stem
    assert proc.get("isExecutable") == "true"
    assert proc.get("name")
    participants = root.findall("bpmn:collaboration/bpmn:participant", NS)
    assert len(participants) == 1 and participants[0].get("processRef") == stem and participants[0].get("name")
    p = props(proc)
    for key in IDENTITY_PROPERTIES:
        assert key in p, f"{stem}: process property {key} missing"
    assert p["waktu_pelaksanaan"]
    assert ISO_DURATION.match(p["waktu_pelaksanaan_iso"]), p["waktu_pelaksanaan_iso"]
    exp = EXPECTED[stem]
    if "waktu_pelaksanaan_iso" in exp:
        assert p["waktu_pelaksanaan_iso"] == exp["waktu_pelaksanaan_iso"]
    if "waktu_peringatan_iso" in exp:
        assert p["waktu_peringatan_iso"] == exp["waktu_peringatan_iso"]
    assert p["nama_sop"] and p["unit_kerja"] and p["dasar_hukum"]


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_ids_are_snake_case_and_flows_have_ids(stem):
    for el in tree(stem).getroot().iter():
        if isinstance(el.tag, str) and el.get("id") is not None:
            assert SNAKE.match(el.get("id")), f"{stem}: id {el.get('id')!r} is not snake_case"
    for f in flows(stem):
        assert f.get("id"), f"{stem}: sequence flow without id"


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_lanes_roles_and_order(stem):
    catalogue = roles()
    lane_roles = [props(lane).get("role") for lane in lanes(stem)]
    assert lane_roles == EXPECTED[stem]["lanes"], f"{stem}: lane order"
    for lane in lanes(stem):
        assert lane.get("name"), lane.get("id")
        assert props(lane)["role"] in catalogue
    # DI: lanes stacked top to bottom in the same order, same x and width, inside the pool
    b = bounds(stem)
    ys = [b[lane.get("id")][1] for lane in lanes(stem)]
    assert ys == sorted(ys)
    for upper, lower in zip(lanes(stem), lanes(stem)[1:], strict=False):
        ux, uy, uw, uh = b[upper.get("id")]
        lx, ly, lw, lh = b[lower.get("id")]
        assert ly == pytest.approx(uy + uh) and ux == lx and uw == lw
    participant = tree(stem).getroot().find("bpmn:collaboration/bpmn:participant", NS).get("id")
    px, py, pw, ph = b[participant]
    assert sum(b[lane.get("id")][3] for lane in lanes(stem)) == pytest.approx(ph)


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_user_tasks_steps_lanes_and_candidate_groups(stem):
    catalogue = roles()
    owner = lane_of(stem)
    tasks = user_tasks(stem)
    assert set(tasks) == set(EXPECTED[stem]["steps"]), f"{stem}: step ids"
    for node_id in flow_nodes(stem):
        assert node_id in owner, f"{stem}: {node_id} is in no lane"
    for tid, task in tasks.items():
        lane_role, task_role = EXPECTED[stem]["steps"][tid]
        assert owner[tid] == lane_role, f"{stem}: {tid} lane"
        candidate = task.get(f"{CAMUNDA}candidateGroups", "").strip()
        role = candidate or owner[tid]
        assert role == task_role, f"{stem}: {tid} role"
        if candidate:
            assert candidate == owner[tid] or candidate in catalogue[owner[tid]].get("members", []), tid
        assert task.get("name"), tid
        doc = task.find("bpmn:documentation", NS)
        assert doc is not None and len((doc.text or "").strip()) > 20, f"{stem}: {tid} documentation"


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_mutu_baku(stem):
    for tid, task in user_tasks(stem).items():
        p = props(task)
        for key in MUTU_BAKU_REQUIRED:
            assert p.get(key), f"{stem}: {tid} lacks {key}"
        prefix, number = tid.split("_", 1)
        assert p["langkah"] == f"{prefix.upper()}-{number}", tid
        assert ISO_DURATION.match(p["waktu_iso"]), f"{tid}: waktu_iso {p['waktu_iso']!r}"
        if "waktu_min_iso" in p:
            assert ISO_DURATION.match(p["waktu_min_iso"]), f"{tid}: waktu_min_iso {p['waktu_min_iso']!r}"
            assert p["waktu_min_iso"] != p["waktu_iso"]


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_forms_exist_and_follow_conventions(stem):
    for tid, task in user_tasks(stem).items():
        key = task.get(f"{CAMUNDA}formKey")
        assert key and SNAKE.match(key) and key.startswith(tid + "_"), f"{tid}: formKey {key!r}"
        path = FORMS / f"{key}.json"
        assert path.is_file(), f"{tid}: {path} missing"
        schema = load_form(key)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["type"] == "object" and schema["additionalProperties"] is False and schema["title"]
        fields = schema["properties"]
        assert set(schema["required"]) <= set(fields)
        assert not SYSTEM_FIELDS & set(fields), f"{key}: system-filled fields"
        if "catatan" in fields:
            assert "catatan" not in schema["required"]
        for name, field in fields.items():
            assert SNAKE.match(name), f"{key}: {name}"
            assert field.get("title"), f"{key}: {name} has no title"
            if field.get("x-widget") == "table":
                assert field["type"] == "array" and field["items"]["type"] == "object"
                assert len(field["items"]["properties"]) <= 8, f"{key}: {name} has too many columns"
                assert field["items"].get("additionalProperties") is False
            if field.get("x-widget") == "user":
                assert field.get("x-role") in roles(), f"{key}: {name} x-role"
            if field.get("format") == DOCUMENT_FORMAT:
                assert field.get("x-widget") == "file"
        # the step's output document: always required, or required on the branch that produces it
        # (an if/then clause, e.g. a completion report only on "Ya")
        on_branch = {n for c in schema.get("allOf", []) for n in c.get("then", {}).get("required", [])}
        outputs = [n for n, f in fields.items() if f.get("format") == DOCUMENT_FORMAT and n.startswith("dokumen_")
                   and (n in schema["required"] or n in on_branch)]
        assert outputs, f"{key}: no dokumen_<output> field required (always or on its branch)"


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_forms_accept_a_complete_submission(stem):
    for tid, schema in forms_of(stem).items():
        data = {name: sample_value(name, field) for name, field in schema["properties"].items()}
        errors = list(Draft202012Validator(schema).iter_errors(data))
        assert not errors, f"{tid}: {[e.message for e in errors]}"
        # an empty submission is refused (every form has required fields) for missing fields only
        empty_errors = list(Draft202012Validator(schema).iter_errors({}))
        assert empty_errors and all(e.validator == "required" for e in empty_errors), tid


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_field_names_mean_one_thing_per_process(stem):
    seen: dict[str, tuple[str, dict]] = {}
    for tid, schema in forms_of(stem).items():
        for name, field in schema["properties"].items():
            shape = {k: field.get(k) for k in ("type", "format", "enum", "x-widget")}
            if name in seen:
                assert seen[name][1] == shape, f"{stem}: {name} differs between {seen[name][0]} and {tid}"
            else:
                seen[name] = (tid, shape)


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_gateways_defaults_and_conditions(stem):
    by_source = flows_by_source(stem)
    fields = set()
    for schema in forms_of(stem).values():
        fields |= set(schema["properties"])
    for gw in process_el(stem).findall("bpmn:exclusiveGateway", NS):
        outgoing = by_source[gw.get("id")]
        if len(outgoing) < 2:
            continue
        assert gw.get("name"), f"{stem}: deciding gateway {gw.get('id')} has no question"
        default = gw.get("default")
        assert default in {f.get("id") for f in outgoing}, f"{stem}: {gw.get('id')} default"
        for f in outgoing:
            cond = f.find("bpmn:conditionExpression", NS)
            assert f.get("name"), f"{stem}: {f.get('id')} unnamed"
            if f.get("id") == default:
                assert cond is None
                continue
            assert cond is not None and (cond.text or "").strip(), f"{stem}: {f.get('id')} lacks a condition"
            assert cond.get(XSI_TYPE) == "bpmn:tFormalExpression"
            names = condition_names(cond.text)
            assert names and names <= fields, f"{stem}: {f.get('id')} names unknown fields {names - fields}"


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_decisions_and_loops_as_in_domain(stem):
    by_source = flows_by_source(stem)
    elements = flow_nodes(stem)
    decisions = EXPECTED[stem]["decisions"]
    deciding = [g for g in process_el(stem).findall("bpmn:exclusiveGateway", NS)
                if len(by_source[g.get("id")]) >= 2
                and {f.get("name") for f in by_source[g.get("id")]} == {"Ya", "Tidak"}]
    assert len(deciding) == len(decisions), f"{stem}: number of Ya/Tidak gateways"
    forms = forms_of(stem)
    for before, field, ya_next, tidak_next in decisions:
        gw_id = by_source[before][0].get("targetRef")
        gw = elements[gw_id]
        assert local(gw) == "exclusiveGateway", f"{stem}: {before} is not followed by its gateway"
        out = {f.get("name"): f for f in by_source[gw_id]}
        assert set(out) == {"Ya", "Tidak"}
        assert gw.get("default") == out["Tidak"].get("id"), f"{stem}: Tidak must be the default"
        cond = out["Ya"].find("bpmn:conditionExpression", NS).text
        assert field in condition_names(cond)
        schema = forms[before]
        assert schema["properties"][field]["type"] == "boolean"
        assert schema["properties"][field].get("x-widget") == "yesno"
        assert field in schema["required"]
        assert next_step(stem, out["Ya"].get("targetRef")) == ya_next
        assert next_step(stem, out["Tidak"].get("targetRef")) == tidak_next


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_happy_path_order(stem):
    """Walking Ya (or the only flow) from the start visits the SOP's steps in order."""
    by_source = flows_by_source(stem)
    elements = flow_nodes(stem)
    starts = process_el(stem).findall("bpmn:startEvent", NS)
    assert len(starts) == 1
    node, visited = starts[0].get("id"), []
    for _ in range(200):
        if local(elements[node]) == "userTask":
            visited.append(node)
        outs = by_source[node]
        if not outs:
            break
        if len(outs) > 1:
            named = {f.get("name"): f for f in outs}
            default = [f for f in outs if f.get("id") == elements[node].get("default")]
            chosen = named["Ya"] if "Ya" in named else default[0]
        else:
            chosen = outs[0]
        node = chosen.get("targetRef")
    assert local(elements[node]) == "endEvent"
    assert visited == EXPECTED_STEP_ORDER[stem]


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_joins_go_through_merging_gateways(stem):
    """No task or event has two incoming flows (SpiffWorkflow #394); merges have one outgoing flow."""
    by_source, by_target = flows_by_source(stem), flows_by_target(stem)
    for node_id, el in flow_nodes(stem).items():
        incoming = by_target[node_id]
        if len(incoming) > 1:
            assert local(el) == "exclusiveGateway", f"{stem}: {node_id} has {len(incoming)} incoming flows"
            assert len(by_source[node_id]) == 1, f"{stem}: {node_id} merges and splits"
        if local(el) == "userTask":
            assert len(by_source[node_id]) == 1, f"{stem}: {node_id} must have exactly one outgoing flow"
        if local(el) != "startEvent":
            assert incoming, f"{stem}: {node_id} unreachable"


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_start_event_and_routine_timer(stem):
    starts = process_el(stem).findall("bpmn:startEvent", NS)
    assert len(starts) == 1
    cycle = starts[0].find("bpmn:timerEventDefinition/bpmn:timeCycle", NS)
    expected = EXPECTED[stem].get("time_cycle")
    if expected:
        assert cycle is not None and cycle.text.strip() == expected
    else:
        assert starts[0].find("bpmn:timerEventDefinition", NS) is None


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_diagram_interchange_complete(stem):
    root = tree(stem).getroot()
    shapes = {s.get("bpmnElement") for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    for node_id in flow_nodes(stem):
        assert node_id in shapes, f"{stem}: {node_id} has no shape"
    for lane in lanes(stem):
        assert lane.get("id") in shapes
    assert root.find("bpmn:collaboration/bpmn:participant", NS).get("id") in shapes
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        if shape.get("bpmnElement").startswith(("participant_", "lane_")):
            assert shape.get("isHorizontal") == "true"
    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane.get("bpmnElement") == root.find("bpmn:collaboration", NS).get("id")
    for f in flows(stem):
        assert f.get("id") in edges, f"{stem}: {f.get('id')} has no edge"
        points = [(float(p.get("x")), float(p.get("y"))) for p in edges[f.get("id")].findall("di:waypoint", NS)]
        assert len(points) >= 2
        for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
            assert x1 == x2 or y1 == y2, f"{stem}: {f.get('id')} is not orthogonal"


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_shapes_do_not_overlap_and_stay_in_their_lane(stem):
    b = bounds(stem)
    owner = lane_of(stem)
    lane_ids = {props(lane)["role"]: lane.get("id") for lane in lanes(stem)}
    nodes = list(flow_nodes(stem))
    for node_id in nodes:
        x, y, w, h = b[node_id]
        lx, ly, lw, lh = b[lane_ids[owner[node_id]]]
        assert lx < x and x + w < lx + lw and ly < y and y + h < ly + lh, f"{stem}: {node_id} leaves its lane"
    for i, a in enumerate(nodes):
        for c in nodes[i + 1:]:
            assert not overlap(b[a], b[c]), f"{stem}: {a} overlaps {c}"
    # labels cross no shape
    for owner_id, lb in label_bounds(stem).items():
        for node_id in nodes:
            if node_id != owner_id:
                assert not overlap(lb, b[node_id]), f"{stem}: label of {owner_id} covers {node_id}"


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_flow_runs_left_to_right(stem):
    """Forward flows end to the right of where they start; only Tidak loops go back."""
    b = bounds(stem)
    for f in flows(stem):
        sx = b[f.get("sourceRef")][0]
        tx = b[f.get("targetRef")][0]
        if tx < sx:
            assert f.get("name") == "Tidak", f"{stem}: {f.get('id')} runs backwards"


def test_every_form_is_used():
    used = {t.get(f"{CAMUNDA}formKey") for stem in BPMN_IDS for t in user_tasks(stem).values()}
    on_disk = {p.stem for p in FORMS.glob("*.json")}
    assert on_disk == used, f"unused forms {on_disk - used}, missing {used - on_disk}"


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_spiffworkflow_camunda_parser_accepts(stem):
    camunda = pytest.importorskip("SpiffWorkflow.camunda.parser")
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator

    parser = camunda.CamundaParser(validator=BpmnValidator())
    parser.add_bpmn_file(str(PROCESSES / f"{stem}.bpmn"))
    spec = parser.get_spec(stem)
    parsed_tasks = {name for name, ts in spec.task_specs.items() if type(ts).__name__ == "UserTask"}
    assert parsed_tasks == set(EXPECTED[stem]["steps"])
    for name in parsed_tasks:
        ts = spec.task_specs[name]
        assert ts.lane, name
        assert ts.form.key == user_tasks(stem)[name].get(f"{CAMUNDA}formKey")
        assert ts.extensions["waktu_iso"]


@pytest.mark.parametrize("stem", BPMN_IDS)
def test_no_process_waits_for_a_message(stem):
    """The engine delivers no messages: every wait must be a user task (or a timer)."""
    catches = process_el(stem).xpath(".//bpmn:intermediateCatchEvent[bpmn:messageEventDefinition] | "
                                     ".//bpmn:receiveTask | .//bpmn:boundaryEvent[bpmn:messageEventDefinition]",
                                     namespaces=NS)
    assert not catches, f"{stem}: waits for a message at {[c.get('id') for c in catches]}"
