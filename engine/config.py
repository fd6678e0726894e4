"""Explicit engine settings, and where the engine reads the environment.

The engine never reads Flask's config. It reads ``ALUR_*`` environment variables only in the
functions named ``*_from_env``: ``settings_from_env``, ``smtp_settings_from_env``, ``backup_settings_from_env``,
``sop_logo_from_env`` and ``chromium_from_env`` here (the CLI, the web app and the worker entry call
the first; the PDF renderer falls back on the last), ``identity_settings_from_env`` in
``engine.accounts.identity_settings`` (over the mapping ``settings_from_env`` gives it), and
``signing_key_from_env`` and ``trusted_keys_from_env`` in ``engine.audit.checkpoints``, which read
the mapping they are given (``build_worker`` in ``engine.worker.scheduler`` gives them ``os.environ``
unless told otherwise). Everything else takes a ``Settings`` or explicit arguments.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from engine.accounts.identity_settings import IdentitySettings, identity_settings_from_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class SmtpSettings:
    """Outgoing mail; e-mail notifications are sent only when these settings exist."""

    host: str
    port: int = 587
    sender: str = "alur@localhost"
    starttls: bool = True  # upgrade a plain connection with STARTTLS
    ssl: bool = False  # implicit TLS from the first byte (usually port 465)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0


@dataclass(frozen=True)
class BackupSettings:
    """Scheduled backups by the worker: one archive a day at ``at`` (WITA) into ``directory``, keeping
    the newest ``keep_daily`` days and the newest archive of each of the last ``keep_monthly`` months."""

    directory: Path
    at: time = time(2, 0)
    keep_daily: int = 7
    keep_monthly: int = 12
    with_key: bool = False


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
    smtp: SmtpSettings | None = None
    # The worker never sleeps longer than this, so edits made by other processes (a new schedule,
    # a calendar override, a task created elsewhere) are picked up within this many seconds.
    worker_max_sleep: float = 30.0
    # /readyz reports the worker stale when no worker has run for this long (each run stamps a heartbeat,
    # at least every ``worker_max_sleep``).
    worker_heartbeat_stale_after: timedelta = timedelta(minutes=2)
    chromium: str | None = None  # the browser that prints SOP documents to PDF; None: found on PATH
    # scrypt's cost (N) for new password hashes. Each hash records its own parameters, so accounts
    # hashed at another cost still log in; the tests lower it (a real hash costs about 0.1 s).
    scrypt_n: int = 2 ** 15
    api_token_lifetime: timedelta = timedelta(days=90)  # how long a new API token works
    # Where people reach Alur (e.g. https://alur.diskominfo.kaltimprov.go.id): e-mails link to the
    # task or case under it. None: e-mails carry no link.
    public_url: str | None = None
    # The Ed25519 key that signs audit checkpoints, kept outside the database: ``alur init`` writes it
    # here (mode 0600) when it is missing and no key is given in ``ALUR_AUDIT_KEY``. None: no default key.
    audit_key_file: Path | None = None
    # Each signed checkpoint is also written here as a file, to be kept off the database host (a
    # separate mount, or copied away); verification checks the database against it. None: no files.
    checkpoint_dir: Path | None = None
    # The logo on the SOP document's kop (the Pemprov Kaltim emblem); None: printed without a logo.
    sop_logo: Path | None = None
    # Where SOP document PDFs are kept once printed (shared by every app server); None: a temporary folder.
    sop_pdf_dir: Path | None = None
    # The most copies a multi-instance step may make (loopCardinality or the items of its collection):
    # a larger count written in a model is refused at deploy, one read from case data fails the step.
    max_step_instances: int = 100
    # Where pg_dump and pg_restore of the server's major version are (Debian keeps each version in
    # /usr/lib/postgresql/N/bin); None: the ones on PATH.
    pg_bin_dir: Path | None = None
    # The worker's scheduled backups (``engine.operations.backup_schedule``); None: no scheduled backups.
    backup: BackupSettings | None = None
    # Signing in through LDAP / Active Directory or OpenID Connect, and local passwords (docs/identity.md).
    identity: IdentitySettings = IdentitySettings()
    # The office's archive retention schedule (JRA) per SOP (``engine.operations.retention_schedule``);
    # None: ``retention.toml`` beside the role catalogue.
    retention_file: Path | None = None

    @property
    def roles_file(self) -> Path:
        return self.processes_dir / "roles.toml"

    @property
    def retention_schedule_file(self) -> Path:
        return self.retention_file or self.processes_dir / "retention.toml"


def default_database_url(instance_dir: Path = PROJECT_ROOT / "instance") -> str:
    """The embedded SQLite file under ``instance_dir`` (created if missing)."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_dir / 'alur.db'}"


def settings_from_env() -> Settings:
    """Build settings for the CLI and the web app from ``ALUR_*`` variables; the database is
    ``ALUR_DATABASE_URL`` if set, else the embedded SQLite file under the instance directory."""
    root = Path(os.environ.get("ALUR_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    max_sleep = float(os.environ.get("ALUR_WORKER_MAX_SLEEP", "30"))
    return Settings(
        database_url=os.environ.get("ALUR_DATABASE_URL") or default_database_url(root),
        processes_dir=Path(os.environ.get("ALUR_PROCESSES_DIR", PROJECT_ROOT / "processes")),
        forms_dir=Path(os.environ.get("ALUR_FORMS_DIR", PROJECT_ROOT / "forms")),
        attachments_dir=root / "attachments",
        smtp=smtp_settings_from_env(),
        worker_max_sleep=max_sleep,
        worker_heartbeat_stale_after=heartbeat_stale_after_from_env(max_sleep),
        chromium=os.environ.get("ALUR_CHROMIUM") or None,
        public_url=public_url_from_env(),
        audit_key_file=Path(os.environ.get("ALUR_AUDIT_KEY_FILE") or root / "audit.key"),
        checkpoint_dir=Path(os.environ.get("ALUR_CHECKPOINT_DIR") or root / "checkpoints"),
        sop_logo=sop_logo_from_env(root),
        sop_pdf_dir=Path(os.environ.get("ALUR_SOP_PDF_DIR") or root / "sop-pdf"),
        max_step_instances=int(os.environ.get("ALUR_MAX_STEP_INSTANCES", "100")),
        api_token_lifetime=timedelta(days=float(os.environ.get("ALUR_API_TOKEN_LIFETIME_DAYS", "90"))),
        pg_bin_dir=Path(os.environ["ALUR_PG_BIN_DIR"]) if os.environ.get("ALUR_PG_BIN_DIR") else None,
        backup=backup_settings_from_env(),
        identity=identity_settings_from_env(os.environ),
        retention_file=Path(os.environ["ALUR_RETENTION_FILE"]) if os.environ.get("ALUR_RETENTION_FILE") else None,
    )


def heartbeat_stale_after_from_env(max_sleep: float) -> timedelta:
    """``ALUR_WORKER_HEARTBEAT_STALE_SECONDS``; unset: two minutes, or four of the worker's longest sleeps
    if that is longer.

    :raises ValueError: not more than twice ``ALUR_WORKER_MAX_SLEEP`` (a healthy worker would look stale)
    """
    text = os.environ.get("ALUR_WORKER_HEARTBEAT_STALE_SECONDS", "").strip()
    if not text:
        return timedelta(seconds=max(120.0, 4 * max_sleep))
    seconds = float(text)
    if seconds <= 2 * max_sleep:
        raise ValueError(f"ALUR_WORKER_HEARTBEAT_STALE_SECONDS ({seconds:g}) must be more than twice "
                         f"ALUR_WORKER_MAX_SLEEP ({max_sleep:g}): a worker stamps its heartbeat once per run")
    return timedelta(seconds=seconds)
def backup_settings_from_env() -> BackupSettings | None:
    """``ALUR_BACKUP_DIR`` (required for scheduled backups), ``ALUR_BACKUP_AT`` (HH:MM WITA, default
    02:00), ``ALUR_BACKUP_KEEP_DAILY`` (7), ``ALUR_BACKUP_KEEP_MONTHLY`` (12), ``ALUR_BACKUP_WITH_KEY`` (0).

    :raises ValueError: a time that is not HH:MM, fewer than 1 daily or a negative number of monthly archives
    """
    directory = os.environ.get("ALUR_BACKUP_DIR", "").strip()
    if not directory:
        return None
    env = os.environ.get
    settings = BackupSettings(Path(directory), time.fromisoformat(env("ALUR_BACKUP_AT", "02:00").strip()),
                              int(env("ALUR_BACKUP_KEEP_DAILY", "7")), int(env("ALUR_BACKUP_KEEP_MONTHLY", "12")),
                              _flag(env("ALUR_BACKUP_WITH_KEY", "0")))
    if settings.keep_daily < 1 or settings.keep_monthly < 0:
        raise ValueError("ALUR_BACKUP_KEEP_DAILY must be at least 1 and ALUR_BACKUP_KEEP_MONTHLY at least 0")
    return settings


SOP_LOGO_NAMES = ("sop_logo.png", "sop_logo.svg", "sop_logo.jpg")


def sop_logo_from_env(instance_dir: Path) -> Path | None:
    """``ALUR_SOP_LOGO`` if set, else ``sop_logo.png``/``.svg``/``.jpg`` in the instance folder, if present."""
    explicit = os.environ.get("ALUR_SOP_LOGO", "").strip()
    candidates = [Path(explicit)] if explicit else [instance_dir / name for name in SOP_LOGO_NAMES]
    return next((path for path in candidates if path.is_file()), None)


def public_url_from_env() -> str | None:
    """``ALUR_PUBLIC_URL`` without a trailing slash; only http(s) URLs.

    :raises ValueError: set to something that is not an http(s) URL
    """
    url = os.environ.get("ALUR_PUBLIC_URL", "").strip().rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"ALUR_PUBLIC_URL must be an http(s) URL, not {url!r}")
    return url


def smtp_settings_from_env() -> SmtpSettings | None:
    """``ALUR_SMTP_HOST`` (required to send mail), ``_PORT``, ``_FROM``, ``_STARTTLS``, ``_SSL``,
    ``_USER``, ``_PASSWORD`` and ``_TIMEOUT``."""
    host = os.environ.get("ALUR_SMTP_HOST", "").strip()
    if not host:
        return None
    env = os.environ.get
    return SmtpSettings(
        host=host, port=int(env("ALUR_SMTP_PORT", "587")), sender=env("ALUR_SMTP_FROM", "alur@localhost"),
        starttls=_flag(env("ALUR_SMTP_STARTTLS", "1")), ssl=_flag(env("ALUR_SMTP_SSL", "0")),
        username=env("ALUR_SMTP_USER") or None, password=env("ALUR_SMTP_PASSWORD") or None,
        timeout=float(env("ALUR_SMTP_TIMEOUT", "10")))


def chromium_from_env() -> str | None:
    """``ALUR_CHROMIUM``: the Chromium binary for SOP PDFs, when none is configured explicitly."""
    return os.environ.get("ALUR_CHROMIUM")


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")
