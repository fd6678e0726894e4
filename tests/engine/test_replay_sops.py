"""Replay verification on the real SOPs: every case re-executes to the same tasks, decisions and data;
a recorded decision altered (and the chain re-hashed) is reported precisely.

Each SOP is driven through a path with its loops (SOP-04 and SOP-05 have no Ya/Tidak; SOP-05's
yearly asset-register review, which has one, is walked too), with valid form data generated from
the forms' JSON Schemas by ``tests/processes/process_helpers.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import rehash_chain

from engine.audit.chain import case_chain, verify_chains
from engine.bootstrap import Alur

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "processes"))
from process_helpers import register_for, FillContext, add_cast, deploy, form_data, person_for, upload  # noqa: E402

Steps = list[tuple[str, dict[str, Any]]]  # (element id, answers that override generated data)
F, T = False, True
SOP_PATHS: dict[str, tuple[str, Steps]] = {  # process key -> (starter, steps)
    "sop_gangguan_database": ("pengelola", [
        ("gdb_01", {}), ("gdb_02", {}), ("gdb_03", {}), ("gdb_04", {}), ("gdb_05", {}), ("gdb_06", {}),
        ("gdb_07", {"gangguan_selesai": F, "arahan_lanjutan": "periksa ulang indeks"}),
        ("gdb_05", {}), ("gdb_06", {}), ("gdb_07", {"gangguan_selesai": T}),
        ("gdb_08", {"laporan_diterima": F}), ("gdb_07", {"gangguan_selesai": T}),
        ("gdb_08", {"laporan_diterima": T}), ("gdb_09", {})]),
    "sop_pengelolaan_data": ("kabid", [
        ("pdt_01", {}), ("pdt_02", {"mode": "penerimaan_data_masuk"}), ("pdt_03", {"asal_data": "data_sudah_tersedia"}),
        ("pdt_04", {}), ("pdt_05", {}),
        ("pdt_06", {"pengelolaan_selesai": F, "catatan_perbaikan": "checksum tidak cocok"}),
        ("pdt_04", {"jenis_tindakan": "recovery"}), ("pdt_05", {}), ("pdt_06", {"pengelolaan_selesai": T}),
        ("pdt_07", {"disetujui": F, "catatan_pengembalian": "lengkapi metadata"}),
        ("pdt_06", {"pengelolaan_selesai": T}), ("pdt_07", {"disetujui": T}), ("pdt_08", {}), ("pdt_09", {})]),
    "sop_gangguan_jaringan": ("pengguna", [
        ("gjr_01", {}), ("gjr_02a", {}), ("gjr_02b", {}), ("gjr_03a", {}), ("gjr_03b", {}),
        ("gjr_04", {}), ("gjr_05", {}), ("gjr_06", {}), ("gjr_07", {"jaringan_terkoneksi": F}),
        ("gjr_08", {"jaringan_terhubung": F, "nomor_tiket_isp": "IN-1"}),
        ("gjr_04", {}), ("gjr_05", {}), ("gjr_06", {}), ("gjr_07", {"jaringan_terkoneksi": T}),
        ("gjr_09", {}), ("gjr_10", {})]),
    "sop_pemeliharaan_akses_dc": ("kasi_infra", [(f"pdc_0{i}", {}) for i in range(1, 7)]),
    "sop_backup_restore_db": ("opd", [
        ("brd_01", {"jenis_layanan": "backup"}), ("brd_02a", {}), ("brd_02b", {}), ("brd_03", {}),
        ("brd_04", {}), ("brd_05", {})]),
    "tinjau_aset_register_server": ("pengelola", [
        ("tar_01", {}), ("tar_02", {"tinjauan_disetujui": F, "catatan_pengembalian": "lengkapi alamat IP"}),
        ("tar_01", {}), ("tar_02", {"tinjauan_disetujui": T})]),
}


def walk(alur: Alur, clock: Any, process_key: str) -> int:
    """Start a case and do the path's steps one runner call at a time; return the case id."""
    starter, steps = SOP_PATHS[process_key]
    deploy(alur, process_key)
    case = alur.runner.start_case(process_key, starter, f"{process_key}/1").instance_id
    for visit, (element_id, answers) in enumerate(steps):
        clock.advance(minutes=25)
        [task] = alur.queries.open_tasks(case)
        assert task.element_id == element_id, (process_key, visit, task.element_id)
        actor = task.assignee or person_for(alur, task.role)
        if task.state == "ready":
            alur.runner.claim_task(task.task_id, actor)
        ctx = FillContext(tag=f"{element_id}.{visit}", now=clock(), user_for=lambda role: person_for(alur, role),
                          document=lambda label, by=actor: upload(alur, clock, by, f"{case}/{label}"),
                          full=visit % 2 == 0)
        register_for(alur, alur.forms.get(task.form_key).schema)
        alur.runner.complete_task(task.task_id, actor, form_data(alur.forms.get(task.form_key).schema, ctx, answers))
    assert alur.queries.case(case).status == "completed"
    return case


@pytest.fixture
def sop(sop_alur: Alur) -> Alur:
    add_cast(sop_alur)
    return sop_alur


def test_every_sop_case_replays_the_same(sop, clock):
    cases = {key: walk(sop, clock, key) for key in SOP_PATHS}
    for case in cases.values():
        report = sop.replay.verify_replay(case)
        assert report.ok, report.lines()
        assert report.steps_checked == len(sop.histories.replay_states(case).steps)
    decisions = [e for e in sop.queries.audit_trail(cases["sop_gangguan_jaringan"])
                 if e.event_type == "gateway_decided"]
    assert [d.payload["answer"] for d in decisions] == ["Tidak", "Tidak", "Ya"]


def test_an_altered_decision_is_reported_with_step_expected_and_found(sop, clock):
    """SOP-01: GDB-07's first answer "not resolved" is changed to "resolved" in the recorded form data,
    and the chain is hashed again so it verifies on its own. The replay takes the Ya branch there."""
    case = walk(sop, clock, "sop_gangguan_database")

    def resolved(event: dict[str, Any]) -> dict[str, Any] | None:
        payload = event["payload"]
        if event["event_type"] == "task_completed" and payload["data"].get("gangguan_selesai") is False:
            return {**payload, "data": {**payload["data"], "gangguan_selesai": True}}
        return None
    rehash_chain(sop, case_chain(case), resolved)
    with sop.sessions() as session:
        assert verify_chains(session) == []  # the chain alone cannot tell

    report = sop.replay.verify_replay(case)
    assert not report.ok
    [divergence] = report.divergences
    history = sop.histories.replay_states(case)
    step = history.steps[divergence.step - 1]
    assert (step.event_type, step.payload["gateway"], step.payload["answer"]) == \
        ("gateway_decided", "gw_gdb_07", "Tidak")
    assert (divergence.event_id, divergence.seq) == (step.event_id, step.seq)
    assert "gateway 'gw_gdb_07' (Gangguan telah selesai?) → Ya" in divergence.expected
    assert "→ Tidak via flow 'flow_gw_gdb_07_to_merge_gdb_05'" in divergence.found
    line = report.lines()[0]
    assert line.startswith(f"REPLAY DIVERGES case {case} (sop_gangguan_database v1): step {divergence.step} "
                           f"(event id={step.event_id} seq={step.seq}, gateway_decided)")
