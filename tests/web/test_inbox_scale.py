"""The inbox page with 100,000 open tasks reads them through indexes only, in the same few statements as with
three (counted and planned, never timed: the speed itself is `make bench`'s inbox rows)."""
from __future__ import annotations

from sqlalchemy import event, text
from web_helpers import login, start_network_case

from engine.reading.search import Search

# SQLite makes the rows itself: a Python executemany of 100,000 rows would dominate the test.
FILL = text("""
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO human_task (id, instance_id, process_key, process_name, business_key, element_id, name, role,
                        form_key, state, assignee, created_at, due_at, version)
SELECT printf('%08d-0000-4000-8000-%012d', i, i), :case, 'sop_gangguan_jaringan', 'Penanganan Gangguan Jaringan',
       'B' || i, 'gjr_04', 'Cek fisik',
       CASE i % 5 WHEN 0 THEN 'tim_teknis' WHEN 1 THEN 'pengelola_ti' WHEN 2 THEN 'kasubag_tu'
                  WHEN 3 THEN 'personil_dc' ELSE 'pemeriksa_ti' END,
       'gjr_04_cek_fisik_perangkat',
       CASE WHEN i % 3 = 0 THEN 'claimed' ELSE 'ready' END,
       CASE WHEN i % 3 = 0 THEN CASE WHEN i % 2 = 0 THEN 'pengelola_ti' ELSE 'orang_lain' END END,
       :now, datetime(:now, printf('%+d hours', (i * 7919) % 600 - 300)), 1
FROM n
""")


def _planned(alur, url: str, client) -> tuple[list[str], list[str]]:
    """The page's statements and SQLite's plan line for every table it reads: as SQLite runs them (its
    trace, with the values in place), for the statements run on the driver's cursor, which SQLAlchemy's
    events do not see (engine.persistence.compiled)."""
    seen: list[str] = []

    def trace(dbapi_connection, _record) -> None:
        dbapi_connection.set_trace_callback(seen.append)

    alur.db.dispose()  # new connections, each traced
    event.listen(alur.db, "connect", trace)
    try:
        response = client.get(url)
    finally:
        event.remove(alur.db, "connect", trace)
        alur.db.dispose()
    assert response.status_code == 200 and '<span class="count">1000+</span>' in response.text, url
    assert "Cek fisik" in response.text, url
    statements = [s for s in seen if not s.lstrip().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    raw = alur.db.raw_connection()
    try:
        plans = [row[3] for statement in statements
                 for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + statement).fetchall()]
    finally:
        raw.close()
    return statements, plans


def test_inbox_pages_with_100k_open_tasks(alur, client):
    case = start_network_case(alur)
    now = alur.clock().replace(tzinfo=None).isoformat(sep=" ")
    with alur.db.begin() as connection:
        connection.execute(FILL, {"case": case, "now": now})
    login(client, "pengelola_ti")
    for url in ("/kotak-masuk?tab=mine", "/kotak-masuk?tab=available&hal=40", "/kotak-masuk?tab=overdue&status=ready"):
        client.get(url)  # warm the caches (parsed definitions, calendar)
        statements, plans = _planned(alur, url, client)
        # the user and the bell; all tab counts; the page's rows; the latest SOP versions
        assert len(statements) <= 4, statements
        # every read of the 100,000 rows goes down an index: no full scan, counts stop at 1000+
        on_tasks = [line for line in plans if "human_task" in line]
        assert on_tasks and all(line.startswith("SEARCH human_task USING") for line in on_tasks), on_tasks
    # a saved filter's badge stops at 99+ (SAVED_COUNT_CAP), the tabs at 1000+
    alur.saved_filters.save("pengelola_ti", "Jaringan", "available", Search(process_key="sop_gangguan_jaringan"))
    page = client.get("/kotak-masuk?tab=available").text
    assert 'Jaringan <span class="count">99+</span>' in page and '<span class="count">1000+</span>' in page
