"""Stand-ins (Plh/Plt) in the web app and the API: the page and its errors, the mark in the stand-in's
inbox (with no extra statement), both names on the case page, the leave page, and the API's stable codes.

The demo accounts: the Kabid is ``pejabat_administrator_tik``, the Kepala Dinas (his supervisor)
``kepala_dinas``, the stand-in the Kasi Infrastruktur ``pengawas_infrastruktur_tik`` (FakeClock: Monday
23 Nov 2026)."""
from __future__ import annotations

from typing import Any

import pytest
from test_request_statements import _queries, statements
from web_helpers import filled_form, login, logout, text_of

from engine.accounts.tokens import TokenService

KABID, KADIS, KASI = "pejabat_administrator_tik", "kepala_dinas", "pengawas_infrastruktur_tik"
BASIS = "800.1.6/77/Diskominfo/2026"
FORM = {"jenis": "plh", "pejabat": KABID, "pelaksana": KASI, "dari": "2026-11-23", "sampai": "2026-11-30",
        "dasar": BASIS}


def kabid_disposition(alur: Any) -> Any:
    """SOP-01 up to GDB-02, waiting in the Kabid's pool."""
    case = alur.runner.start_case("sop_gangguan_database", "pengelola_ti", "GDB/7").instance_id
    first = alur.queries.open_tasks(case)[0]
    alur.runner.complete_task(first.task_id, "pengelola_ti", filled_form(alur, first, "pengelola_ti"))
    return alur.queries.open_tasks(case)[0]


@pytest.fixture
def token(alur):
    def issue(username: str) -> dict[str, str]:
        secret = TokenService(alur.sessions, alur.users).issue(username, "uji", actor=username).token
        return {"Authorization": f"Bearer {secret}"}
    return issue


def test_the_kadis_appoints_a_plh_and_the_kabids_work_shows_in_the_stand_ins_inbox(alur, client):
    task = kabid_disposition(alur)
    login(client, KADIS)
    page = text_of(client.get("/mandat").text)
    assert "Tunjuk Plh/Plt" in page and "Belum ada mandat." in page
    response = client.post("/mandat", data=FORM)
    assert response.status_code == 302
    assert "Plh. untuk pejabat_administrator_tik ditunjuk" in text_of(client.get("/mandat").text)
    logout(client)

    login(client, KASI)
    client.get("/kotak-masuk?tab=available")  # warm the caches
    with statements(alur) as seen:
        inbox = client.get("/kotak-masuk?tab=available")
    assert inbox.status_code == 200
    assert len(_queries(seen)) <= 4, seen  # the mandate is read with the signed-in user
    assert "Plh. Kabid TIK (demo)" in text_of(inbox.text) and task.name in inbox.text
    assert "Plh/Plt" in text_of(client.get("/kotak-masuk").text)  # the menu, for a stand-in

    form = client.get(f"/tugas/{task.task_id}")
    assert "Anda mengerjakan langkah ini sebagai Plh. Kepala Bidang TIK, atas nama Kabid TIK (demo)" in \
        text_of(form.text)
    alur.runner.complete_task(task.task_id, KASI, filled_form(alur, task, KASI))
    case = text_of(client.get(f"/kasus/{task.instance_id}").text).replace(" ,", ",")  # tags became spaces
    assert ("Plh. Kepala Bidang TIK: Kasi Infrastruktur TIK (demo), atas nama Kabid TIK (demo)") in case
    assert f"sebagai Plh. atas nama Kabid TIK (demo), surat {BASIS}" in case


def test_appointing_needs_the_admin_or_a_supervisor(alur, client):
    login(client, "pengelola_ti")
    page = client.get("/mandat")
    assert page.status_code == 200 and "Tunjuk Plh/Plt" not in page.text
    refused = client.post("/mandat", data=FORM)
    assert refused.status_code == 403 and "Hanya Admin Sistem atau atasan pejabat" in text_of(refused.text)
    assert alur.mandates.list_mandates(None) == []
    login(client, "admin_sistem")
    assert client.post("/mandat", data=FORM).status_code == 302


@pytest.mark.parametrize(("changes", "status", "message"), [
    ({"jenis": "wakil"}, 422, "Jenis mandat harus Plh atau Plt"),
    ({"pelaksana": KABID}, 422, "tidak boleh orang yang sama"),
    ({"dasar": " "}, 422, "Nomor surat penunjukan wajib diisi"),
    ({"dari": "2026-12-01", "sampai": "2026-11-30"}, 422, "Tanggal mulai tidak boleh sesudah tanggal selesai"),
    ({"sampai": "30/11/2026"}, 422, "Tanggal tidak valid"),
    ({"pelaksana": "siapa"}, 404, "tidak ditemukan"),
])
def test_a_refused_appointment_keeps_the_form(alur, client, changes, status, message):
    login(client, KADIS)
    response = client.post("/mandat", data={**FORM, **changes})
    assert response.status_code == status and message in text_of(response.text)
    assert f'value="{BASIS}"' in response.text or changes.get("dasar")
    assert alur.mandates.list_mandates(None) == []


def test_an_overlapping_appointment_is_refused_and_a_mandate_ended_on_the_page(alur, client):
    login(client, KADIS)
    client.post("/mandat", data=FORM)
    clash = client.post("/mandat", data={**FORM, "pelaksana": "pengawas_data_integrasi", "dari": "2026-11-30"})
    assert clash.status_code == 409 and "sudah memiliki Plh." in text_of(clash.text)
    mandate = alur.mandates.list_mandates(None)[0]
    ended = client.post(f"/mandat/{mandate.mandate_id}/akhiri", data={"alasan": "Kabid kembali"})
    assert ended.status_code == 302
    page = text_of(client.get("/mandat").text)
    assert "Berakhir" in page and "Kabid kembali" in page
    assert client.post(f"/mandat/{mandate.mandate_id}/akhiri").status_code == 409


def test_the_page_in_english(alur, client):
    login(client, KADIS)
    page = text_of(client.get("/mandat?lang=en").text)
    assert "Appoint a Plh/Plt" in page and "Appointment letter number" in page


def test_mandates_through_the_api_with_stable_codes(alur, client, token):
    kadis, kasi = token(KADIS), token(KASI)
    body = {"kind": "plh", "absent": KABID, "stand_in": KASI, "from": "2026-11-23", "to": "2026-11-30",
            "basis": BASIS}
    created = client.post("/api/v1/mandates", json=body, headers=kadis)
    assert created.status_code == 201, created.json
    expected = {"kind": "plh", "label": "Plh.", "absent": KABID, "stand_in": KASI, "from_day": "2026-11-23",
                "to_day": "2026-11-30", "status": "running", "basis": BASIS}
    assert {key: created.json[key] for key in expected} == expected
    for changes, status, code in (
            ({}, 409, "mandate_overlap"),
            ({"kind": "x"}, 422, "mandate_kind_invalid"),
            ({"stand_in": KABID}, 422, "mandate_same_person"),
            ({"basis": ""}, 422, "mandate_basis_required"),
            ({"from": "2026-12-09", "to": "2026-12-01"}, 422, "mandate_period_invalid"),
            ({"from": "kemarin"}, 422, "mandate_period_invalid"),
            ({"absent": "admin_sistem"}, 403, "permission_denied"),  # the Kadis does not supervise the admin
            ({"absent": "siapa"}, 404, "user_not_found")):
        refused = client.post("/api/v1/mandates", json={**body, **changes}, headers=kadis)
        assert (refused.status_code, refused.json["error"]["code"]) == (status, code), changes
    assert client.post("/api/v1/mandates", json=[1], headers=kadis).json["error"]["code"] == "invalid_input"
    admin = token("admin_sistem")
    grants_nothing = client.post("/api/v1/mandates", json={**body, "absent": "auditor"}, headers=admin)
    assert (grants_nothing.status_code, grants_nothing.json["error"]["code"]) == (422, "mandate_grants_nothing")

    listed = client.get("/api/v1/mandates", headers=kasi).json["items"]
    assert [m["mandate_id"] for m in listed] == [created.json["mandate_id"]]
    assert client.get("/api/v1/mandates?status=ended", headers=kasi).json["items"] == []
    assert client.get("/api/v1/mandates?status=x", headers=kasi).status_code == 422
    assert client.get("/api/v1/mandates", headers=token("opd_pemohon")).json["items"] == []

    own = alur.runner.start_case("sop_pengelolaan_data", KABID, "PDT/9")
    inbox = client.get("/api/v1/inbox?tab=mine", headers=kasi).json
    assert inbox["items"][0]["acting_for"] == {"mandate_id": created.json["mandate_id"], "kind": "plh",
                                               "absent": KABID, "absent_name": "Kabid TIK (demo)"}
    assert inbox["items"][0]["instance_id"] == own.instance_id

    url = f"/api/v1/mandates/{created.json['mandate_id']}/end"
    assert client.post(url, json={}, headers=kasi).json["error"]["code"] == "permission_denied"
    ended = client.post(url, json={"reason": "kembali"}, headers=kadis)
    assert (ended.status_code, ended.json["status"], ended.json["end_reason"]) == (200, "ended", "kembali")
    assert client.post(url, headers=kadis).json["error"]["code"] == "mandate_already_ended"
    assert client.post("/api/v1/mandates/99/end", headers=kadis).json["error"]["code"] == "mandate_not_found"
    assert client.get("/api/v1/inbox?tab=mine", headers=kasi).json["items"] == []


def test_leave_page_and_api_are_the_admins(alur, client, token):
    login(client, "pengelola_ti")
    assert client.get("/admin/cuti").status_code == 403
    logout(client)
    login(client, "admin_sistem")
    added = client.post("/admin/cuti", data={"pengguna": KABID, "dari": "2026-11-30", "sampai": "2026-12-08",
                                             "keterangan": "Cuti tahunan"})
    assert added.status_code == 302
    page = text_of(client.get("/admin/cuti").text)
    assert "Cuti tahunan" in page and "Kabid TIK (demo)" in page
    bad = client.post("/admin/cuti", data={"pengguna": KABID, "dari": "2026-12-08", "sampai": "2026-11-30"})
    assert bad.status_code == 422 and "Tanggal mulai cuti" in text_of(bad.text)

    alur.scheduling.run_due(alur.clock())
    notices = alur.notifications.list(KADIS)
    assert [n.kind for n in notices] == ["leave_without_mandate"]
    logout(client)
    login(client, KADIS)
    assert "Tunjuk Plh/Plt" in text_of(client.get("/notifikasi").text)

    admin = token("admin_sistem")
    listed = client.get("/api/v1/leaves", headers=admin).json["items"]
    assert [(item["username"], item["working_days"]) for item in listed] == [(KABID, 7)]
    assert listed[0]["reminded_at"] is not None
    assert client.get("/api/v1/leaves", headers=token(KASI)).json["items"] == []  # only one's own
    created = client.post("/api/v1/leaves", json={"username": KASI, "from": "2026-12-01", "to": "2026-12-02"},
                          headers=admin)
    assert created.status_code == 201 and created.json["working_days"] == 2
    refused = client.post("/api/v1/leaves", json={"username": KASI, "from": "x", "to": "2026-12-02"},
                          headers=admin)
    assert (refused.status_code, refused.json["error"]["code"], refused.json["error"]["field"]) == \
        (422, "leave_invalid", "from")
    assert client.post("/api/v1/leaves", json={"username": KASI, "from": "2026-12-01", "to": "2026-12-02"},
                       headers=token(KADIS)).json["error"]["code"] == "permission_denied"
    assert client.delete(f"/api/v1/leaves/{created.json['leave_id']}", headers=admin).status_code == 204
    assert client.delete(f"/api/v1/leaves/{created.json['leave_id']}", headers=admin).json["error"]["code"] == \
        "leave_not_found"
