"""A model's texts in English, next to the Indonesian ones the SOP writes.

An element (the process, a lane, an event, a step, a gateway, a flow) carries the English of one of its
texts as a ``camunda:property`` named after the text with ``_en``: ``name_en`` for its name,
``documentation_en`` for its documentation, on a step ``kelengkapan_en``, ``waktu_en``, ``output_en`` and
``keterangan_en`` for its mutu baku, on the process ``waktu_pelaksanaan_en`` for its completion time.
Camunda properties because every modeler keeps them (bpmn-js and Camunda Modeler write them back as they
read them) and the engine ignores the ones it does not know.

An English text is used only for the Indonesian text its element has in the same model: a task created
under an older version whose step had other words shows those Indonesian words, not the newer version's
English. (A process owner who renames a step in the modeler changes its ``name_en`` along with it.)
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

SUFFIX = "_en"
MUTU_BAKU_TEXTS = ("kelengkapan", "waktu", "output", "keterangan")
TEXTS = ("name", "documentation", *MUTU_BAKU_TEXTS, "waktu_pelaksanaan")

_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_NS = {"bpmn": _BPMN, "camunda": "http://camunda.org/schema/1.0/bpmn"}


def _plain(text: str | None) -> str:
    return " ".join((text or "").split())


@dataclass(frozen=True)
class ModelEnglish:
    """(element id, text) -> (the Indonesian text, its English)."""

    texts: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def of(self, element_id: str, text: str, indonesian: str) -> str | None:
        """The English of ``element_id``'s ``text`` ("name", "waktu", ...) when it was written for
        ``indonesian``; None when the model has none for it."""
        found = self.texts.get((element_id, text))
        if found is None or found[0] != _plain(indonesian):
            return None
        return found[1]

    def __len__(self) -> int:
        return len(self.texts)


def _properties(element: etree._Element) -> dict[str, str]:
    props = element.xpath("./bpmn:extensionElements/camunda:properties/camunda:property", namespaces=_NS)
    return {p.get("name"): p.get("value", "") for p in props if p.get("name")}


def _indonesian(element: etree._Element, text: str, props: dict[str, str]) -> str:
    if text == "name":
        return element.get("name") or ""
    if text == "documentation":
        doc = element.find("bpmn:documentation", _NS)
        return (doc.text or "") if doc is not None else ""
    return props.get(text, "")


def read_english(process: etree._Element) -> ModelEnglish:
    """The English texts of ``process`` and of every element in it (empty ones ignored)."""
    texts: dict[tuple[str, str], tuple[str, str]] = {}
    for element in process.iter(etree.Element):
        element_id = element.get("id")
        if not element_id or etree.QName(element).namespace != _BPMN:
            continue
        props = _properties(element)
        for text in TEXTS:
            english = _plain(props.get(text + SUFFIX))
            indonesian = _plain(_indonesian(element, text, props))
            if english and indonesian:
                texts[element_id, text] = (indonesian, english)
    return ModelEnglish(texts)
