"""In-app notifications (the bell): writing them once per event and user, and reading them.

For the web layer::

    alur.notifications.unread_count("budi")            -> int
    alur.notifications.list("budi", limit=20)          -> list[NotificationView], newest first
    alur.notifications.mark_read("budi", [12, 13])     -> how many were newly marked
    alur.notifications.mark_all_read("budi")           -> how many were newly marked

Reading is per user: ids of someone else's notifications are ignored, never an error, so a
forged id reveals nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ClauseElement, ColumnElement, Connection, bindparam, func, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker

from engine.worktime.clock import Clock, utcnow
from engine.persistence.compiled import ByCount, DirectIn
from engine.persistence.models import Mandate, Notification, UserAccount, UserRole
from engine.persistence.db import read_only_connection, read_only_session
from engine.modeling.roles import RoleCatalog
from engine.runtime.unit_of_work import UnitOfWork

MAX_LIST = 200
DIGEST_KIND = "digest"  # the daily digest e-mail's own row: born read, never listed in the bell
UNREAD_COUNT = select(func.count()).select_from(Notification).where(  # the bell, on every page
    Notification.username == bindparam("username"), Notification.read_at.is_(None))


@dataclass(frozen=True)
class NotificationView:
    notification_id: int
    kind: str  # task_overdue, case_warning, case_overdue, task_arrived, task_assigned, case_finished, mention
    title: str
    body: str
    instance_id: int | None
    task_id: str | None
    created_at: datetime
    read_at: datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None


@dataclass(frozen=True)
class Recipient:
    username: str
    email: str | None
    email_mode: str = "instant"  # instant, digest or off (the account's choice in "Akun saya")


class NotificationService:
    """Read side of the bell, one short transaction per call."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def unread_count(self, username: str) -> int:
        with read_only_connection(self._sessions) as connection:
            return connection.scalar(UNREAD_COUNT, {"username": username}) or 0

    def list(self, username: str, limit: int = 20, unread_only: bool = False) -> list[NotificationView]:
        """The user's newest notifications first (at most ``MAX_LIST``)."""
        stmt = select(Notification).where(Notification.username == username, Notification.kind != DIGEST_KIND)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        stmt = stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(
            max(1, min(limit, MAX_LIST)))
        with read_only_session(self._sessions) as session:
            return [_view(row) for row in session.scalars(stmt)]

    def mark_read(self, username: str, notification_ids: Iterable[int]) -> int:
        ids = [int(i) for i in notification_ids]
        if not ids:
            return 0
        return self._mark(username, Notification.id.in_(ids))

    def mark_all_read(self, username: str) -> int:
        return self._mark(username, Notification.id.is_not(None))

    def _mark(self, username: str, condition: ColumnElement[bool]) -> int:
        with UnitOfWork.begin(self._sessions) as work:
            result = work.session.execute(update(Notification).where(
                Notification.username == username, Notification.read_at.is_(None), condition)
                .values(read_at=self._clock()))
            return int(getattr(result, "rowcount", 0) or 0)


def _view(row: Notification) -> NotificationView:
    return NotificationView(row.id, row.kind, row.title, row.body, row.instance_id, row.task_id, row.created_at,
                            row.read_at)


def add_notification(session: Session | Connection, *, recipient: Recipient, kind: str, title: str, body: str,
                     dedup_key: str, now: datetime, instance_id: int | None = None, task_id: str | None = None,
                     email: bool = False) -> bool:
    """Insert one notification in the caller's transaction unless ``dedup_key`` exists already.

    With ``email`` (mail is configured) and an address on the account, the row also enters the
    e-mail outbox, or waits for the account's daily digest, as the account chose; not with "off".
    Returns whether a row was inserted.
    """
    return bool(add_notifications(session, [recipient], kind=kind, title=title, body=body, now=now,
                                  dedup_key=lambda _: dedup_key, instance_id=instance_id, task_id=task_id,
                                  email=email))


def add_notifications(session: Session | Connection, recipients: Iterable[Recipient], *, kind: str, title: str,
                      body: str, dedup_key: Callable[[Recipient], str], now: datetime, instance_id: int | None = None,
                      task_id: str | None = None, email: bool = False) -> list[Recipient]:
    """``add_notification`` for each of ``recipients`` (``dedup_key`` gives each one's key), in one
    statement per ``_CHUNK`` of them; the recipients whose row was inserted, in their order.

    A key already stored, or given to an earlier recipient of the same call, inserts nothing, as when
    the rows are added one by one.
    """
    order, rows = _keyed_rows(recipients, kind, title, body, dedup_key, now, instance_id, task_id, email)
    if not rows:
        return []
    connection = _connection_of(session)  # flushed as before the ORM's own INSERT
    inserted: set[str] = set()
    for count, params in _chunks(rows):
        inserted.update(row.dedup_key for row in _insert(count).all(connection, params))
    first = {key: recipient for recipient, key in reversed(order)}  # a repeated key counts for its first holder
    return [recipient for recipient, key in order if key in inserted and first[key] is recipient]


def queue_notifications(work: UnitOfWork, recipients: Iterable[Recipient], *, kind: str, title: str, body: str,
                        dedup_key: Callable[[Recipient], str], now: datetime, instance_id: int | None = None,
                        task_id: str | None = None, email: bool = False) -> None:
    """``add_notifications`` among the writes the unit of work runs when it ends (on PostgreSQL in one
    round trip with them), for a caller that need not know which rows were inserted."""
    _order, rows = _keyed_rows(recipients, kind, title, body, dedup_key, now, instance_id, task_id, email)
    for count, params in _chunks(rows):
        work.queue_write(_insert(count), params)


def _keyed_rows(recipients: Iterable[Recipient], kind: str, title: str, body: str,
                dedup_key: Callable[[Recipient], str], now: datetime, instance_id: int | None, task_id: str | None,
                email: bool) -> tuple[list[tuple[Recipient, str]], list[dict[str, Any]]]:
    """Each recipient with its key (cut to the column), and the rows: one per key, its first recipient's."""
    rows: dict[str, dict[str, Any]] = {}
    order: list[tuple[Recipient, str]] = []
    for recipient in recipients:
        key = dedup_key(recipient)[:200]
        order.append((recipient, key))
        if key not in rows:
            rows[key] = _row(recipient, kind, title, body, key, now, instance_id, task_id, email)
    return order, list(rows.values())


def _chunks(rows: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The parameters of ``_insert(count)`` for each ``_CHUNK`` of ``rows``."""
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        yield len(chunk), {f"{name}_{n}": value for n, row in enumerate(chunk) for name, value in row.items()}


def _row(recipient: Recipient, kind: str, title: str, body: str, dedup_key: str, now: datetime,
         instance_id: int | None, task_id: str | None, email: bool) -> dict[str, Any]:
    mode = recipient.email_mode if email and recipient.email else "off"
    return dict(username=recipient.username, kind=kind, title=title[:300], body=body, instance_id=instance_id,
                task_id=task_id, dedup_key=dedup_key, created_at=now,
                email_to=recipient.email if mode in ("instant", "digest") else None,
                email_next_at=now if mode == "instant" else None, email_attempts=0, digest_pending=mode == "digest")


_CHUNK = 32  # rows per INSERT: 12 parameters each, far below SQLite's limit on one statement's parameters
_COLUMNS = ("username", "kind", "title", "body", "instance_id", "task_id", "dedup_key", "created_at", "email_to",
            "email_next_at", "email_attempts", "digest_pending")


def _insert_statement(count: int) -> ClauseElement:
    """``count`` notification rows in one INSERT, a key already stored skipped (ON CONFLICT DO NOTHING);
    it returns the keys inserted. RETURNING, not the rowcount: psycopg reports no reliable count for a
    conflict that inserted nothing. PostgreSQL's ON CONFLICT construct; SQLite's compiler writes the
    same clause (SQLite 3.24 has it)."""
    table = Notification.__table__
    rows = [{name: bindparam(f"{name}_{n}", type_=table.c[name].type) for name in _COLUMNS} for n in range(count)]
    return postgresql.insert(table).values(rows).on_conflict_do_nothing(index_elements=["dedup_key"]) \
        .returning(table.c.dedup_key)


_insert = ByCount(_insert_statement)  # compiled once per row count and dialect


def users_holding(session: Session | Connection, catalog: RoleCatalog, roles: Iterable[str]) -> list[Recipient]:
    """Active users who can work tasks of any of ``roles`` (members of group roles included)."""
    wanted: set[str] = set()
    for role in roles:
        wanted.add(role)
        if role in catalog:
            wanted |= catalog.roles[role].members
    if not wanted:
        return []
    return [Recipient(*row) for row in _HOLDERS.all(_connection_of(session), sorted(wanted), {})]


def _connection_of(session: Session | Connection) -> Connection:
    """The connection of the caller's transaction; a Session's pending rows flushed first, as before any
    statement the Session runs itself."""
    if isinstance(session, Connection):
        return session
    if session.autoflush:
        session.flush()
    return session.connection()


def with_stand_ins(session: Session, people: list[Recipient], now: datetime) -> list[Recipient]:
    """``people`` and, for each of them away under a running mandate (Plh/Plt), the stand-in: the work
    and its warnings reach whoever acts for the official now (the stand-in's inbox shows the same tasks)."""
    names = {person.username for person in people}
    if not names:
        return people
    stand_ins = set(session.scalars(select(Mandate.stand_in).where(
        Mandate.absent.in_(sorted(names)), Mandate.starts_at <= now, Mandate.ends_at > now))) - names
    if not stand_ins:
        return people
    rows = session.execute(select(*_RECIPIENT).where(
        UserAccount.username.in_(sorted(stand_ins)), UserAccount.active.is_(True)).order_by(UserAccount.username))
    return people + [Recipient(*row) for row in rows]


def active_user(session: Session, username: str) -> Recipient | None:
    row = session.execute(select(*_RECIPIENT).where(
        UserAccount.username == username, UserAccount.active.is_(True))).first()
    return Recipient(*row) if row else None


_RECIPIENT = (UserAccount.username, UserAccount.email, UserAccount.email_mode)
# Active holders of any of the roles ``in_0``..: compiled once per number of roles.
_HOLDERS = DirectIn(lambda count: select(*_RECIPIENT).join(UserRole, UserRole.user_id == UserAccount.id)
                    .where(UserRole.role_key.in_(DirectIn.binds(count)), UserAccount.active.is_(True))
                    .distinct().order_by(UserAccount.username))

