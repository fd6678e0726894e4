"""Is this installation ready to serve? The checks behind ``/readyz``: the database answers, its schema
is at the revision this code brings, the documents folder takes a file, and a worker ran recently.

Each check reports a short reason code, never a path or a server message (``/readyz`` needs no
login); the details go to the log.
"""
from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from engine.persistence.db import READ_ONLY
from engine.persistence.schema import current_revisions, head_revisions
from engine.worker.heartbeat import Heartbeats
from engine.worktime.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str  # "ok", or what is wrong: "unreachable", "behind", "not_writable", "stale", ...
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, Check]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks.values())


class Health:
    def __init__(self, db: Engine, heartbeats: Heartbeats, documents_dir: Path, clock: Clock,
                 heartbeat_stale_after: timedelta) -> None:
        self._db = db
        self._heartbeats = heartbeats
        self._documents_dir = documents_dir
        self._clock = clock
        self.heartbeat_stale_after = heartbeat_stale_after

    def readiness(self) -> Readiness:
        """Run every check (the documents folder even when the database is away)."""
        database, schema = self._database_and_schema()
        worker = self._worker() if database.ok else Check(False, "database_unreachable")
        return Readiness({"database": database, "schema": schema, "documents": self._documents(),
                          "worker": worker})

    def _database_and_schema(self) -> tuple[Check, Check]:
        try:
            with self._db.connect() as connection:
                connection = connection.execution_options(**{READ_ONLY: True})
                connection.execute(text("SELECT 1"))
                current = current_revisions(connection)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("readiness: the database does not answer: %s", exc)
            return Check(False, "unreachable"), Check(False, "database_unreachable")
        head = head_revisions()
        detail = {"current": sorted(current), "head": sorted(head)}
        if current == head:
            return Check(True, "ok"), Check(True, "ok", detail)
        return Check(True, "ok"), Check(False, "not_migrated" if not current else "behind", detail)

    def _documents(self) -> Check:
        """Write, read back and remove a file where uploads are written first (``<documents>/tmp``)."""
        folder = self._documents_dir / "tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=folder, prefix="readyz-")
            try:
                os.write(handle, b"alur")
                os.fsync(handle)
            finally:
                os.close(handle)
                os.unlink(name)
        except OSError as exc:
            log.warning("readiness: the documents folder %s is not writable: %s", self._documents_dir, exc)
            return Check(False, "not_writable")
        return Check(True, "ok")

    def _worker(self) -> Check:
        stale_after = self.heartbeat_stale_after.total_seconds()
        try:
            latest = self._heartbeats.latest()
        except SQLAlchemyError as exc:
            log.warning("readiness: the worker heartbeat could not be read: %s", exc)
            return Check(False, "unreadable")
        if latest is None:
            return Check(False, "no_heartbeat", {"stale_after_seconds": stale_after})
        age = (self._clock() - latest).total_seconds()
        detail = {"last_beat_at": latest.isoformat(), "age_seconds": round(age, 1), "stale_after_seconds": stale_after}
        return Check(age <= stale_after, "ok" if age <= stale_after else "stale", detail)
