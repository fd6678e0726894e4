"""Structured logs: one JSON object a line, for journald, Loki or any log shipper.

A record's ``fields`` (``extra={"fields": {...}}``) become keys of its line beside ``time``, ``level``,
``logger`` and ``message``. The web app writes one line per request (``web.request_log``), the worker
one per job run (``log_job``). ``configure_logging`` sets the process's root handler; ``ALUR_LOG_FORMAT``
picks ``json`` (default) or ``text``.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from datetime import datetime, timezone
from typing import Any

JOB_LOG = logging.getLogger("alur.job")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_handler(log_format: str = "json") -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(log_format: str = "json", level: int = logging.INFO) -> None:
    """Send every log record of this process to stderr, one JSON line each (or plain text); like
    ``logging.basicConfig``, nothing changes when the process configured logging already."""
    root = logging.getLogger()
    if root.handlers:
        return
    root.addHandler(log_handler(log_format))
    root.setLevel(level)


def log_job(job: str, started: float, level: int = logging.INFO, **fields: Any) -> None:
    """One line for one run of a worker job: its name, how long it took (from ``time.monotonic()``
    at ``started``) and what it did."""
    duration_ms = round((time.monotonic() - started) * 1000, 1)
    JOB_LOG.log(level, "job %s", job, extra={"fields": {"kind": "job", "job": job, "duration_ms": duration_ms,
                                                          **fields}})
