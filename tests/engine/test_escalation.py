"""Escalation of overdue tasks and cases: who is told, exactly once, and the bell's service API."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone

import pytest
from engine_helpers import PASSWORD, add_users, ready_task, start_loop_case
from sqlalchemy import func, select

from engine.persistence.models import DocumentUpload, AuditEvent, HumanTask, Notification, ProcessInstance


def notices(alur, kind: str | None = None) -> list[tuple[str, str]]:
    stmt = select(Notification.username, Notification.kind).order_by(Notification.username, Notification.kind)
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    with alur.sessions() as session:
        return [tuple(row) for row in session.execute(stmt)]


def count_events(alur, event_type: str) -> int:
    with alur.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.event_type == event_type))


@pytest.fixture
def loop_alur(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    return alur


def test_an_overdue_task_notifies_its_holder_and_the_supervisors_once(loop_alur, clock):
    alur = loop_alur
    case = start_loop_case(alur)
    task = ready_task(alur, case)
    assert (task.assignee, task.due_at) == ("pengelola", datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc))
    clock.advance(minutes=29)
    assert alur.scheduling.escalate_overdue(clock()) == 0

    clock.advance(minutes=2)
    assert alur.scheduling.escalate_overdue(clock()) == 1
    assert alur.scheduling.escalate_overdue(clock()) == 0  # a second run changes nothing
    clock.advance(hours=5)
    assert alur.scheduling.escalate_overdue(clock()) == 0
    assert notices(alur) == [("pengawas", "task_overdue"), ("pengelola", "task_overdue")]
    assert count_events(alur, "task_escalated") == 1
    escalated = [e for e in alur.queries.audit_trail(case) if e.event_type == "task_escalated"][0]
    assert sorted(escalated.payload["notified"]) == ["pengawas", "pengelola"]
    with alur.sessions() as session:
        row = session.get(HumanTask, task.task_id)
        assert row.escalated_at == datetime(2026, 11, 23, 1, 1, tzinfo=timezone.utc)
        assert row.version == task.version  # an open form on this task is not invalidated
    alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "tetap bisa"}, expected_version=task.version)


def test_an_unclaimed_overdue_task_goes_to_everyone_holding_its_role(loop_alur, clock):
    alur = loop_alur
    case = start_loop_case(alur)
    alur.runner.unclaim_task(ready_task(alur, case).task_id, "pengelola")
    clock.advance(hours=1)
    alur.scheduling.escalate_overdue(clock())
    assert {user for user, _kind in notices(alur)} == {"pengelola", "pengelola2", "pengawas"}
    assert "pemeriksa" not in {user for user, _kind in notices(alur)}


def test_a_retried_escalation_never_doubles_a_notification(loop_alur, clock):
    """Even if the escalation flag were lost (a restore, a manual reset), the dedup key holds."""
    alur = loop_alur
    case = start_loop_case(alur)
    task_id = ready_task(alur, case).task_id
    clock.advance(hours=1)
    alur.scheduling.escalate_overdue(clock())
    with alur.sessions.begin() as session:
        session.get(HumanTask, task_id).escalated_at = None
    clock.advance(minutes=1)
    assert alur.scheduling.escalate_overdue(clock()) == 1
    assert len(notices(alur)) == 2


def test_the_bell_lists_counts_and_marks_only_ones_own_notifications(loop_alur, clock):
    alur = loop_alur
    for number in range(3):
        start_loop_case(alur, business_key=f"UJI/{number}")
    clock.advance(hours=1)
    alur.scheduling.escalate_overdue(clock())
    bell = alur.notifications
    assert bell.unread_count("pengelola") == 3
    assert bell.unread_count("pengawas") == 3
    newest = bell.list("pengelola", limit=2)
    assert len(newest) == 2 and all(n.unread and n.kind == "task_overdue" for n in newest)
    assert newest[0].title == "Tugas melewati batas waktu: Isi laporan"
    others = [n.notification_id for n in bell.list("pengawas")]
    assert bell.mark_read("pengelola", [newest[0].notification_id, *others]) == 1  # others' ids are ignored
    assert bell.unread_count("pengelola") == 2
    assert bell.unread_count("pengawas") == 3
    assert bell.mark_read("pengelola", [newest[0].notification_id]) == 0
    assert bell.mark_all_read("pengelola") == 2
    assert bell.unread_count("pengelola") == 0
    assert len(bell.list("pengelola", unread_only=True)) == 0
    assert len(bell.list("pengelola")) == 3


def test_an_admin_day_off_moves_due_dates_and_so_the_escalation(loop_alur, clock):
    alur = loop_alur
    alur.calendar_admin.set_override(date(2026, 11, 24), False, "Cuti bersama (SKB baru)", "admin")
    case = start_loop_case(alur)
    instance = alur.queries.case(case)
    # three working days from Monday, Tuesday off: Wednesday, Thursday, Friday (closes 11:00 WITA)
    assert instance.due_at == datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
    clock.now = datetime(2026, 11, 26, 8, 1, tzinfo=timezone.utc)  # Thursday after closing
    alur.scheduling.escalate_overdue(clock())
    assert notices(alur, "case_overdue") == []
    clock.now = datetime(2026, 11, 27, 3, 1, tzinfo=timezone.utc)
    alur.scheduling.escalate_overdue(clock())
    assert {user for user, _kind in notices(alur, "case_overdue")} == {"pengelola", "pengawas"}

    alur.calendar_admin.remove_override(date(2026, 11, 24), "admin")
    later = start_loop_case(alur, business_key="UJI/002")
    assert alur.queries.case(later).due_at == datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)  # Wed close


# -- the network SOP: warning at 3 working days, breach at 14 ----------------------------------------------

NETWORK_CAST = {"pelapor": "pengguna_jaringan", "tu": "kasubag_tu", "kadis": "kepala_dinas",
                "kabid": "pejabat_administrator_tik", "kasi": "pengawas_infrastruktur_tik"}


def _request_letter(alur, clock) -> dict:
    content = b"%PDF-1.4 surat permohonan uji"
    sha = hashlib.sha256(content).hexdigest()
    with alur.sessions.begin() as session:
        session.add(DocumentUpload(sha256=sha, filename="surat.pdf", media_type="application/pdf", size=len(content),
                                   uploaded_by="pelapor", uploaded_at=clock()))
    return {"opd_pengirim": "Biro Umum", "nomor_surat_permohonan": "005/123/BU", "tanggal_surat_permohonan":
            "2026-11-23", "hal": "Gangguan jaringan", "lokasi": "Gedung B lantai 2", "jenis_gangguan": "lambat",
            "sejak": "2026-11-23T07:00:00+08:00", "pic_nama": "Rina", "pic_telepon": "0812000000",
            "urgensi": "segera", "dokumen_surat_permohonan": sha}


def test_network_case_warns_at_three_working_days_and_escalates_at_fourteen(sop_alur, clock):
    alur = sop_alur
    for username, role in NETWORK_CAST.items():
        alur.users.add_user(username, username.title(), PASSWORD, {role}, email=f"{username}@kaltimprov.go.id")
    alur.deployer.deploy_file(alur.settings.processes_dir / "sop_gangguan_jaringan.bpmn", "pemilik")
    case = alur.runner.start_case("sop_gangguan_jaringan", "pelapor", "GJR/2026/001").instance_id
    alur.runner.complete_task(ready_task(alur, case).task_id, "pelapor", _request_letter(alur, clock))
    assert ready_task(alur, case).element_id == "gjr_02a"
    instance = alur.queries.case(case)
    assert instance.warning_at == datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)  # Thursday 16:00 WITA
    assert instance.due_at == datetime(2026, 12, 11, 3, 0, tzinfo=timezone.utc)  # Friday 11:00 WITA, 14th day

    clock.now = instance.warning_at - timedelta(minutes=1)
    alur.scheduling.escalate_overdue(clock())
    assert notices(alur, "case_warning") == []
    clock.now = instance.warning_at + timedelta(minutes=1)
    alur.scheduling.escalate_overdue(clock())
    alur.scheduling.escalate_overdue(clock())
    # the step now open is the TU's; the Kepala Dinas supervises it
    assert notices(alur, "case_warning") == [("kadis", "case_warning"), ("tu", "case_warning")]
    assert notices(alur, "case_overdue") == []

    clock.now = instance.due_at + timedelta(minutes=1)
    alur.scheduling.escalate_overdue(clock())
    alur.scheduling.escalate_overdue(clock())
    assert notices(alur, "case_overdue") == [("kadis", "case_overdue"), ("tu", "case_overdue")]
    assert count_events(alur, "case_warned") == 1 and count_events(alur, "case_escalated") == 1
    with alur.sessions() as session:
        row = session.get(ProcessInstance, case)
        assert row.warned_at == instance.warning_at + timedelta(minutes=1)
        assert row.escalated_at == instance.due_at + timedelta(minutes=1)
    assert alur.scheduling.next_wakeup() is None  # everything due has been told
    with alur.sessions() as session:
        mail = session.scalar(select(Notification).where(Notification.username == "tu",
                                                         Notification.kind == "case_overdue"))
    assert mail.email_to is None  # no SMTP settings: in-app only
    assert "GJR/2026/001" in mail.title and "Jum, 11 Des 2026 11.00 WITA" in mail.body


def test_a_case_found_past_its_limit_gets_one_notice_not_a_warning_too(sop_alur, clock):
    alur = sop_alur
    for username, role in NETWORK_CAST.items():
        alur.users.add_user(username, username.title(), PASSWORD, {role})
    alur.deployer.deploy_file(alur.settings.processes_dir / "sop_gangguan_jaringan.bpmn", "pemilik")
    case = alur.runner.start_case("sop_gangguan_jaringan", "pelapor").instance_id
    clock.now = alur.queries.case(case).due_at + timedelta(days=1)  # the worker was down all along
    alur.scheduling.escalate_overdue(clock())
    assert {kind for _user, kind in notices(alur)} == {"task_overdue", "case_overdue"}
    assert count_events(alur, "case_warned") == 0


def test_a_stand_in_is_told_what_the_absent_official_is_told(loop_alur, clock):
    """A Plh/Plt works the official's tasks, so an overdue one reaches them too; after the mandate, only the
    official again."""
    alur = loop_alur
    alur.users.add_user("wakil", "Wakil", PASSWORD, {"pemeriksa_ti"})
    day = clock().astimezone(timezone(timedelta(hours=8))).date()
    alur.mandates.appoint("plh", "pengelola", "wakil", day, day, "800/1/2026", "pengawas")
    first = ready_task(alur, start_loop_case(alur))
    assert first.assignee == "pengelola"
    clock.advance(hours=1)
    assert alur.scheduling.escalate_overdue(clock()) == 1
    assert notices(alur, "task_overdue") == [("pengawas", "task_overdue"), ("pengelola", "task_overdue"),
                                            ("wakil", "task_overdue")]

    clock.advance(days=2)  # both mandates over
    second = ready_task(alur, start_loop_case(alur, business_key="UJI/002"))
    clock.advance(hours=1)
    alur.scheduling.escalate_overdue(clock())
    with alur.sessions() as session:
        told = sorted(session.scalars(select(Notification.username).where(
            Notification.task_id == second.task_id, Notification.kind == "task_overdue")))
    assert told == ["pengawas", "pengelola"]
