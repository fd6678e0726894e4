"""SOP-03 Penanganan Gangguan Jaringan, walked through the engine (domain.md §1.3).

Paths: the happy path (D1 "Jaringan terkoneksi?" Ya → GJR-09); the ISP path (D1 Tidak → GJR-08,
D2 "Jaringan terhubung?" Ya → GJR-09); D2 Tidak → "kembali pada proses 4" once and three times.
"""
from __future__ import annotations

import pytest
from process_helpers import CALENDAR, SOP_WALK, Case, Step, deploy, wita

pytestmark = SOP_WALK
KEY = "sop_gangguan_jaringan"
PJ, TU, KADIS, KABID = "pengguna_jaringan", "kasubag_tu", "kepala_dinas", "pejabat_administrator_tik"
PIT, TT, PTI = "pengawas_infrastruktur_tik", "tim_teknis", "pengelola_ti"
STEPS = {
    "gjr_01": Step("Berkoordinasi dan bersurat kepada Dinas Kominfo", PJ, "P1D"),
    "gjr_02a": Step("Menerima, mengagendakan dan menyampaikan surat untuk disposisi", TU, "P1D"),
    "gjr_02b": Step("Mendisposisikan surat kepada Pejabat Administrator Bidang TIK", KADIS, "P1D",
                    shares_with="gjr_02a"),
    "gjr_03a": Step("Menindaklanjuti disposisi kepada Kasi Infrastruktur TIK", KABID, "P2D"),
    "gjr_03b": Step("Menindaklanjuti disposisi: menugaskan Tim Teknis melakukan pengecekan", PIT, "P2D",
                    shares_with="gjr_03a"),
    "gjr_04": Step("Melakukan pengecekan fisik perangkat aktif jaringan utama", TT, "P2D"),
    "gjr_05": Step("Memonitor jaringan pada sistem monitoring", TT, "P2D"),
    "gjr_06": Step("Melakukan pengecekan server DNS", TT, "P3D"),
    "gjr_07": Step("Melakukan pengecekan konektivitas pada pengguna jaringan dan server", TT, "P3D"),
    "gjr_08": Step("Menghubungi dan berkoordinasi dengan pihak ISP", PIT, "P1D"),
    "gjr_09": Step("Menerima laporan gangguan selesai dan meminta laporan penyelesaian", KABID, "PT15M"),
    "gjr_10": Step("Membuat laporan penyelesaian gangguan dan meneruskannya kepada pengguna", PTI, "PT15M"),
}
INTAKE = ("gjr_01", "gjr_02a", "gjr_02b", "gjr_03a", "gjr_03b")
# The Kasi names the team at GJR-03b; GJR-04 to GJR-07 and GJR-10 go to its members only.
TEAM = [{"pengguna": "admin_server"}, {"pengguna": "pemeriksa"}, {"pengguna": "pengelola"}]
TURNS = pytest.mark.parametrize("turns", [1, 3], ids=["once", "three_times"])


@pytest.fixture
def case(sop, clock):
    deploy(sop, KEY)
    return Case(sop, clock, KEY, STEPS, starter="pengguna", business_key="GJR/2026/007")


def intake(case) -> None:
    case.run(*INTAKE[:-1])
    case.do("gjr_03b", anggota_tim_teknis=TEAM)


def checks(case, repeat: bool = False) -> None:
    """GJR-04 to GJR-06 by three different members of the Tim Teknis group; on a loop the team
    records that monitoring and the DNS check need not be repeated (domain.md C1)."""
    case.do("gjr_04", actor="admin_server")
    if repeat:
        case.do("gjr_05", actor="pemeriksa", monitoring_tidak_diulang=True,
                alasan_monitoring_tidak_diulang="grafik monitoring tidak berubah")
        case.do("gjr_06", actor="pengelola", dns_tidak_diulang=True, alasan_dns_tidak_diulang="DNS normal")
    else:
        case.run("gjr_05", "gjr_06")


def test_happy_path_connected_after_the_checks(case):
    case.everyone = True  # at each step, check every person's inbox
    first = case.do("gjr_01", full=True)
    assert (first.state, first.assignee) == ("claimed", "pengguna")
    assert first.due_at == wita(2026, 11, 24, 16, 0)                    # 1 hari kerja: Tuesday closing
    instance = case.view()
    assert instance.warning_at == wita(2026, 11, 26, 16, 0)              # peringatan after 3 hari kerja
    assert instance.due_at == wita(2026, 12, 11, 11, 0)                  # 14 hari kerja: a Friday closing
    assert (instance.warning_at, instance.due_at) == (CALENDAR.due(case.started_at, "P3D"),
                                                      CALENDAR.due(case.started_at, "P14D"))
    for step in INTAKE[1:-1]:
        case.do(step, full=True)
    case.do("gjr_03b", full=True, anggota_tim_teknis=TEAM)
    case.reopen()  # a restart in the middle of the case: only the database carries it on
    case.do("gjr_04", actor="admin_server", full=True)
    # monitoring handed in on Friday: the DNS check's 3 hari kerja run Monday to Wednesday
    case.do("gjr_05", actor="pemeriksa", full=True, monitoring_tidak_diulang=False, at=wita(2026, 11, 27, 9, 0))
    assert case.ready("gjr_06").due_at == wita(2026, 12, 2, 16, 0)
    case.do("gjr_06", full=True, dns_tidak_diulang=False)
    case.do("gjr_07", full=True, jaringan_terkoneksi=True)
    case.do("gjr_09", full=True)
    letter = case.ready("gjr_10")
    # the user's request letter and the team's monitoring report reach the closing step
    data = case.view().data
    assert data["dokumen_surat_permohonan"] == case.submitted("gjr_01")["dokumen_surat_permohonan"]
    assert data["dokumen_laporan_monitoring_jaringan"] == \
        case.submitted("gjr_09")["dokumen_laporan_monitoring_jaringan"]
    assert letter.role == "pengelola_ti"  # narrowed from the Tim Teknis lane
    case.refuses("gjr_10", "admin_server")
    case.do("gjr_10", full=True)
    case.finish()
    assert case.decisions() == [("gw_gjr_07", "Ya")]
    assert [e for e, _ in case.walked] == [*INTAKE, "gjr_04", "gjr_05", "gjr_06", "gjr_07", "gjr_09", "gjr_10"]


def test_isp_path_connected_after_coordination(case):
    intake(case)
    checks(case)
    case.do("gjr_07", jaringan_terkoneksi=False)
    case.do("gjr_08", jaringan_terhubung=True, nama_isp="PT Telkom Indonesia", nomor_tiket_isp="IN-778812")
    case.run("gjr_09", "gjr_10")
    instance = case.finish()
    assert (instance.data["nama_isp"], instance.data["nomor_tiket_isp"]) == ("PT Telkom Indonesia", "IN-778812")
    assert case.decisions() == [("gw_gjr_07", "Tidak"), ("gw_gjr_08", "Ya")]


@TURNS
def test_not_connected_after_isp_goes_back_to_step_4(case, turns):
    intake(case)
    checks(case)
    for turn in range(turns):
        case.do("gjr_07", jaringan_terkoneksi=False)
        case.do("gjr_08", jaringan_terhubung=False, nomor_tiket_isp=f"IN-{turn + 1}")
        checks(case, repeat=True)
    case.do("gjr_07", jaringan_terkoneksi=True)
    case.run("gjr_09", "gjr_10")
    instance = case.finish()
    assert instance.data["nomor_tiket_isp"] == f"IN-{turns}"
    assert instance.data["alasan_dns_tidak_diulang"] == "DNS normal"
    assert case.decisions() == [("gw_gjr_07", "Tidak"), ("gw_gjr_08", "Tidak")] * turns + [("gw_gjr_07", "Ya")]
    assert [e for e, _ in case.walked].count("gjr_04") == turns + 1


def test_back_to_step_4_then_connected_after_the_isp(case):
    intake(case)
    checks(case)
    case.do("gjr_07", jaringan_terkoneksi=False)
    case.do("gjr_08", jaringan_terhubung=False)
    checks(case, repeat=True)
    case.do("gjr_07", jaringan_terkoneksi=False)
    case.do("gjr_08", jaringan_terhubung=True)
    case.run("gjr_09", "gjr_10")
    case.finish()
    assert case.decisions() == [("gw_gjr_07", "Tidak"), ("gw_gjr_08", "Tidak"), ("gw_gjr_07", "Tidak"),
                                ("gw_gjr_08", "Ya")]
