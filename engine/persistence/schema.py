"""The database schema: Alembic's revisions in ``schema_versions/``, applied by ``alur init``, ``make run``
and the tests. (Moving running cases to a new SOP version is ``engine.runtime.case_migration``.)"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

SCHEMA_VERSIONS = Path(__file__).resolve().parent / "schema_versions"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCHEMA_VERSIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    command.upgrade(alembic_config(database_url), "head")


@cache
def head_revisions() -> frozenset[str]:
    """The newest revision(s) this code brings (read once per process: they change only with the code)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("")).get_heads())


def current_revisions(connection: Connection) -> frozenset[str]:
    """The revision(s) the database is at (empty for a database ``alur init`` never migrated)."""
    return frozenset(MigrationContext.configure(connection).get_current_heads())


def head_revision() -> str | None:
    """The newest revision this version of Alur knows."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(db: Engine) -> str | None:
    """The revision the database records; None when it records none (a schema made without Alembic)."""
    with db.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
