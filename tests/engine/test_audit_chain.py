"""Audit events are hash-chained; `alur audit verify` notices an edited row and names it."""
from __future__ import annotations

from engine_helpers import add_users, ready_task, start_loop_case
from sqlalchemy import text

from engine.audit.chain import case_chain, verify_chain, verify_chains
from engine.persistence.models import AuditChainHead
from engine.runtime.unit_of_work import UnitOfWork


def run_case(alur, test_data) -> int:
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur)
    alur.runner.complete_task(ready_task(alur, case).task_id, "pengelola", {"uraian": "x"})
    return case


def test_clean_database_verifies(alur, test_data):
    run_case(alur, test_data)
    with alur.sessions() as session:
        assert verify_chains(session) == []


def test_edited_payload_is_caught_naming_the_event(alur, test_data):
    case = run_case(alur, test_data)
    with alur.db.begin() as conn:
        event_id = conn.execute(text(
            "select id from audit_event where chain = :c and event_type = 'task_completed'"),
            {"c": f"instance:{case}"}).scalar_one()
        conn.execute(text("update audit_event set payload_json = replace(payload_json, '\"x\"', '\"y\"') "
                          "where id = :i"), {"i": event_id})
    with alur.sessions() as session:
        problems = verify_chains(session)
    assert [(p.chain, p.event_id, p.kind) for p in problems] == [(f"instance:{case}", event_id, "edited")]


def test_deleted_last_event_is_caught_by_the_chain_head(alur, test_data):
    case = run_case(alur, test_data)
    with alur.db.begin() as conn:
        conn.execute(text("delete from audit_event where id = (select max(id) from audit_event where chain = :c)"),
                     {"c": f"instance:{case}"})
    with alur.sessions() as session:
        problems = verify_chains(session)
    assert [(p.chain, p.kind) for p in problems] == [(f"instance:{case}", "deleted")]


def test_deleted_middle_event_is_caught(alur, test_data):
    case = run_case(alur, test_data)
    with alur.db.begin() as conn:
        conn.execute(text("delete from audit_event where chain = :c and seq = 2"), {"c": f"instance:{case}"})
    with alur.sessions() as session:
        problems = verify_chains(session)
    assert [(p.chain, p.seq, p.kind) for p in problems] == [(f"instance:{case}", 3, "deleted")]


def test_a_head_moved_since_it_was_read_is_appended_to_not_forked(alur, test_data):
    """A step moves its case's chain head from the value it read; if another writer appended in
    between, the step's events go after that writer's, so the chain stays one line."""
    case = run_case(alur, test_data)
    chain = case_chain(case)
    with alur.sessions() as session:
        head = session.get(AuditChainHead, chain)
        stale = (head.seq, head.hash)
    with UnitOfWork.begin(alur.sessions) as other:  # another writer, after the head was read
        other.record_for_case(case, "task_claimed", actor="pengelola2", at=alur.clock(), payload={"between": True})
    with UnitOfWork.begin(alur.sessions) as work:
        work.knows_head(chain, *stale)
        work.record_for_case(case, "task_completed", actor="pengelola", at=alur.clock(), payload={"late": True})
    with alur.sessions() as session:
        assert verify_chain(session, chain) is None
        rows = session.execute(text("select seq, event_type from audit_event where chain = :c order by seq"),
                               {"c": chain}).all()
    assert [r.event_type for r in rows[-2:]] == ["task_claimed", "task_completed"]
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))


def test_a_known_head_still_current_is_advanced_in_place(alur, test_data):
    case = run_case(alur, test_data)
    chain = case_chain(case)
    with alur.sessions() as session:
        head = session.get(AuditChainHead, chain)
        before, known = head.seq, (head.seq, head.hash)
    with UnitOfWork.begin(alur.sessions) as work:
        work.knows_head(chain, *known)
        for n in range(3):
            work.record_for_case(case, "note", actor="pengelola", at=alur.clock(), payload={"n": n})
    with alur.sessions() as session:
        assert verify_chain(session, chain) is None
        assert session.get(AuditChainHead, chain).seq == before + 3
