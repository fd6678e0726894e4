"""Form fields that name servers of the asset register, and what the task page offers for them.

``x-widget: "server"`` is a picker of one server by its asset number (also as a table column); a
table with ``x-register-review`` is the review of the whole register (``tinjau_aset_register_server``),
shown filled with one row per server.
"""
from __future__ import annotations

from typing import Any

from engine.modeling.forms import FormDefinition
from engine.registers.server_assets import ServerAssetView

SERVER_PICKER = "server"
REVIEW_HINT = "x-register-review"
OPTIONS_KEY = "@server"  # the picker's options among a task page's ``user_options``


def picker_options(servers: list[ServerAssetView]) -> dict[str, list[tuple[str, str]]]:
    """The picker's choices (asset number, label), when the form has a picker (``servers`` given)."""
    return {OPTIONS_KEY: [(s.asset_number, s.label) for s in servers]} if servers else {}


def review_prefill(schema: dict[str, Any], servers: list[ServerAssetView]) -> dict[str, Any]:
    """A review table filled with one row per server of the register, its status as recorded."""
    for name, prop in schema.get("properties", {}).items():
        if prop.get(REVIEW_HINT) and servers:
            return {name: [{"server_aset": s.asset_number, "status": s.status} for s in servers]}
    return {}


def server_choices(form: FormDefinition, data: dict[str, Any]) -> list[tuple[str, object]]:
    """(error path, chosen value) of every server picker the data fills, table rows included."""
    found: list[tuple[str, object]] = []
    for name, itself, pickers in form.widget_fields(SERVER_PICKER):
        if itself and name in data:
            found.append((name, data[name]))
        rows = data.get(name)
        if pickers and isinstance(rows, list):
            found += [(f"{name}.{index}.{col}", row.get(col)) for index, row in enumerate(rows)
                      if isinstance(row, dict) for col in pickers if col in row]
    return found
