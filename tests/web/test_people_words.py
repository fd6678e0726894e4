"""People and words: account data kept by Admin Sistem (page and API), people named by name, jabatan and
NIP where auditors read; event types, payloads, durations, routines and times in words, in both languages."""
from __future__ import annotations

import ast
import json
import re
from datetime import datetime, timezone
from pathlib import Path

from audit_web_helpers import finished_review
from flask import render_template_string
from web_helpers import login, open_task, start_network_case, text_of

from engine import AccountData
from web.event_words import EVENT_LABELS, event_summary, payload_html
from web.time_words import cycle_text, iso_duration_text

ENGINE = Path(__file__).resolve().parents[2] / "engine"
NIP = "198503122010011003"


# -- account data -------------------------------------------------------------------------------------

def test_admin_edits_account_data_on_the_user_page(alur, client):
    login(client, "admin_sistem")
    response = client.post("/admin/pengguna/pengelola_ti/data", data={
        "full_name": "Rina Wulandari", "nip": "19850312 201001 2 003", "jabatan": "Pranata Komputer Ahli Pertama",
        "unit_kerja": "Bidang TIK", "email": "rina@kaltimprov.go.id", "phone": "0812 3456 7890"})
    assert response.status_code == 302
    user = alur.users.get("pengelola_ti")
    assert (user.full_name, user.nip, user.jabatan, user.phone) == (
        "Rina Wulandari", "198503122010012003", "Pranata Komputer Ahli Pertama", "0812 3456 7890")
    page = text_of(client.get("/admin/pengguna/pengelola_ti").text)
    assert "Data akun pengelola_ti disimpan." in page and "NIP 198503122010012003" in page
    listing = text_of(client.get("/admin/pengguna").text)
    assert "Pranata Komputer Ahli Pertama" in listing and "198503122010012003" in listing


def test_a_bad_nip_on_the_user_page_says_why_keeps_the_values_and_stores_nothing(alur, client):
    login(client, "admin_sistem")
    before = alur.users.get("pengelola_ti")
    response = client.post("/admin/pengguna/pengelola_ti/data", data={
        "full_name": "Rina Wulandari", "nip": "198502302010012003", "jabatan": "Analis"})
    assert response.status_code == 422
    page = text_of(response.text)
    assert "NIP tidak sah: 8 angka pertama (19850230) bukan tanggal lahir" in page
    assert 'value="Rina Wulandari"' in response.text and 'value="198502302010012003"' in response.text
    assert alur.users.get("pengelola_ti") == before
    assert client.post("/admin/pengguna/pengelola_ti/data", data={"full_name": "X", "nip": "12ab"}).status_code == 422
    login(client, "pengelola_ti")
    assert client.post("/admin/pengguna/pengelola_ti/data", data={"full_name": "X"}).status_code == 403


def test_the_api_reads_and_changes_account_data(app, alur):
    admin = app.extensions["alur"].tokens.issue("admin_sistem", "t", actor="admin_sistem").token
    staff = app.extensions["alur"].tokens.issue("pengelola_ti", "t", actor="pengelola_ti").token
    api = app.test_client()

    def call(method, token, json=None):
        return api.open("/api/v1/users/pengelola_ti", method=method, json=json,
                        headers={"Authorization": f"Bearer {token}"})

    changed = call("PATCH", admin, {"nip": NIP, "jabatan": "Pranata Komputer"})
    assert changed.status_code == 200 and changed.json["nip"] == NIP and changed.json["jabatan"] == "Pranata Komputer"
    assert changed.json["full_name"] == alur.users.get("pengelola_ti").full_name  # left out: kept
    assert call("GET", staff).json["jabatan"] == "Pranata Komputer"  # one's own account
    bad = call("PATCH", admin, {"nip": "19850312201001100X"})
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid_input"
    assert bad.json["error"]["field"] == "nip" and "18 angka" in bad.json["error"]["message"]
    unknown = call("PATCH", admin, {"pangkat": "III/a"})
    assert unknown.status_code == 422 and unknown.json["error"]["field"] == "pangkat"
    assert call("PATCH", admin, {"nip": 1985}).status_code == 422
    assert call("PATCH", staff, {"jabatan": "Kepala"}).status_code == 403
    assert alur.users.get("pengelola_ti").jabatan == "Pranata Komputer"
    other = api.get("/api/v1/users/kepala_dinas", headers={"Authorization": f"Bearer {staff}"})
    assert other.status_code == 403


# -- the auditor sees people and words ----------------------------------------------------------------

def _with_people(alur):
    alur.users.set_account_data("pengelola_ti", AccountData("Rina Wulandari", NIP, "Pranata Komputer Ahli Pertama"),
                                actor="admin_sistem")


def test_the_audit_log_names_people_and_shows_events_in_words(alur, client, clock):
    _with_people(alur)
    finished_review(alur, clock)
    alur.tokens.issue("pengelola_ti", "skrip", actor="pengelola_ti")
    login(client, "auditor")
    html = client.get("/audit").text
    page = text_of(html)
    assert "Rina Wulandari (pengelola_ti)" in page and "Pranata Komputer Ahli Pertama · NIP " + NIP in page
    assert "Token API dibuat" in page and "Data akun diubah" in page and "Langkah selesai" in page
    assert '{"' not in html  # no raw JSON
    assert "Jabatan Pranata Komputer Ahli Pertama" in page  # the payload as labelled values (<dt>, <dd>)
    client.get("/bahasa/en")
    english = text_of(client.get("/audit").text)
    assert "API token issued" in english and "Account data changed" in english and "Position Pranata" in english
    assert "Token API dibuat" not in english


def test_the_case_page_names_performers_and_numbers_only_the_shown_events(alur, client, clock):
    _with_people(alur)
    case = finished_review(alur, clock)
    login(client, "auditor")
    client.get(f"/kasus/{case}")  # a read between events: recorded on the case chain, hidden in the trail
    alur.comments.add(case, "pengelola_ti", "Sudah saya periksa")
    html = client.get(f"/kasus/{case}").text
    trail = html[html.index('id="audit-title"'):]
    numbers = [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", trail)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 5
    assert "1 akses baca tercatat di sini" in text_of(trail)
    steps = text_of(html[html.index('id="steps-title"'):html.index('id="audit-title"')])
    assert "Rina Wulandari (pengelola_ti)" in steps and "Pranata Komputer Ahli Pertama · NIP " + NIP in steps


def test_replay_names_people_and_events_in_words(alur, client, clock):
    _with_people(alur)
    case = finished_review(alur, clock)
    login(client, "auditor")
    client.get("/bahasa/en")
    page = text_of(client.get(f"/audit/kasus/{case}").text)
    assert ("Case started: SOP version 1 — Rina Wulandari (pengelola_ti), Pranata Komputer Ahli Pertama · NIP "
            + NIP) in page
    assert "Mon 23 Nov 2026" in page


def test_every_event_type_recorded_in_the_engine_has_words():
    recorded = _recorded_event_types()
    assert {"task_completed", "login_failed", "case_viewed", "comment_added", "schedule_created",
            "user_deactivated", "api_token_issued"} <= recorded  # the finder sees every kind of call
    missing = sorted(recorded - set(EVENT_LABELS))
    assert not missing, f"add a label to web/event_words.py EVENT_LABELS: {missing}"


def _recorded_event_types() -> set[str]:
    """Event types passed to ``work.record``/``record_for_case`` anywhere in engine/: literals, both sides
    of a conditional, module constants, local variables and parameters (from the calls in the module)."""
    found: set[str] = set()
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                     and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                     for t in n.targets if isinstance(t, ast.Name)}
        imported = _imported_constants(tree)
        for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
                if not (isinstance(call.func, ast.Attribute) and call.func.attr in ("record", "record_for_case")
                        and len(call.args) >= 2):
                    continue
                values = _strings(call.args[1], function, tree, {**imported, **constants})
                assert values, f"{path}:{call.lineno}: cannot tell which event type is recorded"
                found |= values
    return found


def _imported_constants(tree: ast.Module) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("engine."):
            module = ENGINE.parent / node.module.replace(".", "/")
            source = ast.parse((module.with_suffix(".py") if module.with_suffix(".py").exists()
                                else module / "__init__.py").read_text())
            values = {t.id: n.value.value for n in source.body if isinstance(n, ast.Assign)
                      and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                      for t in n.targets if isinstance(t, ast.Name)}
            names |= {a.asname or a.name: values[a.name] for a in node.names if a.name in values}
    return names


def _strings(node: ast.expr, function: ast.FunctionDef | ast.AsyncFunctionDef, tree: ast.Module,
             constants: dict[str, str]) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, function, tree, constants) | _strings(node.orelse, function, tree, constants)
    if not isinstance(node, ast.Name):
        return set()
    if node.id in constants:
        return {constants[node.id]}
    assigned = {v for n in ast.walk(function) if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)
                for v in _strings(n.value, function, tree, constants)}
    parameters = [a.arg for a in function.args.args]
    if node.id in parameters:  # the values the module's own calls pass for it
        index = parameters.index(node.id) - (1 if parameters[0] == "self" else 0)
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
            if name == function.name and len(call.args) > index:
                assigned |= _strings(call.args[index], function, tree, constants)
    return assigned


def test_payloads_in_words_label_known_keys_and_show_unknown_ones_plainly(app):
    with app.test_request_context("/audit"):
        html = str(payload_html({"username": "pengelola_ti", "roles": ["pengelola_ti"], "due_at":
                                 "2026-12-08T08:00:00+00:00", "cycle": "R/P1M", "confidential": True,
                                 "kunci_baru": "nilai <b>"}))
        text = text_of(html)
        assert "<dt>Pengguna</dt><dd><span" in html and "Pengguna Pengelola TI (demo)" in text
        assert "Peran " + alur_role_title(app) in text
        assert "Batas waktu Sel, 8 Des 2026 16.00 WITA" in text and "Jadwal rutin tiap bulan" in text
        assert "Rahasia Ya" in text and "<dt>kunci_baru</dt><dd>nilai &lt;b&gt;</dd>" in html
        assert event_summary("task_reassigned", {"name": "Cek", "to": "pengelola_ti"}) == \
            "Tugas dialihkan: Cek kepada Pengelola TI (demo)"
        assert event_summary("schema_added_later", {}) == "schema_added_later"  # unknown: its key, never hidden


def alur_role_title(app) -> str:
    return app.extensions["alur"].roles.title("pengelola_ti")


# -- words, not codes ---------------------------------------------------------------------------------

def test_durations_and_routines_in_words_in_both_languages(app):
    moment = datetime(2026, 12, 6, 0, 0, tzinfo=timezone.utc)  # 08.00 WITA
    with app.test_request_context("/"):
        assert iso_duration_text("P1D") == "1 hari kerja" and iso_duration_text("PT15M") == "15 menit kerja"
        assert iso_duration_text("PT1H30M") == "1 jam 30 menit waktu kerja" and iso_duration_text("besok") is None
        assert cycle_text("R/P1M", moment) == "rutin tiap bulan, tanggal 6 pukul 08.00 WITA"
        assert cycle_text("R/P1M") == "rutin tiap bulan"
        assert cycle_text("R12/2026-12-07T09:30:00+08:00/P1W") == \
            "rutin tiap minggu, hari Senin pukul 09.30 WITA (12 kali)"
        assert render_template_string("{{ m|wita }}", m=moment) == "Min, 6 Des 2026 08.00 WITA"
    with app.test_request_context("/?lang=en"):
        from flask import session
        session["lang"] = "en"
        assert iso_duration_text("P1D") == "1 working day" and iso_duration_text("P3D") == "3 working days"
        assert iso_duration_text("PT15M") == "15 working minutes"
        assert cycle_text("R/P1M", moment) == "routine every month, on day 6 at 08:00 WITA"
        assert render_template_string("{{ m|wita }}", m=moment) == "Sun 6 Dec 2026 08:00 WITA"


def test_sop_and_task_pages_show_durations_and_routines_in_words(alur, client):
    login(client, "pengelola_ti")
    index = text_of(client.get("/proses").text)
    assert "rutin tiap bulan, tanggal" in index and "R/P1M" not in index
    task = open_task(alur, start_network_case(alur))
    login(client, _holder(alur, task.role))
    page = text_of(client.get(f"/tugas/{task.task_id}").text)
    assert re.search(r"\(\d+ (hari|jam|menit) kerja\)", page) and not re.search(r"\(P[T0-9][0-9A-Z]* kerja\)", page)


def test_names_not_usernames_on_the_409_page_and_the_case_list(alur, client):
    case = start_network_case(alur)
    task = open_task(alur, case)
    holder = _holder(alur, task.role)
    alur.users.add_user("rekan", "Rekan Satu Peran", "rahasia-rekan-1", {task.role})
    alur.runner.claim_task(task.task_id, holder)
    login(client, "rekan", "rahasia-rekan-1")
    response = client.post(f"/tugas/{task.task_id}/ambil")
    assert response.status_code == 409
    page = text_of(response.text)
    assert f"sedang dikerjakan oleh {alur.users.get(holder).full_name}" in page and f"oleh {holder}" not in page
    client.get("/bahasa/en")
    assert f"{alur.users.get(holder).full_name} is working on this task" in text_of(
        client.post(f"/tugas/{task.task_id}/ambil").text)
    login(client, "auditor")
    listing = text_of(client.get("/kasus").text)
    assert alur.users.get("pengguna_jaringan").full_name in listing


def _holder(alur, role: str) -> str:
    return next(u.username for u in alur.users.users_with_role(role))


def test_english_labels_for_one_case_and_one_role(alur, client):
    case = start_network_case(alur)
    login(client, "auditor")
    client.get("/bahasa/en")
    page = client.get(f"/kasus/{case}").text
    assert f"<title>Case #{case}" in page and f"Cases #{case}" not in page
    login(client, "pengguna_jaringan")
    client.get("/bahasa/en")
    inbox = client.get("/kotak-masuk").text
    assert re.search(r'<a class="sort-link" href="[^"]*">Case\s', inbox) and '<th scope="col">Role</th>' in inbox
    assert "Cases" not in inbox.split("<thead>")[1].split("</thead>")[0]
    account = text_of(client.get("/akun").text)
    assert "Role: " in account and "Roles:" not in account  # the demo requester holds one role


def test_demo_people_have_a_plausible_jabatan_and_nip(alur):
    from engine.accounts.profile import clean_nip
    people = [u for u in alur.users.list_users() if u.username != "isp"]
    assert people and all(u.jabatan for u in people)
    nips = [u.nip for u in people]
    assert all(n and clean_nip(n, datetime(2026, 11, 23).date()) == n for n in nips) and len(set(nips)) == len(nips)
    assert alur.users.get("isp").nip is None  # a partner company's staff are not civil servants


def test_the_changed_pages_in_english_keep_no_indonesian_words_of_theirs(alur, client, clock):
    _with_people(alur)
    case = finished_review(alur, clock)
    alur.tokens.issue("pengelola_ti", "skrip", actor="pengelola_ti")
    # (model texts such as the SOP's own time limit stay as the SOP document writes them)
    indonesian = ("Data akun", "Jabatan", "Telepon", "akses baca", "menit kerja", "rutin tiap", "Tugas ini",
                  "Langkah dibuka", "Langkah selesai", "Token API", "Pengguna:", "Kasus #", "versi SOP", "Peran:",
                  "Sel,", "Sen,", "Des 2026", "tidak ditampilkan", "Simpan data akun", "opsional", "Yang dibaca")
    pages = {"auditor": ["/audit", f"/kasus/{case}", f"/audit/kasus/{case}", "/proses", "/kotak-masuk"],
             "admin_sistem": ["/admin/pengguna", "/admin/pengguna/pengelola_ti", "/akun"]}
    for username, paths in pages.items():
        login(client, username)
        client.get("/bahasa/en")
        for path in paths:
            page = text_of(client.get(path).text)
            left = [word for word in indonesian if word in page]
            assert not left, (path, left)


def test_the_english_replay_names_a_claimed_step_from_its_task(alur, client):
    """A claim's (or a release's) event carries the task and the Indonesian name: the replay shows the step's
    own English."""
    case = alur.runner.start_case("sop_gangguan_database", "pengelola_ti", "DB/1").instance_id
    task = open_task(alur, case)
    alur.runner.unclaim_task(task.task_id, task.assignee)  # the starter held it
    alur.runner.claim_task(task.task_id, task.assignee)
    english = alur.catalog.english()["sop_gangguan_database"].of(task.element_id, "name", task.name)
    assert english and english != task.name
    login(client, "auditor")
    client.get("/bahasa/en")
    html = client.get(f"/audit/kasus/{case}").text
    steps = json.loads(re.search(r'<script type="application/json" id="replay-steps">(.*?)</script>', html,
                                 re.S).group(1))
    held = [s for s in steps if s["event_type"] in ("task_unclaimed", "task_claimed")]
    assert [s["event_type"] for s in held] == ["task_unclaimed", "task_claimed"]
    assert all(s["element_id"] == task.element_id and english in s["label"] for s in held), held
