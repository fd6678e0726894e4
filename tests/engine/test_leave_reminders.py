"""Per-person leave (cuti) and the reminder to appoint a Plh: a leave of 7 working days or more that no
mandate covers reminds the person's supervisors once (the FakeClock starts Monday 23 Nov 2026, WITA)."""
from __future__ import annotations

import json
from datetime import date

import pytest
from process_helpers import PASSWORD, add_cast
from sqlalchemy import select

from engine.bootstrap import Alur
from engine.errors import LeaveInvalid, LeaveNotFound, PermissionDenied, UserNotFound
from engine.persistence.models import AuditEvent, Notification

SEVEN_WORKING_DAYS = (date(2026, 11, 30), date(2026, 12, 8))  # Mon 30 Nov .. Tue 8 Dec
SIX_WORKING_DAYS = (date(2026, 11, 30), date(2026, 12, 7))
NINE_DAYS_FIVE_WORKING = (date(2026, 11, 28), date(2026, 12, 6))  # Saturday to Sunday


@pytest.fixture
def office(sop_alur: Alur) -> Alur:
    add_cast(sop_alur)
    sop_alur.users.add_user("admin", "Admin Sistem", PASSWORD, {"admin_sistem"})
    return sop_alur


def notices(alur: Alur, kind: str = "leave_without_mandate") -> list[tuple[str, str]]:
    with alur.sessions() as session:
        return [(n.username, n.title) for n in session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.username))]


def system_events(alur: Alur, event_type: str) -> list[dict]:
    with alur.sessions() as session:
        return [json.loads(e.payload_json) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.chain == "system", AuditEvent.event_type == event_type))]


def test_a_long_leave_without_a_mandate_reminds_the_supervisor_once(office: Alur, clock) -> None:
    leave = office.leave.add_leave("kabid", *SEVEN_WORKING_DAYS, "Cuti tahunan", "admin")
    assert leave.working_days == 7
    assert system_events(office, "leave_added")[0]["working_days"] == 7
    assert office.scheduling.run_due(clock()).leave_reminders == 1
    assert notices(office) == [("kadis", "Cuti 7 hari kerja tanpa Plh: Kabid")]
    for _ in range(2):
        clock.advance(hours=1)
        assert office.scheduling.remind_leaves_without_mandate(clock()) == 0
    assert len(notices(office)) == 1
    assert system_events(office, "leave_reminder_sent") == [{
        "leave_id": leave.leave_id, "username": "kabid", "from": "2026-11-30", "to": "2026-12-08",
        "working_days": 7, "notified": ["kadis"]}]
    assert office.leave.list_leaves("kabid")[0].reminded_at is not None


def test_short_past_and_covered_leaves_remind_nobody(office: Alur, clock) -> None:
    office.leave.add_leave("kabid", *SIX_WORKING_DAYS, "", "admin")
    office.leave.add_leave("kasi_infra", *NINE_DAYS_FIVE_WORKING, "", "admin")
    office.leave.add_leave("kasi_pdi", date(2026, 11, 2), date(2026, 11, 20), "sudah lewat", "admin")
    office.leave.add_leave("kasubag_tu", *SEVEN_WORKING_DAYS, "", "admin")
    mandate = office.mandates.appoint("plh", "kasubag_tu", "walidata", *SEVEN_WORKING_DAYS, "800/1", "kadis")
    assert office.scheduling.remind_leaves_without_mandate(clock()) == 0
    assert notices(office) == []
    # The stand-in's mandate ended early: the leave is uncovered again, so the reminder comes.
    office.mandates.end(mandate.mandate_id, "kadis", "batal")
    assert office.scheduling.remind_leaves_without_mandate(clock()) == 1
    assert notices(office) == [("kadis", "Cuti 7 hari kerja tanpa Plh: Kasubag Tu")]


def test_without_a_supervising_role_the_admin_is_reminded(office: Alur, clock) -> None:
    office.leave.add_leave("kadis", *SEVEN_WORKING_DAYS, "", "admin")
    assert office.scheduling.remind_leaves_without_mandate(clock()) == 1
    assert [who for who, _title in notices(office)] == ["admin"]


@pytest.mark.parametrize(("args", "error", "field"), [
    (("kabid", "2026-12-08", "2026-11-30", ""), LeaveInvalid, "to"),
    (("kabid", "30-11-2026", "2026-12-08", ""), LeaveInvalid, "from"),
    (("kabid", "2026-11-30", "", ""), LeaveInvalid, "to"),
    (("kabid", "2026-01-01", "2027-01-05", ""), LeaveInvalid, "to"),
    (("kabid", "2026-11-30", "2026-12-08", "x" * 201), LeaveInvalid, "note"),
    (("siapa", "2026-11-30", "2026-12-08", ""), UserNotFound, "username"),
])
def test_each_bad_leave_entry_is_refused(office: Alur, args: tuple, error: type, field: str) -> None:
    with pytest.raises(error) as refused:
        office.leave.add_leave(*args, "admin")
    assert refused.value.context.get("field") == field
    assert office.leave.list_leaves() == [] and system_events(office, "leave_added") == []


def test_only_the_admin_keeps_leave_entries(office: Alur) -> None:
    with pytest.raises(PermissionDenied):
        office.leave.add_leave("kabid", *SEVEN_WORKING_DAYS, "", "kadis")
    leave = office.leave.add_leave("kabid", *SEVEN_WORKING_DAYS, "", "admin")
    with pytest.raises(PermissionDenied):
        office.leave.remove_leave(leave.leave_id, "kabid")
    office.leave.remove_leave(leave.leave_id, "admin")
    assert office.leave.list_leaves() == []
    assert system_events(office, "leave_removed")[0]["leave_id"] == leave.leave_id
    with pytest.raises(LeaveNotFound):
        office.leave.remove_leave(leave.leave_id, "admin")
