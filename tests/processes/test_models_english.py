"""The models' English texts (engine.modeling.english): every text a page shows has one in the committed
models, the generator writes them from tools/bpmn_authoring/models_en.json, and an English text is used only
for the Indonesian words its element has (not for an older version's other words)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from engine.modeling.english import MUTU_BAKU_TEXTS, read_english
from engine.modeling.parser import NS

ROOT = Path(__file__).resolve().parents[2]
MODELS = sorted((ROOT / "processes").glob("*.bpmn"))
SHOWN = ("process", "userTask", "exclusiveGateway", "sequenceFlow", "startEvent", "endEvent",
         "intermediateCatchEvent", "lane")


def _process(path: Path) -> etree._Element:
    [process] = etree.parse(str(path)).xpath("//bpmn:process[@isExecutable='true']", namespaces=NS)
    return process


def _properties(element: etree._Element) -> dict[str, str]:
    props = element.xpath("./bpmn:extensionElements/camunda:properties/camunda:property", namespaces=NS)
    return {p.get("name"): p.get("value", "") for p in props}


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_every_text_a_page_shows_has_its_english(path: Path) -> None:
    process = _process(path)
    english = read_english(process)
    missing = []
    for element in [process, *process.iter(etree.Element)]:
        if etree.QName(element).localname not in SHOWN or not element.get("name"):
            continue
        element_id = element.get("id", "")
        texts = {"name": element.get("name", "")}
        if etree.QName(element).localname == "userTask":
            doc = element.find("bpmn:documentation", NS)
            texts["documentation"] = doc.text if doc is not None and doc.text else ""
            texts.update({key: value for key, value in _properties(element).items() if key in MUTU_BAKU_TEXTS})
        if element is process:
            texts["waktu_pelaksanaan"] = _properties(process).get("waktu_pelaksanaan", "")
        for text, indonesian in texts.items():
            found = english.of(element_id, text, indonesian) if indonesian else "–"
            if not found or found == indonesian:
                missing.append(f"{element_id} {text}: {indonesian!r}")
    assert missing == []


def test_the_generator_writes_the_english_texts_it_is_given() -> None:
    """The committed models are the generator's output, English texts included."""
    done = subprocess.run([sys.executable, "tools/bpmn_authoring/generate.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    english = read_english(_process(ROOT / "processes" / "tinjau_aset_register_server.bpmn"))
    assert english.of("tar_01", "name", "Menyiapkan tinjauan daftar aset register server") == \
        "Prepare the review of the server asset register"
    assert english.of("flow_gw_tar_02_to_end_tar", "name", "Ya") == "Yes"
    assert english.of("tinjau_aset_register_server", "name", "Tinjauan Daftar Aset Register Server") == \
        "Review of the Server Asset Register"


def test_an_english_text_is_used_only_for_the_words_its_element_has() -> None:
    process = _process(ROOT / "processes" / "tinjau_aset_register_server.bpmn")
    [task] = process.xpath(".//bpmn:userTask[@id='tar_01']", namespaces=NS)
    task.set("name", "Menyiapkan tinjauan register server")  # a new version renames the step
    english = read_english(process)
    assert english.of("tar_01", "name", "Menyiapkan tinjauan register server") is not None
    # a task of the older version, named as it was then, keeps its own Indonesian words
    assert english.of("tar_01", "name", "Menyiapkan tinjauan daftar aset register server") is None
    assert english.of("tar_01", "name", "  Menyiapkan   tinjauan register server ") is not None  # spacing only
    for prop in task.xpath(".//camunda:property[@name='waktu_en']", namespaces=NS):
        prop.set("value", "  ")  # an empty English text is no English text
    assert read_english(process).of("tar_01", "waktu", "5 hari (ditetapkan)") is None
