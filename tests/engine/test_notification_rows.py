"""Notifications are written by one prebuilt INSERT per batch of recipients, and store exactly the
rows the ORM's INSERT .. ON CONFLICT DO NOTHING wrote one by one, with the same "inserted" answers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.persistence.models import Notification
from engine.worker import notifications
from engine.runtime.unit_of_work import UnitOfWork
from engine.worker.notifications import (Recipient, add_notification, add_notifications, queue_notifications,
                                        users_holding)

NOW = datetime(2026, 3, 2, 1, 30, 0, tzinfo=timezone.utc)  # a whole second: stored as the ORM stores it
PEOPLE = [Recipient("ani", "ani@kaltimprov.go.id"), Recipient("budi", None),
          Recipient("citra", "citra@kaltimprov.go.id", "digest"), Recipient("dedi", "dedi@kaltimprov.go.id", "off")]
_COLUMNS = [c.key for c in Notification.__table__.c if c.key != "id"]


def _orm_insert(session: Session, recipient: Recipient, kind: str, title: str, body: str, dedup_key: str,
                now: datetime, instance_id: int | None = None, task_id: str | None = None,
                email: bool = False) -> bool:
    """The statement add_notification ran before (one per recipient), kept here as the reference."""
    mode = recipient.email_mode if email and recipient.email else "off"
    email_to = recipient.email if mode in ("instant", "digest") else None
    values = dict(username=recipient.username, kind=kind, title=title[:300], body=body, instance_id=instance_id,
                  task_id=task_id, dedup_key=dedup_key[:200], created_at=now, email_to=email_to,
                  email_next_at=now if mode == "instant" else None, email_attempts=0,
                  digest_pending=mode == "digest")
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    inserted = session.execute(insert(Notification).values(**values).on_conflict_do_nothing(
        index_elements=["dedup_key"]).returning(Notification.id)).scalar()
    return inserted is not None


def _stored(db_engine) -> list[tuple]:
    with Session(db_engine) as session:
        rows = session.scalars(select(Notification).order_by(Notification.id))
        return [tuple(getattr(row, c) for c in _COLUMNS) for row in rows]


def _clear(db_engine) -> None:
    with Session(db_engine) as session, session.begin():
        session.query(Notification).delete()


@pytest.mark.parametrize("email", [False, True])
def test_a_batch_stores_the_rows_one_by_one_inserts_stored(db_engine, email):
    people = PEOPLE + [Recipient("ani", "lain@kaltimprov.go.id")]  # a repeated key: only the first is stored
    title = "Judul " + "x" * 400  # cut to the column's 300 characters
    with Session(db_engine) as session, session.begin():
        _orm_insert(session, PEOPLE[1], "task_arrived", title, "isi", "task:t1:budi", NOW)  # stored before
        old = [_orm_insert(session, p, "task_arrived", title, "isi", f"task:t1:{p.username}", NOW, 7, "t1", email)
               for p in people]
    expected = _stored(db_engine)
    _clear(db_engine)
    with Session(db_engine) as session, session.begin():
        add_notification(session, recipient=PEOPLE[1], kind="task_arrived", title=title, body="isi",
                         dedup_key="task:t1:budi", now=NOW)
        added = add_notifications(session, people, kind="task_arrived", title=title, body="isi", now=NOW,
                                  dedup_key=lambda p: f"task:t1:{p.username}", instance_id=7, task_id="t1",
                                  email=email)
    assert old == [True, False, True, True, False]
    assert len(added) == 3 and all(p is q for p, q in zip(added, [people[0], people[2], people[3]], strict=True))
    assert _stored(db_engine) == expected
    with Session(db_engine) as session, session.begin():  # everything stored already: nothing again
        assert add_notifications(session, people, kind="task_arrived", title=title, body="isi", now=NOW,
                                 dedup_key=lambda p: f"task:t1:{p.username}") == []
        assert not add_notification(session, recipient=PEOPLE[0], kind="task_arrived", title=title, body="isi",
                                    dedup_key="task:t1:ani", now=NOW + timedelta(hours=1))
    assert _stored(db_engine) == expected


def test_many_recipients_go_in_one_statement_per_chunk(db_engine, monkeypatch):
    monkeypatch.setattr(notifications, "_CHUNK", 3)
    people = [Recipient(f"u{n:02}", None) for n in range(7)]
    statements: list[str] = []
    with Session(db_engine) as session, session.begin():
        connection = session.connection()
        raw = connection.connection.driver_connection
        if db_engine.dialect.name == "sqlite":
            raw.set_trace_callback(statements.append)
        added = add_notifications(session, people, kind="uji", title="t", body="b", now=NOW,
                                  dedup_key=lambda p: f"uji:{p.username}")
        if db_engine.dialect.name == "sqlite":
            raw.set_trace_callback(None)
    assert [p.username for p in added] == [p.username for p in people]
    assert [row[0] for row in _stored(db_engine)] == [p.username for p in people]  # ids in recipient order
    if db_engine.dialect.name == "sqlite":
        assert [s.split(" (")[0] for s in statements] == ["INSERT INTO notification"] * 3


def test_no_recipients_runs_nothing(db_engine):
    with Session(db_engine) as session, session.begin():
        assert add_notifications(session, [], kind="uji", title="t", body="b", now=NOW,
                                 dedup_key=lambda p: p.username) == []
    assert _stored(db_engine) == []


def test_a_connection_takes_the_same_rows_as_a_session(db_engine):
    with db_engine.begin() as connection:
        added = add_notifications(connection, PEOPLE[:2], kind="uji", title="t", body="b", now=NOW,
                                  dedup_key=lambda p: f"uji:{p.username}", email=True)
    assert [p.username for p in added] == ["ani", "budi"]
    stored = {row[0]: row for row in _stored(db_engine)}
    assert stored["ani"][_COLUMNS.index("email_to")] == "ani@kaltimprov.go.id"
    assert stored["ani"][_COLUMNS.index("email_next_at")] == NOW
    assert stored["budi"][_COLUMNS.index("email_to")] is None


def test_the_holders_of_roles_are_the_active_members_once_each_in_name_order(alur):
    """``users_holding`` by its prebuilt statement: a group role's members too, each person once, no
    inactive account, through a Session (flushed first) or a Connection alike."""
    alur.users.add_user("zaki", "Zaki", "rahasia-uji-123", {"pemeriksa_ti", "pengelola_ti"})
    alur.users.add_user("budi", "Budi", "rahasia-uji-123", {"pengelola_ti"})
    alur.users.add_user("ani", "Ani", "rahasia-uji-123", {"pengawas"})
    alur.users.add_user("cici", "Cici", "rahasia-uji-123", {"pemeriksa_ti"})
    alur.users.set_active("cici", False)
    with Session(alur.db) as session:
        assert [p.username for p in users_holding(session, alur.roles, ["tim"])] == ["budi", "zaki"]
        assert [p.username for p in users_holding(session.connection(), alur.roles, ["pengawas", "pemeriksa_ti"])] \
            == ["ani", "zaki"]
        assert users_holding(session, alur.roles, []) == []


def test_notifications_queued_in_a_unit_of_work_store_the_same_rows(alur):
    people = PEOPLE + [Recipient("ani", "lain@kaltimprov.go.id")]
    with Session(alur.db) as session, session.begin():
        add_notifications(session, people, kind="task_fallback", title="t", body="b", now=NOW, instance_id=3,
                          task_id="t3", dedup_key=lambda p: f"fallback:t3:{p.username}", email=True)
    expected = _stored(alur.db)
    _clear(alur.db)
    with UnitOfWork.begin(alur.sessions) as work:
        queue_notifications(work, people, kind="task_fallback", title="t", body="b", now=NOW, instance_id=3,
                            task_id="t3", dedup_key=lambda p: f"fallback:t3:{p.username}", email=True)
        # not yet: with the unit of work's other writes, when it ends
        assert work.connection.execute(select(func.count()).select_from(Notification)).scalar() == 0
    assert _stored(alur.db) == expected and len(expected) == 4
