"""Regression guard for the request path: the SQL a page or an API call issues (counted, never timed).

Every signed-in page reads the user and the bell, so a query added per row or per role shows here
first. Reads take no write lock on SQLite (a deferred BEGIN), so the two gunicorn workers and the
worker process do not queue behind each other for pages that only read.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from web_helpers import gjr_01_data, login, open_task, start_network_case

from engine.accounts.tokens import TokenService
from engine.reading import catalog

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def statements(alur) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(alur.db, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(alur.db, "before_cursor_execute", record)


def _queries(seen: list[str]) -> list[str]:
    return [s for s in seen if not s.startswith(TRANSACTION_CONTROL)]


def _cases_for_every_tab(alur) -> None:
    for n in range(3):  # one claimed by kasubag_tu, two waiting for the role
        case = start_network_case(alur, business_key=f"045/{n}/26")
        alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
        if n == 0:
            alur.runner.claim_task(open_task(alur, case).task_id, "kasubag_tu")


def test_inbox_page_reads_user_and_bell_counts_page_and_sops(alur, client, monkeypatch):
    monkeypatch.setattr(catalog, "LATEST_FRESH_SECONDS", 3600.0)  # however slowly this machine runs the test
    _cases_for_every_tab(alur)
    login(client, "kasubag_tu")
    client.get("/kotak-masuk")  # warm the caches (working calendar, SOP summaries)
    for url, rows in (("/kotak-masuk", 1), ("/kotak-masuk?tab=available", 2),
                      ("/kotak-masuk?tab=overdue&status=ready", 0)):
        with driver_statements(alur) as seen:  # the user's read runs on the driver's cursor
            response = client.get(url)
        assert response.status_code == 200 and response.text.count("Menerima, mengagendakan") == rows, url
        # the user with roles and the bell; all tab counts; the page's rows (the latest SOP versions were
        # read by the first request, engine.reading.catalog.LATEST_FRESH_SECONDS)
        assert len(_queries(seen)) <= 3, seen
        assert _queries(seen)[0].startswith("SELECT user_account.id AS user_id"), seen


def test_pages_that_only_read_do_not_wait_for_a_writer(alur, client):
    _cases_for_every_tab(alur)
    login(client, "kasubag_tu")
    client.get("/kotak-masuk")  # warm the caches (the working calendar is read at most every 30 s)
    headers = _token_header(alur, "kasubag_tu")
    client.get("/api/v1/inbox", headers=headers)  # the first use of a token records it
    with alur.sessions.begin() as writer:
        writer.connection()  # BEGIN IMMEDIATE: SQLite's write lock is held until the block ends
        for url in ("/kotak-masuk", "/kotak-masuk?tab=available", "/notifikasi"):
            assert client.get(url).status_code == 200, url  # a read taking the lock would wait, then fail
        assert client.get("/api/v1/inbox", headers=headers).status_code == 200


def test_counts_in_one_statement_match_each_tab(alur, client):
    _cases_for_every_tab(alur)
    counts = alur.queries.inbox_counts("kasubag_tu")
    assert counts == {"mine": 1, "available": 2, "overdue": 0}
    for tab, count in counts.items():
        assert alur.queries.inbox("kasubag_tu", tab).total == count
    overview = alur.queries.inbox_overview("kasubag_tu")
    assert (overview.tab, overview.counts, overview.page.total) == ("mine", counts, 1)
    assert alur.queries.inbox_overview("kasubag_tu", "mine", state="ready").page.total == 0


def _token_header(alur, username: str) -> dict[str, str]:
    secret = TokenService(alur.sessions, alur.users).issue(username, "uji", "uji").token
    return {"Authorization": f"Bearer {secret}"}


@contextmanager
def driver_statements(alur) -> Iterator[list[str]]:
    """What SQLite itself runs, the statements run on the driver's cursor (engine.persistence.compiled)
    included, which SQLAlchemy's events do not see."""
    seen: list[str] = []

    def trace(dbapi_connection, _record) -> None:
        dbapi_connection.set_trace_callback(lambda statement: seen.append(" ".join(statement.split())))

    alur.db.dispose()  # new connections, each traced
    event.listen(alur.db, "connect", trace)
    try:
        yield seen
    finally:
        event.remove(alur.db, "connect", trace)
        alur.db.dispose()


@pytest.mark.sqlite_only("SQLite's trace sees the token read, which runs on the driver's cursor")
def test_api_request_checks_its_token_with_one_read(alur, client):
    case = start_network_case(alur)
    headers = _token_header(alur, "pengguna_jaringan")
    client.get("/api/v1/me", headers=headers)  # the first use records the time of use
    task_id = open_task(alur, case).task_id
    with driver_statements(alur) as seen:
        response = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": gjr_01_data(alur)}, headers=headers)
    assert response.status_code == 200, response.json
    token_reads = [s for s in seen if "api_token" in s]
    # the auditors' guard and the API share one read, alone: no transaction around it (no BEGIN, so no
    # write lock either), its statement its own snapshot
    assert len(token_reads) == 1 and token_reads[0].startswith("SELECT api_token.id AS token_id"), token_reads
    at = seen.index(token_reads[0])
    assert seen[at - 1] != "BEGIN" and seen[at + 1] != "ROLLBACK", seen[at - 1:at + 2]
