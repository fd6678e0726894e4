"""Every page of the walk (walk_pages), as each kind of user, in English holds no Indonesian interface
text, and in Indonesian no English one: the catalogue's sentences, the form texts that have an English
version (``x-en``) and the BPMN models' texts that have one (``<text>_en`` properties). A model text
without an English version is marked ``lang="id"`` and left out.

Every form has an English text for each of its texts (title, descriptions, choice labels, table columns),
and those English texts change none of the form's rules."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
import json
from pathlib import Path
import re
from typing import Any, Iterator

import pytest
from babel.messages.pofile import read_po
from flask import render_template_string, session
from lxml import etree, html as lxml_html
from process_helpers import FillContext, form_data
from walk_pages import USERS, Walk, prepare_walk
from web_helpers import ROOT, gjr_01_form, login, logout, open_task, start_network_case

from engine.errors import FormInvalid
from engine.modeling.english import read_english
from engine.modeling.forms import FormRegistry
from engine.modeling.parser import NS
from web.forms import build_fields
from web.model_words import ENGLISH, UNTRANSLATED, localized_schema

CATALOGUE = ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
FORMS = sorted((ROOT / "forms").glob("*.json"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def fragments(text: str) -> list[str]:
    """The pieces of a message between its placeholders that are long enough to be telling (two words
    and twelve letters): "Status" or "OPD" read the same in both languages."""
    return [piece.strip(" .,:;()–—") for piece in PLACEHOLDER.split(text)
            if len(piece.strip()) >= 12 and len(piece.split()) >= 2]


def interface_texts() -> dict[str, set[str]]:
    """Language -> the texts of the other language that must not appear on its pages."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    indonesian, english = set(), set()
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if set(ids) & set(strings):
            continue  # the same in both languages
        for source in ids:  # an official term quoted in its translation ("Effective date (Tanggal efektif)") stays
            indonesian.update(f for f in fragments(source) if not any(f in target for target in strings))
        for target in strings:
            english.update(fragments(target))
    for path in (ROOT / "forms").glob("*.json"):
        for source, target in _form_texts(json.loads(path.read_text())):
            indonesian.update(fragments(source))
            english.update(fragments(target))
    translated, untranslated = model_texts()
    for source, target in translated:
        indonesian.update(fragments(source))
        english.update(fragments(target))
    shared = indonesian & english  # names and terms both languages use ("Pengelola TI", "Back-up")
    # a text the diagrams also use without an English version there (the SOP's identity, a lane's role key)
    # may stay Indonesian
    diagrams = " ".join(untranslated)
    return {"en": {t for t in indonesian - shared if t not in diagrams}, "id": english - shared}


def model_texts() -> tuple[list[tuple[str, str]], list[str]]:
    """(Indonesian, English) of every model text with an English version, and the texts without one."""
    translated, untranslated = [], []
    for path in (ROOT / "processes").glob("*.bpmn"):
        tree = etree.parse(str(path))
        [process] = tree.xpath("//bpmn:process[@isExecutable='true']", namespaces=NS)
        lanes = set(process.xpath(".//bpmn:lane/@id", namespaces=NS))
        # a lane names a role, and pages name roles by the role catalogue's titles (processes/roles.toml)
        pairs = [pair for (element_id, _text), pair in read_english(process).texts.items() if element_id not in lanes]
        translated += pairs
        known = {source for source, _target in pairs} | {target for _source, target in pairs}
        texts = [str(v) for v in tree.xpath("//@name | //@value")]
        texts += [" ".join((d.text or "").split()) for d in tree.xpath("//bpmn:documentation", namespaces=NS)]
        untranslated += [t for t in texts if " ".join(t.split()) not in known]
    return translated, untranslated


def _form_texts(prop: dict[str, Any]) -> list[tuple[str, str]]:
    english = prop.get("x-en") or {}
    found = [(prop[key], english[key]) for key in ("title", "description")
             if isinstance(prop.get(key), str) and english.get(key)]
    for sub in (prop.get("properties") or {}).values():
        found += _form_texts(sub)
    if isinstance(prop.get("items"), dict):
        found += _form_texts(prop["items"])
    return found


def visible_text(page: str) -> str:
    """The page's text, without what is marked Indonesian on purpose (a model text with no English
    version, the language switch) and without the user's own data of the walk."""
    tree = lxml_html.fromstring(page)
    for element in tree.xpath("//body//*[@lang='id'] | //script | //style | //title"):
        element.drop_tree()
    return re.sub(r"\s+", " ", " ".join(tree.itertext()))


def declared_indonesian(page: str, language: str) -> bool:
    """The official SOP document is Indonesian in every UI language, and says so (``<html lang="id">``)."""
    return language == "en" and lxml_html.fromstring(page).get("lang") == "id"


@pytest.fixture
def walk(alur: Any, clock: Any) -> Walk:
    return prepare_walk(alur, clock, "")


@pytest.mark.parametrize("language", ("en", "id"))
def test_no_page_mixes_the_languages(walk: Walk, client: Any, language: str) -> None:
    forbidden = interface_texts()[language]
    assert len(forbidden) > 500  # the catalogue and the translated forms
    problems = []
    for username in USERS:
        login(client, username)
        client.get(f"/bahasa/{language}?next=/")
        for _endpoint, path in [("auth.login", "/tidak-ada"), *walk.pages(username)]:
            response = client.get(path)
            assert response.status_code in (200, 404), (username, path, response.status_code)
            if not response.content_type.startswith("text/html") or declared_indonesian(response.text, language):
                continue
            text = visible_text(response.text)
            problems += [f"{username} {path}: {piece!r}" for piece in sorted(forbidden) if piece in text]
        logout(client)
    assert problems == [], "\n".join(problems)


def test_form_texts_follow_the_language_and_fall_back_visibly(alur: Any, client: Any, clock: Any) -> None:
    walk = prepare_walk(alur, clock, "")
    login(client, "pengelola_ti")
    client.get("/bahasa/en?next=/")
    english = client.get(f"/tugas/{walk.task_id}").text
    assert "<h2>Review of the server asset register</h2>" in english
    assert '<label for="f-tanggal_tinjau">Review date' in english
    assert "Matches reality?" in english and "Sesuai kenyataan?" not in english
    backup = alur.runner.start_case("sop_backup_restore_db", "opd_pemohon", "BRD/EN").instance_id
    [task] = alur.queries.open_tasks(backup)
    logout(client)
    login(client, "opd_pemohon")
    client.get("/bahasa/en?next=/")
    page = client.get(f"/tugas/{task.task_id}").text
    assert "<h2>Request letter for a database server back-up/restore</h2>" in page
    assert "Requesting agency (OPD)" in page and "untranslated" not in page
    # a form (or one of its fields) without an English text yet shows its Indonesian one, marked as such
    schema = alur.forms.get(task.form_key).schema
    del schema[ENGLISH], schema["properties"]["alasan"][ENGLISH]
    untranslated = client.get(f"/tugas/{task.task_id}").text
    assert f'<span lang="id" class="untranslated">{schema["title"]}</span>' in untranslated
    assert '<span lang="id" class="untranslated">Alasan permohonan</span>' in untranslated
    assert "Requesting agency (OPD)" in untranslated  # the other fields keep their English
    client.get("/bahasa/id?next=/")
    logout(client)
    login(client, "pengelola_ti")
    indonesian = client.get(f"/tugas/{walk.task_id}").text
    assert '<label for="f-tanggal_tinjau">Tanggal tinjauan' in indonesian and "untranslated" not in indonesian


@pytest.mark.parametrize("language", ("en", "id"))
def test_every_form_reads_in_the_page_language(app: Any, language: str) -> None:
    """Each form as a task page shows it, whether or not the walk reaches it: title, fields, hints, choices
    and table columns hold no text of the other language."""
    forbidden = interface_texts()[language]
    problems = []
    for path in FORMS:
        with app.test_request_context():
            session["lang"] = language
            schema = localized_schema(json.loads(path.read_text()), language)
            fields = build_fields(schema, {}, {}, {}, {})
            page = render_template_string(
                '{% from "macros/fields.html" import field %}<html><body><h2>{{ title }}</h2>'
                "{% for f in fields %}{{ field(f) }}{% endfor %}</body></html>", title=schema["title"], fields=fields)
        text = visible_text(page)
        assert schema["title"] in text
        problems += [f"{path.stem}: {piece!r}" for piece in sorted(forbidden) if piece in text]
    assert problems == [], "\n".join(problems)


def _properties(prop: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The schema itself, its fields, table columns and list items, each with where it is."""
    yield where, prop
    for name, sub in (prop.get("properties") or {}).items():
        yield from _properties(sub, f"{where}.{name}")
    if isinstance(prop.get("items"), dict):
        yield from _properties(prop["items"], f"{where}[]")


@pytest.mark.parametrize("path", FORMS, ids=[p.stem for p in FORMS])
def test_every_form_text_has_its_english(path: Path) -> None:
    schema = json.loads(path.read_text())
    assert UNTRANSLATED not in json.dumps(localized_schema(schema, "en"))
    for where, prop in _properties(schema, path.stem):
        english = prop.get(ENGLISH) or {}
        assert set(english) <= {"title", "description", "enum-labels"}, where
        for key in ("title", "description"):
            assert (key in english) == isinstance(prop.get(key), str), (where, key)
            assert key not in english or (isinstance(english[key], str) and english[key].strip()), (where, key)
        if "enum" in prop:  # a choice's label, table columns' included
            labels = english.get("enum-labels")
            assert isinstance(labels, list) and len(labels) == len(prop["enum"]), where
            assert all(isinstance(label, str) and label.strip() for label in labels), where
        else:
            assert "enum-labels" not in english, where


def _without_english(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_english(value) for key, value in node.items() if key != ENGLISH}
    if isinstance(node, list):
        return [_without_english(value) for value in node]
    return node


def _errors(forms: FormRegistry, key: str, data: dict[str, Any]) -> dict[str, str]:
    try:
        forms.validate(key, data)
    except FormInvalid as invalid:
        return invalid.errors
    return {}


@pytest.mark.parametrize("path", FORMS, ids=[p.stem for p in FORMS])
def test_english_texts_change_no_rule_of_a_form(path: Path, tmp_path: Path) -> None:
    """The form with its English texts and without them accept and refuse the same data, field by field."""
    schema = json.loads(path.read_text())
    (tmp_path / path.name).write_text(json.dumps(_without_english(schema)))
    with_english, plain = FormRegistry(path.parent), FormRegistry(tmp_path)
    assert f'"{ENGLISH}"' not in json.dumps(plain.get(path.stem).schema)
    ctx = FillContext(tag="EN", now=datetime(2026, 12, 8, 2, tzinfo=timezone.utc), user_for=lambda role: f"u_{role}",
                      document=lambda label: "a" * 64, full=True)
    full, required = form_data(schema, ctx), form_data(schema, dataclasses.replace(ctx, full=False))
    samples = [{}, full, required, {**full, "tidak_ada": 1}]
    for name in schema["properties"]:
        samples += [{k: v for k, v in full.items() if k != name}, {**full, name: None}, {**full, name: "x" * 5000},
                    {**full, name: [{"tidak_ada": 1}]}]
    outcomes = [_errors(with_english, path.stem, data) for data in samples]
    assert outcomes == [_errors(plain, path.stem, data) for data in samples]
    assert outcomes[1] == outcomes[2] == {} and outcomes[0] and outcomes[3]


# The model texts each page shows, Indonesian -> English (processes/*.bpmn, ``<text>_en`` properties).
REVIEW_TEXTS = {"Tinjauan Daftar Aset Register Server": "Review of the Server Asset Register",
                "Menyiapkan tinjauan daftar aset register server": "Prepare the review of the server asset register",
                "Meninjau dan menyetujui daftar aset register server": "Review and approve the server asset register",
                "Daftar Aset Register Server (hasil tinjauan)": "Server asset register (reviewed)",
                "5 hari (ditetapkan)": "5 days (set)",
                "Daftar aset register sesuai dan disetujui?": "Asset register correct and approved?"}
NETWORK_TEXTS = {"Penanganan Gangguan Jaringan": "Network Incident Handling",
                 "Melakukan pengecekan server DNS": "Check the DNS server",
                 "Memonitor jaringan pada sistem monitoring": "Monitor the network in the monitoring system",
                 "Laporan Monitoring Jaringan": "Network monitoring report"}
GATEWAY_TEXTS = {"Jaringan terkoneksi?": "Network connected?"}


def _model_pages(walk: Walk) -> list[tuple[str, str, dict[str, str]]]:
    """(user, page, the model texts it shows) of the pages that show model texts."""
    review = {k: v for k, v in REVIEW_TEXTS.items() if "hari" not in k and "Daftar Aset" not in k}
    return [("pengelola_ti", "/kotak-masuk", {k: REVIEW_TEXTS[k] for k in list(REVIEW_TEXTS)[:2]}),
            ("pengelola_ti", f"/tugas/{walk.task_id}", {k: v for k, v in REVIEW_TEXTS.items()
                                                        if "Meninjau" not in k and "sesuai" not in k}),
            ("pengelola_ti", f"/kasus/{walk.review_case}", review),
            ("pengelola_ti", "/proses/sop_gangguan_jaringan", NETWORK_TEXTS),
            ("pejabat_administrator_tik", "/dasbor/sop/sop_gangguan_jaringan",
             {**{k: NETWORK_TEXTS[k] for k in list(NETWORK_TEXTS)[:3]}, **GATEWAY_TEXTS})]


@pytest.mark.parametrize("language", ("en", "id"))
def test_model_texts_follow_the_language(walk: Walk, client: Any, language: str) -> None:
    """Inbox, task, case, SOP and SOP dashboard pages name the process, its steps, their mutu baku and its
    decisions in the page's language (the step texts with an English version)."""
    problems = []
    for username, path, texts in _model_pages(walk):
        login(client, username)
        client.get(f"/bahasa/{language}?next=/")
        page = client.get(path)
        assert page.status_code == 200, path
        text = visible_text(page.text)
        for indonesian, english in texts.items():
            shown, hidden = (english, indonesian) if language == "en" else (indonesian, english)
            if shown not in text:
                problems.append(f"{path}: {shown!r} missing")
            if hidden in text:
                problems.append(f"{path}: {hidden!r} shown")
        assert "untranslated" not in page.text or path.startswith("/proses"), path  # the SOP's identity
        logout(client)
    assert problems == [], "\n".join(problems)


def _model_without_english(bpmn: bytes, keep: tuple[tuple[str, str], ...] = ()) -> bytes:
    """The model without its English texts (but the (element id, property) ones in ``keep``)."""
    root = etree.fromstring(bpmn)
    for prop in root.xpath("//camunda:property[substring(@name, string-length(@name) - 2) = '_en']", namespaces=NS):
        holder = prop.getparent().getparent().getparent()
        if (holder.get("id"), prop.get("name")) not in keep:
            prop.getparent().remove(prop)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_a_model_without_english_texts_shows_its_indonesian_ones_marked(walk: Walk, client: Any) -> None:
    """A new version without English texts (and one step renamed, its English kept for the new words):
    in English the pages show the Indonesian words marked lang="id", and a task of the old version whose
    step has other words in the new one keeps its own Indonesian name, marked too."""
    key = "tinjau_aset_register_server"
    bpmn = (ROOT / "processes" / f"{key}.bpmn").read_bytes()
    renamed = _model_without_english(bpmn, keep=(("tar_01", "name_en"),)).replace(
        b'name="Menyiapkan tinjauan daftar aset register server"', b'name="Menyiapkan tinjauan register server"')
    walk.alur.deployer.deploy_bytes(renamed, f"{key}.bpmn", "pemilik_proses", "tanpa teks Inggris", expected_key=key)
    login(client, "pengelola_ti")
    client.get("/bahasa/en?next=/")
    task_page = client.get(f"/tugas/{walk.task_id}").text
    marked = '<span lang="id" class="untranslated">{}</span>'
    assert marked.format("Menyiapkan tinjauan daftar aset register server") in task_page  # the old version's words
    assert marked.format("Tinjauan Daftar Aset Register Server") in task_page
    assert marked.format("Daftar Aset Register Server (hasil tinjauan)") in task_page  # its mutu baku output
    assert "Prepare the review of the server asset register" not in task_page
    case_page = client.get(f"/kasus/{walk.review_case}").text
    assert marked.format("Meninjau dan menyetujui daftar aset register server") in case_page
    assert marked.format("Daftar aset register sesuai dan disetujui?") in case_page
    assert "<title>Menyiapkan tinjauan daftar aset register server" in task_page  # a title cannot hold a mark
    # the other processes keep their English
    assert "Check the DNS server" in client.get("/proses/sop_gangguan_jaringan").text
    client.get("/bahasa/id?next=/")
    assert "untranslated" not in client.get(f"/tugas/{walk.task_id}").text


def test_form_validation_messages_follow_the_language(alur: Any, client: Any) -> None:
    """The engine's messages for a refused form (the schema's, a document's) and the page's own conversion
    messages read in the page's language; the form's own message (x-message) in its English."""
    case = start_network_case(alur)
    task = open_task(alur, case)
    login(client, "pengguna_jaringan")
    client.get("/bahasa/en?next=/")
    form = gjr_01_form(opd_pengirim="", jumlah_pengguna_terdampak="dua belas", urgensi="sangat")
    english = client.post(f"/tugas/{task.task_id}", data=form, content_type="multipart/form-data")
    assert english.status_code == 422
    text = visible_text(english.text)
    assert "Required." in text and "Must be a whole number." in text and "Choose one of the values offered." in text
    # a document the engine does not know (the runner's check, after the schema's)
    unknown = gjr_01_form(dokumen_surat_permohonan=None, dokumen_surat_permohonan__current="a" * 64)
    text += visible_text(client.post(f"/tugas/{task.task_id}", data=unknown, content_type="multipart/form-data").text)
    assert "Document not uploaded or not found." in text
    for indonesian in ("Wajib diisi.", "Harus berupa bilangan bulat.", "Pilih salah satu nilai", "Dokumen belum"):
        assert indonesian not in text
    client.get("/bahasa/id?next=/")
    indonesian_page = visible_text(client.post(f"/tugas/{task.task_id}", data=gjr_01_form(opd_pengirim=""),
                                               content_type="multipart/form-data").text)
    assert "Wajib diisi." in indonesian_page and "Required." not in indonesian_page


def test_a_forms_own_message_has_its_english(tmp_path: Path) -> None:
    (tmp_path / "uji.json").write_text(json.dumps({
        "type": "object", "required": ["hasil"], "properties": {
            "hasil": {"type": "string", "enum": ["baik", "gagal"]},
            "uji": {"type": "boolean"}},
        "if": {"properties": {"uji": {"const": False}}, "required": ["uji"]},
        "then": {"properties": {"hasil": {"const": "gagal", "x-message": "Uji gagal: hasil harus gagal.",
                                          "x-en": {"message": "A test failed: the result must be failed."}}}}}))
    forms = FormRegistry(tmp_path)
    with pytest.raises(FormInvalid) as refused:
        forms.validate("uji", {"hasil": "baik", "uji": False})
    assert refused.value.errors == {"hasil": "Uji gagal: hasil harus gagal."}  # the API's words stay Indonesian
    assert refused.value.in_language("en") == {"hasil": "A test failed: the result must be failed."}
    with pytest.raises(FormInvalid) as missing:
        forms.validate("uji", {})
    assert missing.value.in_language("en") == {"hasil": "Required."}
    assert missing.value.in_language("id") == {"hasil": "Wajib diisi."}
