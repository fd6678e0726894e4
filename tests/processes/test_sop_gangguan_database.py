"""SOP-01 Pengelolaan Gangguan Database, walked through the engine (domain.md §1.1).

Paths: the happy path; D1 "Gangguan telah selesai?" Tidak → GDB-05 once and three times;
D2 "Laporan telah selesai/sesuai?" Tidak → GDB-07 once and three times.
"""
from __future__ import annotations

import pytest
from process_helpers import CALENDAR, SOP_WALK, Case, Step, deploy, wita

pytestmark = SOP_WALK
KEY = "sop_gangguan_database"
PPTI, PTI, ADM = "pemeriksa_pengelola_ti", "pengelola_ti", "administrator_jaringan_server"
PDI, KABID = "pengawas_data_integrasi", "pejabat_administrator_tik"
STEPS = {
    "gdb_01": Step("Menerima dan mencatat laporan ke form isian laporan", PPTI, "PT30M"),
    "gdb_02": Step("Menerima dan mengecek laporan, lalu mendisposisikan", KABID, "PT1H"),
    "gdb_03": Step("Memberikan arahan penyelesaian gangguan database", PDI, "PT1H"),
    "gdb_04": Step("Menindaklanjuti disposisi dan melakukan pengecekan", PPTI, "P2D"),
    "gdb_05": Step("Memeriksa gangguan database pada server dan melaporkan hasilnya", ADM, "PT15M"),
    "gdb_06": Step("Melaporkan hasil pengecekan gangguan", PTI, "PT1H"),
    "gdb_07": Step("Melakukan pengecekan terhadap gangguan dan memberikan arahan", PDI, "PT1H"),
    "gdb_08": Step("Melakukan pengecekan laporan penyelesaian", KABID, "PT15M"),
    "gdb_09": Step("Membuat laporan penyelesaian pekerjaan dan menyampaikannya", PPTI, "PT15M"),
}
TURNS = pytest.mark.parametrize("turns", [1, 3], ids=["once", "three_times"])


@pytest.fixture
def case(sop, clock):
    deploy(sop, KEY)
    return Case(sop, clock, KEY, STEPS, starter="pengelola", business_key="GDB/2026/001")


def test_happy_path(case, clock):
    case.everyone = True  # at each step, check every person's inbox
    first = case.do("gdb_01", full=True)
    assert (first.state, first.assignee) == ("claimed", "pengelola")  # the starter does the first step
    assert first.due_at == wita(2026, 11, 23, 9, 0)                    # Monday 08:30 + 30 menit
    instance = case.view()
    assert instance.due_at == wita(2026, 11, 26, 16, 0)                # 3 hari kerja: Thursday closing
    assert instance.due_at == CALENDAR.due(case.started_at, "P3D") and instance.warning_at is None
    assert case.do("gdb_02", full=True).due_at == wita(2026, 11, 23, 9, 40)
    case.do("gdb_03", full=True)
    assert case.do("gdb_04", full=True).due_at == wita(2026, 11, 25, 16, 0)  # P2D from Monday: Wednesday
    case.reopen()  # a restart in the middle of the case: only the database carries it on
    case.do("gdb_05", full=True)
    case.refuses("gdb_06", "pemeriksa")  # the combined lane, but step 6 is narrowed to the Pengelola TI
    case.run("gdb_06", "gdb_07", "gdb_08", full=True)
    # kelengkapan carried forward: when the closing step is ready, the case holds the first step's
    # report form and the report text, and the check notes of step 4
    case.ready("gdb_09")
    data, report = case.view().data, case.submitted("gdb_01")
    assert data["dokumen_form_laporan"] == report["dokumen_form_laporan"]
    assert data["deskripsi_gangguan"] == report["deskripsi_gangguan"]
    assert data["dokumen_catatan_gangguan"] == case.submitted("gdb_04")["dokumen_catatan_gangguan"]
    case.do("gdb_09", full=True)
    case.finish()
    assert case.decisions() == [("gw_gdb_07", "Ya"), ("gw_gdb_08", "Ya")]
    assert [e for e, _ in case.walked] == list(STEPS)
    assert dict(case.walked)["gdb_05"] == "admin_server" and dict(case.walked)["gdb_06"] == "pengelola"


@TURNS
def test_d1_not_resolved_goes_back_to_gdb_05(case, turns):
    case.run("gdb_01", "gdb_02", "gdb_03", "gdb_04", "gdb_05", "gdb_06")
    for turn in range(turns):
        case.do("gdb_07", gangguan_selesai=False, arahan_lanjutan=f"periksa ulang indeks, putaran {turn + 1}")
        case.run("gdb_05", "gdb_06")
    case.do("gdb_07", gangguan_selesai=True)
    assert case.view().data["arahan_lanjutan"] == f"periksa ulang indeks, putaran {turns}"
    case.run("gdb_08", "gdb_09")
    case.finish()
    assert case.decisions() == [("gw_gdb_07", "Tidak")] * turns + [("gw_gdb_07", "Ya"), ("gw_gdb_08", "Ya")]
    assert [e for e, _ in case.walked].count("gdb_05") == turns + 1


@TURNS
def test_d2_report_not_accepted_goes_back_to_gdb_07(case, clock, turns):
    case.run("gdb_01", "gdb_02", "gdb_03", "gdb_04", "gdb_05", "gdb_06", "gdb_07")
    for turn in range(turns):
        if turn == 0:  # returned on Friday 10:30: the 1-hour re-check runs into Monday
            case.do("gdb_08", laporan_diterima=False, at=wita(2026, 11, 27, 10, 30))
            assert case.ready("gdb_07").due_at == wita(2026, 11, 30, 8, 0)
        else:
            case.do("gdb_08", laporan_diterima=False)
        case.do("gdb_07")
    case.run("gdb_08", "gdb_09")
    case.finish()
    assert case.decisions() == [("gw_gdb_07", "Ya")] + [("gw_gdb_08", "Tidak"), ("gw_gdb_07", "Ya")] * turns + [
        ("gw_gdb_08", "Ya")]
    assert "catatan_pengembalian" in case.view().data


def test_report_returned_then_not_resolved_runs_both_loops(case):
    """D2 Tidak back to GDB-07, whose D1 Tidak then sends the case back to GDB-05."""
    case.run("gdb_01", "gdb_02", "gdb_03", "gdb_04", "gdb_05", "gdb_06", "gdb_07")
    case.do("gdb_08", laporan_diterima=False)
    case.do("gdb_07", gangguan_selesai=False)
    case.run("gdb_05", "gdb_06", "gdb_07", "gdb_08", "gdb_09")
    case.finish()
    assert case.decisions() == [("gw_gdb_07", "Ya"), ("gw_gdb_08", "Tidak"), ("gw_gdb_07", "Tidak"),
                                ("gw_gdb_07", "Ya"), ("gw_gdb_08", "Ya")]
