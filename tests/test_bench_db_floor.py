"""The K=0 rows' database floor (bench.db_floor): the shape of a completion's database work with the least
in it, committed on the backend's own connection, and the row that takes it off the completion."""
from __future__ import annotations

from sqlalchemy import text

from bench.__main__ import _db_floor_row
from bench.db_floor import TABLE, WARM_UP, db_floor
from engine.persistence.db import make_engine


def test_each_floor_sample_commits_its_row(fresh_url):
    floor = db_floor(fresh_url, samples=20)
    assert floor["n"] == 20 and 0 < floor["min_ms"] <= floor["median_ms"] <= floor["p95_ms"]
    engine = make_engine(fresh_url)  # another connection sees every insert: each was committed
    try:
        with engine.connect() as connection:
            assert connection.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar() == WARM_UP + 20
    finally:
        engine.dispose()


def test_the_row_takes_the_floor_off_the_completion():
    row = _db_floor_row("postgresql", {"median_ms": 0.6, "p95_ms": 0.9}, completion_ms=1.8, raw_ms=0.2)
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert len(cells) == 7 and cells[1:4] == ["postgresql", "0.600 ms", "0.900 ms"]
    assert cells[4] == "3.0× raw; the completion less the floor: 1.200 ms, **6.0×** raw" and cells[5] == "reported"
