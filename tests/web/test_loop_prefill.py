"""A loop's next pass: the form carries the step's earlier answers, marked as carried, never its dates;
one action empties what was carried."""
from __future__ import annotations

from typing import Any

from audit_web_helpers import REVIEW_STEPS, finished_review
from web_helpers import login, text_of

from engine.accounts.tokens import TokenService
from engine.bootstrap import Alur


def sent_back_review(alur: Alur, clock: Any) -> tuple[int, Any]:
    """The yearly review after its first two steps: sent back, its first step open a second time."""
    steps = list(REVIEW_STEPS)
    REVIEW_STEPS[:] = steps[:2]
    try:
        case = finished_review(alur, clock)
    finally:
        REVIEW_STEPS[:] = steps
    [task] = alur.queries.open_tasks(case)
    return case, task


def test_the_second_pass_marks_carried_values_and_never_carries_dates(alur, client, clock):
    case, task = sent_back_review(alur, clock)
    [first] = [t for t in alur.queries.case_tasks(case) if t.element_id == "tar_01" and t.data]
    assert first.data["tanggal_tinjau"]  # the first pass had a date
    login(client, "pengelola_ti")
    html = client.get(f"/tugas/{task.task_id}").text
    page = text_of(html)
    assert "disalin dari pengerjaan langkah ini sebelumnya" in page and "tanggal tidak disalin" in page
    # the date is empty; the table, the text and the document are carried and each says so
    assert 'name="tanggal_tinjau" value=""' in html
    assert 'id="field-tanggal_tinjau"' in html and "is-carried" not in html.split('id="field-tanggal_tinjau"')[0][-80:]
    for name in ("daftar_server_ditinjau", "dokumen_daftar_aset_register_server"):
        block = html.split(f'id="field-{name}"')[0][-120:]
        assert "is-carried" in block, name
    assert page.count("dari putaran ke-1") >= 2
    document = first.data["dokumen_daftar_aset_register_server"]
    assert f'name="dokumen_daftar_aset_register_server__current" value="{document}"' in html
    # the API says the same: what is carried, from which pass; no date in the prefill
    secret = TokenService(alur.sessions, alur.users).issue("pengelola_ti", "uji", actor="pengelola_ti").token
    body = client.get(f"/api/v1/tasks/{task.task_id}", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert "tanggal_tinjau" not in body["prefill"]
    assert body["carried"] == {key: 1 for key in body["prefill"]} and "daftar_server_ditinjau" in body["carried"]


def test_one_action_empties_the_carried_values(alur, client, clock):
    _case, task = sent_back_review(alur, clock)
    login(client, "pengelola_ti")
    html = client.get(f"/tugas/{task.task_id}").text
    assert f'href="/tugas/{task.task_id}?bawaan=kosong"' in html
    cleared = client.get(f"/tugas/{task.task_id}?bawaan=kosong").text
    assert "dari putaran ke-" not in cleared and "is-carried" not in cleared
    assert "Isian dari putaran sebelumnya dikosongkan." in text_of(cleared)
    assert "dokumen_daftar_aset_register_server__current" not in cleared
    assert 'id="f-daftar_server_ditinjau-0-catatan" name="daftar_server_ditinjau-0-catatan" value=""' in cleared


def test_a_first_pass_has_nothing_carried(alur, client, clock):
    case = alur.runner.start_case("tinjau_aset_register_server", "pengelola_ti", "TAR/1").instance_id
    [task] = alur.queries.open_tasks(case)
    login(client, "pengelola_ti")
    html = client.get(f"/tugas/{task.task_id}").text
    assert "carried-note" not in html and "dari putaran ke-" not in html
    assert alur.cases.task_page(task.task_id, "pengelola_ti").carried == {}
