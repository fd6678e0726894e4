"""What the task page looks up in a form's schema, worked out once per form (issue 21).

A page walked the schemas of its own form and of every earlier step's form on each request: its
document fields, the people and servers it picks. A form's schema never changes once loaded
(``FormRegistry``), so these are kept per form definition.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from engine.modeling.forms import DOCUMENT_FORMAT, FormDefinition, FormRegistry
from engine.registers.pickers import SERVER_PICKER


@dataclass(frozen=True)
class FormFacts:
    documents: dict[str, str]  # the title of each top-level document field by name, in schema order
    document_names: frozenset[str]
    picker_roles: tuple[str, ...]  # the ``x-role`` of its user pickers (table columns too), sorted
    picks_server: bool  # a server picker (table columns too)

    @classmethod
    def of_schema(cls, schema: dict[str, Any]) -> FormFacts:
        properties = schema.get("properties", {})
        documents = {name: prop.get("title", name) for name, prop in properties.items()
                     if prop.get("format") == DOCUMENT_FORMAT}
        every = list(all_properties(schema))
        return cls(documents, frozenset(documents),
                   tuple(sorted({prop["x-role"] for prop in every if prop.get("x-widget") == "user"
                                 and prop.get("x-role")})),
                   any(prop.get("x-widget") == SERVER_PICKER for prop in every))

    def document_values(self, values: dict[str, Any]) -> Iterator[str]:
        """The hashes ``values`` names in the document fields, in schema order."""
        for name in self.documents:
            value = values.get(name)
            if isinstance(value, str):
                yield value


class FormFactsCache:
    """``FormFacts`` of the forms of one registry, each worked out the first time a page shows it."""

    def __init__(self, forms: FormRegistry) -> None:
        self._forms = forms
        self._found: dict[str, tuple[FormDefinition, FormFacts]] = {}
        self._lock = threading.Lock()

    def get(self, form_key: str) -> FormFacts:
        form = self._forms.get(form_key)
        found = self._found.get(form_key)
        # The registry hands back the same definition for a key; another (a form it does not keep) is
        # looked at again.
        if found is None or found[0] is not form:
            with self._lock:
                found = self._found[form_key] = (form, FormFacts.of_schema(form.schema))
        return found[1]


def all_properties(schema: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """Every field of the form: the top-level ones, and a table's columns after the table."""
    for prop in schema.get("properties", {}).values():
        yield prop
        items = prop.get("items", {})
        if items.get("type") == "object":
            yield from items.get("properties", {}).values()
