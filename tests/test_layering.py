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


def engine_imports() -> dict[str, set[str]]:
    """Each engine module -> the engine modules it imports (at module level or inside functions)."""
    graph: dict[str, set[str]] = {}
    for path in (ROOT / "engine").rglob("*.py"):
        if "schema_versions" in path.parts:
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        graph[module] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("engine."):
                graph[module].add(str(node.module))
            elif isinstance(node, ast.Import):
                graph[module] |= {alias.name for alias in node.names if alias.name.startswith("engine.")}
    return graph


def test_engine_modules_import_no_cycle():
    graph = engine_imports()
    assert graph["engine.runtime.runner"] >= {"engine.runtime.unit_of_work", "engine.permissions"}
    inner = {module: deps for module, deps in graph.items() if module != "engine"}  # the surface imports all
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for dep in sorted(inner.get(module, ())):
            assert state.get(dep) != "open", "import cycle: " + " -> ".join([*path, module, dep])
            if dep not in state:
                visit(dep, [*path, module])
        state[module] = "done"

    for module in sorted(inner):
        if module not in state:
            visit(module, [])


def test_inner_modules_never_import_the_public_surface():
    """``engine/__init__`` imports every wing; an inner module importing it back would be a cycle."""
    for path in (ROOT / "engine").rglob("*.py"):
        if path.name == "__init__.py" and path.parent == ROOT / "engine":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert node.module != "engine", f"{path.relative_to(ROOT)} imports the public surface"


def test_web_and_cli_import_only_the_public_surface():
    import engine

    for package in ("web", "alur"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    assert not node.module.startswith("engine."), f"{path.relative_to(ROOT)}: {node.module}"
                    if node.module == "engine":
                        assert {a.name for a in node.names} <= set(engine.__all__), path
                elif isinstance(node, ast.Import):
                    assert not any(a.name.startswith("engine.") for a in node.names), path.relative_to(ROOT)


def test_engine_top_level_is_a_few_wings_and_ground_floor_modules():
    entries = sorted(p.name for p in (ROOT / "engine").iterdir() if p.name != "__pycache__")
    wings = {"accounts", "audit", "modeling", "operations", "persistence", "reading", "registers", "runtime", "sop",
             "worker", "worktime"}
    assert wings <= set(entries)
    ground_floor = set(entries) - wings
    assert ground_floor == {"__init__.py", "bootstrap.py", "config.py", "errors.py", "permissions.py", "values.py"}
    for wing in wings:
        assert (ROOT / "engine" / wing / "__init__.py").read_text().startswith('"""'), f"{wing} says what it holds"


def test_use_cases_write_through_a_unit_of_work():
    """A use case that writes opens ``UnitOfWork.begin(sessions)``; none begins a transaction of its own,
    so every write gets the same end (events, queued writes, conflicts, after-commit). The unit of work
    itself, and the direct statements' driver cursor (engine/persistence/compiled.py, which begins the
    transaction SQLAlchemy's autobegin would begin for a statement it runs itself), are the exceptions."""
    exempt = {ROOT / "engine" / "runtime" / "unit_of_work.py", ROOT / "engine" / "persistence" / "compiled.py"}
    for path in (ROOT / "engine").rglob("*.py"):
        if "schema_versions" in path.parts or path in exempt:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "begin":
                opener = ast.unparse(node.func.value)
                assert opener == "UnitOfWork", f"{path.relative_to(ROOT)}: {opener}.begin()"
