"""The database part of a backup: a consistent copy, what that copy holds, and putting it back.

SQLite: the online backup API copies the live file page by page under one read transaction, so the
copy is one moment even while the app writes (WAL). PostgreSQL: ``pg_dump`` in custom format reads a
snapshot exported by a REPEATABLE READ transaction that also lists the documents and checkpoints the
archive must carry, so the database and the file lists are the same moment. ``pg_dump`` and
``pg_restore`` must be of the server's major version (``ALUR_PG_BIN_DIR`` picks another install,
e.g. ``/usr/lib/postgresql/16/bin``).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg.conninfo import make_conninfo
from sqlalchemy import Connection, Engine, create_engine, func, inspect, select, text

from engine.audit.checkpoints import number_of
from engine.audit.removals import gone_cases
from engine.errors import BackupFailed, RestoreRefused
from engine.persistence.models import AuditCheckpoint, AuditEvent, DocumentUpload, ProcessInstance

UPLOAD_EVENT = "attachment_uploaded"
SCHEMA_TABLE = "alembic_version"
# Bookkeeping, not data: the schema's revision, and the worker's cursors (the migration that made the
# table seeds the announcements cursor, so a schema ``alur init`` made holds that one row).
BOOKKEEPING = frozenset({SCHEMA_TABLE, "worker_cursor"})
# The schema's own functions (trigger functions) and enum or domain types, not those of an extension.
_OWN_FUNCTIONS = ("SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                  "WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_depend d "
                  "WHERE d.objid = p.oid AND d.deptype = 'e')")
_OWN_TYPES = ("SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
              "WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd') AND NOT EXISTS "
              "(SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')")
_LIBPQ_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
              "connect_timeout": "PGCONNECT_TIMEOUT", "options": "PGOPTIONS"}


@dataclass(frozen=True)
class Contents:
    """What a database copy holds that the rest of the archive must match."""

    documents: dict[str, str]  # sha256 -> the name it was uploaded as
    latest_checkpoint: dict[str, Any] | None  # number, key_id, public_key, created_at
    cases: int
    audit_events: int
    schema_revision: str | None


@dataclass(frozen=True)
class Snapshot:
    file: Path
    part: str  # its path inside the archive
    backend: str
    contents: Contents
    server_version: str | None = None
    dump_tool: str | None = None


def backend_of(db: Engine) -> str:
    return "postgresql" if db.dialect.name == "postgresql" else "sqlite"


def read_contents(connection: Connection) -> Contents:
    """The documents named by upload events and upload rows, the newest checkpoint, a few counts.

    The upload events of cases removed under retention are left out: their documents no other case
    uses were deleted with them (``engine.operations.retention``)."""
    documents: dict[str, str] = {}
    gone = gone_cases(connection)
    uploads = select(AuditEvent.instance_id, AuditEvent.payload_json).where(AuditEvent.event_type == UPLOAD_EVENT)
    for instance_id, payload_json in connection.execute(uploads):
        if instance_id in gone:
            continue
        payload = json.loads(payload_json)
        if isinstance(payload.get("sha256"), str):
            documents.setdefault(payload["sha256"], str(payload.get("filename") or payload["sha256"]))
    for sha256, filename in connection.execute(select(DocumentUpload.sha256, DocumentUpload.filename)):
        documents.setdefault(sha256, filename)
    row = connection.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).first()
    latest = None
    if row is not None:
        latest = {"number": number_of(row.body_json) or row.id, "key_id": row.key_id,
                  "public_key": row.public_key, "created_at": row.created_at.isoformat()}
    revision = None
    if inspect(connection).has_table(SCHEMA_TABLE):
        revision = connection.scalar(text(f"SELECT version_num FROM {SCHEMA_TABLE}"))
    return Contents(documents, latest, connection.scalar(select(func.count()).select_from(ProcessInstance)) or 0,
                    connection.scalar(select(func.count()).select_from(AuditEvent)) or 0, revision)


def take_snapshot(db: Engine, workdir: Path, bin_dir: Path | None) -> Snapshot:
    """:raises BackupFailed: an in-memory database; pg_dump missing, of another version, or failing"""
    if backend_of(db) == "sqlite":
        return _sqlite_snapshot(db, workdir)
    return _postgres_snapshot(db, workdir, bin_dir)


def _sqlite_path(db: Engine) -> Path:
    name = db.url.database
    if not name or name == ":memory:":
        raise BackupFailed("Basis data SQLite di memori tidak dapat dicadangkan")
    return Path(name)


def _sqlite_snapshot(db: Engine, workdir: Path) -> Snapshot:
    target = workdir / "alur.db"
    source = sqlite3.connect(_sqlite_path(db))
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one step: the whole file under one read transaction
        copy.execute("PRAGMA journal_mode=DELETE")  # a single file in the archive
    finally:
        copy.close()
        source.close()
    reader = create_engine(f"sqlite:///{target}")
    try:
        with reader.connect() as connection:
            contents = read_contents(connection)
    finally:
        reader.dispose()
    return Snapshot(target, "database/alur.db", "sqlite", contents, sqlite3.sqlite_version, "sqlite3 backup API")


def _postgres_snapshot(db: Engine, workdir: Path, bin_dir: Path | None) -> Snapshot:
    target = workdir / "alur.dump"
    tool = _tool("pg_dump", bin_dir)
    with db.connect() as plain:  # the statements below run in one transaction (autobegin), ended by rollback
        connection = plain.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        try:
            server = str(connection.exec_driver_sql("SHOW server_version").scalar())
            tool_version = _same_major(tool, connection, BackupFailed)
            snapshot_id = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            contents = read_contents(connection)
            _run([tool, "--format=custom", "--no-password", f"--snapshot={snapshot_id}", f"--file={target}",
                  f"--dbname={_conninfo(db)}"], db, BackupFailed)
        finally:
            connection.rollback()  # read only: the snapshot is released when pg_dump is done with it
    return Snapshot(target, "database/alur.dump", "postgresql", contents, server, tool_version)


def _tool(name: str, bin_dir: Path | None) -> str:
    found = shutil.which(name, path=str(bin_dir)) if bin_dir else shutil.which(name)
    if found is None:
        where = f"in {bin_dir}" if bin_dir else "on PATH (Debian: apt install postgresql-client)"
        raise BackupFailed(f"{name} tidak ditemukan {where}")
    return found


def _same_major(tool: str, connection: Connection, error: type[BackupFailed] | type[RestoreRefused]) -> str:
    """The tool's version line; refused when its major version is not the server's."""
    line = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    match = re.search(r"\)\s+(\d+)", line)
    server = int(str(connection.exec_driver_sql("SHOW server_version_num").scalar())) // 10000
    if match is None or int(match.group(1)) != server:
        raise error(f"{line or tool} tidak sama versi utamanya dengan server PostgreSQL {server}; pasang "
                    f"postgresql-client-{server} dan atur ALUR_PG_BIN_DIR (mis. /usr/lib/postgresql/{server}/bin)")
    return line


def _conninfo(db: Engine) -> str:
    """The libpq connection string of the engine's URL, without the password (given in PGPASSWORD)."""
    url = db.url
    params: dict[str, Any] = {"dbname": url.database, "user": url.username,
                              "host": url.host or url.query.get("host"), "port": url.port}
    return make_conninfo(**{k: v for k, v in params.items() if v})


def _run(command: list[str], db: Engine, error: type[BackupFailed] | type[RestoreRefused]) -> None:
    env = dict(os.environ)
    if db.url.password:
        env["PGPASSWORD"] = str(db.url.password)
    for name, variable in _LIBPQ_ENV.items():
        value = db.url.query.get(name)
        if isinstance(value, str):
            env[variable] = value
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise error(f"{Path(command[0]).name} gagal (kode {done.returncode}): {done.stderr.strip()[-2000:]}")


# -- restore ---------------------------------------------------------------------------------------

def rows_in(db: Engine) -> list[str]:
    """The tables of the target database that hold rows (bookkeeping tables aside)."""
    if backend_of(db) == "sqlite" and not _sqlite_path(db).exists():
        return []
    found = []
    with db.connect() as connection:
        for table in inspect(connection).get_table_names():
            if table not in BOOKKEEPING and connection.scalar(text(f'SELECT 1 FROM "{table}" LIMIT 1')) is not None:
                found.append(table)
    return found


def clear(db: Engine) -> None:
    """Remove every table of the target (empty, or restored and refused), so it is empty again."""
    if backend_of(db) == "sqlite":
        db.dispose()
        path = _sqlite_path(db)
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        return
    with db.connect() as connection:  # DDL in one transaction, committed at the end
        schema = inspect(connection)
        for view in schema.get_view_names():
            connection.exec_driver_sql(f'DROP VIEW IF EXISTS "{view}" CASCADE')
        for table in schema.get_table_names():
            connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
        for sequence in schema.get_sequence_names():
            connection.exec_driver_sql(f'DROP SEQUENCE IF EXISTS "{sequence}" CASCADE')
        for function in connection.exec_driver_sql(_OWN_FUNCTIONS).scalars().all():
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function} CASCADE")
        for type_name in connection.exec_driver_sql(_OWN_TYPES).scalars().all():
            connection.exec_driver_sql(f'DROP TYPE IF EXISTS "{type_name}" CASCADE')
        connection.commit()
    db.dispose()


def restore_database(db: Engine, dump: Path, backend: str, bin_dir: Path | None, dump_tool: str | None) -> None:
    """Load the archive's database into the (empty) target.

    :raises RestoreRefused: the archive is of the other backend, or pg_restore is missing, of another
        version, or fails (its single transaction then leaves nothing)
    """
    if backend != backend_of(db):
        raise RestoreRefused(f"Arsip ini berisi basis data {backend}; tujuan adalah {backend_of(db)}",
                             [f"database: {backend} archive, {backend_of(db)} target"])
    if backend == "sqlite":
        db.dispose()
        source, target = sqlite3.connect(dump), sqlite3.connect(_sqlite_path(db))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    tool = _tool("pg_restore", bin_dir)
    with db.connect() as connection:
        _same_major(tool, connection, RestoreRefused)
        dumped = re.search(r"\)\s+(\d+)", dump_tool or "")
        mine = re.search(r"\)\s+(\d+)", subprocess.run([tool, "--version"], capture_output=True, text=True,
                                                       check=False).stdout)
        if dumped and mine and int(mine.group(1)) < int(dumped.group(1)):
            raise RestoreRefused(f"Arsip dibuat dengan {dump_tool}; pg_restore ini lebih lama")
    db.dispose()
    _run([tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--no-password",
          f"--dbname={_conninfo(db)}", str(dump)], db, RestoreRefused)
