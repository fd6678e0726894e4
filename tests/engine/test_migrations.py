"""Alembic migrations build exactly the schema the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from engine.persistence import search_index
from engine.persistence.schema import upgrade
from engine.persistence.models import Base


def test_upgrade_head_matches_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    upgrade(url)  # idempotent
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_every_upgrade_leaves_the_search_index_triggers_in_place(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        assert search_index.installed(conn) == set(search_index.TRIGGER_NAMES)
        conn.exec_driver_sql("DROP TRIGGER case_term_on_update")  # as a later revision's table copy would
    upgrade(url)
    with engine.connect() as conn:
        assert search_index.installed(conn) == set(search_index.TRIGGER_NAMES)
    engine.dispose()
