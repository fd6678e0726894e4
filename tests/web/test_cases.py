"""Starting cases, the case list, the case file (diagram marks, steps, documents, audit), SOP pages."""
from __future__ import annotations

import json
import re

from web_helpers import PDF, gjr_01_data, login, open_task, start_network_case, text_of, upload


def test_new_case_page_lists_only_sops_my_roles_start(client):
    login(client, "pengguna_jaringan")
    text = text_of(client.get("/kasus/baru").text)
    assert "Penanganan Gangguan Jaringan" in text and "Back-up dan Restore" not in text
    client.post("/keluar")
    login(client, "opd_pemohon")
    text = text_of(client.get("/kasus/baru").text)
    assert "Back-up dan Restore Database Server" in text and "Penanganan Gangguan Jaringan" not in text
    client.post("/keluar")
    login(client, "kasubag_tu")
    assert "Peran Anda tidak memulai SOP mana pun" in text_of(client.get("/kasus/baru").text)


def test_start_case_goes_to_the_first_step(alur, client):
    login(client, "pengguna_jaringan")
    response = client.post("/kasus/baru", data={"process_key": "sop_gangguan_jaringan", "business_key": "045/7"})
    task = open_task(alur, 1)
    assert response.status_code == 302 and response.location == f"/tugas/{task.task_id}"
    assert task.assignee == "pengguna_jaringan" and task.business_key == "045/7"
    assert "Kasus #1 dimulai." in client.get(response.location).text


def test_start_case_of_another_role_is_403_and_unknown_sop_404(client):
    login(client, "kasubag_tu")
    assert client.post("/kasus/baru", data={"process_key": "sop_gangguan_jaringan"}).status_code == 403
    assert client.post("/kasus/baru", data={"process_key": "tidak_ada"}).status_code == 404


def test_routine_sop_started_by_hand_goes_to_the_case_page_when_the_step_is_not_mine(alur, client):
    alur.users.set_roles("pengguna_jaringan", {"pengguna_jaringan", "pengawas_infrastruktur_tik"})
    login(client, "pengguna_jaringan")
    response = client.post("/kasus/baru", data={"process_key": "sop_pemeliharaan_akses_dc"})
    assert response.status_code == 302 and response.location.startswith("/tugas/")  # PDC-01 is the Kasi's


def test_case_page_shows_steps_diagram_marks_documents_and_audit(alur, client, clock):
    case = start_network_case(alur)
    clock.advance(hours=2)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    login(client, "kasubag_tu")  # staff of the case (the requester reads status and outcome only)
    response = client.get(f"/kasus/{case}")
    assert response.status_code == 200
    html, text = response.text, text_of(response.text)
    marks = json.loads(re.search(r"data-marks='([^']*)'", html).group(1))
    assert marks == {"gjr_01": "done", "gjr_02a": "active"}
    assert re.search(r'data-xml-url="/proses/definisi/\d+\.bpmn"', html)
    assert "bpmn-navigated-viewer.production.min.js" in html
    assert "GJR-01" in text and "GJR-02a" in text and "2 jam" in text and "Tepat waktu" in text
    assert "1 hari" in text  # the mutu baku beside the working time
    assert "Surat permohonan penanganan gangguan jaringan" in text and "surat.pdf" in text
    assert "Kasus dimulai (045/1/26)" in text and "Langkah selesai: Berkoordinasi" in text
    assert "Menunggu" in text and "Kepala Sub Bagian Tata Usaha" in text


def test_overdue_step_is_marked_overdue(alur, client, clock):
    case = start_network_case(alur)
    clock.advance(days=4)
    login(client, "kepala_dinas")  # a case reader (the requester reads status and outcome only)
    html = client.get(f"/kasus/{case}").text
    assert json.loads(re.search(r"data-marks='([^']*)'", html).group(1)) == {"gjr_01": "overdue"}
    assert "row-overdue" in html


def test_case_of_others_is_404_unless_a_case_reader(alur, client):
    case = start_network_case(alur)
    login(client, "walidata")
    assert client.get(f"/kasus/{case}").status_code == 404  # as if there were no such case
    assert "Belum ada kasus" in text_of(client.get("/kasus").text)
    client.post("/keluar")
    login(client, "auditor")
    assert client.get(f"/kasus/{case}").status_code == 200
    assert f"#{case}" in client.get("/kasus").text


def test_unknown_case_is_404(client):
    login(client, "auditor")
    assert client.get("/kasus/999").status_code == 404


def test_case_list_filters(alur, client):
    start_network_case(alur)
    login(client, "pengguna_jaringan")
    assert "#1" in client.get("/kasus?status=running").text
    assert "Tidak ada kasus yang cocok" in text_of(client.get("/kasus?status=completed").text)
    assert "Tidak ada kasus yang cocok" in text_of(client.get("/kasus?proses=sop_backup_restore_db").text)


def test_document_download_is_limited_to_the_case_and_its_readers(alur, client):
    case = start_network_case(alur)
    data = gjr_01_data(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", data)
    sha = data["dokumen_surat_permohonan"]
    stray = upload(alur, "lain.pdf", PDF + b"%lain")
    login(client, "kasubag_tu")
    with client.get(f"/kasus/{case}/dokumen/{sha}") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert client.get(f"/kasus/{case}/dokumen/{stray}").status_code == 404
    assert client.get(f"/kasus/{case}/dokumen/bukan-hash").status_code == 404
    client.post("/keluar")
    login(client, "walidata")
    assert client.get(f"/kasus/{case}/dokumen/{sha}").status_code == 404


def test_case_views_and_downloads_are_audited_on_the_case_chain(alur, client):
    case = start_network_case(alur)
    data = gjr_01_data(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", data)
    login(client, "pengguna_jaringan")
    client.get(f"/kasus/{case}")
    client.get(f"/kasus/{case}/dokumen/{data['dokumen_surat_permohonan']}").close()
    trail = alur.queries.audit_trail(case)
    reads = [(e.event_type, e.actor) for e in trail if e.event_type.endswith("_viewed")]
    assert reads == [("case_viewed", "pengguna_jaringan"), ("document_viewed", "pengguna_jaringan")]
    client.post("/keluar")
    login(client, "kasubag_tu")  # staff read the counts (the requester's view has none)
    page = text_of(client.get(f"/kasus/{case}").text)
    assert "kasus dilihat 1 kali, dokumen diunduh 1 kali" in page  # counted (before this view), not listed


def test_cancel_case_asks_for_confirmation_first(alur, client):
    case = start_network_case(alur)
    login(client, "pengguna_jaringan")
    assert "Batalkan kasus" in client.get(f"/kasus/{case}").text
    assert client.post(f"/kasus/{case}/batal", data={"reason": ""}).status_code == 422
    asked = client.post(f"/kasus/{case}/batal", data={"reason": "salah kirim"})
    # a page of its own (works without JavaScript): what happens, the reason, confirm or go back
    assert asked.status_code == 200
    page = text_of(asked.text)
    assert f"Batalkan kasus #{case}?" in page and "1 tugas terbuka ikut dibatalkan." in page and "salah kirim" in page
    assert 'name="confirm" value="1"' in asked.text and f'href="/kasus/{case}"' in asked.text
    assert alur.queries.case(case).status == "running"
    assert "instance_cancelled" not in [e.event_type for e in alur.queries.audit_trail(case)]
    confirmed = client.post(f"/kasus/{case}/batal", data={"reason": "salah kirim", "confirm": "1"})
    assert confirmed.status_code == 302
    assert alur.queries.case(case).status == "cancelled"
    [event] = [e for e in alur.queries.audit_trail(case) if e.event_type == "instance_cancelled"]
    assert event.payload["reason"] == "salah kirim"
    assert client.post(f"/kasus/{case}/batal", data={"reason": "lagi"}).status_code == 409  # checked before asking
    again = client.post(f"/kasus/{case}/batal", data={"reason": "lagi", "confirm": "1"})
    assert again.status_code == 409
    client.post("/keluar")
    other = start_network_case(alur)
    login(client, "kepala_dinas")  # may read every case, but did not start this one
    assert "Batalkan kasus" not in client.get(f"/kasus/{other}").text
    assert client.post(f"/kasus/{other}/batal", data={"reason": "x"}).status_code == 403
    assert client.post(f"/kasus/{other}/batal", data={"reason": "x", "confirm": "1"}).status_code == 403
    assert alur.queries.case(other).status == "running"


def test_sop_catalogue_pages_and_diagram_xml(client):
    login(client, "pengguna_jaringan")
    index = text_of(client.get("/proses").text)
    for name in ("Pengelolaan Gangguan Database", "Penanganan Gangguan Jaringan", "Back-up dan Restore",
                 "Pemeliharaan dan Akses Data Center", "Pengelolaan Data", "Tinjauan Daftar Aset Register Server"):
        assert name in index
    page = client.get("/proses/sop_gangguan_jaringan")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "GJR-10" in text and "Tim Teknis" in text and "3 (tiga) hari sampai 14" in text
    xml_url = re.search(r'data-xml-url="([^"]+)"', page.text).group(1)
    xml = client.get(xml_url)
    assert xml.mimetype == "text/plain" and b'id="sop_gangguan_jaringan"' in xml.data  # never rendered as XML
    assert client.get("/proses/tidak_ada").status_code == 404
    assert client.get("/proses/definisi/999.bpmn").status_code == 404


def test_bpmn_js_assets_are_served_locally(client):
    for path in ("bpmn-navigated-viewer.production.min.js", "assets/bpmn-js.css", "assets/diagram-js.css"):
        with client.get(f"/vendor/bpmn-js/{path}") as response:
            assert response.status_code == 200, path
    assert client.get("/vendor/bpmn-js/../../package.json").status_code == 404
    for path in ("css/alur.css", "js/form.js", "js/diagram.js", "favicon.svg"):
        with client.get(f"/static/{path}") as response:
            assert response.status_code == 200, path
