"""SQLite's WAL checkpoints in a thread of their own, never in a user's commit.

SQLite checkpoints the write-ahead log inside the commit that takes it past 1000 pages: that commit copies
every page of the log into the database and syncs both files. A completion writes 20-35 pages, so about one
commit in 35 paid 4-5 ms more on this machine (a step's own time is about 1 ms), whichever user it was.
Here the process's commits are counted (as their connections return to the pool), and every ``EVERY`` of
them wake a thread that runs a PASSIVE checkpoint on a connection of its own: it waits for no reader or
writer, and SQLite's automatic checkpoint stays as the backstop (``BACKSTOP_PAGES``), should the thread fall
behind (a long reader keeps the log from restarting).
Each process of a deployment (web workers, the worker) checkpoints for itself; two at once is harmless
(the second finds nothing left to copy, or is busy and skips).
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import weakref
from typing import Any

from sqlalchemy import Engine, event

_log = logging.getLogger(__name__)

EVERY = 16  # commits between checkpoints: about 500 pages
_COMMITTED = "alur_committed"  # in a pooled connection's info: it committed since it was checked out
# SQLite's automatic checkpoint, the backstop: past 4000 pages (16 MB), not its default 1000, which the
# commits of a deployment's few processes, each checkpointing every EVERY of its own, may pass between two.
BACKSTOP_PAGES = 4000


class WalCheckpointer:
    """Checkpoints one SQLite database file after every ``every`` commits of an engine over it."""

    def __init__(self, path: str, every: int = EVERY) -> None:
        self._path = path
        self._every = every
        self._commits = 0  # counted without a lock by the engine's threads: a miscount only moves one checkpoint
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._start_lock = threading.Lock()
        self.checkpoints = 0  # checkpoints run (for tests and diagnostics)
        self.idle = threading.Event()  # set while the thread waits for work
        self.idle.set()

    def committed(self) -> None:
        self._commits += 1
        if self._commits >= self._every and not self._stopped:
            self._commits = 0
            self._ensure_thread()
            self.idle.clear()
            self._wake.set()

    @property
    def running(self) -> bool:
        """Whether its thread is alive (started by the first checkpoint, ended by ``stop``)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)

    def _ensure_thread(self) -> None:
        # A process forked after the thread started (a server that loads the app before forking its
        # workers) has none: it starts its own.
        if self._thread is None or self._pid != os.getpid():
            with self._start_lock:
                if self._thread is None or self._pid != os.getpid():
                    self._pid = os.getpid()
                    self._thread = threading.Thread(target=self._run, name="alur-wal-checkpoint", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopped:
                    return
                try:
                    if connection is None:
                        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                except sqlite3.Error:  # the next commits try again; SQLite's own checkpoint is the backstop
                    _log.warning("WAL checkpoint of %s failed", self._path, exc_info=True)
                finally:
                    if not self._wake.is_set():
                        self.idle.set()
        finally:
            self.idle.set()
            if connection is not None:
                connection.close()


def checkpoint_in_background(engine: Engine, path: str, every: int = EVERY) -> WalCheckpointer:
    """Count ``engine``'s commits for a ``WalCheckpointer`` of ``path``; stopped when the engine is collected
    (or by ``stop``)."""
    checkpointer = WalCheckpointer(path, every)

    # A commit counts once its connection is back in the pool: SQLAlchemy's "commit" event comes before the
    # COMMIT, and a checkpoint woken there could run before the commit's pages are in the log.
    def on_commit(connection: Any) -> None:
        connection.info[_COMMITTED] = True

    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_COMMITTED, False):
            checkpointer.committed()

    event.listen(engine, "commit", on_commit)
    event.listen(engine.pool, "checkin", on_checkin)
    # Not at dispose(): that only empties the pool, and the engine goes on (tests do it to trace new connections).
    weakref.finalize(engine, checkpointer.stop)
    _CHECKPOINTERS[engine] = checkpointer
    return checkpointer


def checkpointer_of(engine: Engine) -> WalCheckpointer | None:
    """The engine's checkpointer (an SQLite file's engine made by ``make_engine``), or None."""
    return _CHECKPOINTERS.get(engine)


_CHECKPOINTERS: weakref.WeakKeyDictionary[Engine, WalCheckpointer] = weakref.WeakKeyDictionary()
