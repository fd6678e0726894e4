"""SOP-02 Pengelolaan Data, walked through the engine (domain.md §1.2).

Paths: the happy path in both modes of PDT-02 (request letter to the OPDs, data already in);
D1 "Pengelolaan data telah selesai?" Tidak → PDT-04 once and three times;
D2 "Pengelolaan data disetujui/selesai?" Tidak → PDT-06 once and three times.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from process_helpers import CALENDAR, SOP_WALK, WITA, Case, Step, deploy, wita

pytestmark = SOP_WALK
KEY = "sop_pengelolaan_data"
KABID, PDI, PTI, ADM = ("pejabat_administrator_tik", "pengawas_data_integrasi", "pengelola_ti",
                        "administrator_jaringan_server")
STEPS = {
    "pdt_01": Step("Menyampaikan perintah pendataan data sektoral", KABID, "PT30M"),
    "pdt_02": Step("Membuat surat pendataan atau menerima data untuk pengelolaan", PDI, "PT1H"),
    "pdt_03": Step("Menerima data untuk dikelola (disimpan atau di-update)", PTI, "P1D", waits=True),
    "pdt_04": Step("Menindaklanjuti pengelolaan data: simpan, update atau recovery", ADM, "P1D"),
    "pdt_05": Step("Membuat laporan penyelesaian pengelolaan data", PTI, "PT2H"),
    "pdt_06": Step("Melakukan pengecekan pengelolaan data telah selesai atau belum", PDI, "PT1H"),
    "pdt_07": Step("Melakukan pengecekan pengelolaan data", KABID, "PT1H"),
    "pdt_08": Step("Menyelesaikan laporan akhir pengelolaan data", PDI, "PT1H"),
    "pdt_09": Step("Menyampaikan laporan kepada Walidata", PTI, "PT1H"),
}
TURNS = pytest.mark.parametrize("turns", [1, 3], ids=["once", "three_times"])


@pytest.fixture
def case(sop, clock):
    deploy(sop, KEY)
    return Case(sop, clock, KEY, STEPS, starter="kabid", business_key="PDT/2026/014")


def test_request_mode_pdt_03_waits_in_the_inbox_until_the_opd_data_arrives(case, sop):
    """SOP-02 counts the office's own time: while pdt_03 waits on the OPD's data the case clock stands
    still (domain.md B4), and the wait up to the data's arrival moves the case limit and the step's due."""
    case.everyone = True  # at each step, check every person's inbox
    first = case.do("pdt_01", full=True)
    assert (first.state, first.assignee, first.due_at) == ("claimed", "kabid", wita(2026, 11, 23, 9, 0))
    assert case.view().due_at == wita(2026, 11, 26, 16, 0) == CALENDAR.due(case.started_at, "P3D")
    letter = case.do("pdt_02", full=True, mode="permintaan_data_ke_opd")
    assert letter.due_at == wita(2026, 11, 23, 9, 40)
    # no message wait: the receiving step is at once in the Pengelola TI's inbox, with the clock stopped
    waiting = case.ready("pdt_03")
    assert waiting.due_at is None and (case.view().due_at, case.view().warning_at) == (None, None)
    case.clock.now = wita(2026, 11, 26, 16, 30)  # past the unpaused 3 hari kerja: nothing is overdue
    assert sop.queries.inbox("pengelola", "overdue").items == []
    assert sop.scheduling.escalate_overdue(case.clock()) == 0  # no task or case escalates while waiting
    received = case.submitted("pdt_02")
    arrived = wita(2026, 11, 26, 9, 30)  # the OPD's data arrived on Thursday morning
    case.do("pdt_03", full=True, asal_data="kiriman_atas_surat_pendataan", nomor_surat_opd="005/123/BPS",
            tanggal_terima=arrived.astimezone(WITA).isoformat())
    wait = CALENDAR.working_time_between(waiting.created_at, arrived)
    assert wait == timedelta(hours=26, minutes=10)  # Mon 08:50 to Thu 09:30 in working time
    done = [t for t in sop.queries.case_tasks(case.id) if t.element_id == "pdt_03"][0]
    # the step's own 1 hari, moved by the wait: due Monday 30 Nov 13:10, done on Thursday, on time
    assert done.due_at == CALENDAR.add_working_time(CALENDAR.due(waiting.created_at, "P1D"), wait) \
        == wita(2026, 11, 30, 13, 10)
    assert done.completed_at <= done.due_at
    # the case limit runs again, 3 hari kerja plus the wait: Wednesday 2 Dec 13:10
    assert case.view().due_at == CALENDAR.add_working_time(CALENDAR.due(case.started_at, "P3D"), wait) \
        == wita(2026, 12, 2, 13, 10)
    assert case.view().data["nomor_surat"] == received["nomor_surat"]
    case.reopen()  # a restart: only the database carries the case on
    case.run("pdt_04", "pdt_05", "pdt_06", "pdt_07", "pdt_08", "pdt_09", full=True)
    instance = case.finish()
    assert instance.data["asal_data"] == "kiriman_atas_surat_pendataan"
    assert instance.data["dokumen_surat_pendataan"] == received["dokumen_surat_pendataan"]
    assert instance.ended_at < instance.due_at  # the wait for the OPD no longer counts against the 3 hari kerja
    assert case.decisions() == [("gw_pdt_06", "Ya"), ("gw_pdt_07", "Ya")]


def test_data_already_in_goes_straight_to_pdt_03(case):
    case.do("pdt_01")
    case.do("pdt_02", mode="penerimaan_data_masuk")
    assert "nomor_surat" not in case.submitted("pdt_02")  # letter fields are only required for a request
    case.do("pdt_03", asal_data="data_sudah_tersedia")
    case.run("pdt_04", "pdt_05", "pdt_06", "pdt_07", "pdt_08", "pdt_09")
    case.finish()
    assert [e for e, _ in case.walked] == list(STEPS)
    assert [who for _, who in case.walked] == ["kabid", "kasi_pdi", "pengelola", "admin_server", "pengelola",
                                                "kasi_pdi", "kabid", "kasi_pdi", "pengelola"]


@TURNS
def test_d1_not_finished_goes_back_to_pdt_04(case, turns):
    case.run("pdt_01", "pdt_02", "pdt_03", "pdt_04", "pdt_05")
    for turn in range(turns):
        case.do("pdt_06", pengelolaan_selesai=False, catatan_perbaikan=f"checksum tidak cocok ({turn + 1})")
        case.do("pdt_04", jenis_tindakan="recovery")
        case.do("pdt_05")
    case.do("pdt_06", pengelolaan_selesai=True)
    case.run("pdt_07", "pdt_08", "pdt_09")
    instance = case.finish()
    assert instance.data["catatan_perbaikan"] == f"checksum tidak cocok ({turns})"
    assert instance.data["jenis_tindakan"] == "recovery"
    assert case.decisions() == [("gw_pdt_06", "Tidak")] * turns + [("gw_pdt_06", "Ya"), ("gw_pdt_07", "Ya")]


@TURNS
def test_d2_not_approved_goes_back_to_pdt_06(case, turns):
    case.run("pdt_01", "pdt_02", "pdt_03", "pdt_04", "pdt_05", "pdt_06")
    for turn in range(turns):
        case.do("pdt_07", disetujui=False, catatan_pengembalian=f"lengkapi metadata ({turn + 1})")
        case.do("pdt_06")
    case.run("pdt_07", "pdt_08", "pdt_09")
    instance = case.finish()
    assert instance.data["catatan_pengembalian"] == f"lengkapi metadata ({turns})"
    assert case.decisions() == [("gw_pdt_06", "Ya")] + [("gw_pdt_07", "Tidak"), ("gw_pdt_06", "Ya")] * turns + [
        ("gw_pdt_07", "Ya")]


def test_returned_by_the_kabid_then_not_finished_runs_both_loops(case):
    """D2 Tidak back to PDT-06, whose D1 Tidak then sends the case back to PDT-04."""
    case.run("pdt_01", "pdt_02", "pdt_03", "pdt_04", "pdt_05", "pdt_06")
    case.do("pdt_07", disetujui=False)
    case.do("pdt_06", pengelolaan_selesai=False)
    case.run("pdt_04", "pdt_05", "pdt_06", "pdt_07", "pdt_08", "pdt_09")
    case.finish()
    assert case.decisions() == [("gw_pdt_06", "Ya"), ("gw_pdt_07", "Tidak"), ("gw_pdt_06", "Tidak"),
                                ("gw_pdt_06", "Ya"), ("gw_pdt_07", "Ya")]
