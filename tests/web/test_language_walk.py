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
from web_helpers import ROOT, login, logout

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
