"""Scheduled backups: one archive a day at a set time (WITA), and retention (keep N daily, M monthly).

With several workers on one database each daily moment is claimed once: the ``backup`` row of
``worker_cursor`` holds the moment last claimed, and moving it forward is a compare-and-set. A worker
that was down at the moment makes the backup when it comes back. A failed backup gives the moment
back, and this worker tries again after ``RETRY_AFTER``.

Retention only ever deletes files named like the archives this module writes
(``alur-backup-YYYYMMDDTHHMMSSZ.tar.gz``) in the backup folder: the newest archive of each of the
newest ``keep_daily`` days is kept, and the newest of each of the newest ``keep_monthly`` months.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine.operations.backups import ARCHIVE_NAME, Backups, BackupSummary
from engine.config import BackupSettings
from engine.errors import ConcurrentUpdate
from engine.permissions import SYSTEM_ACTOR
from engine.persistence.models import WorkerCursor
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow
from engine.worktime.work_calendar import WITA

CURSOR = "backup"
RETRY_AFTER = timedelta(minutes=15)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledRun:
    summary: BackupSummary
    removed: list[str]  # archives retention deleted


def kept_archives(names: list[str], keep_daily: int, keep_monthly: int) -> set[str]:
    """The archive names retention keeps (names not of an archive are never considered)."""
    stamped = sorted(((datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc), name)
                      for name in names if (m := ARCHIVE_NAME.fullmatch(name))), reverse=True)
    newest_of_day: dict[str, str] = {}
    newest_of_month: dict[str, str] = {}
    for moment, name in stamped:  # newest first: the first seen of a day (month) is its newest
        local = moment.astimezone(WITA)
        newest_of_day.setdefault(f"{local:%Y-%m-%d}", name)
        newest_of_month.setdefault(f"{local:%Y-%m}", name)
    days = sorted(newest_of_day, reverse=True)[:keep_daily]
    months = sorted(newest_of_month, reverse=True)[:keep_monthly]
    return {newest_of_day[d] for d in days} | {newest_of_month[m] for m in months}


def prune(directory: Path, keep_daily: int, keep_monthly: int) -> list[str]:
    """Delete the archives in ``directory`` retention does not keep; returns their names."""
    names = sorted(p.name for p in directory.iterdir() if p.is_file() and ARCHIVE_NAME.fullmatch(p.name))
    keep = kept_archives(names, keep_daily, keep_monthly)
    removed = [name for name in names if name not in keep]
    for name in removed:
        (directory / name).unlink(missing_ok=True)
    return removed


class BackupSchedule:
    def __init__(self, backups: Backups, sessions: sessionmaker[Session], settings: BackupSettings,
                 clock: Clock = utcnow) -> None:
        self._backups = backups
        self._sessions = sessions
        self.settings = settings
        self._clock = clock
        self._failed_at: datetime | None = None

    def due_moment(self, now: datetime) -> datetime:
        """The latest scheduled moment at or before ``now`` (today's, or yesterday's if not yet reached)."""
        local = now.astimezone(WITA)
        moment = datetime.combine(local.date(), self.settings.at, tzinfo=WITA)
        if moment > local:
            moment -= timedelta(days=1)
        return moment.astimezone(timezone.utc)

    def run_if_due(self) -> ScheduledRun | None:
        """Make the day's backup if it is due and no worker made it yet, then apply retention.

        :raises BackupFailed: the backup failed (the moment is given back; retried after RETRY_AFTER)
        """
        now = self._clock()
        if self._failed_at is not None and now - self._failed_at < RETRY_AFTER:
            return None
        moment = self.due_moment(now)
        previous = self._claim(moment)
        if isinstance(previous, bool):
            return None
        try:
            self.settings.directory.mkdir(parents=True, exist_ok=True)
            summary = self._backups.make_backup(self.settings.directory, SYSTEM_ACTOR, self.settings.with_key)
        except Exception:
            self._failed_at = now
            self._give_back(moment, previous)
            raise
        self._failed_at = None
        removed = prune(self.settings.directory, self.settings.keep_daily, self.settings.keep_monthly)
        log.info("scheduled backup written: %s (%d bytes); retention removed %d", summary.path, summary.size,
                 len(removed))
        return ScheduledRun(summary, removed)

    def _claim(self, moment: datetime) -> datetime | None | bool:
        """Move the cursor to ``moment``; returns its previous value (None: first claim), or False when
        another worker has this moment already."""
        try:
            with UnitOfWork.begin(self._sessions) as work:
                session = work.session
                previous = session.scalar(select(WorkerCursor.at).where(WorkerCursor.name == CURSOR))
                if previous is None:
                    session.execute(insert(WorkerCursor).values(name=CURSOR, at=moment))
                    return None
                if previous >= moment:
                    return False
                moved = session.execute(update(WorkerCursor).where(WorkerCursor.name == CURSOR,
                                                                   WorkerCursor.at == previous).values(at=moment))
                return previous if moved.rowcount == 1 else False  # type: ignore[attr-defined]
        except (IntegrityError, ConcurrentUpdate):  # another worker inserted the first claim meanwhile
            return False

    def _give_back(self, moment: datetime, previous: datetime | None) -> None:
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            if previous is None:
                session.execute(delete(WorkerCursor).where(WorkerCursor.name == CURSOR, WorkerCursor.at == moment))
            else:
                session.execute(update(WorkerCursor).where(WorkerCursor.name == CURSOR, WorkerCursor.at == moment)
                                .values(at=previous))
