"""Shared fixtures: a fake clock, and Alur on SQLite and on PostgreSQL (one suite, parametrized)."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine.persistence.db import make_engine
from engine.persistence.models import Base
from engine.bootstrap import Alur, open_alur

from alur_testing import FakeClock, make_settings, truncate_all

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("ALUR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A fresh database for this test session; dropped at the end."""
    problem = _postgres_reachable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {PG_ADMIN_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({problem}); set ALUR_TEST_POSTGRES_URL")
    name = f"alur_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str):
    engine = make_engine(postgres_url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_engine(request, tmp_path):
    """An empty database on each backend."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'alur.db'}")
        Base.metadata.create_all(engine)
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("postgres_engine")
        truncate_all(engine)
        yield engine


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def test_data() -> Path:
    return ROOT / "tests" / "engine" / "data"


@pytest.fixture
def alur(db_engine, tmp_path, clock, test_data) -> Alur:
    """Alur over the small test models in tests/engine/data (roles tim/pengelola_ti/…)."""
    settings = make_settings(tmp_path, str(db_engine.url), test_data, test_data / "forms")
    return open_alur(settings, clock=clock, db=db_engine)


@pytest.fixture
def sop_alur(db_engine, tmp_path, clock) -> Alur:
    """Alur over the real SOP models in processes/ and forms/."""
    settings = make_settings(tmp_path, str(db_engine.url), ROOT / "processes", ROOT / "forms")
    return open_alur(settings, clock=clock, db=db_engine)
