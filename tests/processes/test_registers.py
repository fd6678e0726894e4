"""The records the SOPs' Pencatatan demand, written by the cases themselves (engine.registers).

- SOP-05: a back-up case picks its server from the asset register; ``brd_04`` writes the server's last
  back-up and its result, ``brd_05`` the confirmed result; the yearly review shows the register, must
  list each of its servers, and its approval records the outcome per server.
- SOP-04: the assignment at ``pdc_01`` opens a data-center visit for each assigned Personil DC, listed
  among the open visits until the case ends.
Every write is an event on the register's own chain, and ``alur audit verify`` checks those chains.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import event
from process_helpers import TEST_SERVER, Case, deploy, register_test_server, wita
from test_sop_backup_restore_db import STEPS as BRD_STEPS
from test_sop_pemeliharaan_akses_dc import STEPS as PDC_STEPS, TEAM
from test_tinjau_aset_register_server import STEPS as TAR_STEPS

from engine.audit.chain import verify_chain
from engine.errors import FormInvalid
from engine.registers.dc_access import DC_CHAIN
from engine.registers.register_check import register_events
from engine.registers.server_assets import SERVER_CHAIN

# not SOP_WALK: the registers are SQL of their own, so these walks run on both backends
OTHER = "SRV-UJI-02"


@pytest.fixture
def deployed(sop):
    for key in ("sop_backup_restore_db", "tinjau_aset_register_server", "sop_pemeliharaan_akses_dc"):
        deploy(sop, key)
    register_test_server(sop)
    register_test_server(sop, OTHER)
    return sop


def _server(alur, number=TEST_SERVER):
    return alur.server_assets.get(number)


def _register_events(alur, register):
    """The register's (event type, payload) in order, after checking each of its chains is intact."""
    with alur.sessions() as session:
        events = register_events(session, register)
        assert all(verify_chain(session, chain) is None for chain in {e.chain for e in events})
        return [(e.event_type, json.loads(e.payload_json)) for e in events]


def test_a_backup_case_updates_its_server_and_the_yearly_review_shows_it(deployed, clock):
    case = Case(deployed, clock, "sop_backup_restore_db", BRD_STEPS, starter="opd", business_key="BRD/2026/040")
    case.do("brd_01", jenis_layanan="backup", at=wita(2026, 11, 24, 9, 0))
    case.run("brd_02a", "brd_02b", "brd_03")
    assert _server(deployed).last_backup_at is None
    case.do("brd_04", server_aset=TEST_SERVER, hasil_pelaksanaan="berhasil",
            waktu_selesai_job="2026-11-24T13:05:00+08:00")
    reported = _server(deployed)
    assert (reported.last_backup_at, reported.last_backup_result) == (wita(2026, 11, 24, 13, 5), "berhasil")
    assert (reported.last_job_instance_id, reported.last_job_confirmed) == (case.id, False)
    assert reported.last_restore_at is None
    case.do("brd_05", checksum_cocok=True, uji_restore_atau_aplikasi="berhasil", hasil_dikonfirmasi="berhasil")
    case.finish()
    confirmed = _server(deployed)
    assert (confirmed.last_backup_result, confirmed.last_job_confirmed) == ("berhasil", True)
    assert _server(deployed, OTHER).last_backup_at is None  # only the server the case picked

    review = Case(deployed, clock, "tinjau_aset_register_server", TAR_STEPS, starter="pengelola")
    task = review.ready("tar_01")
    page = deployed.cases.task_page(task.task_id, "pengelola")
    shown = {s.asset_number: s for s in page.server_register}
    assert shown[TEST_SERVER].last_backup_result == "berhasil"  # the review shows the register itself
    assert shown[TEST_SERVER].last_job_instance_id == case.id
    assert [r["server_aset"] for r in page.values["daftar_server_ditinjau"]] == [TEST_SERVER, OTHER]
    rows = [{"server_aset": TEST_SERVER, "status": "aktif", "sesuai": True},
            {"server_aset": OTHER, "status": "nonaktif", "sesuai": False, "catatan": "dimatikan sejak Oktober"}]
    review.do("tar_01", daftar_server_ditinjau=rows, ketidaksesuaian="SRV-UJI-02 sudah tidak beroperasi")
    assert _server(deployed, OTHER).last_reviewed_at is None  # recorded only once approved
    review.do("tar_02", tinjauan_disetujui=True)
    review.finish()
    first, other = _server(deployed), _server(deployed, OTHER)
    assert (first.last_review_result, first.status, first.last_review_instance_id) == ("sesuai", "aktif", review.id)
    assert (other.last_review_result, other.status, other.last_review_note) == (
        "tidak sesuai", "nonaktif", "dimatikan sejak Oktober")
    assert first.last_reviewed_at == other.last_reviewed_at == review.last_change
    kinds = [kind for kind, _ in _register_events(deployed, SERVER_CHAIN)]
    assert kinds == ["server_registered", "server_registered", "server_job_reported", "server_job_confirmed",
                     "server_reviewed", "server_reviewed"]
    assert deployed.audit_verifier.verify().ok


def test_a_page_that_picks_a_server_reads_the_register_on_its_own_connection(deployed, clock):
    """The register is read in the batch of the page's documents (issue 21): one connection, not a
    second transaction of its own; removed servers are not offered."""
    deployed.server_assets.update(OTHER, {"status": "dihapus"}, "pengelola")
    case = Case(deployed, clock, "sop_backup_restore_db", BRD_STEPS, starter="opd")
    case.do("brd_01", jenis_layanan="backup")
    case.run("brd_02a", "brd_02b", "brd_03")
    task = case.ready("brd_04")
    checkouts: list[object] = []

    def count(*_: object) -> None:
        checkouts.append(_)

    event.listen(deployed.db, "checkout", count)
    try:
        page = deployed.cases.task_page(task.task_id, "pengelola")
    finally:
        event.remove(deployed.db, "checkout", count)
    assert len(checkouts) == 1
    assert [s.asset_number for s in page.server_register] == [TEST_SERVER]
    assert page.server_register[0] == _server(deployed)  # every column as the register's own read
    assert [number for number, _ in page.user_options["@server"]] == [TEST_SERVER]


@pytest.mark.sqlite_only("the statements are read from SQLite's own trace")
def test_a_step_that_picks_a_server_reads_only_that_server_to_check_it(deployed, clock):
    case = Case(deployed, clock, "sop_backup_restore_db", BRD_STEPS, starter="opd")
    case.do("brd_01", jenis_layanan="backup")
    case.run("brd_02a", "brd_02b", "brd_03")
    traced: list[str] = []

    def trace(dbapi_connection, _record) -> None:
        dbapi_connection.set_trace_callback(traced.append)

    deployed.db.dispose()
    event.listen(deployed.db, "connect", trace)
    try:
        case.do("brd_04", server_aset=TEST_SERVER, hasil_pelaksanaan="berhasil")
    finally:
        event.remove(deployed.db, "connect", trace)
        deployed.db.dispose()
    reads = [" ".join(sql.split()) for sql in traced
             if sql.startswith("SELECT server_asset.asset_number, server_asset.status")]  # the check's
    assert reads == ["SELECT server_asset.asset_number, server_asset.status FROM server_asset "
                     f"WHERE server_asset.asset_number IN ('{TEST_SERVER}')"], traced


def test_a_restore_writes_the_restore_columns_and_a_failure_is_recorded_as_confirmed(deployed, clock):
    case = Case(deployed, clock, "sop_backup_restore_db", BRD_STEPS, starter="opd")
    case.do("brd_01", jenis_layanan="restore")
    case.run("brd_02a", "brd_02b", "brd_03")
    case.do("brd_04", server_aset=OTHER, hasil_pelaksanaan="sebagian")
    assert (_server(deployed, OTHER).last_restore_result, _server(deployed, OTHER).last_backup_at) == ("sebagian", None)
    case.do("brd_05", checksum_cocok=False, hasil_dikonfirmasi="gagal", tindak_lanjut_kegagalan="ulang minggu depan")
    assert (_server(deployed, OTHER).last_restore_result, _server(deployed, OTHER).last_job_confirmed) == ("gagal",
                                                                                                           True)


def test_a_server_not_in_the_register_is_refused_and_nothing_is_stored(deployed, clock):
    case = Case(deployed, clock, "sop_backup_restore_db", BRD_STEPS, starter="opd")
    case.do("brd_01", jenis_layanan="backup")
    case.run("brd_02a", "brd_02b", "brd_03")
    task = case.ready("brd_04")
    data = case.fill(task.form_key, "x", "pengelola", False, {"server_aset": "SRV-TIDAK-ADA"})
    with pytest.raises(FormInvalid) as refused:
        deployed.runner.complete_task(task.task_id, "pengelola", data)
    assert refused.value.errors == {"server_aset": "Server tidak terdaftar di aset register (atau sudah dihapus)"}
    deployed.server_assets.update(OTHER, {"status": "dihapus"}, "pengelola")
    data["server_aset"] = OTHER  # removed from the register: no longer a server to back up
    with pytest.raises(FormInvalid):
        deployed.runner.complete_task(task.task_id, "pengelola", data)
    assert [t.element_id for t in deployed.queries.open_tasks(case.id)] == ["brd_04"]
    assert _server(deployed).last_backup_at is None


def test_a_review_that_leaves_a_server_out_is_refused(deployed, clock):
    review = Case(deployed, clock, "tinjau_aset_register_server", TAR_STEPS, starter="pengelola")
    task = review.ready("tar_01")
    one_row = [{"server_aset": TEST_SERVER, "status": "aktif", "sesuai": True}]
    data = review.fill(task.form_key, "x", "pengelola", False, {"daftar_server_ditinjau": one_row})
    with pytest.raises(FormInvalid) as refused:
        deployed.runner.complete_task(task.task_id, "pengelola", data)
    assert refused.value.errors == {"daftar_server_ditinjau": f"Server belum ditinjau: {OTHER}"}
    data["daftar_server_ditinjau"] = one_row * 2 + [{"server_aset": OTHER, "status": "aktif", "sesuai": True}]
    with pytest.raises(FormInvalid) as twice:
        deployed.runner.complete_task(task.task_id, "pengelola", data)
    assert twice.value.errors == {"daftar_server_ditinjau": f"Server ditinjau lebih dari sekali: {TEST_SERVER}"}


def test_a_dc_visit_opened_at_pdc_01_is_open_until_the_case_ends(deployed, clock):
    case = Case(deployed, clock, "sop_pemeliharaan_akses_dc", PDC_STEPS, starter="kasi_infra",
                business_key="PDC/2026/12")
    assert deployed.dc_access.visits(only_open=True) == []
    case.do("pdc_01", personil_dc_ditugaskan=TEAM, nomor_surat_tugas="ST/045/DC", lingkup=["UPS", "genset"])
    opened = deployed.dc_access.visits(only_open=True)
    assert sorted(v.visitor for v in opened) == ["Pemeriksa (pemeriksa)", "Pengelola (pengelola)"]
    assert {(v.instance_id, v.source, v.opened_by, v.time_in) for v in opened} == {
        (case.id, "penugasan", "kasi_infra", case.last_change)}
    assert all("ST/045/DC" in v.purpose and "UPS, genset" in v.purpose for v in opened)
    walk_in = deployed.dc_access.add_walk_in({"visitor": "Budi Teknisi", "organisation": "PT Vendor UPS",
                                              "purpose": "Ganti baterai UPS", "escort": "pengelola"}, "kasi_infra")
    case.run("pdc_02", "pdc_03", "pdc_04", "pdc_05")
    assert len(deployed.dc_access.visits(only_open=True)) == 3  # still at work: still inside
    case.do("pdc_06")
    case.finish()
    still_open = deployed.dc_access.visits(only_open=True)
    assert [v.visit_id for v in still_open] == [walk_in.visit_id]  # the case's visits closed at its end
    closed = [v for v in deployed.dc_access.visits() if v.instance_id == case.id]
    assert {(v.time_out, v.closed_by) for v in closed} == {(case.last_change, "pengelola")}
    deployed.dc_access.sign_out(walk_in.visit_id, "kasi_infra")
    assert deployed.dc_access.visits(only_open=True) == []
    kinds = [kind for kind, _ in _register_events(deployed, DC_CHAIN)]
    assert kinds == ["dc_visit_opened"] * 3 + ["dc_visit_closed"] * 3


def test_a_cancelled_maintenance_closes_its_visits(deployed, clock):
    case = Case(deployed, clock, "sop_pemeliharaan_akses_dc", PDC_STEPS, starter="kasi_infra")
    case.do("pdc_01", personil_dc_ditugaskan=TEAM)
    assert len(deployed.dc_access.visits(only_open=True)) == 2
    deployed.runner.cancel_case(case.id, "kasi_infra", "jadwal dibatalkan")
    assert deployed.dc_access.visits(only_open=True) == []
