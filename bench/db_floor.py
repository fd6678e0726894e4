"""The completion rows' floor: what the database alone costs a completion on this machine, whatever the engine.

A completion through the engine is, on the database's side, a read (its task, case and chain head) and then
a transaction that writes and commits. On PostgreSQL those are two round trips, the second a pipeline of
BEGIN, the writes and COMMIT, whose COMMIT waits for the log to reach the disk; on SQLite a read and a commit
to the write-ahead log. This times the same shape with the least in it: ``SELECT 1``, then BEGIN, a one-row
INSERT and COMMIT, on a connection made as the engine makes its own (``make_engine``: SQLite's pragmas,
PostgreSQL's driver). No change to Alur can take this part off a completion, and the PostgreSQL K=0 row's
ratio to raw SpiffWorkflow moves with it as the VM's loopback and disk do: a ``SELECT 1`` round trip took
0.045 ms and a one-row commit 0.243 ms here on 2026-11-22 (``shared/notes/perf-peers.md``), 0.094 ms and
about 0.5 ms on 2026-12-08, while raw SpiffWorkflow ran as fast on both days.
"""
from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text

from bench.common import summarize
from engine.persistence.db import make_engine

SAMPLES = 400
WARM_UP = 50
TABLE = "bench_floor"


def db_floor(url: str, samples: int = SAMPLES) -> dict[str, float]:
    """Milliseconds per floor completion (``summarize``'s figures), over ``samples`` after a warm-up; each
    insert committed (a row each in ``bench_floor``)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY, v TEXT)"))
        pooled = engine.raw_connection()
        try:
            driver = pooled.driver_connection
            if engine.dialect.name == "postgresql":
                one = _postgresql
                driver.autocommit = True  # the engine's BEGIN is its own statement (hold_begin), not the driver's
            else:
                one = _sqlite
                driver.isolation_level = None  # the statements below say when the transaction begins and ends
            for n in range(WARM_UP):
                one(driver, n)
            timings = []
            for n in range(WARM_UP, WARM_UP + samples):
                start = time.perf_counter()
                one(driver, n)
                timings.append((time.perf_counter() - start) * 1000)
        finally:
            pooled.close()
        return summarize(timings)
    finally:
        engine.dispose()


def _postgresql(driver: Any, n: int) -> None:
    """The read on its own, in autocommit mode; then BEGIN, the insert and COMMIT in one pipeline, as the
    engine sends a completion's (``engine.persistence.db.hold_begin``)."""
    driver.execute("SELECT 1").fetchall()
    with driver.pipeline():
        driver.execute("BEGIN")
        driver.execute(f"INSERT INTO {TABLE} (id, v) VALUES (%s, %s)", (n, "floor"))
        driver.execute("COMMIT")


def _sqlite(driver: Any, n: int) -> None:
    """The read, then BEGIN IMMEDIATE (the engine's: it waits for the write lock), the insert and COMMIT."""
    driver.execute("SELECT 1").fetchall()
    driver.execute("BEGIN IMMEDIATE")
    driver.execute(f"INSERT INTO {TABLE} (id, v) VALUES (?, ?)", (n, "floor"))
    driver.execute("COMMIT")
