"""Shared helpers: timing, databases to run on, an Alur over the bench models."""
from __future__ import annotations

import os
import re
import shlex
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from engine.config import Settings
from engine.persistence.db import make_engine
from engine.persistence.models import Base
from engine.bootstrap import Alur, open_alur

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "engine" / "data"
RESULTS = ROOT / "bench" / "results"
PG_ADMIN_URL = os.environ.get("ALUR_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-password-1"
WEB_UNIT = ROOT / "deploy" / "systemd" / "alur-web@.service"
# The options of the unit's gunicorn command that shape how a worker serves (its class, threads and
# keep-alive): the benches that start gunicorn pass these, so they measure what is deployed.
SERVING_OPTIONS = ("--worker-class", "--threads", "--keep-alive")


def sections_stem(only: str) -> str:
    """The name of the results files of a run of these sections (``--only``, comma-separated)."""
    return only.replace(",", "+")


def settle() -> None:
    """Write out what earlier sections left to the disk, before a row that commits is timed: the search rows'
    1,000,000-task database is gigabytes, and its writeback went on into the next row's commits (the SQLite
    K=0 row after it: mean 3.4 ms against a median of 0.96, while K=10 right after it had 0.77 and 0.76)."""
    os.sync()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000.0


def summarize(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {"n": len(ordered), "median_ms": statistics.median(ordered), "mean_ms": statistics.fmean(ordered),
            "p95_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], "min_ms": ordered[0]}


def postgres_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - no server: that backend is reported as skipped
        return False


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A fresh, empty database URL on the backend; removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    name = f"alur_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def open_bench_alur(url: str, processes: Path = DATA, forms: Path = DATA / "forms") -> Alur:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    settings = Settings(database_url=url, processes_dir=processes, forms_dir=forms,
                        attachments_dir=Path(tempfile.mkdtemp()) / "attachments")
    return open_alur(settings, db=engine)


def deployed_gunicorn_options(unit: Path = WEB_UNIT) -> list[str]:
    """``SERVING_OPTIONS`` as ``deploy/systemd/alur-web@.service`` runs gunicorn, its ``${VAR}`` filled
    from the unit's own ``Environment=`` defaults (``--worker-class gthread --threads 4 ...``)."""
    text = unit.read_text().replace("\\\n", " ")
    defaults: dict[str, str] = {}
    for line in re.findall(r"^Environment=(.*)$", text, re.MULTILINE):
        defaults.update(word.split("=", 1) for word in shlex.split(line) if "=" in word)
    command = shlex.split(re.search(r"^ExecStart=(.*)$", text, re.MULTILINE).group(1))
    options: list[str] = []
    for name, value in zip(command, command[1:], strict=False):
        if name in SERVING_OPTIONS:
            options += [name, re.sub(r"\$\{(\w+)\}", lambda var: defaults[var.group(1)], value)]
    return options


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_listening(port: int, proc: subprocess.Popen | None = None, seconds: float = 120,
                         what: str = "gunicorn") -> None:
    """Until something accepts connections on ``port``; ``proc`` (the server) must not exit meanwhile.

    :raises RuntimeError: it exited, or nothing listened within ``seconds``
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start")
