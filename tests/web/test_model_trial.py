""""Uji jalan" over HTTP: the modeler's trial run lists each path with its steps, roles and due times; a
path that cannot finish is marked, and the deploy refuses that model with a stable code."""
from __future__ import annotations

import json

from web_helpers import login

from tests.engine.test_versions import KEY, sop01_xml

ALLOWS_EMPTY = ">gangguan_selesai == true and arahan_lanjutan != ''<"  # the form asks for arahan only on "Tidak"


def post_json(client, url: str, payload: dict):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


def stranding_xml() -> str:
    return sop01_xml().replace(">gangguan_selesai == true<", ALLOWS_EMPTY)


def test_owner_runs_the_trial_and_sees_every_path_with_roles_and_due_times(client):
    login(client, "pemilik_proses")
    response = post_json(client, f"/pemodel/{KEY}/uji-jalan", {"xml": sop01_xml()})
    body = response.get_json()
    assert response.status_code == 200 and body["ok"] is True and body["code"] is None
    assert body["message"] == f"Uji jalan: {len(body['paths'])} jalur dicoba, semuanya sampai selesai."
    assert len(body["paths"]) > 2 and all(p["finished"] and p["problem"] is None for p in body["paths"])
    first = body["paths"][0]["steps"][0]
    assert first["kind"] == "task" and first["element_id"] == "gdb_01" and first["role_title"]
    assert first["waktu_iso"] and first["due_at"].endswith("WITA")
    answers = {(a["field"], a["value"]) for p in body["paths"] for s in p["steps"] for a in s["answers"]}
    assert {("Gangguan telah selesai?", "Ya"), ("Gangguan telah selesai?", "Tidak")} <= answers
    decisions = {(s["question"], s["name"]) for p in body["paths"] for s in p["steps"] if s["kind"] == "decision"}
    assert ("Gangguan telah selesai?", "Ya") in decisions and ("Gangguan telah selesai?", "Tidak") in decisions


def test_a_stranded_path_is_marked_with_its_step_in_the_readers_language(client):
    login(client, "pemilik_proses")
    body = post_json(client, f"/pemodel/{KEY}/uji-jalan", {"xml": stranding_xml()}).get_json()
    assert body["ok"] is False
    stranded = [p for p in body["paths"] if not p["finished"]]
    assert stranded and {p["element_id"] for p in stranded} == {"gw_gdb_07"}
    assert "ekspresi 'gangguan_selesai == true and arahan_lanjutan != ''' pada 'Gangguan telah selesai?' tidak " \
           "dapat dihitung (isian 'arahan_lanjutan' tidak ada pada data kasus)" in stranded[0]["problem"]
    assert body["problems"][0]["element_id"] == "gw_gdb_07"
    assert body["message"].startswith(f"Uji jalan: {len(stranded)} dari {len(body['paths'])} jalur tidak dapat")
    client.get("/pemodel?lang=en")
    english = post_json(client, f"/pemodel/{KEY}/uji-jalan", {"xml": stranding_xml()}).get_json()
    stranded_en = [p for p in english["paths"] if not p["finished"]]
    assert "could not be completed" in stranded_en[0]["problem"] and "path" in english["message"]
    assert {a["value"] for p in english["paths"] for s in p["steps"] for a in s["answers"]} >= {"Yes", "No"}


def test_deploy_refuses_a_model_with_a_stranded_path_with_a_stable_code(alur, client):
    login(client, "pemilik_proses")
    response = post_json(client, f"/pemodel/{KEY}/deploy", {"xml": stranding_xml(), "change_note": "arahan"})
    body = response.get_json()
    assert response.status_code == 422 and body["deployed"] is False and body["code"] == "stranded_path"
    assert body["message"].startswith("Deploy ditolak: Uji jalan menemukan jalur yang tidak dapat selesai")
    assert body["trial"]["ok"] is False
    assert {p["element_id"] for p in body["problems"] if p["source"] == "alur"} == {"gw_gdb_07"}
    assert [v.version for v in alur.versions.list_versions(KEY)] == [1]  # nothing deployed


def test_trial_of_a_model_that_fails_the_checks_says_so(client):
    login(client, "pemilik_proses")
    xml = sop01_xml().replace(">gangguan_selesai == true<", ">hasil_sesuai == true<")
    response = post_json(client, f"/pemodel/{KEY}/uji-jalan", {"xml": xml})
    body = response.get_json()
    assert response.status_code == 422 and body["code"] == "deployment_refused" and body["paths"] == []
    assert [p["element_id"] for p in body["problems"] if p["source"] == "alur"] == ["flow_gw_gdb_07_to_gdb_08"]
    deploy = post_json(client, f"/pemodel/{KEY}/deploy", {"xml": xml, "change_note": "x"}).get_json()
    assert deploy["code"] == "deployment_refused"


def test_only_owners_run_the_trial(client):
    login(client, "pengelola_ti")
    assert post_json(client, f"/pemodel/{KEY}/uji-jalan", {"xml": sop01_xml()}).status_code == 403
