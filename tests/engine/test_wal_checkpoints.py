"""SQLite's WAL checkpoints run in a thread of their own (engine.persistence.wal_checkpoints): every few
commits wake it, it copies the log into the database file, and it ends with its engine. SQLite only (on
PostgreSQL the server checkpoints)."""
from __future__ import annotations

import gc
import os
import sqlite3

from sqlalchemy import text

from engine.persistence.db import make_engine
from engine.persistence.wal_checkpoints import BACKSTOP_PAGES, EVERY, WalCheckpointer, checkpointer_of


def _insert(engine, n: int) -> None:
    for i in range(n):
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": "x" * 2000 + str(i)})


def _rows_in_database_file(path) -> int:
    """The rows the database file itself holds, the log not read (immutable: SQLite opens no WAL)."""
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        if not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 't'").fetchall():
            return 0  # not even the table yet
        return connection.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        connection.close()


def test_every_few_commits_a_thread_copies_the_log_into_the_database_file(tmp_path):
    path = tmp_path / "alur.db"
    engine = make_engine(f"sqlite:///{path}")
    checkpointer = checkpointer_of(engine)
    assert checkpointer is not None
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    _insert(engine, EVERY - 2)  # with the CREATE: one commit short of a checkpoint
    assert checkpointer.idle.wait(10) and checkpointer.checkpoints == 0
    assert _rows_in_database_file(path) == 0  # all of it still only in the log
    _insert(engine, 1)
    assert checkpointer.idle.wait(10) and checkpointer.checkpoints == 1
    assert _rows_in_database_file(path) == EVERY - 1
    _insert(engine, EVERY)
    assert checkpointer.idle.wait(10) and checkpointer.checkpoints == 2
    assert _rows_in_database_file(path) == 2 * EVERY - 1
    with engine.connect() as connection:  # what the engine reads is whole, log or not
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 2 * EVERY - 1
    engine.dispose()  # emptying the pool does not end it: the engine goes on
    _insert(engine, EVERY)
    assert checkpointer.idle.wait(10) and checkpointer.checkpoints == 3
    checkpointer.stop()


def test_the_thread_ends_when_stopped_or_when_its_engine_is_collected(tmp_path):
    def used_engine() -> WalCheckpointer:  # the engine referenced from nowhere once this returns
        engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        _insert(engine, EVERY)
        engine.dispose()
        found = checkpointer_of(engine)
        assert found is not None
        return found

    checkpointer = used_engine()
    assert checkpointer.idle.wait(10) and checkpointer.checkpoints == 1 and checkpointer.running
    gc.collect()
    assert not checkpointer.running  # finalized with its engine (joined)
    stopped = WalCheckpointer(str(tmp_path / "a.db"), every=1)
    stopped.stop()
    stopped.committed()  # a commit after the stop starts nothing
    assert stopped.checkpoints == 0 and not stopped.running


def test_a_memory_database_has_no_checkpointer_and_a_file_one_a_late_backstop(tmp_path):
    assert checkpointer_of(make_engine("sqlite://")) is None
    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    with engine.connect() as connection:  # SQLite's own checkpoint only if the thread falls far behind
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == BACKSTOP_PAGES


def test_a_failing_checkpoint_is_logged_and_the_next_one_tried(tmp_path, caplog):
    checkpointer = WalCheckpointer(str(tmp_path / "missing" / "a.db"), every=1)  # no such directory
    checkpointer.committed()
    assert checkpointer.idle.wait(10) and checkpointer.checkpoints == 0
    assert "WAL checkpoint of" in caplog.text
    checkpointer.stop()


def test_a_process_forked_after_the_thread_started_starts_its_own(tmp_path):
    path = tmp_path / "c.db"
    # The table made outside the engine: its commits are then the inserts alone, and the child's count
    # starts at none (else its checkpoint came a commit early and could miss its last insert).
    with sqlite3.connect(path) as made:
        made.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    made.close()
    engine = make_engine(f"sqlite:///{path}")
    _insert(engine, EVERY)
    checkpointer = checkpointer_of(engine)
    assert checkpointer is not None and checkpointer.idle.wait(10) and checkpointer.checkpoints == 1
    engine.dispose()  # no pooled connection crosses the fork
    child = os.fork()
    if child == 0:  # the child: its commits wake a thread of its own
        code = 1
        try:
            _insert(engine, EVERY)
            code = 0 if checkpointer.idle.wait(10) and checkpointer.checkpoints == 2 and checkpointer.running else 3
        finally:
            os._exit(code)
    _pid, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert _rows_in_database_file(path) == 2 * EVERY  # the child's checkpoint, in the file
    checkpointer.stop()
