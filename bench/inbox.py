"""Inbox query latency with many task rows in the human_task table."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from bench.common import PASSWORD, open_bench_alur, summarize, timed
from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.worktime.work_calendar import WITA

ROLES = ["pengelola_ti", "pemeriksa_ti", "tim", "pengawas"]
STATES = ["ready", "claimed", "completed", "completed", "completed", "cancelled"]
USERS = [f"user{n}" for n in range(50)]


def _fill(alur, rows: int) -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    rng = random.Random(7)
    with alur.sessions.begin() as session:
        session.add(ProcessDefinition(id=1, process_key="uji_loop", version=1, name="Uji", bpmn_xml="",
                                      sha256="0" * 64, source_file="uji_loop.bpmn", deployed_by="bench",
                                      deployed_at=now))
        session.flush()
        session.add(ProcessInstance(id=1, definition_id=1, process_key="uji_loop", status="running",
                                    state_json="{}", started_by="bench", started_at=now, version=1))
    batch = []
    for n in range(rows):
        state = rng.choice(STATES)
        created = now - timedelta(minutes=rng.randrange(0, 500_000))
        batch.append(dict(
            id=f"{n:08x}-0000-4000-8000-{n:012x}", instance_id=1, process_key="uji_loop", process_name="Uji",
            business_key=None, element_id="isi", name="Isi laporan", role=rng.choice(ROLES),
            form_key="uji_isi", state=state, assignee=rng.choice(USERS) if state != "ready" else None,
            created_at=created, due_at=created + timedelta(hours=rng.randrange(1, 200)), version=1))
        if len(batch) == 20_000:
            with alur.sessions.begin() as session:
                session.execute(insert(HumanTask), batch)
            batch = []
    if batch:
        with alur.sessions.begin() as session:
            session.execute(insert(HumanTask), batch)
    # What autovacuum does after a bulk insert: planner statistics, and on PostgreSQL the visibility
    # map too, without which no index-only scan is possible (every counted row would be a heap fetch).
    postgres = alur.db.dialect.name == "postgresql"
    with alur.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE human_task" if postgres else "ANALYZE")


def inbox_latency(url: str, rows: int, queries: int = 200) -> dict[str, dict[str, float]]:
    """Each tab of ``user1``'s inbox; then ``available`` and ``mine`` of ``user2``, Plh of ``user1``: the
    stand-in's own pool plus user1's claimed tasks and pool (one more index range each)."""
    alur = open_bench_alur(url)
    try:
        alur.users.add_user("user1", "Bench", PASSWORD, {"pengelola_ti"})
        alur.users.add_user("user2", "Bench Plh", PASSWORD, {"pemeriksa_ti"})
        alur.users.add_user("kasi", "Bench Kasi", PASSWORD, {"pengawas"})
        today = alur.clock().astimezone(WITA).date()
        alur.mandates.appoint("plh", "user1", "user2", today, today + timedelta(days=1), "BENCH/1", "kasi")
        _fill(alur, rows)
        result = {}
        for user, tab, label in (("user1", "available", "available"), ("user1", "mine", "mine"),
                                 ("user1", "overdue", "overdue"), ("user2", "available", "available, as Plh"),
                                 ("user2", "mine", "mine, as Plh")):
            for _ in range(10):
                alur.queries.inbox(user, tab)
            result[label] = summarize([timed(lambda u=user, t=tab: alur.queries.inbox(u, t)) for _ in range(queries)])
        return result
    finally:
        alur.close()
