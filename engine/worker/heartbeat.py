"""The worker's heartbeat: each worker process stamps its row on every run, so ``/readyz`` can tell
whether any worker is alive (``engine.runtime.readiness``).

A heartbeat is operational state, not part of the record: it is not audited (a row every 30 s per
worker would bury the system chain) and rows of workers silent for ``FORGET_AFTER`` are removed.
"""
from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.persistence.db import read_only_session
from engine.persistence.models import WorkerHeartbeat
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock

FORGET_AFTER = timedelta(days=1)


def this_worker() -> str:
    """``host:pid`` of the calling process (read at each beat: a forked process is a worker of its own)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Heartbeats:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._started: dict[str, datetime] = {}

    def beat(self) -> None:
        """Stamp this worker's row with the clock's time (one short transaction)."""
        now = self._clock()
        worker_id = this_worker()
        started = self._started.setdefault(worker_id, now)
        with UnitOfWork.begin(self._sessions) as work:  # no event: see the module's docstring
            session = work.session
            row = session.get(WorkerHeartbeat, worker_id)
            if row is None:
                session.add(WorkerHeartbeat(worker_id=worker_id, started_at=started, beat_at=now))
            else:
                row.beat_at = now
            session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))

    def latest(self) -> datetime | None:
        """The newest beat of any worker, or None when no worker has run (in the last day)."""
        with read_only_session(self._sessions) as session:
            return session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
