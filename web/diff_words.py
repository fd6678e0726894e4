"""A version diff in the reader's language: engine.modeling.diff labels element kinds and properties in
Indonesian (marked ``N_``, extracted into the catalogue through web/babel.cfg); a page looks them up."""
from __future__ import annotations

from flask_babel import gettext

from engine import FLOW_NAME, KIND_LABELS, ElementChange, label_parts


def kind_text(kind: str) -> str:
    """The element kind's name; a kind the engine has no label for is shown as BPMN names it."""
    return gettext(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def property_text(key: str) -> str:
    """A changed property's name, its detail (a property's or extension's own key) as written."""
    label, detail = label_parts(key)
    return f"{gettext(label)}: {detail}" if detail else gettext(label)


def element_text(element: ElementChange) -> str:
    """The element's name; an unnamed flow by its ends, in the reader's language; else its id."""
    if element.ends is not None:
        return gettext(FLOW_NAME).format(source=element.ends[0], target=element.ends[1])
    return element.name or element.element_id
