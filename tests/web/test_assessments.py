"""The monitoring and evaluation pages (/dasbor/penilaian): the penilai SOP drafts, edits, signs off and
prints; the Kabid, the Kepala Dinas and auditors read; staff and requesters do not; bad input gets a clear
message and stores nothing; the pages in English."""
from __future__ import annotations

import shutil

import pytest
from web_helpers import ROOT, login, logout, text_of

KEY = "sop_gangguan_jaringan"
DRAFT = {"jenis": "monitoring", "sop": KEY, "tahun": "2026", "semester": "1"}


def _edit_form(view, **overrides):
    answer = "penilaian" if view.kind == "monitoring" else "jawaban"
    data = {"edits": str(view.edits), "unit_kerja": view.content["unit_kerja"], "tanggal": "2026-11-23"}
    if view.kind == "monitoring":
        data["metode"] = ["observasi", "data_alur"]
    for index, row in enumerate(view.content["rows"]):
        data[f"{answer}_{index}"] = row[answer] or "baik"
        data[f"catatan_{index}"] = row["catatan"]
        data[f"tindakan_{index}"] = row["tindakan"]
    data.update(overrides)
    return data


def test_penilai_drafts_edits_signs_off_and_prints(alur, client):
    login(client, "penilai_sop")
    page = client.get("/dasbor/penilaian")
    assert page.status_code == 200 and "Susun draf" in page.text
    made = client.post("/dasbor/penilaian", data=DRAFT)
    assert made.status_code == 302
    assessment_id = int(made.headers["Location"].rstrip("/").split("/")[-1])
    view = alur.assessments.get(assessment_id, frozenset({"penilai_sop"}))
    shown = text_of(client.get(f"/dasbor/penilaian/{assessment_id}").text)
    assert "Monitoring Pelaksanaan SOP AP" in shown and "Tidak ada pelaksanaan pada periode ini." in shown

    saved = client.post(f"/dasbor/penilaian/{assessment_id}",
                        data=_edit_form(view, catatan_0="Belum ada gangguan jaringan dilaporkan lewat Alur."))
    assert saved.status_code == 302
    view = alur.assessments.get(assessment_id, frozenset({"penilai_sop"}))
    assert view.content["rows"][0]["catatan"] == "Belum ada gangguan jaringan dilaporkan lewat Alur."
    assert view.content["metode"] == ["observasi", "data_alur"] and view.edits == 1

    stale = client.post(f"/dasbor/penilaian/{assessment_id}", data=_edit_form(view, edits="0"))
    assert stale.status_code == 409 and "diubah orang lain" in text_of(stale.text)
    bad = client.post(f"/dasbor/penilaian/{assessment_id}", data=_edit_form(view, penilaian_0="lumayan"))
    assert bad.status_code == 422 and "Pilihan tidak sah" in text_of(bad.text)
    bad_day = client.post(f"/dasbor/penilaian/{assessment_id}", data=_edit_form(view, tanggal="23/11/2026"))
    assert bad_day.status_code == 422 and "Tanggal tidak sah" in text_of(bad_day.text)
    assert alur.assessments.get(assessment_id, frozenset({"penilai_sop"})).edits == 1  # nothing stored

    signed = client.post(f"/dasbor/penilaian/{assessment_id}/sahkan", data={"edits": "1"})
    assert signed.status_code == 302
    page = client.get(f"/dasbor/penilaian/{assessment_id}")
    assert "Disahkan" in page.text and "<textarea" not in page.text and "Buat versi baru" in page.text
    again = client.post(f"/dasbor/penilaian/{assessment_id}", data=_edit_form(view, edits="2"))
    assert again.status_code == 409 and "sudah disahkan" in text_of(again.text)
    printed = client.get(f"/dasbor/penilaian/{assessment_id}/cetak")
    assert printed.status_code == 200 and "Paraf penilai" in printed.text
    newer = client.post(f"/dasbor/penilaian/{assessment_id}/versi-baru")
    assert newer.status_code == 302
    assert [v.version for v in alur.assessments.list_forms(frozenset({"penilai_sop"}))] == [2, 1]
    if shutil.which("chromium"):
        pdf = client.get(f"/dasbor/penilaian/{assessment_id}/cetak.pdf")
        assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")

    duplicate = client.post("/dasbor/penilaian", data=DRAFT)
    assert duplicate.status_code == 409 and "sudah ada" in text_of(duplicate.text)


@pytest.mark.parametrize("data, message", [
    ({**DRAFT, "tahun": "dua ribu"}, "Angka tidak sah"),
    ({**DRAFT, "semester": "3"}, "Semester harus 1 atau 2"),
    ({**DRAFT, "jenis": "harian"}, "Jenis formulir tidak dikenal"),
    ({**DRAFT, "tahun": "2030"}, "belum dimulai"),
])
def test_a_bad_draft_request_is_refused_with_a_message(alur, client, data, message):
    login(client, "penilai_sop")
    refused = client.post("/dasbor/penilaian", data=data)
    assert refused.status_code == 422 and message in text_of(refused.text)
    assert alur.assessments.list_forms(frozenset({"penilai_sop"})) == []


def test_readers_read_and_staff_do_not(alur, client):
    view = alur.assessments.draft("monitoring", KEY, 2026, 1, "penilai_sop", frozenset({"penilai_sop"}))
    path = f"/dasbor/penilaian/{view.assessment_id}"
    for reader in ("pejabat_administrator_tik", "kepala_dinas", "auditor"):
        login(client, reader)
        page = client.get(path)
        assert page.status_code == 200 and "<textarea" not in page.text, reader
        assert client.post(path, data=_edit_form(view)).status_code == 403, reader
        assert "Penanganan Gangguan Jaringan" in client.get("/dasbor/penilaian").text
        logout(client)
    login(client, "pengelola_ti")
    assert client.get(path).status_code == 403
    assert "Penanganan Gangguan Jaringan" not in client.get("/dasbor/penilaian").text
    assert client.post("/dasbor/penilaian", data=DRAFT).status_code == 403


def test_the_pages_in_english(alur, client):
    view = alur.assessments.draft("evaluasi", KEY, 2026, None, "penilai_sop", frozenset({"penilai_sop"}))
    login(client, "penilai_sop")
    page = text_of(client.get(f"/dasbor/penilaian/{view.assessment_id}?lang=en").text)
    assert "Evaluation of SOP implementation" in page and "Does the SOP drive better performance?" in page


def test_a_process_owner_links_the_revision_a_signed_form_led_to(alur, client):
    penilai = frozenset({"penilai_sop"})
    view = alur.assessments.draft("monitoring", KEY, 2026, 1, "penilai_sop", penilai)
    alur.assessments.edit(view.assessment_id, 0, {"rows": [{"penilaian": "baik"} for _ in view.content["rows"]]},
                          "penilai_sop", penilai)
    view = alur.assessments.sign_off(view.assessment_id, 1, "penilai_sop", penilai)
    path = f"/dasbor/penilaian/{view.assessment_id}"
    xml = (ROOT / "processes" / f"{KEY}.bpmn").read_text()
    alur.deployer.deploy_bytes(xml.replace("Memonitor jaringan pada sistem monitoring",
                                           "Memonitor jaringan pada sistem monitoring (NMS)").encode(),
                               f"{KEY}.bpmn", "pemilik_proses")
    login(client, "pemilik_proses")
    assert "Tautkan ke revisi SOP" in client.get(path).text
    refused = client.post(f"{path}/revisi", data={"versi": "1"})
    assert refused.status_code == 422 and "bukan revisi" in text_of(refused.text)
    assert client.post(f"{path}/revisi", data={"versi": "2"}).status_code == 302
    assert "ditindaklanjuti dengan revisi SOP versi 2" in text_of(client.get(path).text)
    assert alur.sop_identities.form_values(KEY)["tanggal_revisi"] == "2026-11-23"
    logout(client)
    login(client, "auditor")
    assert "Tautkan ke revisi SOP" not in client.get(path).text
    assert client.post(f"{path}/revisi", data={"versi": "2"}).status_code == 403


def test_every_fixed_word_of_the_forms_has_its_translation_key():
    from engine import ASSESSMENT_KINDS, CRITERIA, JAWABAN, METODE, PENILAIAN, REKOMENDASI
    from web.assessments import WORDS

    keys = {*PENILAIAN, *JAWABAN, *METODE, *REKOMENDASI, *ASSESSMENT_KINDS, *(key for key, _ in CRITERIA)}
    assert keys == set(WORDS)
    with_words = {**PENILAIAN, **JAWABAN, **METODE, **REKOMENDASI, **dict(CRITERIA)}
    assert all(str(WORDS[key]) == text for key, text in with_words.items())  # the same Indonesian text


def test_the_dashboard_of_an_sop_leads_to_its_forms_only(alur, client):
    penilai = frozenset({"penilai_sop"})
    alur.assessments.draft("monitoring", KEY, 2026, 1, "penilai_sop", penilai)
    alur.assessments.draft("monitoring", "sop_pengelolaan_data", 2026, 1, "penilai_sop", penilai)
    login(client, "kepala_dinas")
    assert f"/dasbor/penilaian?sop={KEY}" in client.get(f"/dasbor/sop/{KEY}").text
    page = text_of(client.get(f"/dasbor/penilaian?sop={KEY}").text)
    assert "Penanganan Gangguan Jaringan" in page and "Pengelolaan Data" not in page
