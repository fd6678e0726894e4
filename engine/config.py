"""Explicit engine settings: the engine never reads Flask's config or the environment itself."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str
    processes_dir: Path = PROJECT_ROOT / "processes"
    forms_dir: Path = PROJECT_ROOT / "forms"
    attachments_dir: Path = PROJECT_ROOT / "instance" / "attachments"
    max_upload_bytes: int = 20 * 1024 * 1024
    allowed_upload_types: tuple[str, ...] = field(default=(
        "application/pdf", "image/png", "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/msword", "application/vnd.ms-excel", "text/plain", "text/csv",
    ))

    @property
    def roles_file(self) -> Path:
        return self.processes_dir / "roles.toml"


def default_database_url(instance_dir: Path = PROJECT_ROOT / "instance") -> str:
    """``ALUR_DATABASE_URL`` if set, else the embedded SQLite file under ``instance/``."""
    url = os.environ.get("ALUR_DATABASE_URL")
    if url:
        return url
    instance_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_dir / 'alur.db'}"


def settings_from_env() -> Settings:
    """Build settings for the CLI and the web app from ``ALUR_*`` variables."""
    root = Path(os.environ.get("ALUR_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    return Settings(
        database_url=default_database_url(root),
        processes_dir=Path(os.environ.get("ALUR_PROCESSES_DIR", PROJECT_ROOT / "processes")),
        forms_dir=Path(os.environ.get("ALUR_FORMS_DIR", PROJECT_ROOT / "forms")),
        attachments_dir=root / "attachments",
    )
