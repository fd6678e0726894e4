"""A read-only connection on PostgreSQL runs its statements in the driver's autocommit mode, set on the
driver itself, and goes back to the pool out of it, also after a statement failed."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import sessionmaker

from engine.persistence.db import read_only_connection


def _pooled_autocommit(engine) -> bool:
    with engine.connect() as connection:  # the pool keeps one connection: the same driver connection
        return bool(connection.connection.driver_connection.autocommit)


def test_a_read_runs_in_autocommit_and_leaves_the_pool_out_of_it(postgres_engine):
    sessions = sessionmaker(postgres_engine)
    with read_only_connection(sessions) as connection:
        driver = connection.connection.driver_connection
        assert connection.execute(text("SELECT 1")).scalar() == 1
        assert driver.autocommit and driver.info.transaction_status.name == "IDLE"  # no BEGIN sent
    assert not driver.autocommit and not _pooled_autocommit(postgres_engine)


def test_a_failed_read_leaves_the_pool_out_of_autocommit(postgres_engine):
    sessions = sessionmaker(postgres_engine)
    with pytest.raises(ProgrammingError):
        with read_only_connection(sessions) as connection:
            driver = connection.connection.driver_connection
            connection.execute(text("SELECT no_such_column FROM user_account"))
    assert not driver.autocommit and not _pooled_autocommit(postgres_engine)
    with read_only_connection(sessions) as connection:
        assert connection.execute(text("SELECT 2")).scalar() == 2
