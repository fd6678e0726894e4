"""Drafts on the task page and in the API: saved as one types and on demand, restored on reopening,
never lost on a 409, a validation error or an oversized request; private; each bad input refused."""
from __future__ import annotations

import io
import json
import re

import pytest
from web_helpers import PDF, gjr_01_data, gjr_01_form, login, open_task, start_network_case, text_of, upload

from engine.accounts.tokens import TokenService
from engine.runtime.drafts import MAX_DRAFT_BYTES

AUTOSAVE = {"Accept": "application/json"}


def agenda_task(alur):
    """Kasubag TU's agenda step (gjr_02a), waiting in the role's pool; a second holder, tu2."""
    alur.users.add_user("tu2", "TU Dua", "rahasia-uji-123", {"kasubag_tu"})
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    return open_task(alur, case, "gjr_02a")


def agenda_data(alur, actor: str, nomor: str) -> dict:
    return {"nomor_agenda": nomor, "kode_klasifikasi_arsip": "555", "tanggal_terima": "2026-11-23T09:00:00+08:00",
            "sifat": "biasa", "diteruskan_ke_kepala_dinas": "kepala_dinas",
            "dokumen_surat_teragenda": upload(alur, actor=actor)}


def value_of(html: str, name: str) -> str | None:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    return found.group(1) if found else None


@pytest.fixture
def token(alur):
    def issue(username: str) -> dict[str, str]:
        secret = TokenService(alur.sessions, alur.users).issue(username, "uji", actor=username).token
        return {"Authorization": f"Bearer {secret}"}
    return issue


# -- the task page ------------------------------------------------------------------------------

def test_autosave_keeps_the_values_as_typed_and_reopening_restores_them_with_a_note(alur, client):
    task = agenda_task(alur)
    login(client, "kasubag_tu")
    response = client.post(f"/tugas/{task.task_id}/draf", headers=AUTOSAVE,
                           data={"nomor_agenda": "AG/77", "tanggal_terima": "2026-11-23T09:15", "sifat": "biasa",
                                 "ref_srikandi": "nggak tahu <b>", "expected_version": "1"})
    assert response.status_code == 200 and response.json["saved_at_text"].endswith("WITA")
    draft = alur.drafts.get(task.task_id, "kasubag_tu")
    assert draft.data["nomor_agenda"] == "AG/77" and draft.data["tanggal_terima"] == "2026-11-23T09:15:00+08:00"
    page = client.get(f"/tugas/{task.task_id}").text
    assert value_of(page, "nomor_agenda") == "AG/77" and value_of(page, "tanggal_terima") == "2026-11-23T09:15"
    assert value_of(page, "ref_srikandi") == "nggak tahu &lt;b&gt;"
    assert re.search(r'name="sifat" value="biasa" id="f-sifat-1" checked', page)
    note = text_of(page)
    assert "Draf tersimpan Sen, 23 Nov 2026 08.30 WITA." in note and "Buang draf" in note
    assert 'data-draft-url="/tugas/' in page and "Simpan draf" in page
    discarded = client.post(f"/tugas/{task.task_id}/draf/hapus", follow_redirects=True)
    assert "Draf dibuang" in discarded.text and value_of(discarded.text, "nomor_agenda") == ""
    assert alur.drafts.get(task.task_id, "kasubag_tu") is None


def test_simpan_draf_stores_the_document_and_comes_back_to_the_page(alur, client):
    case = start_network_case(alur)
    task = open_task(alur, case)
    login(client, "pengguna_jaringan")
    form = gjr_01_form(hal="", jumlah_pengguna_terdampak="dua belas")
    response = client.post(f"/tugas/{task.task_id}/draf", data=form, content_type="multipart/form-data")
    assert response.status_code == 302 and response.location == f"/tugas/{task.task_id}"
    page = client.get(f"/tugas/{task.task_id}").text
    assert "Draf tersimpan" in text_of(page)
    assert value_of(page, "jumlah_pengguna_terdampak") == "dua belas"  # kept as typed, checked on submit
    assert "surat permohonan.pdf" in page and value_of(page, "dokumen_surat_permohonan__current")
    assert alur.queries.task(task.task_id).state == "claimed"  # nothing was submitted


def test_simpan_draf_with_a_refused_file_keeps_the_rest_and_says_which(alur, client):
    task = open_task(alur, start_network_case(alur))
    login(client, "pengguna_jaringan")
    form = gjr_01_form(dokumen_surat_permohonan=(io.BytesIO(b"MZ\x90\x00"), "virus.exe"))
    response = client.post(f"/tugas/{task.task_id}/draf", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Draf tersimpan, kecuali berkas yang ditandai" in text_of(response.text)
    assert "Jenis berkas .exe tidak diizinkan" in response.text
    assert alur.drafts.get(task.task_id, "pengguna_jaringan").data["opd_pengirim"] == "Dinas Pendidikan"


def test_a_validation_error_keeps_the_submission_as_a_draft(alur, client):
    task = open_task(alur, start_network_case(alur))
    login(client, "pengguna_jaringan")
    form = gjr_01_form(opd_pengirim="", lokasi="Gedung B")
    assert client.post(f"/tugas/{task.task_id}", data=form, content_type="multipart/form-data").status_code == 422
    draft = alur.drafts.get(task.task_id, "pengguna_jaringan")
    assert draft.data["lokasi"] == "Gedung B" and "opd_pengirim" not in draft.data
    reopened = client.get(f"/tugas/{task.task_id}").text  # e.g. the next morning
    assert value_of(reopened, "lokasi") == "Gedung B" and "surat permohonan.pdf" in reopened


def test_a_colleague_claiming_first_is_a_409_that_keeps_what_was_typed(alur, client):
    task = agenda_task(alur)
    login(client, "kasubag_tu")
    alur.runner.claim_task(task.task_id, "tu2")
    response = client.post(f"/tugas/{task.task_id}", data={"nomor_agenda": "AG/9", "expected_version": "1"})
    assert response.status_code == 409
    page = text_of(response.text)
    assert "Kiriman ini tidak disimpan" in page and "sedang dikerjakan oleh TU Dua" in page
    assert "Isian Anda yang belum terkirim" in page and "AG/9" in page
    assert alur.drafts.get(task.task_id, "kasubag_tu").data["nomor_agenda"] == "AG/9"
    alur.runner.unclaim_task(task.task_id, "tu2")  # back in the pool: the form opens with the draft
    assert value_of(client.get(f"/tugas/{task.task_id}").text, "nomor_agenda") == "AG/9"


def test_a_stale_form_is_a_409_with_the_values_back_in_the_form(alur, client):
    task = agenda_task(alur)
    login(client, "kasubag_tu")
    alur.runner.claim_task(task.task_id, "tu2")
    alur.runner.unclaim_task(task.task_id, "tu2")  # version 3 now
    response = client.post(f"/tugas/{task.task_id}", data={"nomor_agenda": "AG/10", "expected_version": "1"})
    assert response.status_code == 409 and "sudah berubah" in text_of(response.text)
    assert value_of(response.text, "nomor_agenda") == "AG/10"
    assert value_of(response.text, "expected_version") == "3"  # a resubmission is taken
    assert alur.drafts.get(task.task_id, "kasubag_tu").data["nomor_agenda"] == "AG/10"


def test_a_colleague_completing_first_is_a_409_and_the_draft_stays_readable(alur, client):
    task = agenda_task(alur)
    login(client, "kasubag_tu")
    client.post(f"/tugas/{task.task_id}/draf", headers=AUTOSAVE, data={"nomor_agenda": "AG/11"})
    alur.runner.complete_task(task.task_id, "tu2", agenda_data(alur, "tu2", "AG/dari-rekan"))
    response = client.post(f"/tugas/{task.task_id}", data={"nomor_agenda": "AG/12", "expected_version": "1"})
    assert response.status_code == 409
    page = text_of(response.text)
    assert "sudah diselesaikan oleh TU Dua" in page and "AG/12" in page
    assert f'href="/tugas/{task.task_id}"' in response.text
    later = text_of(client.get(f"/tugas/{task.task_id}").text)  # the autosaved draft, read only
    assert "Isian Anda yang belum terkirim" in later and "AG/11" in later and "Buang draf" in later
    assert "AG/11" not in text_of(client.get(f"/kasus/{task.instance_id}").text)  # never on the case page
    client.post(f"/tugas/{task.task_id}/draf/hapus")
    assert "AG/11" not in text_of(client.get(f"/tugas/{task.task_id}").text)


def test_simpan_draf_after_a_colleague_completed_shows_what_was_typed(alur, client):
    task = agenda_task(alur)
    login(client, "kasubag_tu")
    alur.runner.complete_task(task.task_id, "tu2", agenda_data(alur, "tu2", "AG/rekan"))
    response = client.post(f"/tugas/{task.task_id}/draf", data={"nomor_agenda": "AG/13"})
    assert response.status_code == 409
    page = text_of(response.text)
    assert "sudah diselesaikan" in page and "Isian Anda yang belum terkirim" in page and "AG/13" in page


def test_simpan_draf_over_the_draft_limit_keeps_the_values_in_the_form(alur, client):
    task = agenda_task(alur)
    login(client, "kasubag_tu")
    response = client.post(f"/tugas/{task.task_id}/draf", data={"nomor_agenda": "AG/14",
                                                                "catatan": "x" * MAX_DRAFT_BYTES})
    assert response.status_code == 413
    assert "Draf tidak disimpan. Draf terlalu besar (maksimal 1 MB)" in text_of(response.text)
    assert value_of(response.text, "nomor_agenda") == "AG/14"


def test_a_draft_is_never_shown_to_a_colleague(alur, app, client):
    task = agenda_task(alur)
    login(client, "kasubag_tu")
    client.post(f"/tugas/{task.task_id}/draf", headers=AUTOSAVE, data={"nomor_agenda": "AG/rahasia"})
    colleague = app.test_client()
    login(colleague, "tu2", "rahasia-uji-123")
    page = colleague.get(f"/tugas/{task.task_id}").text
    assert "AG/rahasia" not in page and 'id="draft-note"' not in page
    auditor = app.test_client()
    login(auditor, "auditor")
    assert "AG/rahasia" not in auditor.get(f"/kasus/{task.instance_id}").text
    assert "AG/rahasia" not in auditor.get(f"/tugas/{task.task_id}").text


def test_an_oversized_request_brings_the_form_back_from_the_draft(alur, app_factory):
    client = app_factory(MAX_CONTENT_LENGTH=8192).test_client()
    task = open_task(alur, start_network_case(alur))
    login(client, "pengguna_jaringan")
    def huge() -> dict:
        return gjr_01_form(dokumen_surat_permohonan=(io.BytesIO(PDF + b"0" * 10000), "besar.pdf"))
    response = client.post(f"/tugas/{task.task_id}", data=huge(), content_type="multipart/form-data")
    assert response.status_code == 413
    page = text_of(response.text)
    assert "Berkas terlalu besar: kiriman melebihi batas" in page and "Belum ada draf tersimpan" in page
    client.post(f"/tugas/{task.task_id}/draf", headers=AUTOSAVE,  # what the page's script saved meanwhile
                data={k: v for k, v in gjr_01_form().items() if not isinstance(v, tuple)})
    response = client.post(f"/tugas/{task.task_id}", data=huge(), content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Isian Anda dipulihkan dari draf terakhir" in text_of(response.text)
    assert value_of(response.text, "nomor_surat_permohonan") == "045/1/2026"
    assert value_of(response.text, "lokasi") == "Gedung A lantai 2"
    assert alur.queries.task(task.task_id).state == "claimed"


def test_an_oversized_request_elsewhere_is_still_the_plain_413(alur, app_factory):
    client = app_factory(MAX_CONTENT_LENGTH=1024).test_client()
    login(client, "pengguna_jaringan")
    response = client.post("/akun/token", data={"name": "x" * 4000})
    assert response.status_code == 413 and "Ukuran unggahan melebihi batas" in response.text


def test_autosave_needs_the_csrf_token_of_the_page(alur, app_factory):
    client = app_factory(WTF_CSRF_ENABLED=True).test_client()
    task = agenda_task(alur)
    login_page = client.get("/masuk").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    client.post("/masuk", data={"username": "kasubag_tu", "password": "demo-kasubag_tu", "csrf_token": csrf})
    csrf = value_of(client.get(f"/tugas/{task.task_id}").text, "csrf_token")
    refused = client.post(f"/tugas/{task.task_id}/draf", headers=AUTOSAVE, data={"nomor_agenda": "AG/1"})
    assert refused.status_code == 400 and alur.drafts.get(task.task_id, "kasubag_tu") is None
    saved = client.post(f"/tugas/{task.task_id}/draf", headers=AUTOSAVE,
                        data={"nomor_agenda": "AG/1", "csrf_token": csrf})
    assert saved.status_code == 200


def test_autosave_errors_are_json_with_the_stable_code(alur, client):
    task = agenda_task(alur)
    login(client, "pengguna_jaringan")  # not Kasubag TU
    response = client.post(f"/tugas/{task.task_id}/draf", headers=AUTOSAVE, data={"nomor_agenda": "x"})
    assert response.status_code == 403 and response.json["error"]["code"] == "permission_denied"
    login(client, "kasubag_tu")
    response = client.post(f"/tugas/{task.task_id}/draf", headers=AUTOSAVE,
                           data={"nomor_agenda": "x" * (MAX_DRAFT_BYTES + 1)})
    assert response.status_code == 413 and response.json["error"]["code"] == "draft_too_large"


# -- the API ------------------------------------------------------------------------------------

def test_api_draft_round_trip(alur, client, token):
    task = agenda_task(alur)
    headers = token("kasubag_tu")
    url = f"/api/v1/tasks/{task.task_id}/draft"
    assert client.get(url, headers=headers).json["error"]["code"] == "draft_not_found"
    saved = client.put(url, headers=headers, json={"data": {"nomor_agenda": "AG/api", "sifat": "rahasia"}})
    assert saved.status_code == 200
    assert saved.json == {"task_id": task.task_id, "data": {"nomor_agenda": "AG/api", "sifat": "rahasia"},
                          "saved_at": alur.clock().isoformat(), "task_open": True}
    assert client.get(url, headers=headers).json["data"]["nomor_agenda"] == "AG/api"
    assert client.get(url, headers=token("tu2")).status_code == 404  # private: tu2 has none
    assert client.delete(url, headers=headers).status_code == 204
    assert client.delete(url, headers=headers).status_code == 204  # idempotent
    assert client.get(url, headers=headers).status_code == 404


@pytest.mark.parametrize("body, status, code", [
    ("bukan json", 422, "invalid_input"),
    ("[1, 2]", 422, "invalid_input"),
    ('{"nomor_agenda": "lupa data"}', 422, "invalid_input"),
    ('{"data": ["AG/1"]}', 422, "draft_invalid"),
    ('{"data": {"gaji": 1}}', 422, "draft_invalid"),
    ('{"data": {"dokumen_surat_teragenda": "' + "0" * 64 + '"}}', 422, "draft_invalid"),
    (json.dumps({"data": {"nomor_agenda": "x" * MAX_DRAFT_BYTES}}), 413, "draft_too_large"),
])
def test_api_draft_bad_bodies_are_refused_with_a_stable_code(alur, client, token, body, status, code):
    task = agenda_task(alur)
    response = client.put(f"/api/v1/tasks/{task.task_id}/draft", headers=token("kasubag_tu"), data=body,
                          content_type="application/json")
    assert (response.status_code, response.json["error"]["code"]) == (status, code)
    assert response.json["error"]["message"]
    assert alur.drafts.get(task.task_id, "kasubag_tu") is None


def test_api_draft_of_an_unknown_task_or_another_roles_task(alur, client, token):
    task = agenda_task(alur)
    unknown = "/api/v1/tasks/00000000-0000-0000-0000-000000000000/draft"
    theirs = f"/api/v1/tasks/{task.task_id}/draft"
    headers = token("pengguna_jaringan")
    for method in ("get", "put", "delete"):
        call = getattr(client, method)
        response = call(unknown, headers=headers, json={"data": {}})
        assert (response.status_code, response.json["error"]["code"]) == (404, "task_not_found"), method
        response = call(theirs, headers=headers, json={"data": {}})
        assert (response.status_code, response.json["error"]["code"]) == (403, "permission_denied"), method


def test_api_draft_of_a_completed_task(alur, client, token):
    task = agenda_task(alur)
    mine, colleague = token("kasubag_tu"), token("tu2")
    url = f"/api/v1/tasks/{task.task_id}/draft"
    client.put(url, headers=mine, json={"data": {"nomor_agenda": "AG/saya"}})
    client.put(url, headers=colleague, json={"data": {"nomor_agenda": "AG/rekan"}})
    alur.runner.complete_task(task.task_id, "kasubag_tu", agenda_data(alur, "kasubag_tu", "AG/saya"))
    refused = client.put(url, headers=mine, json={"data": {"nomor_agenda": "AG/lagi"}})
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "task_not_open")
    assert client.get(url, headers=mine).json["error"]["code"] == "draft_not_found"  # ended by completing
    leftover = client.get(url, headers=colleague).json  # the colleague's typing, read only
    assert (leftover["data"], leftover["task_open"]) == ({"nomor_agenda": "AG/rekan"}, False)


def test_the_openapi_document_describes_the_draft_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    item = spec["paths"]["/tasks/{task_id}/draft"]
    assert set(item) == {"get", "put", "delete"}
    for code in ("draft_invalid", "draft_too_large", "task_not_open", "permission_denied", "task_not_found"):
        assert code in item["put"]["description"]
    assert "413" in item["put"]["responses"]
    assert "not part of the record" in spec["components"]["schemas"]["Draft"]["description"]
