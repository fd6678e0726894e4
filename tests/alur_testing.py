"""Test support shared across test folders (import as ``alur_testing``; tests/ is on the path)."""
from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from engine.config import PROJECT_ROOT, Settings
from engine.operations.logs import JsonFormatter
from engine.modeling.parser import DefinitionParser
from engine.persistence.models import Base


class LogLines(logging.Handler):
    """A log's records as the JSON objects its lines would be (engine.operations.logs' format)."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


class FakeClock:
    """A clock tests move by hand; starts on a working Monday morning (WITA)."""

    def __init__(self, start: datetime = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def _emptying_sql(engine) -> str:
    """One script that empties every table of a PostgreSQL test database and restarts its sequences:
    DELETE, children first. Measured per test on this schema: DELETE 10-15 ms, TRUNCATE … RESTART
    IDENTITY CASCADE 50-110 ms (it swaps every table's and index's files), a fresh database by
    CREATE DATABASE … TEMPLATE 90-110 ms (plus new connections), so DELETE it is."""
    with engine.connect() as conn:
        sequences = conn.execute(text("select sequencename from pg_sequences where schemaname = current_schema() "
                                      "order by sequencename")).scalars().all()
    deletes = [f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)]
    restarts = [f'ALTER SEQUENCE "{s}" RESTART' for s in sequences]
    return "; ".join(deletes + restarts)


_EMPTYING_SQL: dict[str, str] = {}  # per database URL


def empty_database(engine) -> None:
    """Empty a PostgreSQL test database in one round trip (the script is made once per database)."""
    url = str(engine.url)
    script = _EMPTYING_SQL.get(url) or _EMPTYING_SQL.setdefault(url, _emptying_sql(engine))
    with engine.begin() as conn:
        conn.exec_driver_sql(script)


@contextmanager
def own_postgres_database(postgres_url: str, prefix: str) -> Iterator[tuple[Engine, str, str]]:
    """An empty PostgreSQL database of the caller's own, beside the session's (``postgres_url``): one a test
    may close to connections, or prepare as ``alur init`` does. Yields the server's admin engine, the
    database's name and its URL; dropped afterwards, whatever still holds it open."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin, name, postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# scrypt's cost for the accounts tests create: a real hash (N=2**15, the default of Settings) costs
# about 0.1 s, and the suite creates hundreds of accounts. Verification reads the cost stored in each
# hash, so these accounts log in as usual; tests/engine/test_cli.py checks the real cost end to end.
TEST_SCRYPT_N = 2 ** 4


def deploy_unchecked(alur: Any, content: bytes, filename: str, actor: str, monkeypatch: Any,
                     change_note: str = "") -> Any:
    """Deploy as a model deployed before the data-flow check existed (the check bypassed): the way the
    incident tests get a model that fails at runtime."""
    with monkeypatch.context() as bypass:
        bypass.setattr(DefinitionParser, "data_flow_problems", lambda self, process, filename: [])
        return alur.deployer.deploy_bytes(content, filename, actor, change_note)


def make_settings(tmp_path: Path, url: str, processes: Path, forms: Path) -> Settings:
    return Settings(database_url=url, processes_dir=processes, forms_dir=forms,
                    attachments_dir=tmp_path / "attachments", scrypt_n=TEST_SCRYPT_N)


def sop_settings(tmp_path: Path, url: str) -> Settings:
    """``make_settings`` over the real SOP models in processes/ and forms/."""
    return make_settings(tmp_path, url, PROJECT_ROOT / "processes", PROJECT_ROOT / "forms")


def cli_in_process(monkeypatch: Any, capsys: Any, env: Mapping[str, str]) -> Callable[..., str]:
    """``alur …`` as ``alur.cli.main(argv)`` in this process, with exactly the ``ALUR_*`` variables of
    ``env``; ``run(*args, expect=0)`` checks the exit code and returns stdout and stderr.

    Each ``python -m alur`` subprocess costs about a second of imports; one smoke test in
    tests/engine/test_cli.py still runs the program as a subprocess."""
    from alur.cli import main

    for name in [k for k in os.environ if k.startswith("ALUR_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    def run(*args: str, expect: int = 0) -> str:
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse refuses bad arguments this way
            code = exc.code if isinstance(exc.code, int) else 2
        out = capsys.readouterr()
        assert code == expect, (args, out.out, out.err)
        return out.out + out.err

    return run
