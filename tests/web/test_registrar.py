"""Pages and API of issue 13's requester side: registering a letter for an OPD, the requester's view,
comments, the OPD list, the e-mail preference, e-mail links."""
from __future__ import annotations

import io
from typing import Any

import pytest
from web_helpers import PDF, login, logout, text_of, upload

from engine import settings_from_env
from engine.accounts.tokens import TokenService
from engine.worker.mailer import CASE_PATH, TASK_PATH

SOP05 = "sop_backup_restore_db"
DINKES = "Dinas Kesehatan Provinsi Kalimantan Timur"


@pytest.fixture
def token(alur):
    def issue(username: str) -> dict[str, str]:
        secret = TokenService(alur.sessions, alur.users).issue(username, "uji", actor=username).token
        return {"Authorization": f"Bearer {secret}"}
    return issue


def opd_id(alur: Any, code: str) -> int:
    return next(o.opd_id for o in alur.opds.list() if o.code == code)


def brd_01_post(alur: Any, **overrides: Any) -> dict[str, Any]:
    """The registration form as a browser posts it: the unit, the agenda number, BRD-01 with the scan."""
    data: dict[str, Any] = {
        "process_key": SOP05, "opd_id": str(opd_id(alur, "DINKES")), "business_key": "005/77/TU/2026",
        "jenis_layanan": "backup", "nomor_surat": "445/120/DINKES", "tanggal_surat": "2026-11-20",
        "hal": "Permohonan back-up database SIMRS", "sifat_surat": "biasa",
        "daftar_spesifikasi-0-nama_aplikasi": "SIMRS", "daftar_spesifikasi-0-hostname": "simrs-db",
        "daftar_spesifikasi-0-dbms_versi": "PostgreSQL 15", "daftar_spesifikasi-0-nama_database": "simrs",
        "cakupan": "full", "alasan": "Sebelum pemutakhiran aplikasi", "pic_teknis_nama": "Sari",
        "pic_teknis_telepon": "0811", "pic_teknis_email": "sari@dinkes.kaltimprov.go.id",
        "persetujuan_risiko": "true", "dokumen_surat_permohonan": (io.BytesIO(PDF), "surat dinkes.pdf"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def register(alur: Any, client: Any, **overrides: Any) -> Any:
    return client.post("/kasus/daftar", data=brd_01_post(alur, **overrides), content_type="multipart/form-data")


def test_kasubag_tu_registers_a_paper_letter_for_an_opd(alur, client):
    login(client, "kasubag_tu")
    assert "Daftarkan surat masuk" in client.get("/kasus").text
    choose = text_of(client.get("/kasus/daftar").text)
    assert "Back-up dan Restore Database Server" in choose and "Penanganan Gangguan Jaringan" in choose
    form = client.get(f"/kasus/daftar?proses={SOP05}").text
    assert DINKES in form and 'name="business_key"' in form and 'name="dokumen_surat_permohonan"' in form
    assert 'name="opd_pemohon"' not in form  # the unit comes from the list, not typed
    response = register(alur, client)
    assert response.status_code == 302 and response.location == "/kasus/1"
    case = alur.queries.case(1)
    assert (case.business_key, case.started_by, case.opd_id) == ("005/77/TU/2026", "kasubag_tu", opd_id(alur, "DINKES"))
    page = text_of(client.get("/kasus/1").text)
    assert "Surat didaftarkan sebagai kasus #1" in page and f"atas nama {DINKES}" in page
    assert f"OPD pemohon: {DINKES}" in page and "Memverifikasi permohonan" in page


def test_a_registration_with_mistakes_is_shown_again_with_its_errors_and_stores_nothing(alur, client):
    login(client, "kasubag_tu")
    for overrides, status, message in (
            ({"business_key": ""}, 422, "Nomor agenda/SRIKANDI wajib diisi"),
            ({"opd_id": ""}, 422, "Pilih OPD pemohon"),
            ({"alasan": None}, 422, "Periksa 1 isian"),
            ({"tanggal_surat": "20-11-2026"}, 422, "Periksa 1 isian")):
        response = register(alur, client, **overrides)
        assert response.status_code == status, overrides
        assert message in text_of(response.text), overrides
        assert "Sebelum pemutakhiran aplikasi" in response.text or overrides == {"alasan": None}  # values kept
    assert alur.queries.cases().total == 0
    assert register(alur, client).status_code == 302
    again = register(alur, client)
    assert again.status_code == 409 and "sudah terdaftar pada kasus #1" in text_of(again.text)
    logout(client)
    login(client, "pejabat_administrator_tik")
    assert client.get(f"/kasus/daftar?proses={SOP05}").status_code == 403
    assert register(alur, client).status_code == 403


def test_the_requester_reads_status_and_outcome_and_another_opd_reads_nothing(alur, client):
    login(client, "kasubag_tu")
    register(alur, client)
    letter = alur.queries.case_tasks(1)[0].data["dokumen_surat_permohonan"]
    logout(client)
    login(client, "opd_pemohon")  # the demo requester of Dinas Kesehatan
    page = text_of(client.get("/kasus/1").text)
    assert "Status permohonan" in page and "Sedang diproses oleh Bidang TIK" in page and "surat dinkes.pdf" in page
    for internal in ("Jejak audit", "Langkah dan mutu baku", "Komentar", "Memverifikasi permohonan", "Diagram"):
        assert internal not in page, internal
    assert "#1" in client.get("/kasus").text
    with client.get(f"/kasus/1/dokumen/{letter}") as download:
        assert download.status_code == 200
    logout(client)
    login(client, "pengguna_jaringan")  # a requester of Badan Pendapatan Daerah
    assert client.get("/kasus/1").status_code == 404  # as if there were no case 1
    assert client.get(f"/kasus/1/dokumen/{letter}").status_code == 404
    assert "Belum ada kasus" in text_of(client.get("/kasus").text)


def test_a_requester_cancels_their_own_request_from_their_view(alur, client):
    own = alur.runner.start_case("sop_backup_restore_db", "opd_pemohon", "BRD/SENDIRI").instance_id
    login(client, "opd_pemohon")
    raw = client.get(f"/kasus/{own}").text
    assert f"<title>Permohonan #{own} · Alur</title>" in raw  # the title holds the title only
    assert raw.count('id="cancel-title"') == 1 and "Status permohonan" in raw
    cancelled = client.post(f"/kasus/{own}/batal", data={"reason": "Salah kirim", "confirm": "1"})
    assert cancelled.status_code == 302 and alur.queries.case(own).status == "cancelled"


def test_comments_on_the_case_page_and_in_the_api_are_never_edited(alur, client, token):
    login(client, "kasubag_tu")
    register(alur, client)
    response = client.post("/kasus/1/komentar", data={"text": "Surat asli disimpan di arsip TU. @kepala_dinas"})
    assert response.status_code == 302 and response.location == "/kasus/1#komentar"
    page = text_of(client.get("/kasus/1").text)
    assert "Surat asli disimpan di arsip TU." in page and "Komentar ditambahkan." in page
    assert client.post("/kasus/1/komentar", data={"text": " "}).status_code == 422
    tu, kadis = token("kasubag_tu"), token("kepala_dinas")
    listed = client.get("/api/v1/cases/1/comments", headers=kadis).json["items"]
    assert [(c["author"], c["mentions"]) for c in listed] == [("kasubag_tu", ["kepala_dinas"])]
    added = client.post("/api/v1/cases/1/comments", headers=kadis, json={"text": "Segera diproses."})
    assert added.status_code == 201 and added.json["author"] == "kepala_dinas" and added.json["seq"] > 1
    comment_id = added.json["comment_id"]
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)("/api/v1/cases/1/comments", headers=tu, json={"text": "x"}).status_code == 405
        assert getattr(client, method)(f"/api/v1/cases/1/comments/{comment_id}", headers=tu,
                                       json={"text": "x"}).status_code == 404
    too_long = client.post("/api/v1/cases/1/comments", headers=tu, json={"text": "x" * 5001})
    assert too_long.status_code == 422 and too_long.json["error"]["code"] == "invalid_input"
    assert too_long.json["error"]["field"] == "text"
    assert client.post("/api/v1/cases/1/comments", headers=tu, json={"text": 5}).status_code == 422
    requester = token("opd_pemohon")  # reads the thread with the office only: nothing yet
    assert client.get("/api/v1/cases/1/comments", headers=requester).json["items"] == []
    outsider = token("pengguna_jaringan")  # a requester of another unit: the case is as good as absent
    assert client.get("/api/v1/cases/1/comments", headers=outsider).status_code == 404
    assert client.post("/api/v1/cases/1/comments", headers=outsider, json={"text": "?"}).status_code == 403
    assert client.get("/api/v1/cases/9/comments", headers=tu).status_code == 404
    assert alur.audit_verifier.verify().chain_problems == []


def test_the_requester_and_the_office_write_to_each_other_and_internal_comments_stay_internal(alur, client, token):
    login(client, "kasubag_tu")
    register(alur, client)
    assert client.post("/kasus/1/komentar", data={"text": "Catatan internal: kapasitas cukup."}).status_code == 302
    page = client.get("/kasus/1").text
    assert 'name="to_requester"' in page and "Sampaikan juga kepada pemohon" in page
    asked = client.post("/kasus/1/komentar", data={"text": "Mohon lampirkan daftar tabel.", "to_requester": "1"})
    assert asked.status_code == 302
    logout(client)

    login(client, "opd_pemohon")  # the requester account of Dinas Kesehatan, for which the letter was registered
    told = [n for n in alur.notifications.list("opd_pemohon") if n.kind == "requester_reply"]
    assert [n.instance_id for n in told] == [1] and "Mohon lampirkan daftar tabel." in told[0].body
    view = text_of(client.get("/kasus/1").text)
    assert "Pesan dengan Bidang TIK" in view and "Mohon lampirkan daftar tabel." in view
    assert "Catatan internal" not in view and "Sampaikan juga kepada pemohon" not in view
    replied = client.post("/kasus/1/komentar", data={"text": "Daftar tabel kami kirim lewat surel."})
    assert replied.status_code == 302 and replied.location == "/kasus/1#komentar"
    assert "Daftar tabel kami kirim lewat surel." in text_of(client.get("/kasus/1").text)
    assert client.post("/kasus/1/komentar", data={"text": ""}).status_code == 422

    thread = client.get("/api/v1/cases/1/comments", headers=token("opd_pemohon")).json["items"]
    assert [(c["author"], c["to_requester"]) for c in thread] == [("kasubag_tu", True), ("opd_pemohon", True)]
    bad = client.post("/api/v1/cases/1/comments", headers=token("kasubag_tu"), json={"text": "x", "to_requester": "ya"})
    assert bad.status_code == 422 and bad.json["error"]["field"] == "to_requester"
    everything = client.get("/api/v1/cases/1/comments", headers=token("kepala_dinas")).json["items"]
    assert [c["to_requester"] for c in everything] == [False, True, True]
    logout(client)
    login(client, "kasubag_tu")  # the staff page marks the thread
    assert text_of(client.get("/kasus/1").text).count("dengan pemohon") >= 2
    assert alur.audit_verifier.verify().chain_problems == []


def test_registration_and_the_requester_view_in_the_api(alur, client, token):
    tu = token("kasubag_tu")
    body = {"process_key": SOP05, "opd_id": opd_id(alur, "DINKES"), "business_key": "005/9/2026",
            "data": {"jenis_layanan": "backup", "nomor_surat": "1", "tanggal_surat": "2026-11-20", "hal": "Back-up",
                     "daftar_spesifikasi": [{"nama_aplikasi": "A", "hostname": "h", "dbms_versi": "MariaDB 10",
                                             "nama_database": "a"}],
                     "cakupan": "full", "alasan": "uji", "pic_teknis_nama": "Sari", "pic_teknis_telepon": "0811",
                     "pic_teknis_email": "sari@dinkes.kaltimprov.go.id", "persetujuan_risiko": True,
                     "dokumen_surat_permohonan": upload(alur, actor="kasubag_tu")}}
    assert client.post("/api/v1/registrations", headers=token("opd_pemohon"), json=body).status_code == 403
    assert client.post("/api/v1/registrations", headers=tu, json={**body, "opd_id": "1"}).status_code == 422
    response = client.post("/api/v1/registrations", headers=tu, json=body)
    assert response.status_code == 201 and response.headers["Location"] == "/api/v1/cases/1"
    again = client.post("/api/v1/registrations", headers=tu, json=body)
    assert again.status_code == 409 and again.json["error"]["field"] == "business_key"
    view = client.get("/api/v1/cases/1", headers=token("opd_pemohon")).json
    assert view["view"] == "requester" and view["status"] == "running" and view["opd_name"] == DINKES
    assert "steps" not in view and [d["field"] for d in view["documents"]] == ["dokumen_surat_permohonan"]
    assert client.get("/api/v1/cases/1", headers=token("pengguna_jaringan")).status_code == 404
    assert client.get("/api/v1/cases/1", headers=tu).json["view"] == "full"


def test_admin_keeps_the_opd_list_on_a_page_and_in_the_api(alur, client, token):
    login(client, "admin_sistem")
    assert DINKES in client.get("/admin/opd").text
    added = client.post("/admin/opd", data={"code": "diskominfo", "name": "Dinas Komunikasi dan Informatika"})
    assert added.status_code == 302
    twice = client.post("/admin/opd", data={"code": "DISKOMINFO", "name": "Lagi"})
    assert twice.status_code == 409 and "sudah ada" in text_of(twice.text)
    bad = client.post("/admin/opd", data={"code": "kode dengan spasi", "name": "X"})
    assert bad.status_code == 422
    new = next(o for o in alur.opds.list() if o.code == "DISKOMINFO")
    assert client.post(f"/admin/opd/{new.opd_id}", data={"active": "0"}).status_code == 302
    assert alur.opds.get(new.opd_id).active is False and new.code not in [o.code for o in alur.opds.list()]
    assert client.post("/admin/pengguna/opd_pemohon/opd", data={"opd_id": str(opd_id(alur, "BKD"))}).status_code == 302
    assert alur.users.get("opd_pemohon").opd_id == opd_id(alur, "BKD")
    logout(client)
    login(client, "kasubag_tu")
    assert client.get("/admin/opd").status_code == 403
    assert client.post("/admin/opd", data={"code": "X", "name": "X"}).status_code == 403
    listed = client.get("/api/v1/opd", headers=token("kasubag_tu")).json["items"]
    assert "DINKES" in [o["code"] for o in listed] and "DISKOMINFO" not in [o["code"] for o in listed]
    assert client.post("/api/v1/opd", headers=token("kasubag_tu"), json={"code": "A", "name": "A"}).status_code == 403
    admin = token("admin_sistem")
    created = client.post("/api/v1/opd", headers=admin, json={"code": "BPBD", "name": "Badan Penanggulangan Bencana"})
    assert created.status_code == 201 and created.json["code"] == "BPBD"
    renamed = client.patch(f"/api/v1/opd/{created.json['opd_id']}", headers=admin,
                           json={"name": "Badan Penanggulangan Bencana Daerah", "active": False})
    assert renamed.json == {**created.json, "name": "Badan Penanggulangan Bencana Daerah", "active": False}
    refused = client.patch(f"/api/v1/opd/{created.json['opd_id']}", headers=admin, json={"active": "no"})
    assert refused.status_code == 422
    assert client.patch("/api/v1/opd/999", headers=admin, json={"active": True}).status_code == 404
    assert "BPBD" in [o["code"] for o in client.get("/api/v1/opd?all=1", headers=admin).json["items"]]
    kinds = [e.event_type for e in alur.audit_log.events(per_page=100).items]
    assert "opd_added" in kinds and "opd_changed" in kinds and "user_opd_changed" in kinds


def test_my_notification_email_preference(alur, client):
    login(client, "kasubag_tu")
    page = text_of(client.get("/akun").text)
    assert "E-mail notifikasi" in page and "Ringkasan harian" in page
    assert client.post("/akun/notifikasi", data={"email_mode": "digest"}).status_code == 302
    assert alur.users.get("kasubag_tu").email_mode == "digest"
    assert 'value="digest" id="email-digest" checked' in client.get("/akun").text
    assert client.post("/akun/notifikasi", data={"email_mode": "kadang"}).status_code == 422
    assert alur.users.get("kasubag_tu").email_mode == "digest"


def test_email_links_point_at_the_task_and_case_pages(app):
    with app.test_request_context():
        from flask import url_for
        assert url_for("tasks.show", task_id="T") == TASK_PATH.format(task_id="T")
        assert url_for("cases.show", instance_id=7) == CASE_PATH.format(instance_id=7)


def test_the_public_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("ALUR_PUBLIC_URL", "https://alur.diskominfo.kaltimprov.go.id/")
    assert settings_from_env().public_url == "https://alur.diskominfo.kaltimprov.go.id"
    monkeypatch.setenv("ALUR_PUBLIC_URL", "alur.local")
    with pytest.raises(ValueError):
        settings_from_env()
    monkeypatch.delenv("ALUR_PUBLIC_URL")
    assert settings_from_env().public_url is None
