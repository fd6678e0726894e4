"""The daily digest: one e-mail a day with the day's notifications, for people who chose it.

A notification for someone whose e-mail mode is "digest" waits with ``digest_pending`` set (see
``engine.worker.notifications.add_notification``). Once a day, after ``DIGEST_HOUR`` WITA (the end
of the Monday-to-Thursday office day), the worker writes for each such person one row of kind
``digest``: born read (the bell already showed each notification), its body the list of the
notifications since the previous digest, with links, and owing an e-mail that the mailer sends like
any other. ``dedup_key`` ``digest:<user>:<date>`` keeps it to one a day; the notifications it lists
get its id (``digest_id``) and leave the queue in the same transaction.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from engine.persistence.models import Notification
from engine.worktime.moment_text import day_text, moment_text
from engine.runtime.unit_of_work import UnitOfWork
from engine.worker.mailer import link_for
from engine.worker.notifications import DIGEST_KIND
from engine.worker.work_items import MAX_ITEMS_PER_RUN, ItemHooks
from engine.worktime.work_calendar import WITA

DIGEST_HOUR = 16  # WITA
MAX_LISTED = 200  # notifications listed in one digest; the rest go into the next one


def digest_cutoff(now: datetime) -> datetime:
    """The latest ``DIGEST_HOUR`` WITA at or before ``now``: a digest lists what came before it."""
    local = now.astimezone(WITA)
    cutoff = datetime.combine(local.date(), time(DIGEST_HOUR), tzinfo=WITA)
    if cutoff > local:
        cutoff -= timedelta(days=1)
    return cutoff


class Digests:
    def __init__(self, sessions: sessionmaker[Session], public_url: str | None = None) -> None:
        self._sessions = sessions
        self._public_url = public_url

    def compose_due(self, now: datetime, hooks: ItemHooks | None = None) -> int:
        """Write the digests due at ``now`` (one per person and day); returns how many were written."""
        hooks = hooks or ItemHooks()
        cutoff = digest_cutoff(now)
        with self._sessions() as session:
            people = session.scalars(select(Notification.username).where(
                Notification.digest_pending.is_(True), Notification.created_at < cutoff)
                .group_by(Notification.username).order_by(func.min(Notification.created_at))
                .limit(MAX_ITEMS_PER_RUN)).all()
        written = 0
        for username in people:
            if hooks.stop_requested():
                break
            with UnitOfWork.begin(self._sessions) as work:
                written += int(self._compose(work.session, username, cutoff, now))
                hooks.item(work.connection, f"digest:{username}")
        return written

    def _compose(self, session: Session, username: str, cutoff: datetime, now: datetime) -> bool:
        rows = list(session.scalars(select(Notification).where(
            Notification.username == username, Notification.digest_pending.is_(True),
            Notification.created_at < cutoff).order_by(Notification.created_at, Notification.id)
            .limit(MAX_LISTED).with_for_update(skip_locked=True)))
        if not rows:
            return False
        day: date = cutoff.astimezone(WITA).date()
        address = next((r.email_to for r in reversed(rows) if r.email_to), None)
        if address is None:
            session.execute(update(Notification).where(Notification.id.in_([r.id for r in rows]))
                            .values(digest_pending=False))
            return False
        values = dict(username=username, kind=DIGEST_KIND, title=f"Ringkasan notifikasi {day_text(day)}",
                      body=self._body(rows), instance_id=None, task_id=None,
                      dedup_key=f"digest:{username}:{day.isoformat()}", created_at=now, read_at=now,
                      email_to=address, email_next_at=now, email_attempts=0, digest_pending=False)
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        inserted = session.execute(insert(Notification).values(**values).on_conflict_do_nothing(
            index_elements=["dedup_key"]).returning(Notification.id)).scalar()
        if inserted is None:
            return False  # today's digest went out already: these wait for tomorrow's
        session.execute(update(Notification).where(Notification.id.in_([r.id for r in rows]))
                        .values(digest_pending=False, digest_id=inserted))
        return True

    def _body(self, rows: list[Notification]) -> str:
        lines = [f"Ringkasan {len(rows)} notifikasi Alur untuk Anda:", ""]
        for row in rows:
            lines.append(f"- {moment_text(row.created_at)}  {row.title}")
            if row.body:
                lines.append(f"  {row.body}")
            link = link_for(self._public_url, row.task_id, row.instance_id)
            if link:
                lines.append(f"  {link}")
        return "\n".join(lines)
