"""The task page: reading, claiming, completing with uploads, and each way a submission is refused."""
from __future__ import annotations

import dataclasses
import io

from sqlalchemy import select

from engine import open_alur
from engine.persistence.models import DocumentUpload
from web import create_app
from web_helpers import PDF, PNG, gjr_01_data, gjr_01_form, login, open_task, start_network_case, text_of



def test_task_page_shows_form_mutu_baku_and_hidden_version(alur, client):
    case = start_network_case(alur)
    task = open_task(alur, case)
    login(client, "pengguna_jaringan")
    response = client.get(f"/tugas/{task.task_id}")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Berkoordinasi dan bersurat kepada Dinas Kominfo" in page
    assert "Mutu baku" in page and "GJR-01" in page and "1 hari" in page
    assert 'name="expected_version" value="1"' in response.text
    assert 'enctype="multipart/form-data"' in response.text
    for name in ("opd_pengirim", "tanggal_surat_permohonan", "sejak", "jenis_gangguan", "urgensi",
                 "jumlah_pengguna_terdampak", "upaya_yang_dilakukan", "dokumen_surat_permohonan"):
        assert f'name="{name}"' in response.text


def test_complete_with_upload_moves_the_case_on(alur, client):
    case = start_network_case(alur)
    task = open_task(alur, case)
    login(client, "pengguna_jaringan")
    response = client.post(f"/tugas/{task.task_id}", data=gjr_01_form(), content_type="multipart/form-data")
    assert response.status_code == 302
    assert response.location == f"/kasus/{case}"
    done = alur.queries.task(task.task_id)
    assert done.state == "completed" and done.completed_by == "pengguna_jaringan"
    assert done.data["sejak"] == "2026-11-23T07:45:00+08:00"  # datetime-local read as WITA
    assert done.data["jumlah_pengguna_terdampak"] == 12
    sha = done.data["dokumen_surat_permohonan"]
    stored = alur.settings.attachments_dir / sha[:2] / sha
    assert stored.read_bytes() == PDF
    assert open_task(alur, case).element_id == "gjr_02a"
    assert "selesai" in text_of(client.get(f"/kasus/{case}").text)


def test_invalid_form_is_422_with_indonesian_messages_beside_fields_and_values_kept(alur, client):
    case = start_network_case(alur)
    task = open_task(alur, case)
    login(client, "pengguna_jaringan")
    form = gjr_01_form(opd_pengirim="", jumlah_pengguna_terdampak="dua belas", lokasi="Gedung B <lt.3>")
    response = client.post(f"/tugas/{task.task_id}", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.text
    assert 'id="f-opd_pengirim-error"' in html and "Wajib diisi." in html
    assert 'aria-invalid="true"' in html
    assert "Harus berupa bilangan bulat." in html
    assert 'value="Gedung B &lt;lt.3&gt;"' in html  # kept, escaped
    assert 'value="dua belas"' in html
    assert 'value="2026-11-23T07:45"' in html
    # the uploaded letter is kept, so the user does not upload it again
    assert 'name="dokumen_surat_permohonan__current"' in html and "surat permohonan.pdf" in html
    assert alur.queries.task(task.task_id).state == "claimed"


def test_kept_document_completes_on_resubmit_without_new_upload(alur, client):
    case = start_network_case(alur)
    task = open_task(alur, case)
    login(client, "pengguna_jaringan")
    first = client.post(f"/tugas/{task.task_id}", data=gjr_01_form(hal=""), content_type="multipart/form-data")
    assert first.status_code == 422
    sha = first.text.split('name="dokumen_surat_permohonan__current" value="')[1][:64]
    retry = gjr_01_form(dokumen_surat_permohonan=None, dokumen_surat_permohonan__current=sha)
    assert client.post(f"/tugas/{task.task_id}", data=retry, content_type="multipart/form-data").status_code == 302
    assert alur.queries.task(task.task_id).data["dokumen_surat_permohonan"] == sha


def test_upload_type_and_content_are_checked(alur, client):
    case = start_network_case(alur)
    task = open_task(alur, case)
    login(client, "pengguna_jaringan")
    exe = gjr_01_form(dokumen_surat_permohonan=(io.BytesIO(b"MZ\x90\x00"), "virus.exe"))
    response = client.post(f"/tugas/{task.task_id}", data=exe, content_type="multipart/form-data")
    assert response.status_code == 422 and "Jenis berkas .exe tidak diizinkan" in response.text
    fake = gjr_01_form(dokumen_surat_permohonan=(io.BytesIO(PNG), "surat.pdf"))
    response = client.post(f"/tugas/{task.task_id}", data=fake, content_type="multipart/form-data")
    assert response.status_code == 422 and "Isi berkas tidak sesuai dengan jenisnya (.pdf)" in response.text
    assert not list((alur.settings.attachments_dir).rglob("*.pdf"))


def test_upload_size_limit(alur, clock):
    small = open_alur(dataclasses.replace(alur.settings, max_upload_bytes=1024), clock=clock)  # same database
    client = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False, "ALUR": small,
                         "MAX_CONTENT_LENGTH": 8192}).test_client()
    case = start_network_case(alur)
    task = open_task(alur, case)
    login(client, "pengguna_jaringan")
    big = gjr_01_form(dokumen_surat_permohonan=(io.BytesIO(PDF + b"0" * 2048), "besar.pdf"))
    response = client.post(f"/tugas/{task.task_id}", data=big, content_type="multipart/form-data")
    assert response.status_code == 422 and "Berkas terlalu besar" in response.text
    huge = gjr_01_form(dokumen_surat_permohonan=(io.BytesIO(b"0" * 10000), "raksasa.pdf"))  # the whole request
    response = client.post(f"/tugas/{task.task_id}", data=huge, content_type="multipart/form-data")
    assert response.status_code == 413 and "Berkas terlalu besar" in response.text
    small.close()
    assert 'class="card task-form"' in response.text  # the form comes back (tests/web/test_drafts.py)


def test_another_roles_task_is_403(alur, client):
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    task = open_task(alur, case, "gjr_02a")  # Kasubag TU's
    login(client, "pengguna_jaringan")
    assert client.get(f"/tugas/{task.task_id}").status_code == 403
    response = client.post(f"/tugas/{task.task_id}", data={"nomor_agenda": "1"})
    assert response.status_code == 403 and "Kepala Sub Bagian Tata Usaha" in response.text
    assert client.post(f"/tugas/{task.task_id}/ambil").status_code == 403


def test_unknown_task_is_404(client):
    login(client, "pengguna_jaringan")
    response = client.get("/tugas/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and "tidak ditemukan" in response.text


def test_claim_and_unclaim(alur, client):
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    task = open_task(alur, case, "gjr_02a")
    login(client, "kasubag_tu")
    page = client.get(f"/tugas/{task.task_id}").text
    assert "Ambil tugas" in page and "belum diambil" in page
    assert client.post(f"/tugas/{task.task_id}/ambil").status_code == 302
    assert alur.queries.task(task.task_id).assignee == "kasubag_tu"
    assert "Lepas tugas" in client.get(f"/tugas/{task.task_id}").text
    assert client.post(f"/tugas/{task.task_id}/lepas").status_code == 302
    assert alur.queries.task(task.task_id).state == "ready"


def test_task_claimed_by_someone_else_is_read_only_and_completing_it_is_409(alur, client):
    alur.users.add_user("tu2", "TU Dua", "rahasia-uji-123", {"kasubag_tu"})
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    task = open_task(alur, case, "gjr_02a")
    alur.runner.claim_task(task.task_id, "tu2")
    login(client, "kasubag_tu")
    page = text_of(client.get(f"/tugas/{task.task_id}").text)
    assert "sedang dikerjakan oleh TU Dua" in page and "Selesaikan langkah" not in page
    response = client.post(f"/tugas/{task.task_id}", data={"nomor_agenda": "9"})
    assert response.status_code == 409 and "sedang dikerjakan oleh TU Dua" in text_of(response.text)


def test_stale_form_is_409_with_an_explanation(alur, client, clock):
    case = start_network_case(alur)
    task = open_task(alur, case)
    login(client, "pengguna_jaringan")
    client.get(f"/tugas/{task.task_id}")
    # the task changed after the form was opened (a requester's step is never released to a pool)
    clock.advance(minutes=5)
    alur.users.add_user("pj2", "Pengguna Dua", "rahasia-panjang-1", {"pengguna_jaringan"})
    alur.runner.reassign_task(task.task_id, "admin_sistem", "pj2", "sementara")  # and back: two new versions
    alur.runner.reassign_task(task.task_id, "admin_sistem", "pengguna_jaringan", "kembali")
    response = client.post(f"/tugas/{task.task_id}", data=gjr_01_form(expected_version="1"),
                           content_type="multipart/form-data")
    assert response.status_code == 409
    page = text_of(response.text)
    assert "muat ulang" in page and "tidak disimpan" in page
    assert alur.queries.task(task.task_id).completed_at is None
    # the letter sent with the refused form is recorded on its own, so the form keeps it
    assert 'name="dokumen_surat_permohonan__current"' in response.text and "surat permohonan.pdf" in page
    assert _uploads_for(alur, task.task_id) == ["surat permohonan.pdf"]


def test_duplicate_submission_is_409_and_says_who_completed_it(alur, client):
    case = start_network_case(alur)
    task = open_task(alur, case)
    login(client, "pengguna_jaringan")
    assert client.post(f"/tugas/{task.task_id}", data=gjr_01_form(),
                       content_type="multipart/form-data").status_code == 302
    again = client.post(f"/tugas/{task.task_id}", data=gjr_01_form(), content_type="multipart/form-data")
    assert again.status_code == 409
    assert _uploads_for(alur, task.task_id) == ["surat permohonan.pdf"]  # the second copy is not taken
    page = text_of(again.text)
    assert "sudah diselesaikan oleh Pengguna Jaringan (demo)" in page
    assert f'href="/tugas/{task.task_id}"' in again.text  # a way to see the latest state
    completed = client.get(f"/tugas/{task.task_id}").text
    assert "Isian yang dikirim" in completed and "surat permohonan.pdf" in completed


def test_earlier_documents_are_offered_for_reading(alur, client):
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    task = open_task(alur, case, "gjr_02a")
    login(client, "kasubag_tu")
    page = client.get(f"/tugas/{task.task_id}").text
    assert "Kelengkapan dari langkah sebelumnya" in page
    link = f"/kasus/{case}/dokumen/"
    assert link in page and "surat.pdf" in page
    href = page.split(link)[1].split('"')[0]
    with client.get(link + href) as download:
        assert download.status_code == 200 and download.data == PDF
        assert "attachment" in download.headers["Content-Disposition"]


def _uploads_for(alur, task_id: str) -> list[str]:
    """The file names of the uploads recorded for a task."""
    with alur.sessions() as session:
        return list(session.scalars(select(DocumentUpload.filename).where(DocumentUpload.task_id == task_id)
                                    .order_by(DocumentUpload.id)))
