"""SOP-05 Back-up dan Restore Database Server, walked through the engine (domain.md §1.5).

No decision in the SOP: one path BRD-01 to BRD-05, for a back-up and for a restore request (a
restore makes the recovery point and target required at BRD-01).
"""
from __future__ import annotations

import pytest
from process_helpers import CALENDAR, SOP_WALK, TEST_SERVER, Case, Step, deploy, wita

from engine.errors import PermissionDenied
from engine.reading.case_pages import RequesterCasePage
from engine.reading.search import parse_search

pytestmark = SOP_WALK
KEY = "sop_backup_restore_db"
OPD, KABID, PIT = "opd_pemohon", "pejabat_administrator_tik", "pengawas_infrastruktur_tik"
PTI, PMI = "pengelola_ti", "pemeriksa_ti"
STEPS = {
    "brd_01": Step("Mengajukan surat permohonan back-up/restore database server", OPD, "P1D"),
    "brd_02a": Step("Memverifikasi permohonan dan mendisposisikan ke Pengawas Infrastruktur TIK", KABID, "PT15M"),
    "brd_02b": Step("Meneruskan disposisi kepada Tim Personil Data Center", PIT, "PT15M", shares_with="brd_02a"),
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
    # the limit counts from Diskominfo's receipt (step 2): while the OPD writes its letter, none runs
    assert (case.view().due_at, case.view().warning_at) == (None, None)
    first = case.do("brd_01", full=True, jenis_layanan="backup", at=wita(2026, 11, 24, 15, 0))
    assert (first.state, first.assignee, first.due_at) == ("claimed", "opd", wita(2026, 11, 24, 16, 0))
    # no WAKTU PELAKSANAAN in the SOP: steps 2-5 add up to 1 hari kerja and 1 h 30 min, from step 2's start
    # (the OPD used its whole Tuesday on brd_01 and still leaves Diskominfo its full time)
    assert case.view().due_at == wita(2026, 11, 26, 9, 0) == CALENDAR.due(wita(2026, 11, 24, 15, 0), "P1DT1H30M")
    assert case.do("brd_02a", full=True).due_at == wita(2026, 11, 24, 15, 15)
    # 2a and 2b share the 15 menit: 2b is due 15 minutes after 2a started, not after its own start
    assert case.do("brd_02b", full=True).due_at == wita(2026, 11, 24, 15, 15)
    assert case.submitted("brd_02b")["pelaksana_pengelola"] == "pengelola"  # user pickers name role holders
    # planned on Thursday afternoon: the 1 hari kerja of execution ends at Friday's early closing
    case.do("brd_03", full=True, at=wita(2026, 11, 26, 14, 0))
    assert case.submitted("brd_03")["informasi_ke_pemohon_terkirim"] is True
    assert "waktu_informasi_ke_pemohon" in case.submitted("brd_03")
    assert case.do("brd_04", full=True).due_at == wita(2026, 11, 27, 11, 0)
    case.reopen()  # a restart in the middle of the case: only the database carries it on
    case.refuses("brd_05", "pengelola")  # maker-checker: the confirmation is the Pemeriksa's
    data = case.view().data
    assert data["dokumen_surat_permohonan"] == case.submitted("brd_01")["dokumen_surat_permohonan"]
    assert data["daftar_spesifikasi"] == case.submitted("brd_01")["daftar_spesifikasi"]
    case.do("brd_05", full=True)
    instance = case.finish()
    assert instance.data["server_aset"] == TEST_SERVER  # picked from the asset register, not re-typed
    assert case.decisions() == []
    # the SOP ends by telling the OPD the result: a notification, and the result on the requester's view
    assert deployed.scheduling.announce_new(clock()) >= 1  # the worker announces the finished request
    notice = [n for n in deployed.notifications.list("opd") if n.kind == "case_finished"]
    assert len(notice) == 1 and "Hasil dikonfirmasi: berhasil." in notice[0].body
    page = deployed.cases.case_page(case.id, "opd")
    assert isinstance(page, RequesterCasePage) and page.outcome is not None
    assert page.outcome.name == STEPS["brd_05"].name
    result = case.submitted("brd_05")["dokumen_laporan_terkonfirmasi"]
    assert result in {d.sha256 for d in page.documents}
    assert [n for n in deployed.notifications.list("kasi_infra") if n.kind == "case_finished"] == []


def test_restore_request_needs_the_recovery_point(deployed, clock):
    case = Case(deployed, clock, KEY, STEPS, starter="opd", business_key="BRD/2026/032")
    case.do("brd_01", jenis_layanan="restore")
    assert {"titik_pemulihan", "target_restore"} <= set(case.submitted("brd_01"))
    case.run("brd_02a", "brd_02b", "brd_03", "brd_04", "brd_05")
    instance = case.finish()
    assert instance.data["jenis_layanan"] == "restore"
    assert [who for _, who in case.walked] == ["opd", "kabid", "kasi_infra", "pengelola", "pengelola", "pemeriksa"]


def test_the_job_times_are_no_search_words(deployed, clock):
    # BRD-04's start and end are date-times: "…T09:17:43+08:00" once filed "09t17" and "43" as words, so a
    # search for "43" found every back-up whose job started or ended at minute 43. Its words still find the case.
    case = Case(deployed, clock, KEY, STEPS, starter="opd", business_key="BRD/2026/033")
    case.run("brd_01", "brd_02a", "brd_02b", "brd_03")
    case.do("brd_04", waktu_mulai_job="2026-11-27T09:17:43+08:00", waktu_selesai_job="2026-11-27T10:29:51+08:00",
            catatan_pelaksanaan="Pencadangan berjalan mulus")

    def found(words: str) -> list[int]:
        return [c.instance_id for c in deployed.queries.visible_cases(
            "kabid", search=parse_search({"q": words}, "cases")).items]

    assert found("pencadangan mulus") == [case.id]
    for piece in ("09t17", "43", "10t29", "51"):
        assert found(piece) == [], piece
