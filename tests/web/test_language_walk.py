"""Every page of the walk (walk_pages), as each kind of user, in English holds no Indonesian interface
text, and in Indonesian no English one: the catalogue's sentences, and the form texts that have an English
version (``x-en``). A model text without an English version is marked ``lang="id"`` and left out."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
from babel.messages.pofile import read_po
from lxml import etree, html as lxml_html
from walk_pages import USERS, Walk, prepare_walk
from web_helpers import ROOT, login, logout

CATALOGUE = ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
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
    shared = indonesian & english  # names and terms both languages use ("Pengelola TI", "Back-up")
    # a form text the diagrams also use (a gateway's question, a step's output) is a model text without
    # an English version there: it may stay Indonesian
    diagrams = " ".join(_diagram_texts())
    return {"en": {t for t in indonesian - shared if t not in diagrams}, "id": english - shared}


def _diagram_texts() -> list[str]:
    texts = []
    for path in (ROOT / "processes").glob("*.bpmn"):
        tree = etree.parse(str(path))
        texts += [str(v) for v in tree.xpath("//@name | //@value")]
    return texts


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
    untranslated = client.get(f"/tugas/{task.task_id}").text  # a form without English texts yet
    title = json.loads((ROOT / "forms" / f"{task.form_key}.json").read_text())["title"]
    assert f'<span lang="id" class="untranslated">{title}</span>' in untranslated
    client.get("/bahasa/id?next=/")
    logout(client)
    login(client, "pengelola_ti")
    indonesian = client.get(f"/tugas/{walk.task_id}").text
    assert '<label for="f-tanggal_tinjau">Tanggal tinjauan' in indonesian and "untranslated" not in indonesian
