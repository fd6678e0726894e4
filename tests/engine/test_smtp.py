"""E-mail of notifications against a real SMTP server on loopback, started by the test."""
from __future__ import annotations

import dataclasses
import socket
import socketserver
import threading
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.message import Message

import pytest
from engine_helpers import PASSWORD, ready_task, start_loop_case
from sqlalchemy import select

from engine.config import SmtpSettings
from engine.worker.mailer import MAX_PERMANENT_ATTEMPTS
from engine.persistence.models import Notification
from engine.bootstrap import open_alur
from engine.worker.scheduler import build_worker

SENDER = "alur@diskominfo.kaltimprov.go.id"


class LoopbackSmtp:
    """A minimal SMTP server (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) keeping what it receives."""

    def __init__(self, port: int = 0, reject: frozenset[str] = frozenset()) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.reject = reject
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.reply("220 uji.local ESMTP")
                sender, recipients = None, []
                while line := self.rfile.readline():
                    command = line.decode().strip()
                    verb = command[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 uji.local")
                    elif verb == "MAIL":
                        sender, recipients = command[10:].strip("<> "), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        address = command[8:].strip("<> ")
                        if address in outer.reject:
                            self.reply("550 no such user")
                        else:
                            recipients.append(address)
                            self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 end with .")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        outer.messages.append((recipients, message_from_bytes(data)))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:  # RSET, NOOP
                        self.reply("250 OK")
                assert sender is None or sender == SENDER

            def reply(self, text: str) -> None:
                self.wfile.write(text.encode() + b"\r\n")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def received(self) -> list[tuple[str, str]]:
        return sorted((to, str(message["Subject"])) for recipients, message in self.messages for to in recipients)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mail_alur(alur, db_engine, clock, test_data):
    """Alur with e-mail to a loopback port (no server yet), uji_loop deployed, users with addresses."""
    port = free_port()
    smtp = SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, starttls=False, timeout=5)
    mailing = open_alur(dataclasses.replace(alur.settings, smtp=smtp), clock=clock, db=db_engine)
    mailing.port = port  # type: ignore[attr-defined]
    for username, role in (("pengelola", "pengelola_ti"), ("pengelola2", "pengelola_ti"), ("pengawas", "pengawas")):
        mailing.users.add_user(username, username.title(), PASSWORD, {role}, email=f"{username}@kaltimprov.go.id")
    mailing.users.add_user("tanpa_surel", "Tanpa Surel", PASSWORD, {"pengelola_ti"})
    mailing.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    return mailing


def outbox(alur) -> list[Notification]:
    with alur.sessions() as session:
        return list(session.scalars(select(Notification).order_by(Notification.username)))


def test_an_overdue_task_is_mailed_to_each_recipient_once(mail_alur, clock):
    server = LoopbackSmtp(mail_alur.port)
    try:
        worker = build_worker(mail_alur)
        start_loop_case(mail_alur, business_key="UJI/045")
        clock.advance(hours=1)
        report = worker.run_once()
        assert (report.escalations, report.emails) == (1, 2)
        assert server.received() == [
            ("pengawas@kaltimprov.go.id", "[Alur] Tugas tim melewati batas waktu: Isi laporan"),
            ("pengelola@kaltimprov.go.id", "[Alur] Tugas melewati batas waktu: Isi laporan"),
        ]
        _to, message = server.messages[0]
        assert message["From"] == SENDER
        assert message["Message-ID"].startswith("<alur-notification-")
        assert "UJI/045" in message.get_payload(decode=True).decode()
        clock.advance(hours=1)
        assert worker.run_once().emails == 0
        assert len(server.messages) == 2
        assert all(n.emailed_at is not None and n.email_next_at is None for n in outbox(mail_alur))
    finally:
        server.stop()


def test_a_down_server_means_a_retry_later_and_no_duplicates(mail_alur, clock):
    worker = build_worker(mail_alur)
    case = start_loop_case(mail_alur)
    mail_alur.runner.unclaim_task(mail_alur.queries.open_tasks(case)[0].task_id, "pengelola")
    clock.advance(hours=1)
    report = worker.run_once()  # nobody listens on the port
    assert (report.escalations, report.emails) == (1, 0)
    owed = [n for n in outbox(mail_alur) if n.email_to]
    assert {n.username for n in owed} == {"pengelola", "pengelola2", "pengawas"}  # not the user without e-mail
    assert all(n.emailed_at is None and n.email_attempts == 1 and "Error" in n.email_error for n in owed)
    assert all(n.email_next_at == clock() + timedelta(seconds=30) for n in owed)
    assert [n.email_to for n in outbox(mail_alur) if n.username == "tanpa_surel"] == [None]

    server = LoopbackSmtp(mail_alur.port)
    try:
        clock.advance(seconds=10)
        assert worker.run_once().emails == 0  # the back-off is not over
        clock.advance(seconds=20)
        assert worker.run_once().emails == 3
        assert worker.run_once().emails == 0
        clock.advance(hours=2)
        assert worker.run_once().emails == 0
        assert [to for to, _subject in server.received()] == [
            "pengawas@kaltimprov.go.id", "pengelola2@kaltimprov.go.id", "pengelola@kaltimprov.go.id"]
        assert all(n.email_error is None for n in outbox(mail_alur) if n.email_to)
    finally:
        server.stop()


def test_a_refused_address_is_retried_a_few_times_then_left_with_its_error(mail_alur, clock):
    server = LoopbackSmtp(mail_alur.port, reject=frozenset({"pengawas@kaltimprov.go.id"}))
    try:
        worker = build_worker(mail_alur)
        start_loop_case(mail_alur)
        clock.advance(hours=1)
        assert worker.run_once().emails == 1  # pengelola's
        for _ in range(MAX_PERMANENT_ATTEMPTS + 2):
            clock.advance(hours=2)
            worker.run_once()
        refused = [n for n in outbox(mail_alur) if n.username == "pengawas"][0]
        assert refused.emailed_at is None and refused.email_next_at is None
        assert refused.email_attempts == MAX_PERMANENT_ATTEMPTS and "550" in refused.email_error
        assert mail_alur.notifications.unread_count("pengawas") == 1  # the bell still has it
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_a_task_arrival_is_mailed_with_a_link_under_the_public_url(alur, db_engine, clock, test_data):
    port = free_port()
    settings = dataclasses.replace(alur.settings, public_url="https://alur.diskominfo.kaltimprov.go.id",
                                   smtp=SmtpSettings(host="127.0.0.1", port=port, sender=SENDER, starttls=False,
                                                     timeout=5))
    mailing = open_alur(settings, clock=clock, db=db_engine)
    for username, role in (("pengelola", "pengelola_ti"), ("pengawas", "pengawas")):
        mailing.users.add_user(username, username.title(), PASSWORD, {role}, email=f"{username}@kaltimprov.go.id")
    mailing.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    server = LoopbackSmtp(port)
    try:
        case = start_loop_case(mailing, business_key="UJI/777")
        mailing.runner.complete_task(ready_task(mailing, case).task_id, "pengelola", {"uraian": "x"})
        report = build_worker(mailing).run_once()
        assert (report.announcements, report.emails) == (1, 1)
        (to, subject), = server.received()
        assert (to, subject) == ("pengawas@kaltimprov.go.id",
                                 "[Alur] Tugas baru untuk Pejabat Pengawas: Periksa laporan")
        body = server.messages[0][1].get_payload(decode=True).decode()
        task = ready_task(mailing, case)
        assert f"https://alur.diskominfo.kaltimprov.go.id/tugas/{task.task_id}" in body and "UJI/777" in body
    finally:
        server.stop()


def test_digest_mode_sends_one_mail_a_day_with_the_days_notifications(mail_alur, clock):
    server = LoopbackSmtp(mail_alur.port)
    try:
        worker = build_worker(mail_alur)
        mail_alur.users.set_email_mode("pengawas", "digest", actor="pengawas")
        for n in range(3):  # three reports arrive for the Pejabat Pengawas during the morning
            case = start_loop_case(mail_alur, business_key=f"UJI/{n}")
            mail_alur.runner.complete_task(ready_task(mail_alur, case).task_id, "pengelola", {"uraian": "x"})
            clock.advance(minutes=20)
        report = worker.run_once()
        assert (report.announcements, report.digests, report.emails) == (3, 0, 0)  # before 16:00 WITA
        assert mail_alur.notifications.unread_count("pengawas") == 3  # the bell has them at once
        clock.now = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)  # 16:00 WITA
        report = worker.run_once()
        assert (report.digests, report.emails) == (1, 1)
        assert server.received() == [("pengawas@kaltimprov.go.id", "[Alur] Ringkasan notifikasi Sen, 23 Nov 2026")]
        body = server.messages[0][1].get_payload(decode=True).decode()
        assert all(f"UJI/{n}" in body for n in range(3)) and body.count("Periksa laporan") >= 3
        clock.advance(hours=1)
        worker.run_once()
        clock.advance(days=1)  # the next day: nothing new, no digest
        worker.run_once()
        assert len(server.messages) == 1
        assert mail_alur.notifications.unread_count("pengawas") == 3  # the digest itself never rings the bell
        assert [n.kind for n in mail_alur.notifications.list("pengawas")] == ["task_arrived"] * 3
        with mail_alur.sessions() as session:
            rows = session.scalars(select(Notification).where(Notification.username == "pengawas")).all()
        digest = next(r for r in rows if r.kind == "digest")
        assert {r.digest_id for r in rows if r.kind == "task_arrived"} == {digest.id}
        assert not any(r.digest_pending for r in rows)
    finally:
        server.stop()


def test_a_title_with_line_breaks_injects_no_header_and_one_bad_item_never_stops_the_batch(mail_alur, clock):
    """Titles carry user text (step names, and business keys from before they were refused with line
    breaks): each becomes one header line, and an item the server cannot take (a non-ASCII address without
    SMTPUTF8, an address the e-mail library cannot parse) fails alone, for good, while the rest is sent."""
    from engine.worker.notifications import Recipient, add_notification

    server = LoopbackSmtp(mail_alur.port)
    try:
        with mail_alur.sessions.begin() as session:
            for n, (to, title) in enumerate([
                    ("pengelola@kaltimprov.go.id", "Kasus 045/1\r\nBcc: penyusup@contoh.test\r\n\r\nisi palsu"),
                    ("bädi@kaltimprov.go.id", "alamat tanpa dukungan SMTPUTF8"),
                    ("rusak@[10.0.0.1", "alamat yang tidak dapat dibaca pustaka e-mail"),
                    ("pengawas@kaltimprov.go.id", "Kasus biasa")]):
                add_notification(session, recipient=Recipient(f"u{n}", to), kind="uji", title=title, body="isi",
                                 dedup_key=f"uji:{n}", now=clock(), email=True)
        report = build_worker(mail_alur).run_once()
        assert report.emails == 2
        assert server.received() == [
            ("pengawas@kaltimprov.go.id", "[Alur] Kasus biasa"),
            ("pengelola@kaltimprov.go.id", "[Alur] Kasus 045/1 Bcc: penyusup@contoh.test isi palsu"),
        ]
        assert all(message["Bcc"] is None for _to, message in server.messages)
        for broken in [n for n in outbox(mail_alur) if n.username in ("u1", "u2")]:
            assert broken.emailed_at is None and broken.email_next_at is None and broken.email_error
    finally:
        server.stop()
