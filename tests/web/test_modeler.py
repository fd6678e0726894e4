"""Process owners' pages over HTTP: the modeler page, checking and deploying a model, the versions page
with its diff and case migration, the .bpmn download, and the SOP document (HTML and PDF)."""
from __future__ import annotations

import html
import json
import re
import shutil

import pytest
from web_helpers import ROOT, login, logout, text_of

from tests.engine.test_versions import KEY, rename_lane, set_task_property, sop01_xml

MISSING_CONDITION = ('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">gangguan_selesai == true'
                     '</bpmn:conditionExpression>')


def edited_xml() -> str:
    return rename_lane(set_task_property(sop01_xml(), "gdb_03", "waktu", "2 jam"), "lane_kepala_dinas", "Kadis")


def post_json(client, url: str, payload: dict):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


def test_owner_opens_the_modeler_with_catalogue_and_forms(client):
    login(client, "pemilik_proses")
    listing = text_of(client.get("/pemodel").text)
    assert "Pengelolaan Gangguan Database" in listing and "Buka di pemodel" in listing
    page = client.get(f"/pemodel/{KEY}")
    assert page.status_code == 200
    config = json.loads(re.search(r'<script type="application/json" id="alur-modeler-config">(.*?)</script>',
                                  page.text, re.S).group(1))
    assert config["processKey"] == KEY and config["version"] == 1
    assert {"key": "pengawas_data_integrasi",
            "title": "Pejabat Pengawas / Kepala Seksi Pengelolaan Data dan Integrasi Sistem Informasi"} \
        in config["roles"]
    assert "gdb_03_arahan_penyelesaian" in config["forms"]
    assert client.get(config["xmlUrl"]).text == sop01_xml()
    assert "vendor/modeler.js" in page.text and "Catatan perubahan" in page.text


def test_only_process_owners_edit_and_readers_see_versions(client):
    login(client, "pengelola_ti")
    assert client.get(f"/pemodel/{KEY}").status_code == 403
    assert client.get(f"/pemodel/{KEY}/versi").status_code == 403
    assert post_json(client, f"/pemodel/{KEY}/deploy", {"xml": sop01_xml(), "change_note": "x"}).status_code == 403
    assert client.get(f"/pemodel/{KEY}/versi/1/dokumen").status_code == 200  # the SOP document is for everyone
    client.post("/keluar")
    login(client, "auditor")
    assert client.get(f"/pemodel/{KEY}/versi").status_code == 200
    assert client.get(f"/pemodel/{KEY}").status_code == 403
    assert client.get("/pemodel/tidak_ada/versi").status_code == 404


def test_check_lists_every_problem_with_its_element(client):
    login(client, "pemilik_proses")
    xml = sop01_xml().replace(MISSING_CONDITION, "").replace('value="PT15M"', 'value="15 menit"', 1)
    body = post_json(client, f"/pemodel/{KEY}/periksa", {"xml": xml}).get_json()
    assert body["ok"] is False
    deploy_problems = [(p["element_id"], p["message"]) for p in body["problems"] if p["source"] == "alur"]
    assert deploy_problems == [
        ("gdb_05", "Waktu '15 menit' (batas waktu) pada langkah 'Memeriksa gangguan database pada server dan "
                   "melaporkan hasilnya' tidak dapat dibaca sebagai lama waktu kerja; tulis mis. PT30M (30 menit), "
                   "PT4H (4 jam) atau P2D (2 hari kerja)."),
        ("flow_gw_gdb_07_to_gdb_08", "Alur 'Ya' dari keputusan 'Gangguan telah selesai?' belum berkondisi dan "
                                     "bukan alur default.")]
    if body["lint_note"] == "":
        assert ("flow_gw_gdb_07_to_gdb_08", "conditional-flows") in [
            (p["element_id"], p["rule"]) for p in body["problems"] if p["source"] == "bpmnlint"]
    clean = post_json(client, f"/pemodel/{KEY}/periksa", {"xml": sop01_xml()}).get_json()
    assert clean["ok"] is True and clean["problems"] == []


def test_check_speaks_the_readers_language_and_keeps_tool_text_as_detail(client):
    login(client, "pemilik_proses")
    client.get("/pemodel?lang=en")
    xml = sop01_xml().replace("gangguan_selesai == true", "hasil_sesuai == true")
    body = post_json(client, f"/pemodel/{KEY}/periksa", {"xml": xml}).get_json()
    assert [(p["element_id"], p["message"]) for p in body["problems"] if p["source"] == "alur"] == [
        ("flow_gw_gdb_07_to_gdb_08", "The condition of flow 'Ya' leaving decision 'Gangguan telah selesai?' uses "
                                     "the field 'hasil_sesuai', but no form in this model fills it in.")]
    broken = post_json(client, f"/pemodel/{KEY}/periksa", {"xml": "<bpmn:definitions"}).get_json()
    [problem] = broken["problems"]
    assert problem["message"].startswith("Invalid XML at line 1") and problem["detail"]
    client.get("/pemodel?lang=id")
    body = post_json(client, f"/pemodel/{KEY}/periksa", {"xml": xml}).get_json()
    assert body["problems"][0]["message"].startswith("Kondisi alur 'Ya' dari keputusan 'Gangguan telah selesai?'")


def test_deploy_needs_a_note_and_a_valid_model(alur, client):
    login(client, "pemilik_proses")
    url = f"/pemodel/{KEY}/deploy"
    assert post_json(client, url, {"xml": edited_xml(), "change_note": " "}).status_code == 422
    refused = post_json(client, url, {"xml": edited_xml().replace(MISSING_CONDITION, ""), "change_note": "uji"})
    assert refused.status_code == 422 and refused.get_json()["deployed"] is False
    assert [p["element_id"] for p in refused.get_json()["problems"] if p["source"] == "alur"] == [
        "flow_gw_gdb_07_to_gdb_08"]
    deployed = post_json(client, url, {"xml": edited_xml(), "change_note": "Langkah 3 menjadi 2 jam"})
    body = deployed.get_json()
    assert deployed.status_code == 200 and (body["deployed"], body["version"]) == (True, 2)
    assert body["versions_url"] == f"/pemodel/{KEY}/versi?dari=1&ke=2"
    again = post_json(client, url, {"xml": edited_xml(), "change_note": "lagi"}).get_json()
    assert (again["deployed"], again["version"]) == (False, 2) and "Tidak ada perubahan" in again["message"]
    with alur.sessions() as session:
        row, parsed = alur.definitions.latest(session, KEY)
    assert (row.version, row.deployed_by, row.change_note) == (2, "pemilik_proses", "Langkah 3 menjadi 2 jam")
    assert parsed.user_tasks["gdb_03"].mutu_baku["waktu"] == "2 jam"



@pytest.mark.parametrize("body", ['"teks"', "[]", "12", "null"])
def test_a_deploy_body_that_is_json_but_no_object_asks_for_the_note(alur, client, body):
    """A JSON string or list as the body was an AttributeError: 500."""
    login(client, "pemilik_proses")
    refused = client.post(f"/pemodel/{KEY}/deploy", data=body, content_type="application/json")
    assert refused.status_code == 422 and refused.get_json()["message"] == "Catatan perubahan wajib diisi."
    assert [v.version for v in alur.versions.list_versions(KEY)] == [1]

def test_versions_page_lists_the_diff_and_migrates_one_case(alur, client):
    moved = alur.runner.start_case(KEY, "pengelola_ti", "GDB/1").instance_id
    stays = alur.runner.start_case(KEY, "pengelola_ti", "GDB/2").instance_id
    xml = edited_xml().replace('camunda:candidateGroups="pengelola_ti"', 'camunda:candidateGroups="pemeriksa_ti"')
    alur.deployer.deploy_bytes(xml.encode(), f"{KEY}.bpmn", "pemilik_proses", "v2", expected_key=KEY)
    login(client, "pemilik_proses")
    page = client.get(f"/pemodel/{KEY}/versi")
    text = text_of(page.text)
    assert "v2 terbaru" in text and "v2" in text and "Pemilik Proses (demo)" in text
    items = re.findall(r'<li data-property="([^"]+)">', page.text)
    assert items == ["name", "mutu:waktu", "candidateGroups"]
    assert "Mutu baku: waktu: 1 jam → 2 jam" in text and "Kepala Dinas → Kadis" in text
    assert text.count("aman") >= 2  # both cases are still at gdb_01: safe to move
    instance_version = alur.queries.case(moved).version
    response = client.post(f"/pemodel/{KEY}/migrasi", data={"instance_id": moved, "to_version": 2,
                                                           "expected_version": instance_version})
    assert response.status_code == 302
    assert f"Kasus #{moved} dipindahkan ke versi 2." in text_of(client.get(response.location).text)
    assert alur.queries.case(moved).definition_version == 2
    assert alur.queries.case(stays).definition_version == 1
    stale = client.post(f"/pemodel/{KEY}/migrasi", data={"instance_id": stays, "to_version": 2,
                                                        "expected_version": 99})
    assert stale.status_code == 409


def test_versions_page_names_the_diff_in_the_readers_language(alur, client):
    xml = edited_xml().replace('camunda:candidateGroups="pengelola_ti"', 'camunda:candidateGroups="pemeriksa_ti"')
    alur.deployer.deploy_bytes(xml.encode(), f"{KEY}.bpmn", "pemilik_proses", "v2", expected_key=KEY)
    login(client, "pemilik_proses")
    client.get("/bahasa/en")
    text = text_of(client.get(f"/pemodel/{KEY}/versi").text)
    assert "0 elements added, 0 removed, 3 changed" in text, text
    assert "changed Step (user task)" in text and "Mutu baku: time: 1 jam → 2 jam" in text
    assert "Step role (narrows the lane)" in text
    assert "Versions of Database Incident Management" in text and "Open the latest version in the modeler" in text
    for indonesian in ("elemen ditambah", "diubah Langkah", "Mutu baku: waktu:", "mempersempit", "Buka versi"):
        assert indonesian not in text, indonesian
    client.get("/bahasa/id")
    assert "0 elemen ditambah, 0 dihapus, 3 diubah" in text_of(client.get(f"/pemodel/{KEY}/versi").text)


def test_every_diff_label_of_the_engine_has_its_english_in_the_catalogue():
    from babel.messages.pofile import read_po

    from engine.modeling import diff

    with (ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    labels = {*diff.KIND_LABELS.values(), *diff.PROPERTY_LABELS.values(), *diff.PROCESS_PROPERTY_LABELS.values(),
              *(diff.label_parts(f"{prefix}x")[0] for prefix in ("property:", "extension:", "mutu:"))}
    missing = sorted(label for label in labels if not (catalogue.get(label) and catalogue.get(label).string))
    assert missing == [], f"run make translations and give these English: {missing}"


def test_versions_page_shows_why_a_case_cannot_move(alur, client):
    case = alur.runner.start_case(KEY, "pengelola_ti", "GDB/9").instance_id
    xml = sop01_xml().replace('<camunda:property name="role" value="pemeriksa_pengelola_ti"/>',
                              '<camunda:property name="role" value="tim_teknis"/>')
    alur.deployer.deploy_bytes(xml.encode(), f"{KEY}.bpmn", "pemilik_proses", "lane ke tim teknis", expected_key=KEY)
    login(client, "pemilik_proses")
    text = html.unescape(text_of(client.get(f"/pemodel/{KEY}/versi").text))
    assert "ditolak" in text and "berganti peran dari 'pemeriksa_pengelola_ti' menjadi 'tim_teknis'" in text
    response = client.post(f"/pemodel/{KEY}/migrasi", data={"from_version": 1, "to_version": 2})
    flashed = html.unescape(text_of(client.get(response.location).text))
    assert "0 kasus dipindahkan ke versi 2; 1 ditolak" in flashed and f"Kasus #{case} tidak dipindahkan" in flashed


def test_a_case_at_a_deleted_step_moves_once_the_owner_maps_it_one_or_all(alur, client):
    from tests.engine.test_migration_of_cases import rename_task

    one = alur.runner.start_case(KEY, "pengelola_ti", "GDB/P1").instance_id
    two = alur.runner.start_case(KEY, "pengelola_ti", "GDB/P2").instance_id
    alur.deployer.deploy_bytes(rename_task(sop01_xml(), "gdb_01", "gdb_01_baru").encode(), f"{KEY}.bpmn",
                               "pemilik_proses", "langkah 1 diganti", expected_key=KEY)
    login(client, "pemilik_proses")
    page = client.get(f"/pemodel/{KEY}/versi").text
    assert 'name="peta__gdb_01"' in page and '<option value="gdb_01_baru">' in page
    assert "ditolak" in text_of(page) and "petakan ke langkah versi 2" in html.unescape(text_of(page))

    moved = client.post(f"/pemodel/{KEY}/migrasi", data={
        "instance_id": one, "to_version": 2, "expected_version": alur.queries.case(one).version,
        "peta__gdb_01": "gdb_01_baru"})
    assert moved.status_code == 302
    assert f"Kasus #{one} dipindahkan ke versi 2." in text_of(client.get(moved.location).text)
    assert [t.element_id for t in alur.queries.open_tasks(one)] == ["gdb_01_baru"]

    unmapped = client.post(f"/pemodel/{KEY}/migrasi", data={"from_version": 1, "to_version": 2})
    assert "0 kasus dipindahkan" in html.unescape(text_of(client.get(unmapped.location).text))
    everything = client.post(f"/pemodel/{KEY}/migrasi", data={"from_version": 1, "to_version": 2,
                                                             "peta__gdb_01": "gdb_01_baru"})
    moved_page = html.unescape(text_of(client.get(everything.location).text))
    assert "1 kasus dipindahkan ke versi 2; 0 ditolak" in moved_page
    assert f"Dipindahkan ke versi 2: kasus #{two}." in moved_page  # each case's result, not only the count
    assert alur.queries.case(two).definition_version == 2


def test_download_is_the_deployed_file(client):
    login(client, "pemilik_proses")
    response = client.get(f"/pemodel/{KEY}/versi/1.bpmn")
    assert response.headers["Content-Disposition"] == f'attachment; filename="{KEY}.v1.bpmn"'
    assert response.text == sop01_xml()


def test_sop_document_page_and_pdf(client):
    login(client, "pemilik_proses")
    page = client.get(f"/pemodel/{KEY}/versi/1/dokumen")
    text = text_of(page.text)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "PENGELOLAAN GANGGUAN DATABASE" in text and "Unduh PDF" in text and "Kelengkapan" in text
    assert "Content-Security-Policy" in page.headers and "<script" not in page.text
    assert 'id="catatan-pemodelan"' in page.text and "Tanpa catatan pemodelan" in text
    bare = client.get(f"/pemodel/{KEY}/versi/1/dokumen?catatan=0")
    assert bare.status_code == 200 and 'id="catatan-pemodelan"' not in bare.text
    assert "Dengan catatan pemodelan" in text_of(bare.text) and "dokumen.pdf?catatan=0" in bare.text
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed")
    pdf = client.get(f"/pemodel/{KEY}/versi/1/dokumen.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"


def test_staff_get_the_kept_pdf_and_only_owners_assessors_and_auditors_have_one_printed(client):
    """Chromium runs per distinct document, not per request: a staff member cannot start it (issue 18)."""
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed")
    login(client, "pengelola_ti")
    waiting = client.get(f"/pemodel/{KEY}/versi/1/dokumen.pdf")
    assert waiting.status_code == 404 and "belum dibuat" in text_of(waiting.text)
    logout(client)
    login(client, "penilai_sop")
    printed = client.get(f"/pemodel/{KEY}/versi/1/dokumen.pdf")
    assert printed.status_code == 200 and printed.data.startswith(b"%PDF")
    logout(client)
    login(client, "pengelola_ti")
    kept = client.get(f"/pemodel/{KEY}/versi/1/dokumen.pdf")
    assert kept.status_code == 200 and kept.data == printed.data
    assert client.get(f"/pemodel/{KEY}/versi/1/dokumen.pdf?catatan=0").status_code == 404  # another document


def test_check_and_deploy_need_the_csrf_token(app_factory):
    client = app_factory(WTF_CSRF_ENABLED=True).test_client()
    page = client.get("/masuk")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/masuk", data={"username": "pemilik_proses", "password": "demo-pemilik_proses",
                                "csrf_token": token})
    assert post_json(client, f"/pemodel/{KEY}/periksa", {"xml": sop01_xml()}).status_code == 400
    editor = client.get(f"/pemodel/{KEY}").text
    csrf = json.loads(re.search(r'id="alur-modeler-config">(.*?)</script>', editor, re.S).group(1))["csrfToken"]
    ok = client.post(f"/pemodel/{KEY}/periksa", data=json.dumps({"xml": sop01_xml()}),
                     content_type="application/json", headers={"X-CSRFToken": csrf})
    assert ok.status_code == 200 and ok.get_json()["ok"] is True


def test_owner_fills_in_the_sop_identity(client):
    login(client, "pemilik_proses")
    assert "Identitas SOP" in text_of(client.get(f"/pemodel/{KEY}/versi").text)
    page = client.get(f"/pemodel/{KEY}/identitas")
    assert page.status_code == 200 and 'name="disahkan_nip"' in page.text
    form = {"nomor_sop": "065.2/101/Diskominfo", "tanggal_pembuatan": "2026-11-02", "tanggal_revisi": "",
            "tanggal_efektif": "", "disahkan_jabatan": "Kepala Dinas", "disahkan_nama": "NAMA PENGESAH",
            "disahkan_nip": "19700101199503 1 002x"}
    refused = client.post(f"/pemodel/{KEY}/identitas", data=form)
    assert refused.status_code == 400 and "NIP harus 18 angka" in text_of(refused.text)
    assert 'value="065.2/101/Diskominfo"' in refused.text  # what was typed is kept
    assert "065.2/101/Diskominfo" not in client.get(f"/pemodel/{KEY}/versi/1/dokumen").text  # nothing stored
    saved = client.post(f"/pemodel/{KEY}/identitas", data=form | {"disahkan_nip": "19700101 199503 1 002"})
    assert saved.status_code == 302
    document = text_of(client.get(f"/pemodel/{KEY}/versi/1/dokumen").text)
    assert "065.2/101/Diskominfo" in document and "02 November 2026" in document and "NAMA PENGESAH" in document
    assert client.get(f"/pemodel/{KEY}/identitas").text.count('value="2026-11-02"') == 1
    assert client.get("/pemodel/tidak_ada/identitas").status_code == 404
    client.post("/keluar")
    login(client, "pengelola_ti")
    assert client.get(f"/pemodel/{KEY}/identitas").status_code == 403
    assert client.post(f"/pemodel/{KEY}/identitas", data=form).status_code == 403


def test_versions_page_with_cases_to_move_speaks_english(alur, client, clock):
    """The migration column (safe, refused, the mapping's choice), the diff's values and a flow named by its
    ends read in English in the English UI, and in Indonesian in the Indonesian one."""
    from web_helpers import filled_form

    from tests.engine.test_migration_of_cases import rename_task

    safe = alur.runner.start_case(KEY, "pengelola_ti", "GDB/A").instance_id
    refused = alur.runner.start_case(KEY, "pengelola_ti", "GDB/B").instance_id
    [task] = alur.queries.open_tasks(refused)
    performer = task.assignee or "pengelola_ti"
    alur.runner.complete_task(task.task_id, performer, filled_form(alur, task, performer))
    assert [t.element_id for t in alur.queries.open_tasks(refused)] == ["gdb_02"]
    # v2 replaces gdb_02 by a new step: the flows around it are changed, and named by their ends
    alur.deployer.deploy_bytes(rename_task(sop01_xml(), "gdb_02", "gdb_02_baru").encode(), f"{KEY}.bpmn",
                               "pemilik_proses", "langkah 2 diganti", expected_key=KEY)
    login(client, "pemilik_proses")
    client.get("/bahasa/en")
    page = html.unescape(text_of(client.get(f"/pemodel/{KEY}/versi").text))
    assert re.search(rf"#{safe} GDB/A .* safe Move to v2 #{refused} GDB/B .* refused the open step", page), page
    assert "Step 'Menerima dan mengecek laporan, lalu mendisposisikan' (gdb_02) was deleted in v2; continue at" in page
    assert "— choose a step of v2 —" in page
    assert "Flow from «Menerima dan mencatat laporan ke form isian laporan» to «" in page
    for indonesian in (" aman ", "ditolak", "dihapus di v2", "lanjutkan di", "pilih langkah", "Alur dari", "(kosong)",
                       "(tidak ada)"):
        assert indonesian not in page, indonesian
    client.get("/bahasa/id")
    page = html.unescape(text_of(client.get(f"/pemodel/{KEY}/versi").text))
    assert "aman" in page and "ditolak" in page and "lanjutkan di" in page and "— pilih langkah v2 —" in page
    assert "Alur dari «Menerima dan mencatat laporan ke form isian laporan» ke «" in page


def test_a_process_without_an_english_name_titles_its_versions_page_in_plain_text(alur, client):
    """The page title takes no markup (a browser would show the tags): an untranslated name is marked in the
    page, and plain in ``<title>``."""
    name_en = '<camunda:property name="name_en" value="Database Incident Management"/>'
    assert name_en in sop01_xml()
    alur.deployer.deploy_bytes(sop01_xml().replace(name_en, "", 1).encode(), f"{KEY}.bpmn", "pemilik_proses",
                               "tanpa nama Inggris", expected_key=KEY)
    login(client, "pemilik_proses")
    client.get("/bahasa/en")
    page = client.get(f"/pemodel/{KEY}/versi").text
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert html.unescape(title).split() == ["Version", "·", "Pengelolaan", "Gangguan", "Database", "·", "Alur"]
    crumbs = re.search(r'<span aria-current="page">(.*?)</span></nav>', page, re.S).group(1)
    assert 'class="untranslated"' in crumbs and "Pengelolaan Gangguan Database" in crumbs
