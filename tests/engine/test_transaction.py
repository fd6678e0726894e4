"""A use case's transaction: a writer that cannot get SQLite's write lock in time gets a conflict
(a clear "try again"), not a driver error, and nothing it did is stored."""
from __future__ import annotations

import sqlite3
from itertools import groupby

import pytest
from alur_testing import make_settings
from engine_helpers import add_users, ready_task, start_loop_case, traced_sqlite_alur
from sqlalchemy import event

from engine.errors import ConcurrentUpdate
from engine.persistence.db import make_engine
from engine.persistence.models import Base
from engine.bootstrap import open_alur


@pytest.fixture
def impatient_alur(tmp_path, clock, test_data):
    """Alur on a SQLite file whose connections wait only 50 ms for the write lock."""
    url = f"sqlite:///{tmp_path / 'alur.db'}"
    engine = make_engine(url)
    event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA busy_timeout=50"))
    Base.metadata.create_all(engine)
    alur = open_alur(make_settings(tmp_path, url, test_data, test_data / "forms"), clock=clock, db=engine)
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    yield alur, tmp_path / "alur.db"
    engine.dispose()


@pytest.mark.parametrize("step", ["claim", "complete"])
def test_a_writer_locked_out_gets_a_conflict_and_stores_nothing(impatient_alur, step):
    alur, path = impatient_alur
    case = start_loop_case(alur)
    task = ready_task(alur, case)
    alur.runner.unclaim_task(task.task_id, "pengelola")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(ConcurrentUpdate):
            if step == "claim":
                alur.runner.claim_task(task.task_id, "pengelola2")
            else:
                alur.runner.complete_task(task.task_id, "pengelola2", {"uraian": "x"})
    finally:
        other.execute("ROLLBACK")
        other.close()
    after = ready_task(alur, case)
    assert (after.task_id, after.state, after.assignee) == (task.task_id, "ready", None)


def test_a_completion_is_one_read_and_six_writes(tmp_path, clock, test_data):
    """What SQLite itself runs for one completion: the regression guard of the hot path (the step's
    dashboard figure, engine.runtime.figures, is one of the writes)."""
    alur, engine, traced = traced_sqlite_alur(tmp_path, clock, test_data)
    case = start_loop_case(alur)
    task = ready_task(alur, case)
    traced.clear()
    alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "x"})
    kinds = [" ".join(s.split()[:3]) for s in traced]
    engine.dispose()
    assert kinds[0] == "BEGIN IMMEDIATE" and kinds[-1] == "COMMIT"
    # SQLite traces each trigger program a statement runs as that statement again (the search index's
    # trigger on the case UPDATE, engine.persistence.search_index): such repeats are one statement.
    body = [k for k, _ in groupby(k for k in kinds[1:-1] if not k.startswith("INSERT INTO audit_event"))]
    assert body == ["SELECT human_task.id, human_task.instance_id,", "UPDATE human_task SET",
                    "INSERT INTO step_figure", "INSERT INTO human_task", "UPDATE process_instance SET",
                    "UPDATE audit_chain_head SET"]
    events = [k for k in kinds if k.startswith("INSERT INTO audit_event")]
    assert len(events) == 2  # task_completed and task_created, one executemany


def test_a_start_reads_once_before_it_writes_and_makes_its_chain_in_the_batch(tmp_path, clock, test_data):
    """What SQLite runs for one start: the definition and the starter's roles and unit in one read, the
    case's row, returning the id before it (engine.audit.case_accounting), then one batch that makes the
    case's chain head with its first events (no locked read of a head that cannot exist yet)."""
    alur, engine, traced = traced_sqlite_alur(tmp_path, clock, test_data)
    start_loop_case(alur)  # parses the definition
    traced.clear()
    start_loop_case(alur)
    kinds = [" ".join(s.split()[:3]) for s in traced]
    engine.dispose()
    assert kinds[0] == "BEGIN IMMEDIATE" and kinds[-1] == "COMMIT"
    body = [k for k, _ in groupby(k for k in kinds[1:-1] if not k.startswith("INSERT INTO audit_event"))]
    assert body == ["SELECT (SELECT process_definition.id", "INSERT INTO process_instance",
                    "INSERT INTO case_figure", "INSERT INTO human_task",
                    "UPDATE process_instance SET", "INSERT INTO audit_chain_head", "UPDATE audit_chain_head SET"]
    assert len([k for k in kinds if k.startswith("INSERT INTO audit_event")]) == 2  # instance_started, task_created
