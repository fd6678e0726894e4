"""The database schema: Alembic's revisions in ``schema_versions/``, applied by ``alur init``, ``make run``
and the tests. (Moving running cases to a new SOP version is ``engine.runtime.case_migration``.)"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from engine.persistence import search_index
from engine.persistence.db import make_engine

SCHEMA_VERSIONS = Path(__file__).resolve().parent / "schema_versions"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCHEMA_VERSIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str) -> None:
    """Bring the schema to the newest revision (idempotent), with the search index's triggers."""
    command.upgrade(alembic_config(database_url), "head")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            search_index.install(connection)
    finally:
        engine.dispose()
