"""Web fixtures: the app over a copy of a prepared SQLite database (schema, the real SOPs, demo users).

Preparing costs seconds (migrations, deploy, scrypt for 17 accounts), so it happens once per test
session; each test gets its own copy through SQLite's backup API.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.config import Settings
from engine.services import Alur, open_alur
from web import create_app
from web.serve import prepare

ROOT = Path(__file__).resolve().parents[2]


def make_settings(tmp_path: Path, url: str, **overrides: Any) -> Settings:
    return Settings(database_url=url, processes_dir=ROOT / "processes", forms_dir=ROOT / "forms",
                    attachments_dir=tmp_path / "attachments", **overrides)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    path = folder / "alur.db"
    alur = open_alur(make_settings(folder, f"sqlite:///{path}"))
    prepare(alur)
    alur.close()
    return path


def copy_db(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


@pytest.fixture
def alur(template_db: Path, tmp_path: Path, clock: Any) -> Iterator[Alur]:
    path = tmp_path / "alur.db"
    copy_db(template_db, path)
    services = open_alur(make_settings(tmp_path, f"sqlite:///{path}"), clock=clock)
    yield services
    services.close()


def build_app(alur: Alur, clock: Any, **config: Any) -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                       "ALUR": alur, "CLOCK": clock, **config})


@pytest.fixture
def app(alur: Alur, clock: Any) -> Flask:
    return build_app(alur, clock)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def app_factory(alur: Alur, clock: Any) -> Any:
    """Build another app over the same database with extra config (e.g. CSRF on)."""
    return lambda **config: build_app(alur, clock, **config)
