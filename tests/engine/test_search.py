"""Search and sorting of the inbox and the case list, over the search index (case_term)."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from engine_helpers import add_users

from engine.accounts.saved_filters import MAX_SAVED_FILTERS
from engine.errors import Conflict, InvalidInput, InvalidSearch, NotFound
from engine.reading import queries, search_statements
from engine.reading.search import Search, parse_search


@pytest.fixture(params=["cases_first", "rows_first"])
def searching(request, alur, monkeypatch):
    """Alur with the loop model and its users; each test runs with both ways a search can run."""
    if request.param == "rows_first":
        monkeypatch.setattr(search_statements, "CASES_FIRST_MAX", -1)
    add_users(alur)
    alur.deployer.deploy_file(alur.settings.processes_dir / "uji_loop.bpmn", "pemilik")
    return alur


def submit_report(alur, case_id: int, data: dict) -> None:
    task = alur.queries.open_tasks(case_id)[0]
    alur.runner.complete_task(task.task_id, task.assignee or "pengelola", data)


def start_reported_case(alur, business_key: str | None, data: dict, actor: str = "pengelola") -> int:
    case_id = alur.runner.start_case("uji_loop", actor, business_key).instance_id
    submit_report(alur, case_id, data)
    return case_id


def found_cases(alur, user: str = "pengawas", **params) -> list[int]:
    page = alur.queries.visible_cases(user, search=parse_search(params, "cases"))
    return [c.instance_id for c in page.items]


def found_tasks(alur, user: str = "pengawas", tab: str = "available", **params) -> list[int]:
    overview = alur.queries.inbox_overview(user, tab, search=parse_search(params, "inbox"))
    return [t.instance_id for t in overview.page.items]


def test_search_finds_a_case_by_its_business_key_or_letter_number(searching):
    alur = searching
    by_key = start_reported_case(alur, "045/123/TIK/2026", {"uraian": "Jaringan putus"})
    by_letter = start_reported_case(alur, None, {"uraian": "Server mati", "nomor_surat": "800/77/Dinkes-2026"})
    start_reported_case(alur, "999/1/X", {"uraian": "Lain"})
    assert found_cases(alur, reference="045/123/TIK/2026") == [by_key]
    assert found_cases(alur, reference="045.123 tik") == [by_key]  # its beginning, punctuation aside
    assert found_cases(alur, reference="800/77/DINKES") == [by_letter]
    assert found_tasks(alur, reference="800/77") == [by_letter]
    assert found_cases(alur, reference="046") == []
    assert alur.queries.visible_cases("pengawas", search=Search(reference="800/77")).items[0].letter_number \
        == "800/77/Dinkes-2026"


def test_search_finds_a_case_by_a_word_in_a_form_field(searching):
    alur = searching
    wanted = start_reported_case(alur, "A/1", {"uraian": "Switch di Gedung Kesehatan rusak parah"})
    other = start_reported_case(alur, "A/2", {"uraian": "Switch di lantai dua"})
    assert found_cases(alur, q="kesehatan") == [wanted]
    assert found_cases(alur, q="SWITCH rusak") == [wanted]  # every word, any case
    assert found_cases(alur, q="switch") == [other, wanted]  # newest first
    assert found_tasks(alur, q="gedung") == [wanted]
    assert found_cases(alur, q="kesehatan lantai") == []
    assert found_cases(alur, q="kese") == []  # whole words


def test_words_are_folded_and_every_step_adds_its_words(searching):
    alur = searching
    case_id = start_reported_case(alur, "B/1", {"uraian": "Perbaikan café"})
    task = alur.queries.open_tasks(case_id)[0]
    alur.runner.complete_task(task.task_id, "pengawas", {"disetujui": False, "catatan_periksa": "Ulangi ÉNTRI"})
    assert found_cases(alur, q="cafe") == [case_id]
    assert found_cases(alur, q="entri") == [case_id]
    assert found_cases(alur, q="perbaikan entri") == [case_id]  # words of two steps


def test_opd_and_performer_narrow_the_cases(searching):
    alur = searching
    health = start_reported_case(alur, "C/1", {"uraian": "x1", "opd_pemohon": "Dinas Kesehatan"})
    finance = start_reported_case(alur, "C/2", {"uraian": "x2", "opd_pemohon": "Badan Keuangan Daerah"},
                                  actor="pengelola2")
    assert found_cases(alur, opd="kesehatan") == [health]
    assert found_cases(alur, opd="dinas kesehatan") == [health]
    assert found_cases(alur, opd="daerah keuangan") == [finance]
    assert found_cases(alur, performer="pengelola2") == [finance]
    assert found_cases(alur, performer="pengelola", opd="kesehatan") == [health]
    summary = alur.queries.visible_cases("pengawas", search=Search(opd="keuangan")).items[0]
    assert summary.opd == "Badan Keuangan Daerah"


def test_state_dates_and_sort_narrow_and_order_the_inbox(searching, clock):
    alur = searching
    first = start_reported_case(alur, "D/1", {"uraian": "satu"})
    clock.advance(days=7)
    second = start_reported_case(alur, "D/2", {"uraian": "dua"})
    assert found_tasks(alur) == [first, second]  # soonest due first
    assert found_tasks(alur, sort="-due") == [second, first]
    assert found_tasks(alur, sort="-created") == [second, first]
    assert found_tasks(alur, sort="case") == [first, second]
    due = alur.queries.open_tasks(second)[0].due_at.date()
    assert found_tasks(alur, **{"from": due.isoformat()}) == [second]
    assert found_tasks(alur, to=(due.replace(day=due.day - 1)).isoformat()) == [first]
    assert found_tasks(alur, state="claimed") == []
    assert found_tasks(alur, tab="mine", q="satu") == []


def test_the_case_list_keeps_who_may_read_a_case(searching):
    alur = searching
    case_id = start_reported_case(alur, "E/1", {"uraian": "rahasia kecil"})
    assert found_cases(alur, user="pengawas", q="rahasia") == [case_id]  # its task is the pengawas's
    assert found_cases(alur, user="pemeriksa", q="rahasia") == []  # no part in it
    assert found_cases(alur, user="pengelola", q="rahasia") == [case_id]  # started it


def test_counts_stop_at_the_cap_and_sorting_pages_the_case_list(searching, monkeypatch):
    alur = searching
    monkeypatch.setattr(search_statements, "COUNT_CAP", 2)
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    ids = [start_reported_case(alur, f"F/{n}", {"uraian": "sama"}) for n in range(4)]
    page = alur.queries.visible_cases("pengawas", search=Search(text="sama", sort="id"), per_page=2)
    assert [c.instance_id for c in page.items] == ids[:2]
    assert page.capped
    monkeypatch.setattr(search_statements, "SAVED_COUNT_CAP", 1)  # a saved filter's badge stops sooner
    counts = alur.queries.inbox_search_counts("pengawas", [("available", Search(text="sama")),
                                                           ("available", Search(text="tidakada"))])
    assert counts == [2, 0]


def test_pages_past_the_count_cap_and_past_the_end_keep_their_rows_and_totals(searching, monkeypatch, clock):
    alur = searching
    monkeypatch.setattr(search_statements, "COUNT_CAP", 2)
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    ids = []
    for n in range(4):
        ids.append(start_reported_case(alur, f"P/{n}", {"uraian": "halaman"}))
        clock.advance(hours=1)

    def tasks(page: int) -> tuple[list[int], int, bool]:
        shown = alur.queries.inbox_overview("pengawas", "available", search=Search(text="halaman"), page=page,
                                            per_page=1).page
        return [t.instance_id for t in shown.items], shown.total, shown.capped

    def cases(page: int, per_page: int) -> tuple[list[int], int, bool]:
        shown = alur.queries.visible_cases("pengawas", search=Search(text="halaman", sort="id"), page=page,
                                           per_page=per_page)
        return [c.instance_id for c in shown.items], shown.total, shown.capped

    assert [tasks(n) for n in range(1, 6)] == [([i], 2, True) for i in ids] + [([], 2, True)]
    assert [cases(n, 3) for n in range(1, 4)] == [(ids[:3], 2, True), (ids[3:], 2, True), ([], 2, True)]
    assert cases(1, 10) == (ids, 2, True)
    assert alur.queries.visible_cases("pengawas", search=Search(text="tidakada")).total == 0
    assert alur.queries.inbox_overview("pengawas", "available", search=Search(text="halaman", state="claimed")) \
        .page.total == 0


def test_saved_filters_counted_together_count_as_each_search_alone(searching, clock):
    alur = searching
    start_reported_case(alur, "G/1", {"uraian": "merah biru"})
    start_reported_case(alur, "G/2", {"uraian": "merah"})
    clock.advance(days=30)  # both overdue
    start_reported_case(alur, "H/1", {"uraian": "biru"})
    searches = [("available", Search(text="merah")), ("available", Search(text="biru")),
                ("overdue", Search(text="biru")), ("available", Search(reference="G/", text="merah")),
                ("mine", Search(text="merah")), ("available", Search(text="hijau")),
                ("available", Search(process_key="uji_loop", text="biru", sort="-created")),
                ("available", Search(process_key="lain", text="merah"))]
    counts = alur.queries.inbox_search_counts("pengawas", searches)
    alone = [alur.queries.inbox_overview("pengawas", tab, search=search).page.total for tab, search in searches]
    assert counts == alone == [2, 2, 1, 2, 0, 0, 2, 0]


@pytest.mark.parametrize(("params", "code", "field"), [
    ({"from": "2026-13-01"}, "invalid_date", "from"),
    ({"to": "kemarin"}, "invalid_date", "to"),
    ({"from": "2026-05-02", "to": "2026-05-01"}, "invalid_date_range", "to"),
    ({"sort": "password"}, "unknown_sort", "sort"),
    ({"sort": "--due"}, "unknown_sort", "sort"),
    ({"q": "x" * 201}, "search_too_long", "q"),
    ({"q": " ".join(f"kata{n}" for n in range(11))}, "search_too_long", "q"),
    ({"state": "completed"}, "unknown_state", "state"),
    ({"performer": "a b"}, "invalid_performer", "performer"),
])
def test_bad_parameters_are_refused_with_a_code(params, code, field):
    with pytest.raises(InvalidSearch) as refused:
        parse_search(params, "inbox")
    assert (refused.value.code, refused.value.context["field"]) == (code, field)


def test_cases_from_before_the_index_are_indexed_once(searching):
    alur = searching
    case_id = start_reported_case(alur, "G/7", {"uraian": "lama sekali", "opd_pemohon": "Dinas Lama",
                                                 "nomor_surat": "123/LAMA"})
    with alur.db.begin() as connection:  # as the schema upgrade leaves a case of before
        connection.execute(text("DELETE FROM case_term"))
        connection.execute(text("UPDATE process_instance SET search_terms = NULL, opd = NULL, letter_number = NULL"))
    assert found_cases(alur, q="lama") == []
    assert alur.search_index.reindex_unindexed(batch=1) == 1
    assert alur.search_index.reindex_unindexed() == 0
    for params in ({"q": "sekali"}, {"opd": "lama"}, {"reference": "123lama"}, {"reference": "G/7"},
                   {"performer": "pengelola"}):
        assert found_cases(alur, **params) == [case_id], params
    assert alur.queries.visible_cases("pengawas").items[0].opd == "Dinas Lama"


def test_saved_filters_are_per_user_named_once_and_limited(alur, clock):
    filters = alur.saved_filters
    first = filters.save("budi", "Dinkes", "available", Search(opd="kesehatan", sort="-created"))
    assert (first.name, first.tab, first.search) == ("Dinkes", "available", Search(opd="kesehatan", sort="-created"))
    with pytest.raises(Conflict):
        filters.save("budi", " dinkes ", "mine", Search())
    filters.save("ani", "Dinkes", "mine", Search(text="x"))  # another user's names are theirs
    for bad in ("", "   ", "x" * 61):
        with pytest.raises(InvalidInput):
            filters.save("budi", bad, "mine", Search())
    with pytest.raises(InvalidInput):
        filters.save("budi", "Tab?", "semua", Search())
    for n in range(MAX_SAVED_FILTERS - 1):
        filters.save("budi", f"F{n}", "mine", Search(text=f"kata{n}"))
    with pytest.raises(InvalidInput):
        filters.save("budi", "Satu lagi", "mine", Search())
    assert filters.rename("budi", first.filter_id, "Kesehatan").name == "Kesehatan"
    with pytest.raises(NotFound):
        filters.rename("ani", first.filter_id, "Punya saya")
    with pytest.raises(NotFound):
        filters.delete("ani", first.filter_id)
    filters.delete("budi", first.filter_id)
    assert len(filters.list("budi")) == MAX_SAVED_FILTERS - 1
    assert [f.name for f in filters.list("ani")] == ["Dinkes"]
