"""Test support shared across test folders (import as ``alur_testing``; tests/ is on the path)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import text

from engine.config import Settings
from engine.persistence.models import Base


class FakeClock:
    """A clock tests move by hand; starts on a working Monday morning (WITA)."""

    def __init__(self, start: datetime = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def truncate_all(engine) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def make_settings(tmp_path: Path, url: str, processes: Path, forms: Path) -> Settings:
    return Settings(database_url=url, processes_dir=processes, forms_dir=forms,
                    attachments_dir=tmp_path / "attachments")
