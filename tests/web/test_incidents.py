"""Incidents over HTTP: the performer of a step the model fails sees a clear message (their input kept
as their draft); owners and Admin Sistem see the incident page per SOP and retry it after migrating."""
from __future__ import annotations

import html
import io
from pathlib import Path

from audit_web_helpers import REVIEW
from alur_testing import deploy_unchecked
from web_helpers import add_test_server, PDF, filled_form, login, logout, text_of


ROOT = Path(__file__).resolve().parents[2]
GOOD, BAD = b">tinjauan_disetujui == true<", b">hasil_sesuai == true<"


def failing_review(alur, clock, monkeypatch) -> tuple[int, str, bytes]:
    """A case of a review version deployed without the data-flow check, waiting at its decision step."""
    good = (ROOT / "processes" / f"{REVIEW}.bpmn").read_bytes()
    deploy_unchecked(alur, good.replace(GOOD, BAD), f"{REVIEW}.bpmn", "pemilik_proses", monkeypatch, "uji")
    add_test_server(alur)  # the review lists the register's servers
    case = alur.runner.start_case(REVIEW, "pengelola_ti", "TAR/2026").instance_id
    [task] = alur.queries.open_tasks(case)
    performer = task.assignee or "pengelola_ti"
    alur.runner.complete_task(task.task_id, performer, filled_form(alur, task, performer))
    [review] = alur.queries.open_tasks(case)
    return case, review.task_id, good


def review_through_the_web(client, task_id: str, **fields: str):
    """The reviewer approves the review with its report, signed in for this post only; the response."""
    login(client, "pengawas_infrastruktur_tik")
    sent = client.post(f"/tugas/{task_id}", data={"tinjauan_disetujui": "true", **fields,
                                                  "dokumen_berita_acara_tinjauan": (io.BytesIO(PDF), "ba.pdf")})
    logout(client)
    return sent


def test_the_performer_sees_words_and_the_owner_retries_after_migration(alur, client, clock, monkeypatch):
    case, task_id, good = failing_review(alur, clock, monkeypatch)
    login(client, "pengawas_infrastruktur_tik")
    sent = client.post(f"/tugas/{task_id}", data={"tinjauan_disetujui": "true", "catatan": "sudah ditinjau",
                                                  "dokumen_berita_acara_tinjauan": (io.BytesIO(PDF), "ba.pdf")})
    page = text_of(sent.text)
    assert sent.status_code == 422
    assert "Langkah ini belum dapat diselesaikan." in page and "Isian Anda sudah disimpan" in page
    assert "Error evaluating" not in sent.text and "hasil_sesuai" not in sent.text
    assert alur.drafts.get(task_id, "pengawas_infrastruktur_tik").data["catatan"] == "sudah ditinjau"
    case_page = html.unescape(text_of(client.get(f"/kasus/{case}").text))  # the case is marked
    assert "Insiden terbuka #1." in case_page and "isian 'hasil_sesuai' tidak ada pada data kasus" in case_page
    assert "Insiden #1: langkah gagal diselesaikan; isian disimpan" in case_page
    assert client.get("/insiden").status_code == 403
    logout(client)

    login(client, "pemilik_proses")
    listing = text_of(client.get("/insiden").text)
    assert REVIEW in listing and f"#{case}" in listing and "Coba lagi" in listing
    assert "isian 'hasil_sesuai' tidak ada pada data kasus" in html.unescape(listing)
    [incident] = alur.incidents.list_incidents()
    failed_again = client.post(f"/insiden/{incident.id}/coba-lagi", follow_redirects=True)
    assert "Percobaan ulang belum berhasil; insiden tetap terbuka." in text_of(failed_again.text)

    alur.deployer.deploy_bytes(good, f"{REVIEW}.bpmn", "pemilik_proses", "kondisi diperbaiki")
    version = max(v.version for v in alur.versions.list_versions(REVIEW))
    alur.migrator.migrate_case(case, "pemilik_proses", version)
    done = client.post(f"/insiden/{incident.id}/coba-lagi")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/kasus/{case}")
    assert alur.queries.case(case).status == "completed"
    assert "Tidak ada insiden terbuka." in text_of(client.get("/insiden").text)
    after = html.unescape(text_of(client.get(f"/kasus/{case}").text))
    assert "Insiden terbuka" not in after and "Insiden #1 diselesaikan dengan isian yang disimpan" in after


def test_incident_page_in_english_names_the_failure_in_english(alur, client, clock, monkeypatch):
    case, task_id, _good = failing_review(alur, clock, monkeypatch)
    review_through_the_web(client, task_id)  # fails: the incident opens
    login(client, "admin_sistem")
    page = text_of(client.get("/insiden?lang=en").text)
    assert "the field 'hasil_sesuai' is not in the case data" in html.unescape(page)


def test_a_failed_retry_says_why_in_the_readers_language(alur, client, clock, monkeypatch):
    case, task_id, _good = failing_review(alur, clock, monkeypatch)
    review_through_the_web(client, task_id)  # fails: the incident opens
    login(client, "pemilik_proses")
    client.get("/bahasa/en")
    [incident] = alur.incidents.list_incidents()
    page = html.unescape(text_of(client.post(f"/insiden/{incident.id}/coba-lagi", follow_redirects=True).text))
    assert "the field 'hasil_sesuai' is not in the case data" in page
    assert "Percobaan ulang" not in page and "tidak ada pada data kasus" not in page


def test_a_timer_incident_retried_says_the_timer_ran(alur, client, clock):
    """A timer's incident (the worker's, engine.runtime.incidents.note_timer_failure) has no input to
    speak of: its retry and the case page say the timer ran."""
    from engine.errors import ExecutionError
    from engine.runtime.incidents import note_timer_failure
    from engine.runtime.unit_of_work import UnitOfWork

    add_test_server(alur)
    case = alur.runner.start_case(REVIEW, "pengelola_ti", "TAR/2026").instance_id
    with UnitOfWork.begin(alur.sessions) as work:
        incident_id = note_timer_failure(work, alur.roles, case, ExecutionError(
            "Model gagal dijalankan: uji", timers=[("batas_tinjauan", "Batas tinjauan")]), clock())
    login(client, "pemilik_proses")
    page = html.unescape(text_of(client.post(f"/insiden/{incident_id}/coba-lagi", follow_redirects=True).text))
    assert f"Insiden #{incident_id} selesai: pewaktunya sudah dijalankan." in page
    assert f"Insiden #{incident_id}: pewaktu gagal dijalankan" in page
    assert f"Insiden #{incident_id} diselesaikan: pewaktu sudah dijalankan" in page
    assert "isian yang disimpan" not in page and "isian disimpan" not in page
