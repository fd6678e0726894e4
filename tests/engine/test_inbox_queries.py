"""Inbox queries from the human_task table: tabs, group roles, due order, filters, pages, capped counts."""
from __future__ import annotations

from datetime import timedelta

import pytest
from engine_helpers import add_users, ready_task, start_loop_case
from sqlalchemy import insert, update

from engine.errors import InvalidInput
from engine.persistence.models import HumanTask
from engine.reading.queries import COUNT_CAP


@pytest.fixture
def cases(alur, test_data, clock):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    ids = []
    for n in range(3):
        case = start_loop_case(alur, business_key=f"UJI/{n}")
        alur.runner.complete_task(ready_task(alur, case).task_id, "pengelola", {"uraian": str(n)})
        ids.append(case)
        clock.advance(minutes=10)
    return ids


def test_available_tab_expands_group_roles_and_sorts_by_due(alur, cases):
    page = alur.queries.inbox("pengawas", "available")
    assert [t.instance_id for t in page.items] == cases  # created 10 minutes apart: due in that order
    assert all(t.role == "pengawas" and t.state == "ready" for t in page.items)
    assert (page.total, page.capped) == (3, False)
    assert alur.queries.inbox("pengelola", "available").total == 0


def test_mine_tab_and_claiming(alur, cases):
    first = alur.queries.inbox("pengawas", "available").items[0]
    alur.runner.claim_task(first.task_id, "pengawas")
    assert [t.task_id for t in alur.queries.inbox("pengawas", "mine").items] == [first.task_id]
    assert alur.queries.inbox_counts("pengawas") == {"mine": 1, "available": 2, "overdue": 0}
    assert alur.queries.inbox("pengawas", "overdue", state="claimed").total == 0


def test_overdue_tab_after_the_due_time(alur, cases, clock):
    clock.advance(days=7)
    overdue = alur.queries.inbox("pengawas", "overdue")
    assert overdue.total == 3 and all(t.is_overdue(clock()) for t in overdue.items)


def test_pagination_and_process_filter(alur, cases):
    second = alur.queries.inbox("pengawas", "available", page=2, per_page=2)
    assert [t.instance_id for t in second.items] == cases[2:] and second.pages == 2
    assert alur.queries.inbox("pengawas", "available", process_key="lain").total == 0


def test_unknown_tab_or_state_is_refused(alur, cases):
    with pytest.raises(InvalidInput):
        alur.queries.inbox("pengawas", "semua")
    with pytest.raises(InvalidInput):
        alur.queries.inbox("pengawas", "mine", state="completed")


def test_counts_are_capped_for_huge_inboxes(alur, cases, clock):
    rows = [dict(id=f"00000000-0000-0000-0000-{n:012d}", instance_id=cases[0], process_key="uji_loop",
                 process_name="Uji", business_key=None, element_id="periksa", name="Periksa", role="pengawas",
                 form_key="uji_periksa", state="ready", assignee=None, created_at=clock(),
                 due_at=clock() + timedelta(days=30, minutes=n), version=1) for n in range(COUNT_CAP + 5)]
    with alur.sessions.begin() as session:
        session.execute(insert(HumanTask), rows)
    page = alur.queries.inbox("pengawas", "available", page=3, per_page=10)
    assert (page.total, page.capped) == (COUNT_CAP, True)
    assert [t.task_id for t in page.items] == [r["id"] for r in rows[17:27]]  # 3 real tasks come first
    assert alur.queries.inbox_counts("pengawas")["available"] == COUNT_CAP + 1


def test_a_user_without_pool_roles_still_sees_the_tasks_they_hold(alur, cases):
    # The inbox's statements are built per count of roles: none is its own shape (no IN list at all).
    alur.users.add_user("tanpa_peran", "Tanpa Peran", "Rahasia-Panjang-123", set())
    held = alur.queries.inbox("pengawas", "available").items[0]
    with alur.sessions.begin() as session:
        session.execute(update(HumanTask).where(HumanTask.id == held.task_id)
                        .values(state="claimed", assignee="tanpa_peran"))
    assert alur.queries.inbox_counts("tanpa_peran") == {"mine": 1, "available": 0, "overdue": 0}
    assert [t.task_id for t in alur.queries.inbox("tanpa_peran", "mine").items] == [held.task_id]
    assert alur.queries.inbox("tanpa_peran", "available").items == []
