"""Documents: a sha256 is no key to someone else's upload, every submitted document is listed, and a
preview cannot run script in Alur's origin (issues 17 and 18, written as the attacks were made)."""
from __future__ import annotations

import io
from typing import Any

import pytest
from web_helpers import PDF, PNG, gjr_01_data, login, open_task, start_network_case, text_of

from engine import FormInvalid
from engine.accounts.tokens import TokenService

SCAN = b"%PDF-1.4\n% one scanned letter serves several steps\n%%EOF\n"


def _token(alur: Any, username: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + TokenService(alur.sessions, alur.users).issue(username, "uji", "uji").token}


def _api_upload(client: Any, headers: dict[str, str], name: str, content: bytes, **form: str) -> Any:
    return client.post("/api/v1/documents", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name), **form})


def _agenda(sha: str) -> dict[str, Any]:
    return {"nomor_agenda": "AG/1", "kode_klasifikasi_arsip": "555", "tanggal_terima": "2026-11-23T09:00:00+08:00",
            "sifat": "biasa", "diteruskan_ke_kepala_dinas": "kepala_dinas", "dokumen_surat_teragenda": sha}


def _disposition(sha: str) -> dict[str, Any]:
    return {"didisposisikan_ke_kabid": "pejabat_administrator_tik", "instruksi_kepala_dinas": ["tindak lanjuti"],
            "dokumen_disposisi_surat_permohonan": sha}


def test_another_users_sha256_cannot_be_referenced_read_or_recognised(alur, client):
    alur.users.add_user("pemohon2", "Pemohon Dua", "rahasia-uji-123", {"pengguna_jaringan"})
    victim = start_network_case(alur)
    data = gjr_01_data(alur)
    alur.runner.complete_task(open_task(alur, victim).task_id, "pengguna_jaringan", data)
    secret = data["dokumen_surat_permohonan"]
    own = start_network_case(alur, "pemohon2", "046/2/26")
    task = open_task(alur, own)
    attacker = _token(alur, "pemohon2")
    # the attack: the victim's sha256 in the attacker's own document field
    refused = client.post(f"/api/v1/tasks/{task.task_id}/complete", headers=attacker,
                          json={"data": {**data, "dokumen_surat_permohonan": secret}})
    assert refused.status_code == 422, refused.json
    assert refused.json["error"]["errors"]["dokumen_surat_permohonan"] == "Dokumen belum diunggah atau tidak ditemukan."
    assert open_task(alur, own).task_id == task.task_id  # nothing stored
    # ...and the document cannot be read through a case that does not carry it
    login(client, "pemohon2", "rahasia-uji-123")
    assert client.get(f"/kasus/{own}/dokumen/{secret}").status_code == 404
    assert client.get(f"/kasus/{victim}/dokumen/{secret}").status_code == 404  # no hint the case exists
    assert client.get(f"/kasus/{victim}/dokumen/{secret}/isi").status_code == 404
    # re-uploading the same bytes answers with the attacker's own upload, not the victim's
    mine = _api_upload(client, attacker, "punyaku.pdf", _victim_bytes(alur, victim, secret), task_id=task.task_id)
    assert mine.status_code == 201, mine.json
    assert (mine.json["sha256"], mine.json["filename"], mine.json["uploaded_by"]) == (secret, "punyaku.pdf", "pemohon2")
    assert mine.json["uploaded_at"] == alur.clock().isoformat()
    # with their own upload of it, the attacker's case lists their own name for it, never the victim's
    alur.runner.complete_task(task.task_id, "pemohon2", {**data, "dokumen_surat_permohonan": secret})
    page = client.get(f"/kasus/{own}").text
    assert "punyaku.pdf" in page and "surat.pdf" not in page


def _victim_bytes(alur: Any, case: int, sha: str) -> bytes:
    """The attacker holds the same bytes (e.g. a letter sent to several agencies)."""
    return alur.attachments.path_of(sha).read_bytes()


def test_a_document_field_takes_only_its_accepted_types(alur, client):
    case = start_network_case(alur)
    task = open_task(alur, case)
    headers = _token(alur, "pengguna_jaringan")
    text = _api_upload(client, headers, "catatan.txt", b"bukan surat\n")  # no task named: any accepted type
    assert text.status_code == 201, text.json
    with pytest.raises(FormInvalid) as refused:
        alur.runner.complete_task(task.task_id, "pengguna_jaringan",
                                  {**gjr_01_data(alur), "dokumen_surat_permohonan": text.json["sha256"]})
    assert refused.value.errors["dokumen_surat_permohonan"].startswith("Jenis berkas .txt tidak diterima")


def test_an_upload_for_a_task_needs_a_user_who_can_act_on_it(alur, client):
    case = start_network_case(alur)
    task = open_task(alur, case)
    outsider = _api_upload(client, _token(alur, "kasubag_tu"), "x.pdf", PDF, task_id=task.task_id)
    assert outsider.status_code == 403


def test_the_same_file_in_three_fields_is_three_documents_everywhere(alur, client):
    case = start_network_case(alur)
    mine = _api_upload(client, _token(alur, "pengguna_jaringan"), "surat.pdf", SCAN).json["sha256"]
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan",
                              {**gjr_01_data(alur), "dokumen_surat_permohonan": mine})
    agenda = open_task(alur, case, "gjr_02a")
    alur.runner.claim_task(agenda.task_id, "kasubag_tu")
    tu = _api_upload(client, _token(alur, "kasubag_tu"), "agenda.pdf", SCAN, task_id=agenda.task_id).json
    assert tu["sha256"] == mine and tu["filename"] == "agenda.pdf"
    alur.runner.complete_task(agenda.task_id, "kasubag_tu", _agenda(mine))
    disposition = open_task(alur, case, "gjr_02b")
    alur.runner.claim_task(disposition.task_id, "kepala_dinas")
    _api_upload(client, _token(alur, "kepala_dinas"), "disposisi.pdf", SCAN, task_id=disposition.task_id)
    alur.runner.complete_task(disposition.task_id, "kepala_dinas", _disposition(mine))
    # the case page, the API and the next task's sidebar
    login(client, "kepala_dinas")
    page = client.get(f"/kasus/{case}").text
    assert page.count('class="document-row"') == 3
    for name in ("surat.pdf", "agenda.pdf", "disposisi.pdf"):
        assert name in page
    api = client.get(f"/api/v1/cases/{case}", headers=_token(alur, "kepala_dinas")).json
    listed = [(d["field"], d["filename"], d["uploaded_by"], d["pass_no"], d["current"]) for d in api["documents"]]
    assert sorted(listed) == [("dokumen_disposisi_surat_permohonan", "disposisi.pdf", "kepala_dinas", 1, True),
                              ("dokumen_surat_permohonan", "surat.pdf", "pengguna_jaringan", 1, True),
                              ("dokumen_surat_teragenda", "agenda.pdf", "kasubag_tu", 1, True)]
    next_task = open_task(alur, case)
    client.post("/keluar")
    login(client, "pejabat_administrator_tik")
    sidebar = client.get(f"/tugas/{next_task.task_id}").text
    assert sidebar.count('class="document-item"') == 3
    assert "putaran ke-1" in text_of(sidebar) and "terkini" in text_of(sidebar)


def test_pdf_and_png_open_in_the_page_and_cannot_run_script(alur, client):
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    agenda = open_task(alur, case, "gjr_02a")
    alur.runner.claim_task(agenda.task_id, "kasubag_tu")
    tu = _token(alur, "kasubag_tu")
    # an HTML page renamed .pdf and an SVG with script are refused at the door
    html = _api_upload(client, tu, "surat.pdf", b"<html><script>alert(document.cookie)</script></html>",
                       task_id=agenda.task_id)
    assert html.status_code == 422 and "tidak sesuai" in html.json["error"]["message"]
    svg = _api_upload(client, tu, "gambar.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
                      b"</svg>", task_id=agenda.task_id)
    assert svg.status_code == 422 and ".svg tidak diizinkan" in svg.json["error"]["message"]
    png = _api_upload(client, tu, "foto.png", PNG, task_id=agenda.task_id).json["sha256"]
    alur.runner.complete_task(agenda.task_id, "kasubag_tu", _agenda(png))
    pdf = gjr_01_data(alur)["dokumen_surat_permohonan"]
    login(client, "kasubag_tu")
    pdf = next(d["sha256"] for d in client.get(f"/api/v1/cases/{case}", headers=tu).json["documents"]
               if d["media_type"] == "application/pdf")
    for sha, media_type, shown in ((pdf, "application/pdf", "<iframe"), (png, "image/png", "<img")):
        viewer = client.get(f"/kasus/{case}/dokumen/{sha}/lihat")
        assert viewer.status_code == 200 and shown in viewer.text
        assert f'/kasus/{case}/dokumen/{sha}/isi' in viewer.text
        with client.get(f"/kasus/{case}/dokumen/{sha}/isi") as inline:
            assert inline.status_code == 200 and inline.mimetype == media_type
            assert inline.headers["Content-Disposition"].startswith("inline")
            assert inline.headers["X-Content-Type-Options"] == "nosniff"
            policy = inline.headers["Content-Security-Policy"]
            assert "default-src 'none'" in policy and "script-src" not in policy
            assert media_type == "application/pdf" or policy.startswith("sandbox")
        with client.get(f"/kasus/{case}/dokumen/{sha}") as download:
            assert download.headers["Content-Disposition"].startswith("attachment")


def test_a_document_of_another_type_is_a_download_only(alur, client):
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    agenda = open_task(alur, case, "gjr_02a")
    alur.runner.claim_task(agenda.task_id, "kasubag_tu")
    tu = _token(alur, "kasubag_tu")
    docx = _api_upload(client, tu, "agenda.docx", _docx(), task_id=agenda.task_id)
    assert docx.status_code == 201, docx.json
    alur.runner.complete_task(agenda.task_id, "kasubag_tu", _agenda(docx.json["sha256"]))
    login(client, "kasubag_tu")
    assert client.get(f"/kasus/{case}/dokumen/{docx.json['sha256']}/isi").status_code == 404
    viewer = client.get(f"/kasus/{case}/dokumen/{docx.json['sha256']}/lihat")
    assert viewer.status_code == 200 and "tidak dapat ditampilkan" in viewer.text and "<iframe" not in viewer.text


def _docx() -> bytes:
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()
