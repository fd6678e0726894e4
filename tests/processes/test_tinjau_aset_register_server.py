"""Yearly review of the server asset register (SOP-05 Pencatatan item 2, domain.md E8), through the engine.

Paths: approved at once; "Daftar aset register sesuai dan disetujui?" Tidak → TAR-01 once and
three times.
"""
from __future__ import annotations

import pytest
from process_helpers import CALENDAR, SOP_WALK, Case, Step, deploy, wita

from engine.errors import PermissionDenied

pytestmark = SOP_WALK
KEY = "tinjau_aset_register_server"
DC, PIT = "personil_dc", "pengawas_infrastruktur_tik"
STEPS = {
    "tar_01": Step("Menyiapkan tinjauan daftar aset register server", DC, "P5D"),
    "tar_02": Step("Meninjau dan menyetujui daftar aset register server", PIT, "P1D"),
}
TURNS = pytest.mark.parametrize("turns", [1, 3], ids=["once", "three_times"])


@pytest.fixture
def deployed(sop):
    deploy(sop, KEY)
    return sop


def test_routine_cycle_is_yearly_and_personil_dc_start_by_hand(deployed):
    with deployed.sessions() as session:
        _row, definition = deployed.definitions.latest(session, KEY)
    assert definition.routine_cycle == "R/P1Y"
    assert definition.start_roles == {DC}
    with pytest.raises(PermissionDenied):
        deployed.runner.start_case(KEY, "kasi_infra")


def test_approved_at_once(deployed, clock):
    case = Case(deployed, clock, KEY, STEPS, starter="pemeriksa", business_key="TAR/2026", everyone=True)
    first = case.do("tar_01", full=True)
    assert (first.state, first.assignee) == ("claimed", "pemeriksa")  # Pemeriksa TI is Personil DC
    assert first.due_at == wita(2026, 11, 30, 16, 0)                     # 5 hari kerja over a weekend
    assert case.view().due_at == wita(2026, 12, 1, 16, 0) == CALENDAR.due(case.started_at, "P6D")
    case.ready("tar_02")
    assert case.view().data["daftar_server_ditinjau"] == case.submitted("tar_01")["daftar_server_ditinjau"]
    case.do("tar_02", full=True)
    case.finish()
    assert case.decisions() == [("gw_tar_02", "Ya")]


@TURNS
def test_not_approved_goes_back_to_tar_01(deployed, clock, turns):
    case = Case(deployed, clock, KEY, STEPS, starter="pengelola")
    case.do("tar_01")
    for turn in range(turns):
        case.do("tar_02", tinjauan_disetujui=False, catatan_pengembalian=f"lengkapi alamat IP ({turn + 1})")
        case.do("tar_01", actor="pemeriksa" if turn % 2 == 0 else "pengelola")
    case.do("tar_02", tinjauan_disetujui=True)
    instance = case.finish()
    assert instance.data["catatan_pengembalian"] == f"lengkapi alamat IP ({turns})"
    assert case.decisions() == [("gw_tar_02", "Tidak")] * turns + [("gw_tar_02", "Ya")]
