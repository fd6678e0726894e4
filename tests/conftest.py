"""Shared fixtures: a fake clock, and Alur on SQLite and on PostgreSQL (one suite, parametrized).

Backends: a test that uses ``db_engine`` (or ``alur``/``sop_alur``, which use it) runs on both
backends, ``[sqlite]`` and ``[postgresql]``. A module or test whose behaviour does not depend on the
database may say so with ``@pytest.mark.sqlite_only("why")``; it then runs on SQLite only, and
``pytest --all-backends`` runs it on PostgreSQL as well. Locking, SKIP LOCKED, SQL shape, statements,
migrations, the worker and concurrency stay on both.

Each test gets an empty database: on SQLite a copy of a schema file made once per session, on
PostgreSQL the session's database emptied by one DELETE script (see ``alur_testing.empty_database``).
``make test`` runs the suite in two pytest-xdist workers; each worker is a session of its own, with
its own PostgreSQL database, tmp folders, browser and loopback ports.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from engine.persistence.db import make_engine
from engine.persistence.models import Base
from engine.bootstrap import Alur, open_alur

from alur_testing import FakeClock, empty_database, make_settings, sop_settings

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("ALUR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--all-backends", action="store_true",
                     help="run the tests marked sqlite_only on PostgreSQL too")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``db_engine`` is ``[sqlite]`` and ``[postgresql]``, or ``[sqlite]`` alone under ``sqlite_only``."""
    if "db_engine" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("sqlite_only")
    if marker is not None and not (marker.args and str(marker.args[0]).strip()):
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs a reason, "
                                "e.g. @pytest.mark.sqlite_only('no SQL of its own')")
    backends = [pytest.param("sqlite", id="sqlite")]
    if marker is None or metafunc.config.getoption("all_backends"):
        backends.append(pytest.param("postgresql", marks=pytest.mark.postgres, id="postgresql"))
    metafunc.parametrize("db_engine", backends, indirect=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser tests first: they take longest, and pytest-xdist's workers then share out the many
    short tests after them instead of one worker finishing a long browser walk alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)


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
    """A fresh database for this test session (each pytest-xdist worker has its own); dropped at the end."""
    problem = _postgres_reachable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {PG_ADMIN_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({problem}); set ALUR_TEST_POSTGRES_URL")
    name = f"alur_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A commit need not wait for its WAL flush: nothing here survives a server crash anyway, and
        # waiting for the disk was most of a PostgreSQL test's time on a busy machine. Every
        # connection to this database gets it, the worker subprocesses' too.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    _drop_in_background(name)


@pytest.fixture
def fresh_url(db_engine, tmp_path: Path) -> Iterator[str]:
    """An empty database of ``db_engine``'s backend, for a restore or a copy to land in (PostgreSQL: a
    database of its own, dropped afterwards)."""
    if db_engine.dialect.name == "sqlite":
        (tmp_path / "restored").mkdir()
        yield f"sqlite:///{tmp_path / 'restored' / 'alur.db'}"
        return
    name = f"alur_fresh_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# DROP DATABASE makes the server write a checkpoint of every dirty buffer (all databases'), which
# took 0.3-10 s at the end of each session, the longer the busier the machine. So a process of its
# own drops the database while pytest exits: sh starts it in the background and returns at once (no
# child left for pytest to wait for). Its errors still reach the terminal.
_DROP_SCRIPT = ("import sys, psycopg\n"
                "with psycopg.connect(sys.argv[1], autocommit=True) as conn:\n"
                "    conn.execute(f'DROP DATABASE IF EXISTS \"{sys.argv[2]}\" WITH (FORCE)')\n")


def _drop_in_background(name: str) -> None:
    admin_url = make_url(PG_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["sh", "-c", '"$0" -c "$1" "$2" "$3" </dev/null >/dev/null &', sys.executable, _DROP_SCRIPT,
                    admin_url, name], check=True, start_new_session=True)


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str):
    engine = make_engine(postgres_url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file holding the empty schema; tests copy it (1 ms) instead of creating it (20-40 ms)."""
    path = tmp_path_factory.mktemp("sqlite-schema") / "alur.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def db_engine(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty database on each backend (parametrized in ``pytest_generate_tests``)."""
    if request.param == "sqlite":
        path = tmp_path / "alur.db"
        shutil.copyfile(request.getfixturevalue("sqlite_schema"), path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("postgres_engine")
        empty_database(engine)
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
def pg_alur(postgres_engine, tmp_path, clock, test_data) -> Alur:
    """Alur on PostgreSQL only (for what only PostgreSQL shows: locks, round trips), with the test users
    and ``uji_loop`` deployed."""
    from engine_helpers import add_users  # tests/engine's helpers, on the path setup.cfg gives pytest

    empty_database(postgres_engine)
    alur = open_alur(make_settings(tmp_path, str(postgres_engine.url), test_data, test_data / "forms"), clock=clock,
                     db=postgres_engine)
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    return alur


@pytest.fixture
def sop_alur(db_engine, tmp_path, clock) -> Alur:
    """Alur over the real SOP models in processes/ and forms/."""
    return open_alur(sop_settings(tmp_path, str(db_engine.url)), clock=clock, db=db_engine)


@pytest.fixture
def pg_sop_alur(postgres_engine, tmp_path, clock) -> Alur:
    """``sop_alur`` on PostgreSQL only (none deployed), with the users of tests/processes' ``CAST``."""
    from process_helpers import add_cast  # tests/processes' helpers, on the path setup.cfg gives pytest

    empty_database(postgres_engine)
    alur = open_alur(sop_settings(tmp_path, str(postgres_engine.url)), clock=clock, db=postgres_engine)
    add_cast(alur)
    return alur
