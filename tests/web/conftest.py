"""Web fixtures: the app over a copy of a prepared SQLite database (schema, the real SOPs, demo users).

Preparing costs seconds (migrations, deploying and parsing the SOPs), so it happens once per test
session; each test gets its own copy through SQLite's backup API.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from alur_testing import LogLines
from web_helpers import build_app, copy_db, make_settings

from engine.persistence.models import ProcessDefinition
from engine.bootstrap import Alur, open_alur
from web.request_log import REQUEST_LOG
from web.serve import prepare


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, Any]]:
    """The prepared database, and its parsed definitions (parsing the six SOPs costs about a second)."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "alur.db"
    alur = open_alur(make_settings(folder, f"sqlite:///{path}"))
    prepare(alur)
    with alur.sessions() as session:
        keys = session.scalars(select(ProcessDefinition.process_key).distinct()).all()
        parsed = {row.id: (row, definition) for row, definition in
                  (alur.definitions.latest(session, key) for key in keys)}
    alur.close()
    return path, parsed


@pytest.fixture
def alur(template: tuple[Path, dict[int, Any]], tmp_path: Path, clock: Any) -> Iterator[Alur]:
    source, parsed = template
    path = tmp_path / "alur.db"
    copy_db(source, path)
    services = open_alur(make_settings(tmp_path, f"sqlite:///{path}"), clock=clock)
    # Every copy holds the same definitions under the same ids: reuse the parsed ones.
    services.definitions.adopt(parsed)
    yield services
    services.close()


@pytest.fixture
def app(alur: Alur) -> Flask:
    return build_app(alur)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def app_factory(alur: Alur) -> Any:
    """Build another app over the same database with extra config (e.g. CSRF on)."""
    return lambda **config: build_app(alur, **config)


@pytest.fixture
def request_lines() -> Iterator[list[dict[str, Any]]]:
    """The request log's lines written during the test."""
    handler = LogLines()
    REQUEST_LOG.addHandler(handler)
    yield handler.lines
    REQUEST_LOG.removeHandler(handler)
