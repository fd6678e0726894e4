"""Helpers for the web tests: logging in, starting a network case, valid form posts, uploads."""
from __future__ import annotations

import io
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from alur_testing import TEST_SCRYPT_N

from engine.runtime.attachments import AttachmentStore
from engine.config import Settings
from engine.bootstrap import Alur
from web import create_app
from web.demo import demo_password
from web.serve import http_server

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

# Browser tests drive Debian's Chromium; outside CI a machine without it skips them, in CI they must run.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BROWSER_MARKS = [pytest.mark.browser,
                 pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                                    reason="Debian's chromium is not installed (apt-get install chromium)")]


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yields its base URL."""
    httpd = http_server("127.0.0.1", 0, app)
    # shutdown() waits for the loop's next poll: 0.5 s by default, once per test
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (skipped where Playwright is not installed)."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watched_tab(browser: Any, width: int = 1280, height: int = 900, **options: Any) -> Any:
    """A page in a context of its own (Indonesian unless ``locale`` is given) that keeps the console errors
    and uncaught exceptions in ``console_errors``, for the tests to assert none happened."""
    tab = browser.new_context(viewport={"width": width, "height": height}, **{"locale": "id-ID", **options}).new_page()
    tab.console_errors = []
    tab.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.console_errors.append(str(e)))
    return tab


def make_settings(tmp_path: Path, url: str, **overrides: Any) -> Settings:
    return Settings(database_url=url, processes_dir=ROOT / "processes", forms_dir=ROOT / "forms",
                    attachments_dir=tmp_path / "attachments", **{"scrypt_n": TEST_SCRYPT_N, **overrides})


def build_app(alur: Alur, **config: Any) -> Flask:
    """The app over ``alur`` as the web tests use it (CSRF off unless ``config`` turns it on)."""
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                       "ALUR": alur, **config})


def copy_db(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def login(client: FlaskClient, username: str, password: str | None = None) -> None:
    response = client.post("/masuk", data={"username": username,
                                           "password": password or demo_password(username)})
    assert response.status_code == 302, response.text


def logout(client: FlaskClient) -> None:
    client.post("/keluar")


def start_network_case(alur: Alur, starter: str = "pengguna_jaringan", business_key: str = "045/1/26") -> int:
    return alur.runner.start_case("sop_gangguan_jaringan", starter, business_key).instance_id


def open_task(alur: Alur, instance_id: int, element_id: str | None = None) -> Any:
    tasks = [t for t in alur.queries.open_tasks(instance_id) if element_id in (None, t.element_id)]
    assert len(tasks) == 1, tasks
    return tasks[0]


def upload(alur: Alur, name: str = "surat.pdf", content: bytes = PDF, actor: str = "tester") -> str:
    store = AttachmentStore(alur.sessions, alur.settings)
    return store.store(io.BytesIO(content), name, actor).sha256


def filled_form(alur: Alur, task: Any, actor: str) -> dict[str, Any]:
    """Schema-valid data for ``task``'s form (its required fields), each document uploaded by ``actor``,
    each person picked by role name (the demo users are named after their roles)."""
    from process_helpers import FillContext, form_data  # tests/processes' form filler

    ctx = FillContext(tag=task.element_id, now=alur.clock(), user_for=lambda role: role,
                      document=lambda label: upload(alur, f"{label}.pdf", f"%PDF-1.4 {label}".encode(), actor),
                      full=False)
    return form_data(alur.forms.get(task.form_key).schema, ctx)


def gjr_01_form(**overrides: Any) -> dict[str, Any]:
    """A valid HTML post of the request letter (GJR-01), the document as an upload."""
    data: dict[str, Any] = {
        "opd_pengirim": "Dinas Pendidikan", "nomor_surat_permohonan": "045/1/2026",
        "tanggal_surat_permohonan": "2026-11-23", "hal": "Gangguan jaringan", "lokasi": "Gedung A lantai 2",
        "jenis_gangguan": "tidak ada koneksi", "sejak": "2026-11-23T07:45", "jumlah_pengguna_terdampak": "12",
        "pic_nama": "Budi", "pic_telepon": "08123", "urgensi": "segera", "expected_version": "1",
        "dokumen_surat_permohonan": (io.BytesIO(PDF), "surat permohonan.pdf"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def gjr_01_data(alur: Alur) -> dict[str, Any]:
    """The same letter as engine data (for completing through the runner)."""
    return {"opd_pengirim": "Dinas Pendidikan", "nomor_surat_permohonan": "045/1/2026",
            "tanggal_surat_permohonan": "2026-11-23", "hal": "Gangguan", "lokasi": "Gedung A",
            "jenis_gangguan": "lambat", "sejak": "2026-11-23T07:45:00+08:00", "pic_nama": "Budi",
            "pic_telepon": "0812", "urgensi": "biasa",
            "dokumen_surat_permohonan": upload(alur, actor="pengguna_jaringan")}


def text_of(html: str) -> str:
    """Visible text, whitespace collapsed (for assertions on messages)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def add_test_server(alur: Alur, asset_number: str = "SRV-UJI-01") -> None:
    """A server in the asset register, for the forms that pick one (brd_04, the yearly review)."""
    alur.server_assets.add({"asset_number": asset_number, "hostname": "db-uji", "ip_address": "10.10.1.21",
                            "operating_system": "Ubuntu 22.04", "dbms": "PostgreSQL 15",
                            "owner_opd": "Dinas Kesehatan", "location": "Rak A3", "backup_schedule": "Harian"},
                           "pengelola_ti")
