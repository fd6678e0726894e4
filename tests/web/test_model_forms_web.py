"""The form panel over HTTP: a form as the panel edits it, the next key of a changed copy, and a model's new
forms through the check, the trial run and the deploy (refused in words with a stable code when bad)."""
from __future__ import annotations

import json
import re

from web_helpers import login

from tests.engine.test_versions import KEY, sop01_xml

FORM = "gdb_07_verifikasi_gangguan"
NEW = f"{FORM}_v2"


def post_json(client, url: str, payload: dict):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


def changed_copy(client) -> dict:
    outline = client.get(f"/pemodel/formulir/{FORM}").get_json()
    fields = outline["fields"] + [{"name": "penyebab_gangguan", "label": "Penyebab gangguan", "kind": "choice",
                                   "choices": ["perangkat keras", "perangkat lunak", "jaringan"], "required": True}]
    return {outline["next_key"]: {"title": outline["title"], "fields": fields, "kept_rules": outline["kept_rules"],
                                  "based_on": FORM}}


def test_the_panel_reads_a_form_and_the_key_its_changed_copy_gets(client):
    login(client, "pemilik_proses")
    body = client.get(f"/pemodel/formulir/{FORM}").get_json()
    assert body["key"] == FORM and body["next_key"] == NEW and body["title"]
    assert [(f["name"], f["kind"]) for f in body["fields"]][:2] == [("gangguan_selesai", "yesno"),
                                                                     ("arahan_lanjutan", "longtext")]
    assert body["fields"][1]["required_if"] == {"field": "gangguan_selesai", "value": False}
    assert client.get(f"/pemodel/formulir/{FORM}?terpakai={NEW}").get_json()["next_key"] == f"{FORM}_v3"
    page = client.get(f"/pemodel/{KEY}").text
    config = json.loads(re.search(r'id="alur-modeler-config">(.*?)</script>', page, re.S).group(1))
    assert {"name": "gangguan_selesai", "label": "Gangguan telah selesai?", "kind": "yesno", "choices": []} in \
        config["formFields"][FORM]
    client.post("/keluar")
    login(client, "pengelola_ti")
    assert client.get(f"/pemodel/formulir/{FORM}").status_code == 403


def test_a_model_deploys_with_its_changed_form_and_the_condition_may_read_the_new_field(alur, client):
    login(client, "pemilik_proses")
    forms = changed_copy(client)
    xml = sop01_xml().replace(f'camunda:formKey="{FORM}"', f'camunda:formKey="{NEW}"').replace(
        ">gangguan_selesai == true<", ">gangguan_selesai == true and penyebab_gangguan != 'jaringan'<")
    # without the new form, the model names a form and a field nobody defines
    alone = post_json(client, f"/pemodel/{KEY}/periksa", {"xml": xml}).get_json()
    assert not alone["ok"] and any(NEW in p["message"] for p in alone["problems"])
    checked = post_json(client, f"/pemodel/{KEY}/periksa", {"xml": xml, "forms": forms}).get_json()
    assert checked["ok"], checked["problems"]
    trial = post_json(client, f"/pemodel/{KEY}/uji-jalan", {"xml": xml, "forms": forms}).get_json()
    # each choice is tried; "jaringan" takes the other way at the decision, so both appear on the paths listed
    assert trial["ok"] and {a["value"] for p in trial["paths"] for s in p["steps"] for a in s["answers"]} >= {
        "perangkat keras", "jaringan"}
    deployed = post_json(client, f"/pemodel/{KEY}/deploy", {"xml": xml, "forms": forms, "change_note": "penyebab"})
    assert deployed.status_code == 200 and deployed.get_json()["version"] == 2
    assert alur.forms.get(NEW).schema["properties"]["penyebab_gangguan"]["enum"][0] == "perangkat keras"
    assert client.get(f"/pemodel/formulir/{FORM}").get_json()["next_key"] == f"{FORM}_v3"


def test_a_bad_new_form_is_refused_in_words_with_a_stable_code(alur, client):
    login(client, "pemilik_proses")
    forms = changed_copy(client)
    forms[NEW]["fields"][-1]["choices"] = ["satu"]
    for url in ("periksa", "uji-jalan", "deploy"):
        response = post_json(client, f"/pemodel/{KEY}/{url}", {"xml": sop01_xml(), "forms": forms, "change_note": "x"})
        body = response.get_json()
        assert response.status_code == 422 and body["code"] == "invalid_input", url
        assert (body["form_key"], body["field"], body["reason"]) == (NEW, "penyebab_gangguan", "field_choices")
        assert "memerlukan paling sedikit dua pilihan" in body["message"]
    taken = {FORM: changed_copy(client)[NEW]}
    body = post_json(client, f"/pemodel/{KEY}/deploy", {"xml": sop01_xml(), "forms": taken,
                                                        "change_note": "x"}).get_json()
    assert body["reason"] == "form_in_use" and NEW in body["message"]
    assert [v.version for v in alur.versions.list_versions(KEY)] == [1]


def test_a_draft_keeps_the_new_forms_of_its_model(alur, client):
    login(client, "pemilik_proses")
    forms = changed_copy(client)
    xml = sop01_xml().replace(f'camunda:formKey="{FORM}"', f'camunda:formKey="{NEW}"')
    body = post_json(client, f"/pemodel/{KEY}/draf", {"xml": xml, "title": "Penyebab gangguan", "forms": forms,
                                                      "based_on_version": 1}).get_json()
    assert body["saved"] is True
    page = client.get(body["url"]).text
    config = json.loads(re.search(r'id="alur-modeler-config">(.*?)</script>', page, re.S).group(1))
    assert config["draftForms"] == forms  # the form panel opens them again, as they were
    assert alur.model_forms.stored_keys() == []  # a draft stores no form: only the deploy does
    refused = post_json(client, f"/pemodel/{KEY}/draf", {"xml": xml, "title": "x", "forms": "bukan objek"})
    assert refused.status_code == 200 and refused.get_json()["saved"] is True  # a non-object is ignored, as sent
    assert alur.model_drafts.forms_of(KEY, refused.get_json()["draft_id"]) == {}


def test_a_form_key_no_file_can_have_is_an_unknown_form_to_the_panel_and_the_check(alur, client):
    """A 300-character key (the panel's URL, a model's formKey) was a file-system error: 500."""
    login(client, "pemilik_proses")
    for key in ("x" * 300, "tidak_ada", "%2e%2e"):
        response = client.get(f"/pemodel/formulir/{key}")
        body = response.get_json()
        assert response.status_code == 422 and body["code"] == "invalid_input", key
        assert "tidak ditemukan" in body["message"], key
    nul = client.get("/pemodel/formulir/a%00b")  # refused at the door (web.input_guard), before the panel
    assert nul.status_code == 422 and "tidak dapat disimpan" in nul.text
    xml = sop01_xml().replace(f'formKey="{FORM}"', 'formKey="' + "x" * 300 + '"', 1)
    for url in ("periksa", "uji-jalan", "deploy"):
        response = post_json(client, f"/pemodel/{KEY}/{url}", {"xml": xml, "change_note": "x"})
        assert response.status_code in (200, 422), url
        assert "tidak ditemukan" in json.dumps(response.get_json(), ensure_ascii=False), url
    assert [v.version for v in alur.versions.list_versions(KEY)] == [1]
