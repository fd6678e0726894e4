"""The layering of DESIGN.md: web -> engine -> engine.persistence, never the reverse."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_top_level_names(package: str) -> set[str]:
    names: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_engine_does_not_know_about_the_web():
    names = imported_top_level_names("engine")
    assert "SpiffWorkflow" in names  # the scan sees real imports
    assert not {"flask", "werkzeug", "web", "flask_login", "flask_wtf", "flask_babel"} & names


def test_persistence_stores_rows_not_workflows():
    names = imported_top_level_names("engine/persistence")
    assert "sqlalchemy" in names
    assert not {"flask", "SpiffWorkflow", "web"} & names
