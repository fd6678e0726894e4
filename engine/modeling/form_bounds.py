"""Every value a form accepts has a size: a string field without its own ``maxLength`` gets one (long
text 10,000 characters, other text 1,000), a table without ``maxItems`` at most 500 rows. Applied when a
form is loaded, so a form written without limits still never takes a 10 MB value into a case, its audit
trail and every page that shows them (issue 18)."""
from __future__ import annotations

import copy
from typing import Any

LONG_TEXT_MAX = 10_000
TEXT_MAX = 1_000
ROWS_MAX = 500


def bounded(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` with the default limits on every string and array that has none."""
    result = copy.deepcopy(schema)
    _bound(result)
    return result


def _bound(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _bound(item)
        return
    if not isinstance(node, dict):
        return
    types = node.get("type")
    kinds = set(types) if isinstance(types, list) else {types}
    if "string" in kinds and "maxLength" not in node and "enum" not in node and "const" not in node:
        node["maxLength"] = LONG_TEXT_MAX if node.get("x-widget") == "textarea" else TEXT_MAX
    if "array" in kinds and "maxItems" not in node:
        node["maxItems"] = ROWS_MAX
    for key, value in node.items():
        if key in ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas"):
            for sub in value.values() if isinstance(value, dict) else ():
                _bound(sub)
        elif key in ("items", "additionalProperties", "if", "then", "else", "not", "contains",
                     "allOf", "anyOf", "oneOf", "prefixItems"):
            _bound(value)
