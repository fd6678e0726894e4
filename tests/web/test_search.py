"""Searching and sorting the inbox and the case list in the pages and the API; saved filters as tabs."""
from __future__ import annotations

import re

import pytest
from web_helpers import gjr_01_data, login, open_task, start_network_case, text_of

from engine import parse_search
from engine.accounts.tokens import TokenService


@pytest.fixture
def letters(alur) -> tuple[int, int]:
    """Two SOP-03 cases whose request letters (GJR-01) are in; both wait for Kasubag TU."""
    ids = []
    for key, overrides in (("045/1/26", {"lokasi": "Ruang server lantai 3"}),
                           ("046/2/26", {"opd_pengirim": "Dinas Kesehatan", "nomor_surat_permohonan": "800/9/DINKES",
                                         "lokasi": "Gedung Puskesmas Induk"})):
        case = start_network_case(alur, business_key=key)
        alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan",
                                  {**gjr_01_data(alur), **overrides})
        ids.append(case)
    return ids[0], ids[1]


def case_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/kasus/(\d+)"', html)]


def test_the_inbox_finds_a_case_by_its_letter_number_and_by_a_word_of_its_forms(client, letters):
    first, second = letters
    login(client, "kasubag_tu")
    assert case_numbers(client.get("/kotak-masuk?tab=available&nomor=800/9").text) == [second]
    assert case_numbers(client.get("/kotak-masuk?tab=available&nomor=045%2F1").text) == [first]
    assert case_numbers(client.get("/kotak-masuk?tab=available&q=puskesmas").text) == [second]
    assert case_numbers(client.get("/kotak-masuk?tab=available&opd=pendidikan").text) == [first]
    by_performer = client.get("/kotak-masuk?tab=available&pelaksana=pengguna_jaringan").text
    assert sorted(case_numbers(by_performer)) == [first, second]
    nothing = client.get("/kotak-masuk?tab=available&q=tidakada")
    assert "Tidak ada tugas yang cocok" in text_of(nothing.text)


def test_column_headers_sort_the_inbox_and_say_how(client, letters):
    first, second = letters
    login(client, "kasubag_tu")
    page = client.get("/kotak-masuk?tab=available&urut=-case").text
    assert case_numbers(page) == [second, first]
    assert re.search(r'<th scope="col" aria-sort="descending">\s*<a class="sort-link" href="[^"]*urut=case', page)
    assert case_numbers(client.get("/kotak-masuk?tab=available&urut=case").text) == [first, second]
    assert 'urut=created' in page and 'urut=due' in page


def test_a_saved_filter_is_an_inbox_tab_with_its_count_and_can_be_renamed_and_deleted(alur, client, letters):
    login(client, "kasubag_tu")
    saved = client.post("/kotak-masuk/filter", data={"name": "Surat Dinkes", "tab": "available", "opd": "kesehatan"})
    assert saved.status_code == 302 and "filter=" in saved.location
    page = client.get(saved.location).text
    assert re.search(r'aria-current="page"[^>]*>\s*★ Surat Dinkes <span class="count">1</span>', page)
    assert case_numbers(page) == [letters[1]]
    assert "★ Surat Dinkes" in client.get("/kotak-masuk?tab=mine").text  # on every tab

    again = client.post("/kotak-masuk/filter", data={"name": "surat dinkes", "tab": "mine", "q": "x"},
                        follow_redirects=True)
    assert "sudah ada" in text_of(again.text)
    filter_id = alur.saved_filters.list("kasubag_tu")[0].filter_id
    client.post(f"/kotak-masuk/filter/{filter_id}/nama", data={"name": "Kesehatan"})
    assert [f.name for f in alur.saved_filters.list("kasubag_tu")] == ["Kesehatan"]

    login(client, "kepala_dinas")  # filters are per user
    assert "Kesehatan <span" not in client.get("/kotak-masuk").text
    assert client.post(f"/kotak-masuk/filter/{filter_id}/nama", data={"name": "x"}).status_code == 404
    client.post(f"/kotak-masuk/filter/{filter_id}/hapus")
    assert len(alur.saved_filters.list("kasubag_tu")) == 1

    login(client, "kasubag_tu")
    client.post(f"/kotak-masuk/filter/{filter_id}/hapus")
    assert alur.saved_filters.list("kasubag_tu") == []
    events = [(e.event_type, e.actor) for e in alur.audit_log.events(actor="kasubag_tu").items]
    assert {("saved_filter_created", "kasubag_tu"), ("saved_filter_renamed", "kasubag_tu"),
            ("saved_filter_deleted", "kasubag_tu")} <= set(events)


def test_an_empty_filter_name_is_refused_with_a_message(client, letters):
    login(client, "kasubag_tu")
    refused = client.post("/kotak-masuk/filter", data={"name": "  ", "tab": "available", "q": "puskesmas"},
                          follow_redirects=True)
    assert "Nama filter wajib diisi" in text_of(refused.text)


@pytest.mark.parametrize(("url", "message"), [
    ("/kotak-masuk?dari=2026-99-01", "Tanggal tidak sah"),
    ("/kotak-masuk?dari=2026-05-02&sampai=2026-05-01", "Tanggal akhir lebih awal"),
    ("/kotak-masuk?urut=password", "Kolom urutan tidak dikenal"),
    ("/kotak-masuk?q=" + "x" * 201, "terlalu panjang"),
    ("/kasus?urut=-created", "Kolom urutan tidak dikenal"),
    ("/kasus?status=rusak", "Status tidak dikenal"),
    ("/kasus?sampai=besok", "Tanggal tidak sah"),
])
def test_bad_search_parameters_show_a_message_not_an_error_page(client, letters, url, message):
    login(client, "kasubag_tu")
    response = client.get(url)
    assert response.status_code == 422
    assert message in text_of(response.text)
    assert 'role="search"' in response.text  # the page itself, with its form


def test_the_case_list_searches_sorts_and_shows_letter_numbers_and_opd(client, letters):
    first, second = letters
    login(client, "auditor")
    assert case_numbers(client.get("/kasus?nomor=800%2F9").text) == [second]
    assert case_numbers(client.get("/kasus?nomor=045/1/26").text) == [first]
    assert case_numbers(client.get("/kasus?q=lantai").text) == [first]
    assert case_numbers(client.get("/kasus").text) == [second, first]  # newest first
    page = client.get("/kasus?urut=id").text
    assert case_numbers(page) == [first, second]
    assert "Dinas Kesehatan" in page and "800/9/DINKES" in page
    assert case_numbers(client.get("/kasus?status=completed&q=lantai").text) == []


def test_english_pages_translate_the_search(client, letters):
    login(client, "kasubag_tu")
    page = client.get("/kotak-masuk?tab=available&q=puskesmas&lang=en").text
    assert "Save this filter as" in page and "Search" in page


@pytest.fixture
def token(alur):
    def issue(username: str) -> dict[str, str]:
        secret = TokenService(alur.sessions, alur.users).issue(username, "uji", actor=username).token
        return {"Authorization": f"Bearer {secret}"}
    return issue


def test_the_api_searches_the_inbox_and_the_cases(client, letters, token):
    first, second = letters
    headers = token("kasubag_tu")
    inbox = client.get("/api/v1/inbox?tab=available&q=puskesmas", headers=headers).json
    assert [t["instance_id"] for t in inbox["items"]] == [second] and inbox["total"] == 1
    assert inbox["counts"]["available"] == 2 and inbox["capped"] is False
    inbox = client.get("/api/v1/inbox?tab=available&sort=-case", headers=headers).json
    assert [t["instance_id"] for t in inbox["items"]] == [second, first]
    cases = client.get("/api/v1/cases?reference=800/9", headers=headers).json
    assert [c["instance_id"] for c in cases["items"]] == [second]
    assert cases["items"][0]["opd"] == "Dinas Kesehatan" and cases["items"][0]["letter_number"] == "800/9/DINKES"
    cases = client.get("/api/v1/cases?opd=pendidikan&status=running&sort=started", headers=headers).json
    assert [c["instance_id"] for c in cases["items"]] == [first]


@pytest.mark.parametrize(("url", "code", "field"), [
    ("/api/v1/inbox?from=2026-02-30", "invalid_date", "from"),
    ("/api/v1/inbox?from=2026-05-02&to=2026-05-01", "invalid_date_range", "to"),
    ("/api/v1/inbox?sort=role", "unknown_sort", "sort"),
    ("/api/v1/inbox?state=completed", "unknown_state", "state"),
    ("/api/v1/inbox?opd=" + "y" * 201, "search_too_long", "opd"),
    ("/api/v1/cases?to=yesterday", "invalid_date", "to"),
    ("/api/v1/cases?sort=-name", "unknown_sort", "sort"),
    ("/api/v1/cases?status=open", "unknown_state", "state"),
    ("/api/v1/cases?q=" + "%20".join(f"kata{n}" for n in range(11)), "search_too_long", "q"),
    ("/api/v1/cases?performer=a%20b", "invalid_performer", "performer"),
])
def test_bad_api_search_parameters_are_422_with_a_stable_code(client, token, url, code, field):
    response = client.get(url, headers=token("kasubag_tu"))
    assert response.status_code == 422
    assert (response.json["error"]["code"], response.json["error"]["field"]) == (code, field)


def test_saved_filters_cost_three_statements_however_many_and_a_page_without_any_none(alur, client, letters):
    from sqlalchemy import event
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    login(client, "kasubag_tu")
    client.get("/kotak-masuk")  # warm the caches
    event.listen(alur.db, "before_cursor_execute", record)
    client.get("/kotak-masuk")
    without = len(seen)
    alur.saved_filters.save("kasubag_tu", "Dinkes", "available", parse_search({"opd": "kesehatan"}, "inbox"))
    seen.clear()
    client.get("/kotak-masuk")
    one = len(seen)
    alur.saved_filters.save("kasubag_tu", "Jaringan", "mine", parse_search({"q": "jaringan", "sort": "-due"}, "inbox"))
    alur.saved_filters.save("kasubag_tu", "Lama", "overdue", parse_search({"reference": "800"}, "inbox"))
    seen.clear()
    client.get("/kotak-masuk")
    event.remove(alur.db, "before_cursor_execute", record)
    assert without <= 4
    assert one == without + 3  # the list, then the filters' plans, then their counts
    assert len(seen) == one
