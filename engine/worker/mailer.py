"""E-mail for notifications over SMTP: an outbox in the notification table, sent after commit.

A notification that owes an e-mail has ``email_next_at`` set. Delivery takes a batch in three
steps, none of which holds a database lock while talking to the SMTP server:

1. claim: ``FOR UPDATE SKIP LOCKED``, push ``email_next_at`` out by a lease and count the attempt,
   commit — another worker skips these rows, and a worker killed after this step leaves them to
   be retried when the lease ends (nothing is lost);
2. send each message over one connection;
3. record: ``emailed_at`` on success (``email_next_at`` cleared), or the error and a back-off.

A message is never sent twice unless a worker dies between the SMTP server accepting it and
step 3 committing; it then goes again with the same ``Message-ID`` header, which mail systems use
to drop duplicates. Transient failures (server down, timeouts, 4xx) retry with back-off forever;
a message the server refuses permanently (5xx) is retried ``MAX_PERMANENT_ATTEMPTS`` times, then
left with its error for an admin to see.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.config import SmtpSettings
from engine.persistence.models import Notification
from engine.runtime.unit_of_work import UnitOfWork
from engine.worker.work_items import MAX_ITEMS_PER_RUN, ItemHooks

LEASE = timedelta(minutes=5)
BATCH = 20
MAX_BACKOFF = timedelta(hours=1)
MAX_PERMANENT_ATTEMPTS = 5
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Outgoing:
    notification_id: int
    to: str
    subject: str
    body: str
    created_at: datetime
    attempts: int
    task_id: str | None = None
    instance_id: int | None = None


# The web app's pages of a task and of a case (web/tasks.py, web/cases.py; a web test checks them).
TASK_PATH = "/tugas/{task_id}"
CASE_PATH = "/kasus/{instance_id}"


def link_for(public_url: str | None, task_id: str | None = None, instance_id: int | None = None) -> str | None:
    """The address of a notification's task (or else its case) under ``ALUR_PUBLIC_URL``."""
    if not public_url:
        return None
    if task_id:
        return public_url + TASK_PATH.format(task_id=task_id)
    if instance_id is not None:
        return public_url + CASE_PATH.format(instance_id=instance_id)
    return None


class Mailer:
    def __init__(self, sessions: sessionmaker[Session], smtp: SmtpSettings,
                 connect: Callable[[SmtpSettings], smtplib.SMTP] | None = None, public_url: str | None = None) -> None:
        self._sessions = sessions
        self._smtp = smtp
        self._connect = connect or open_smtp
        self._public_url = public_url  # e-mails link to the task or case under it

    def deliver_pending(self, now: datetime, hooks: ItemHooks | None = None) -> int:
        """Send the e-mails that are due; returns how many were sent.

        Stops at the first connection failure (the rest wait for the next run).
        """
        hooks = hooks or ItemHooks()
        sent = 0
        handled = 0
        while handled < MAX_ITEMS_PER_RUN and not hooks.stop_requested():
            batch = self._claim(now)
            if not batch:
                break
            handled += len(batch)
            sent_now, server_ok = self._send_batch(batch, now, hooks)
            sent += sent_now
            if not server_ok:
                break
        return sent

    def _claim(self, now: datetime) -> list[_Outgoing]:
        with UnitOfWork.begin(self._sessions) as work:
            rows = list(work.session.scalars(
                select(Notification).where(Notification.email_next_at <= now, Notification.emailed_at.is_(None))
                .order_by(Notification.email_next_at, Notification.id).limit(BATCH)
                .with_for_update(skip_locked=True)))
            for row in rows:
                row.email_next_at, row.email_attempts = now + LEASE, row.email_attempts + 1
            return [_Outgoing(r.id, r.email_to or "", r.title, r.body, r.created_at, r.email_attempts, r.task_id,
                              r.instance_id) for r in rows]

    def _send_batch(self, batch: list[_Outgoing], now: datetime, hooks: ItemHooks) -> tuple[int, bool]:
        sent = 0
        try:
            connection = self._connect(self._smtp)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("SMTP server %s:%s unreachable: %s", self._smtp.host, self._smtp.port, exc)
            for item in batch:
                self._record_failure(item, now, exc, permanent=False)
            return 0, False
        try:
            for index, item in enumerate(batch):
                try:
                    message = self._message(item)
                except Exception as exc:  # noqa: BLE001  # the e-mail library fails on some addresses (even
                    # AttributeError on 'a@[1.2.3'): that item fails for good, never the rest of the batch
                    log.error("e-mail for notification %s cannot be built: %s", item.notification_id, exc)
                    self._record_failure(item, now, exc, permanent=True, final=True)
                    continue
                try:
                    connection.send_message(message)
                except smtplib.SMTPRecipientsRefused as exc:
                    self._record_failure(item, now, exc, permanent=_permanent(exc))
                    continue
                except smtplib.SMTPNotSupportedError as exc:  # e.g. a non-ASCII address, no SMTPUTF8: this item
                    log.error("e-mail for notification %s not supported: %s", item.notification_id, exc)
                    self._record_failure(item, now, exc, permanent=True, final=True)
                    continue
                except (OSError, smtplib.SMTPException) as exc:
                    log.warning("e-mail for notification %s failed: %s", item.notification_id, exc)
                    permanent = isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500
                    self._record_failure(item, now, exc, permanent=permanent)
                    if not isinstance(exc, smtplib.SMTPResponseException):
                        for rest in batch[index + 1:]:
                            self._record_failure(rest, now, exc, permanent=False)
                        return sent, False
                    continue
                self._record_sent(item, now, hooks)
                sent += 1
        finally:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                connection.close()
        return sent, True

    def _record_sent(self, item: _Outgoing, now: datetime, hooks: ItemHooks) -> None:
        with UnitOfWork.begin(self._sessions) as work:
            row = work.session.get(Notification, item.notification_id)
            if row is None:
                return
            row.emailed_at, row.email_next_at, row.email_error = now, None, None
            hooks.item(work.connection, f"email:{item.notification_id}")

    def _record_failure(self, item: _Outgoing, now: datetime, exc: BaseException, permanent: bool,
                        final: bool = False) -> None:
        """Retry later with backoff, or give up: at once when ``final`` (retrying cannot help), or after
        ``MAX_PERMANENT_ATTEMPTS`` permanent refusals."""
        with UnitOfWork.begin(self._sessions) as work:
            row = work.session.get(Notification, item.notification_id)
            if row is None:
                return
            row.email_error = f"{type(exc).__name__}: {exc}"[:1000]
            if final or (permanent and item.attempts >= MAX_PERMANENT_ATTEMPTS):
                row.email_next_at = None
                log.error("giving up e-mail for notification %s to %s: %s", item.notification_id, item.to, exc)
            else:
                row.email_next_at = now + backoff(item.attempts)

    def _message(self, item: _Outgoing) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._smtp.sender
        message["To"] = header_value(item.to)
        message["Subject"] = header_value(f"[Alur] {item.subject}")
        message["Date"] = format_datetime(item.created_at)
        domain = self._smtp.sender.rpartition("@")[2] or "alur.local"
        message["Message-ID"] = f"<alur-notification-{item.notification_id}@{domain}>"  # stable across retries
        link = link_for(self._public_url, item.task_id, item.instance_id)
        opening = f"\n\nBuka di Alur: {link}" if link else ""
        message.set_content(f"{item.body}{opening}\n\n--\n"
                            "Pesan otomatis dari Alur. Buka Alur untuk melihat tugas Anda.\n")
        return message


def header_value(text: str) -> str:
    """One line of header text: a title built from user input (a business key, a step name) may carry
    CR/LF, which would inject headers; every run of whitespace becomes one space."""
    return " ".join(text.split())


def backoff(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    return min(timedelta(seconds=30 * 2 ** max(0, min(attempts - 1, 10))), MAX_BACKOFF)


def _permanent(exc: smtplib.SMTPRecipientsRefused) -> bool:
    return all(code >= 500 for code, _message in exc.recipients.values())


def open_smtp(settings: SmtpSettings) -> smtplib.SMTP:
    """Connect (implicit TLS or STARTTLS as configured) and log in when a user is set."""
    if settings.ssl:
        connection: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                    context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.starttls and not settings.ssl:
            connection.starttls(context=ssl.create_default_context())
        if settings.username:
            connection.login(settings.username, settings.password or "")
    except (OSError, smtplib.SMTPException):
        connection.close()
        raise
    return connection
