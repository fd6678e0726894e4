"""The inbox page on PostgreSQL reads the signed-in user and the tab counts in one statement, with the
page's rows in the same pipeline: one round trip on one connection (counted from libpq's trace, never
timed). The counts and the rows are those of the user's authority as this process last read it, and the
rows those of the tab asked for or last opened: guesses the page checks, so a role change, a mandate, a
deactivation, a logout elsewhere or a tab that changed still applies at once."""
from __future__ import annotations

import re

from engine_helpers import PASSWORD, ready_task, start_loop_case
from test_request_statements import driver_statements
from test_round_trips import round_trips
from web_helpers import build_app, login, text_of
from web.search_params import page_search

from engine.reading import catalog

STATEMENTS = {"user": "SELECT user_account.id AS user_id,", "counts": "SELECT (SELECT count(*)",
              "rows": "SELECT human_task.id, human_task.instance_id,"}


def _read(trips: list[list[str]]) -> list[list[str]]:
    """Each round trip's statements by name (the user's statement with the counts: ``user+counts``)."""
    def name(sql: str) -> str:
        found = next((n for n, start in STATEMENTS.items() if sql.startswith(start)), sql[:40])
        return "user+counts" if found == "user" and " AS mine," in sql else found
    return [[name(sql) for sql in trip] for trip in trips]


def _page(response) -> str:
    """The page without its CSRF tokens, which carry the second they were signed in."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', response.text)


def _signed_in(alur, username: str):
    client = build_app(alur).test_client()
    assert client.post("/masuk", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_the_inbox_page_reads_the_user_with_its_counts_then_its_rows(pg_alur, monkeypatch):
    monkeypatch.setattr(catalog, "LATEST_FRESH_SECONDS", 3600.0)  # however slowly this machine runs the test
    start_loop_case(pg_alur)  # its first step claimed by its starter
    pg_alur.runner.unclaim_task(ready_task(pg_alur, start_loop_case(pg_alur, business_key="UJI/002")).task_id,
                                "pengelola")
    assert _signed_in(pg_alur, "pengelola2").get("/kotak-masuk").status_code == 200  # the SOPs' caches
    client = _signed_in(pg_alur, "pengelola")
    with round_trips(pg_alur) as trips:  # the first page after signing in: no authority seen yet
        first = client.get("/kotak-masuk")
    assert first.status_code == 200
    assert _read(trips) == [["user"], ["counts"], ["rows"]], trips
    with round_trips(pg_alur) as trips:
        again = client.get("/kotak-masuk")
    assert _page(again) == _page(first)
    assert _read(trips) == [["user+counts", "rows"]], trips
    with round_trips(pg_alur) as trips:  # a tab asked for, a page of it
        available = client.get("/kotak-masuk?tab=available")
    assert _read(trips) == [["user+counts", "rows"]], trips
    assert "Tugas saya 1" in text_of(available.text) and "Tersedia untuk peran saya 1" in text_of(available.text)
    assert "UJI/002" in text_of(available.text) and "UJI/001" not in text_of(available.text)


def test_an_inbox_whose_tab_changed_since_reads_the_rows_of_the_tab_it_opens_on(pg_alur, monkeypatch):
    """No tab asked for: the page opens on "mine", or on "available" when the user holds none. The rows
    read with the user are those of the tab it opened on last time; when the counts now choose the other
    tab, that tab's rows are read after them."""
    monkeypatch.setattr(catalog, "LATEST_FRESH_SECONDS", 3600.0)
    mine = ready_task(pg_alur, start_loop_case(pg_alur))  # claimed by its starter: "mine" it is
    pg_alur.runner.unclaim_task(ready_task(pg_alur, start_loop_case(pg_alur, business_key="UJI/002")).task_id,
                                "pengelola")
    client = _signed_in(pg_alur, "pengelola")
    assert "UJI/001" in text_of(client.get("/kotak-masuk").text)
    pg_alur.runner.unclaim_task(mine.task_id, "pengelola")  # now the user holds none: "available"
    with round_trips(pg_alur) as trips:
        text = text_of(client.get("/kotak-masuk").text)
    assert "Tugas saya 0" in text and "UJI/001" in text and "UJI/002" in text
    assert _read(trips) == [["user+counts", "rows"], ["rows"]], trips  # mine's rows were read for nothing
    with round_trips(pg_alur) as trips:  # the tab it opened on is the guess now
        assert text_of(client.get("/kotak-masuk").text) == text
    assert _read(trips) == [["user+counts", "rows"]], trips


def test_a_role_change_since_the_last_page_reads_the_counts_of_the_new_roles(pg_alur):
    pg_alur.runner.unclaim_task(ready_task(pg_alur, start_loop_case(pg_alur)).task_id, "pengelola")  # pengelola_ti's
    client = _signed_in(pg_alur, "pengawas")
    assert "Tersedia untuk peran saya 0" in text_of(client.get("/kotak-masuk").text)
    pg_alur.users.set_roles("pengawas", {"pengawas", "pengelola_ti"})
    with round_trips(pg_alur) as trips:
        text = text_of(client.get("/kotak-masuk").text)
    assert "Tersedia untuk peran saya 1" in text and "UJI/001" in text
    # the guessed counts and rows were read for nothing: read again for the roles read
    assert _read(trips) == [["user+counts", "rows"], ["counts"], ["rows"]], trips
    pg_alur.users.set_roles("pengawas", {"pengawas"})
    assert "Tersedia untuk peran saya 0" in text_of(client.get("/kotak-masuk").text)


def test_a_deactivation_or_a_logout_elsewhere_ends_a_session_whose_inbox_was_read_before(pg_alur):
    client = _signed_in(pg_alur, "pengelola")
    assert client.get("/kotak-masuk").status_code == 200  # the user's authority seen
    other = _signed_in(pg_alur, "pengelola")
    assert other.get("/kotak-masuk").status_code == 200
    assert other.post("/keluar").status_code == 302  # a logout ends every session of the account
    assert client.get("/kotak-masuk").status_code == 302
    client = _signed_in(pg_alur, "pengelola")
    assert client.get("/kotak-masuk").status_code == 200
    pg_alur.users.set_active("pengelola", False)
    with round_trips(pg_alur) as trips:
        response = client.get("/kotak-masuk")
    assert response.status_code == 302  # the rows read with the user (the guess) are dropped unseen
    assert _read(trips) == [["user+counts", "rows"]], trips


def test_the_inbox_read_with_the_user_is_the_inbox_read_after_it(alur, client):
    """SQLite: the same page whether the user's authority was seen before or not, a role change applying
    at once."""
    login(client, "kasubag_tu")
    queries = alur.queries
    cold = client.get("/kotak-masuk?tab=available")
    warm = client.get("/kotak-masuk?tab=available")
    assert cold.status_code == warm.status_code == 200 and _page(cold) == _page(warm)
    alur.users.set_roles("kasubag_tu", set())
    assert "Tersedia untuk peran saya 0" in text_of(client.get("/kotak-masuk?tab=available").text)
    assert queries.inbox_overview("kasubag_tu").counts == {"mine": 0, "available": 0, "overdue": 0}


def test_other_pages_read_the_signed_in_user_alone(alur, client):
    """SQLite: the user's statement of a page other than the inbox runs alone, outside a transaction (no
    BEGIN, so no write lock either); one statement is its own snapshot."""
    login(client, "kasubag_tu")
    client.get("/notifikasi")
    with driver_statements(alur) as seen:
        assert client.get("/notifikasi").status_code == 200
    at = next(n for n, sql in enumerate(seen) if sql.startswith(STATEMENTS["user"]))
    assert at == 0 or seen[at - 1] != "BEGIN", seen[max(0, at - 1):at + 2]


def test_the_search_asked_for_is_parsed_once_for_the_user_read_and_the_page(alur, client, monkeypatch):
    from web import inbox

    login(client, "kasubag_tu")
    client.get("/kotak-masuk")  # the user's authority seen: the next page is read with the user
    parsed = []
    monkeypatch.setattr(inbox, "page_search", lambda *args: parsed.append(args) or page_search(*args))
    assert client.get("/kotak-masuk?tab=available&q=jaringan").status_code == 200
    assert len(parsed) == 1
