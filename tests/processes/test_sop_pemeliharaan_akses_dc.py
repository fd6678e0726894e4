"""SOP-04 Pemeliharaan dan Akses Data Center, walked through the engine (domain.md §1.4).

A routine process: its timer start event carries the monthly cycle the engine's schedule uses.
There is no decision in the SOP, so there is one path: PDC-01 to PDC-06.
"""
from __future__ import annotations

import pytest
from process_helpers import CALENDAR, SOP_WALK, Case, Step, deploy, wita

from engine.errors import PermissionDenied

pytestmark = SOP_WALK
KEY = "sop_pemeliharaan_akses_dc"
PIT, PTI, PMI = "pengawas_infrastruktur_tik", "pengelola_ti", "pemeriksa_ti"
STEPS = {
    "pdc_01": Step("Menugaskan Personil DC untuk pemeliharaan dan membatasi akses ruang DC", PIT, "PT15M"),
    "pdc_02": Step("Membuat rencana dan jadwal pemeliharaan perangkat data center", PTI, "P1D"),
    "pdc_03": Step("Melakukan pemeliharaan sesuai dengan rencana dan jadwal", PMI, "P1D"),
    "pdc_04": Step("Melaporkan hasil pemeliharaan peralatan data center", PIT, "PT15M"),
    "pdc_05": Step("Mereview hasil pemeliharaan peralatan data center", PIT, "PT1H"),
    "pdc_06": Step("Menyimpan laporan pemeliharaan data center sebagai bukti", PTI, "PT15M"),
}
# The surat tugas names the DC team; PDC-02 to PDC-04 and PDC-06 go to its members holding the step's role.
TEAM = [{"pengguna": "pengelola", "peran": PTI}, {"pengguna": "pemeriksa", "peran": PMI}]


@pytest.fixture
def deployed(sop):
    deploy(sop, KEY)
    return sop


def test_routine_cycle_is_monthly_and_only_the_pengawas_starts_by_hand(deployed):
    with deployed.sessions() as session:
        _row, definition = deployed.definitions.latest(session, KEY)
    assert definition.routine_cycle == "R/P1M"
    assert definition.start_roles == {PIT}
    for person in ("pengelola", "pemeriksa", "kabid"):
        with pytest.raises(PermissionDenied):
            deployed.runner.start_case(KEY, person)


def test_maintenance_started_by_hand(deployed, clock):
    case = Case(deployed, clock, KEY, STEPS, starter="kasi_infra", business_key="PDC/2026/11", everyone=True)
    first = case.do("pdc_01", full=True, personil_dc_ditugaskan=TEAM)
    assert (first.state, first.assignee, first.due_at) == ("claimed", "kasi_infra", wita(2026, 11, 23, 8, 45))
    # no WAKTU PELAKSANAAN in the SOP: the sum of the step times, 2 hari kerja and 1 h 45 min
    instance = case.view()
    assert instance.due_at == wita(2026, 11, 26, 9, 15) == CALENDAR.due(case.started_at, "P2DT1H45M")
    assert instance.warning_at is None
    case.do("pdc_02", full=True)
    assert case.submitted("pdc_02")["rencana"][0]["butuh_downtime"] is True
    assert "pemberitahuan_downtime_ke_opd" in case.submitted("pdc_02")  # required by the downtime row
    case.reopen()  # a restart in the middle of the case: only the database carries it on
    case.refuses("pdc_03", "pengelola")  # Personil DC lane, but the maintenance itself is the Pemeriksa's
    case.run("pdc_03", "pdc_04", "pdc_05", full=True)
    case.ready("pdc_06")
    report = case.submitted("pdc_03")["dokumen_laporan_pemeliharaan"]
    assert case.view().data["dokumen_surat_tugas"] == case.submitted("pdc_01")["dokumen_surat_tugas"]
    case.do("pdc_06", full=True)
    instance = case.finish()
    # pdc_04 hands the same maintenance report on (same field); the review notes reach the archive step
    assert instance.data["dokumen_laporan_pemeliharaan"] == case.submitted("pdc_04")["dokumen_laporan_pemeliharaan"]
    assert report in case.documents
    # step 4 follows the SOP's column mark: the Pengawas receives and records the Pemeriksa's report
    assert [who for _, who in case.walked] == ["kasi_infra", "pengelola", "pemeriksa", "kasi_infra", "kasi_infra",
                                                "pengelola"]
    assert case.submitted("pdc_04")["dilaporkan_oleh"] == "pemeriksa"
    assert case.decisions() == []


def test_scheduled_occurrence_lands_in_the_pengawas_inbox(deployed, clock):
    """The schedule starts cases as the system: nobody is assigned, the Pengawas's role pool gets it."""
    case = Case(deployed, clock, KEY, STEPS, starter="system")
    assert case.ready("pdc_01").state == "ready"
    case.do("pdc_01", personil_dc_ditugaskan=TEAM)
    assert case.ready("pdc_02").candidates == ("pengelola",)  # the team member holding the step's role
    case.run("pdc_02")
    assert case.ready("pdc_03").candidates == ("pemeriksa",)
    case.run("pdc_03", "pdc_04", "pdc_05", "pdc_06")
    case.finish()
    assert deployed.notifications.list("kasi_infra") == []  # every step found its named person


def test_step_4_is_in_the_pengawas_lane(deployed):
    """SOP-04 step 4 "Melaporkan hasil pemeliharaan": the SOP's only column mark is the Pengawas's."""
    with deployed.sessions() as session:
        _row, definition = deployed.definitions.latest(session, KEY)
    step = definition.user_tasks["pdc_04"]
    assert (step.lane_role, step.role, step.performer) == (PIT, PIT, None)
    lane_names = {role: name for _id, name, role in definition.lanes}
    assert lane_names[step.lane_role] == "Pengawas Infrastruktur TIK"
