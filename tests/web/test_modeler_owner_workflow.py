"""Process owners' workflow around the modeler: uploading a .bpmn file to open it, and rolling back to an
earlier version (deployed again as a new version, with a note, audited as a deploy)."""
from __future__ import annotations

import html
import io
import json
import re

import pytest
from web_helpers import login, text_of

from engine.audit.chain import SYSTEM_CHAIN
from engine.permissions import OWNER_ROLE
from engine.modeling.parser import sha256_of
from engine.persistence.models import AuditEvent, ProcessDefinition
from tests.engine.test_versions import KEY, set_task_property, sop01_xml


def upload(client, content: bytes, filename: str = "model.bpmn", key: str = KEY):
    return client.post(f"/pemodel/{key}/unggah", data={"berkas": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def deployed_events(alur) -> list[dict]:
    with alur.sessions() as session:
        return [json.loads(e.payload_json) for e in session.query(AuditEvent).filter_by(
            chain=SYSTEM_CHAIN, event_type="definition_deployed").order_by(AuditEvent.seq)]


def test_an_uploaded_bpmn_file_of_this_sop_comes_back_to_open_in_the_modeler(client):
    login(client, "pemilik_proses")
    xml = set_task_property(sop01_xml(), "gdb_03", "waktu", "2 jam")
    response = upload(client, xml.encode(), "gdb dari camunda.bpmn")
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["xml"] == xml and body["filename"] == "gdb dari camunda.bpmn"
    assert "gdb dari camunda.bpmn dibuka di pemodel" in body["message"]
    other = sop01_xml().replace(f'id="{KEY}"', 'id="sop_lain"').replace(f'processRef="{KEY}"', 'processRef="sop_lain"')
    refused = upload(client, other.encode())
    assert refused.get_json()["message"] == ("Berkas berisi proses 'sop_lain', bukan 'sop_gangguan_database'. "
                                             "Buka pemodel SOP itu untuk mengunggahnya.")


@pytest.mark.parametrize(("content", "reason", "message"), [
    (b"", "empty", "Berkas kosong."),
    (b"\xff\xfe\x00P\x00K", "not_text", "Berkas ini bukan model BPMN: isinya bukan teks XML."),
    (b"Nama,Peran\nBudi,pengelola\n", "not_xml", "Berkas ini bukan model BPMN: XML-nya rusak (baris 1)."),
    (b'<?xml version="1.0"?><html><body>bukan</body></html>', "not_bpmn", "Berkas XML ini bukan model BPMN 2.0."),
    (b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>', "no_process",
     "Model harus berisi tepat satu proses (ada 0)."),
])
def test_an_upload_that_is_not_a_bpmn_model_of_this_sop_is_refused_in_words(client, content, reason, message):
    login(client, "pemilik_proses")
    response = upload(client, content)
    assert response.status_code == 422
    assert response.get_json() == {"ok": False, "code": "upload_refused", "reason": reason, "message": message}


def test_upload_needs_a_file_a_known_sop_and_an_owner(client):
    login(client, "pemilik_proses")
    missing = client.post(f"/pemodel/{KEY}/unggah", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.get_json()["reason"] == "empty"
    assert upload(client, sop01_xml().encode(), key="tidak_ada").status_code == 404
    client.post("/keluar")
    login(client, "pengelola_ti")
    assert upload(client, sop01_xml().encode()).status_code == 403


def test_upload_refusal_speaks_english_in_the_english_ui(client):
    login(client, "pemilik_proses")
    client.get("/bahasa/en")
    assert upload(client, b"<html/>").get_json()["message"] == "This XML file is not a BPMN 2.0 model."


def test_roll_back_deploys_an_earlier_version_again_with_its_note_and_audit(alur, client):
    alur.deployer.deploy_bytes(set_task_property(sop01_xml(), "gdb_03", "waktu", "2 jam").encode(), f"{KEY}.bpmn",
                               "pemilik_proses", "waktu 2 jam", expected_key=KEY)
    login(client, "pemilik_proses")
    page = client.get(f"/pemodel/{KEY}/versi").text
    assert f'action="/pemodel/{KEY}/versi/1/kembalikan"' in page
    assert f'action="/pemodel/{KEY}/versi/2/kembalikan"' not in page  # the latest is not rolled back to

    no_note = client.post(f"/pemodel/{KEY}/versi/1/kembalikan", data={"catatan": "  "})
    assert "Tulis alasan mengembalikan versi 1." in text_of(client.get(no_note.location).text)
    assert [v.version for v in alur.versions.list_versions(KEY)] == [2, 1]

    response = client.post(f"/pemodel/{KEY}/versi/1/kembalikan", data={"catatan": "2 jam terlalu longgar"})
    assert response.status_code == 302
    shown = html.unescape(text_of(client.get(response.location).text))
    assert "Versi 1 di-deploy lagi sebagai versi 3." in shown
    latest = alur.versions.list_versions(KEY)[0]
    assert (latest.version, latest.deployed_by, latest.change_note) == (
        3, "pemilik_proses", "Kembali ke versi 1: 2 jam terlalu longgar")
    assert alur.versions.definition_xml(KEY, 3) == alur.versions.definition_xml(KEY, 1)
    assert alur.versions.diff(KEY, 1, 3).is_empty
    last = deployed_events(alur)[-1]
    assert (last["version"], last["restored_from"], last["change_note"]) == (
        3, 1, "Kembali ke versi 1: 2 jam terlalu longgar")
    assert "restored_from" not in deployed_events(alur)[-2]

    same = client.post(f"/pemodel/{KEY}/versi/3/kembalikan", data={"catatan": "lagi"})
    assert "Versi 3 sama dengan versi terbaru: tidak ada versi baru." in text_of(client.get(same.location).text)
    assert client.post(f"/pemodel/{KEY}/versi/9/kembalikan", data={"catatan": "x"}).status_code == 404
    client.post("/keluar")
    login(client, "auditor")
    assert client.post(f"/pemodel/{KEY}/versi/1/kembalikan", data={"catatan": "x"}).status_code == 403
    assert "kembalikan" not in client.get(f"/pemodel/{KEY}/versi").text


def save_draft(client, payload: dict):
    return client.post(f"/pemodel/{KEY}/draf", data=json.dumps(payload), content_type="application/json")


def test_owner_saves_a_draft_lists_it_reopens_it_and_deletes_it(alur, client):
    login(client, "pemilik_proses")
    edited = set_task_property(sop01_xml(), "gdb_03", "waktu", "2 jam")
    body = save_draft(client, {"xml": edited, "title": "Revisi waktu langkah 3", "based_on_version": 1}).get_json()
    assert body["saved"] is True and body["url"] == f"/pemodel/{KEY}?draf={body['draft_id']}"
    assert body["message"].startswith('Draf "Revisi waktu langkah 3" disimpan.')
    assert [v.version for v in alur.versions.list_versions(KEY)] == [1]

    client.post("/keluar")  # another process owner sees it and may continue it
    alur.users.add_user("pemilik_kedua", "Pemilik Kedua", "rahasia-pemilik-kedua", {OWNER_ROLE})
    login(client, "pemilik_kedua", "rahasia-pemilik-kedua")
    listing = client.get("/pemodel").text
    assert f'href="/pemodel/{KEY}?draf={body["draft_id"]}"' in listing and "Revisi waktu langkah 3" in listing
    page = client.get(body["url"]).text
    config = json.loads(re.search(r'id="alur-modeler-config">(.*?)</script>', page, re.S).group(1))
    assert config["draft"] == {"id": body["draft_id"], "title": "Revisi waktu langkah 3"}
    assert client.get(config["xmlUrl"]).text == edited
    assert 'draf "Revisi waktu langkah 3" (dari versi 1)' in html.unescape(page)

    replaced = save_draft(client, {"xml": sop01_xml(), "title": "Revisi waktu langkah 3",
                                   "draft_id": body["draft_id"], "based_on_version": 99}).get_json()
    assert replaced["draft_id"] == body["draft_id"]
    assert alur.model_drafts.get(KEY, body["draft_id"])[0].based_on_version == 1  # an unknown version: the latest

    deleted = client.post(f"/pemodel/{KEY}/draf/{body['draft_id']}/hapus")
    assert 'Draf "Revisi waktu langkah 3" dihapus.' in html.unescape(text_of(client.get(deleted.location).text))
    assert alur.model_drafts.list() == []
    assert client.get(config["xmlUrl"]).status_code == 404
    assert client.get(f"/pemodel/{KEY}?draf={body['draft_id']}").status_code == 404


@pytest.mark.parametrize(("payload", "message"), [
    ({"xml": "", "title": "x"}, "Berkas kosong."),
    ({"xml": "<html/>", "title": "x"}, "Berkas XML ini bukan model BPMN 2.0."),
    ({"title": "   "}, 'Beri nama draf, mis. "Revisi waktu langkah 3".'),
    ({"title": "x" * 201}, "Nama draf paling banyak 200 karakter."),
    ({"title": "x", "draft_id": 4242}, None),
    ([1, 2], 'Beri nama draf, mis. "Revisi waktu langkah 3".'),
])
def test_a_bad_draft_is_refused_in_words_and_nothing_is_stored(alur, client, payload, message):
    login(client, "pemilik_proses")
    if isinstance(payload, dict):
        payload = {"xml": sop01_xml(), **payload}
    response = save_draft(client, payload)
    if message is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 422 and response.get_json()["message"] == message
    assert alur.model_drafts.list() == []


def test_drafts_are_for_process_owners_only(alur, client):
    saved = alur.model_drafts.save(KEY, sop01_xml().encode(), "Draf rahasia", 1, "pemilik_proses")
    login(client, "auditor")
    assert "Draf rahasia" not in client.get("/pemodel").text
    assert client.get(f"/pemodel/{KEY}/draf/{saved.draft_id}.bpmn").status_code == 403
    assert save_draft(client, {"xml": sop01_xml(), "title": "x"}).status_code == 403
    assert client.post(f"/pemodel/{KEY}/draf/{saved.draft_id}/hapus").status_code == 403


def test_roll_back_to_a_version_that_fails_todays_checks_is_refused_and_stores_nothing(alur, client, clock):
    """A version deployed under older rules (stored as it was then) is not deployed again unchecked."""
    from tests.web.test_modeler import MISSING_CONDITION

    broken = sop01_xml().replace(MISSING_CONDITION, "")
    with alur.sessions.begin() as session:
        session.add(ProcessDefinition(process_key=KEY, version=2, name="Gangguan Database", bpmn_xml=broken,
                                      sha256=sha256_of(broken.encode()), source_file=f"{KEY}.bpmn",
                                      deployed_by="pemilik_lama", deployed_at=clock(), change_note="aturan lama"))
    alur.deployer.deploy_bytes(sop01_xml().encode(), f"{KEY}.bpmn", "pemilik_proses", "diperbaiki", expected_key=KEY)
    events = len(deployed_events(alur))
    login(client, "pemilik_proses")
    response = client.post(f"/pemodel/{KEY}/versi/2/kembalikan", data={"catatan": "kembali ke aturan lama"})
    shown = html.unescape(text_of(client.get(response.location).text))
    assert "Versi 2 tidak dapat dikembalikan: model itu tidak lolos pemeriksaan deploy sekarang." in shown
    assert "flow_gw_gdb_07_to_gdb_08" in shown
    assert [v.version for v in alur.versions.list_versions(KEY)] == [3, 2, 1]
    assert len(deployed_events(alur)) == events
