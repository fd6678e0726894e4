"""SOP-05 Back-up dan Restore Database Server, walked through the engine (domain.md §1.5).

No decision in the SOP: one path BRD-01 to BRD-05, for a back-up and for a restore request (a
restore makes the recovery point and target required at BRD-01).
"""
from __future__ import annotations

import pytest
from process_helpers import CALENDAR, SOP_WALK, Case, Step, deploy, wita

from engine.errors import PermissionDenied

pytestmark = SOP_WALK
KEY = "sop_backup_restore_db"
OPD, KABID, PIT = "opd_pemohon", "pejabat_administrator_tik", "pengawas_infrastruktur_tik"
PTI, PMI = "pengelola_ti", "pemeriksa_ti"
STEPS = {
    "brd_01": Step("Mengajukan surat permohonan back-up/restore database server", OPD, "P1D"),
    "brd_02a": Step("Memverifikasi permohonan dan mendisposisikan ke Pengawas Infrastruktur TIK", KABID, "PT15M"),
    "brd_02b": Step("Meneruskan disposisi kepada Tim Personil Data Center", PIT, "PT15M"),
    "brd_03": Step("Merencanakan back-up/restore sesuai kapasitas dan menginformasikan pemohon", PTI, "PT1H"),
    "brd_04": Step("Melaksanakan proses back-up/restore database sesuai perencanaan", PTI, "P1D"),
    "brd_05": Step("Mengkonfirmasi hasil pelaksanaan back-up/restore database", PMI, "PT15M"),
}


@pytest.fixture
def deployed(sop):
    deploy(sop, KEY)
    return sop


def test_backup_request(deployed, clock):
    with pytest.raises(PermissionDenied):
        deployed.runner.start_case(KEY, "pengelola")  # the request comes from the OPD
    case = Case(deployed, clock, KEY, STEPS, starter="opd", business_key="BRD/2026/031", everyone=True)
    first = case.do("brd_01", full=True, jenis_layanan="backup")
    assert (first.state, first.assignee, first.due_at) == ("claimed", "opd", wita(2026, 11, 24, 16, 0))
    # no WAKTU PELAKSANAAN in the SOP: steps 2-5 add up to 1 hari kerja and 1 h 30 min
    assert case.view().due_at == wita(2026, 11, 25, 9, 0) == CALENDAR.due(case.started_at, "P1DT1H30M")
    assert case.do("brd_02a", full=True).due_at == wita(2026, 11, 23, 8, 55)
    case.do("brd_02b", full=True)
    assert case.submitted("brd_02b")["pelaksana_pengelola"] == "pengelola"  # user pickers name role holders
    # planned on Thursday afternoon: the 1 hari kerja of execution ends at Friday's early closing
    case.do("brd_03", full=True, informasi_ke_pemohon_terkirim=True, at=wita(2026, 11, 26, 14, 0))
    assert "waktu_informasi_ke_pemohon" in case.submitted("brd_03")
    assert case.do("brd_04", full=True).due_at == wita(2026, 11, 27, 11, 0)
    case.reopen()  # a restart in the middle of the case: only the database carries it on
    case.refuses("brd_05", "pengelola")  # maker-checker: the confirmation is the Pemeriksa's
    data = case.view().data
    assert data["dokumen_surat_permohonan"] == case.submitted("brd_01")["dokumen_surat_permohonan"]
    assert data["daftar_spesifikasi"] == case.submitted("brd_01")["daftar_spesifikasi"]
    case.do("brd_05", full=True)
    instance = case.finish()
    assert instance.data["server_terdaftar_di_aset_register"] is True
    assert case.decisions() == []


def test_restore_request_needs_the_recovery_point(deployed, clock):
    case = Case(deployed, clock, KEY, STEPS, starter="opd", business_key="BRD/2026/032")
    case.do("brd_01", jenis_layanan="restore")
    assert {"titik_pemulihan", "target_restore"} <= set(case.submitted("brd_01"))
    case.run("brd_02a", "brd_02b", "brd_03", "brd_04", "brd_05")
    instance = case.finish()
    assert instance.data["jenis_layanan"] == "restore"
    assert [who for _, who in case.walked] == ["opd", "kabid", "kasi_infra", "pengelola", "pengelola", "pemeriksa"]
