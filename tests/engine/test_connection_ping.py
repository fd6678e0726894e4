"""Pooled PostgreSQL connections are pinged only after sitting idle, and a dead one is replaced; they run
without JIT compilation."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

import engine.persistence.db as db

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(postgres_url):
    engine = db.make_engine(postgres_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("select pg_backend_pid()")).scalar_one()


def test_a_connection_killed_while_idle_is_replaced_before_use(pg, postgres_url, monkeypatch):
    killed = _backend_pid(pg)
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("select pg_terminate_backend(:p)"), {"p": killed}).scalar_one()
    admin.dispose()
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert _backend_pid(pg) != killed  # the ping failed, so the pool opened a new connection


def test_a_connection_in_steady_use_is_not_pinged(pg, monkeypatch):
    pings = []
    real = pg.dialect.do_ping
    monkeypatch.setattr(pg.dialect, "do_ping", lambda c: pings.append(c) or real(c))
    for _ in range(5):
        _backend_pid(pg)
    assert pings == []
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    _backend_pid(pg)
    assert len(pings) == 1


def test_connections_run_without_jit(pg, postgres_url):
    with pg.connect() as conn:
        assert conn.execute(text("show jit")).scalar_one() == "off"
    options = db.make_engine(postgres_url, connect_args={"options": "-c statement_timeout=5000"})
    try:
        with options.connect() as conn:  # a caller's own options are kept beside it
            assert conn.execute(text("show jit")).scalar_one() == "off"
            assert conn.execute(text("show statement_timeout")).scalar_one() == "5s"
    finally:
        options.dispose()
