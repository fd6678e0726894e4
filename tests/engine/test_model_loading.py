"""A new app server's process parses the latest version of every deployed SOP before its first page
(web/wsgi.py): a gunicorn worker's first pages parsed them, about 0.1 s each, and gunicorn starts a new
worker every --max-requests. A database not ready is a warning, and a slow one does not hold the start."""
from __future__ import annotations

import logging
import threading

from alur_testing import sop_settings
from sqlalchemy import create_engine

from engine import load_latest_models
from engine.bootstrap import open_alur
from engine.config import PROJECT_ROOT


def test_every_latest_sop_is_parsed_before_a_page_asks(sop_alur, tmp_path, clock, monkeypatch, caplog):
    sop_alur.deployer.deploy_directory(PROJECT_ROOT / "processes", "pemilik")
    # another process on the same database: nothing parsed yet
    fresh = open_alur(sop_settings(tmp_path, str(sop_alur.db.url)), clock=clock, db=sop_alur.db)
    over: list[str] = []
    with caplog.at_level(logging.INFO, logger="alur.start"):
        assert load_latest_models(fresh.catalog, then=lambda: over.append("then")) is True
    assert over == ["then"]
    loaded = [r for r in caplog.records if r.name == "alur.start"]
    assert [r.levelname for r in loaded] == ["INFO"] and loaded[0].fields["models"] == 6

    def refuse(*_args, **_kwargs):
        raise AssertionError("parsed again after loading")
    monkeypatch.setattr(fresh.parser, "parse", refuse)
    shown = fresh.catalog.processes("nobody", user_roles=frozenset())
    assert len(shown) == 6
    assert all(fresh.definitions.cached(p.definition_id) is not None for p in shown)


def test_a_database_without_the_schema_is_a_warning_not_a_failed_start(tmp_path, clock, caplog):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = create_engine(url)
    alur = open_alur(sop_settings(tmp_path, url), clock=clock, db=engine)
    over: list[str] = []
    try:
        with caplog.at_level(logging.INFO, logger="alur.start"):
            assert load_latest_models(alur.catalog, then=lambda: over.append("then")) is False
    finally:
        alur.close()
    assert over == ["then"]  # the connection is closed also when the loading failed
    records = [r for r in caplog.records if r.name == "alur.start"]
    assert [r.levelname for r in records] == ["WARNING"]
    assert records[0].fields == {"kind": "start", "error": "OperationalError"}
    assert "models not loaded at start" in records[0].getMessage()


class _SlowCatalog:
    def __init__(self) -> None:
        self.release = threading.Event()
        self.done = threading.Event()

    def load_latest(self) -> int:
        self.release.wait(10)
        self.done.set()
        return 5


def test_a_slow_database_does_not_hold_the_start_and_the_loading_goes_on(caplog):
    catalog = _SlowCatalog()
    with caplog.at_level(logging.INFO, logger="alur.start"):
        assert load_latest_models(catalog, wait_seconds=0.05) is False  # type: ignore[arg-type]
        assert [r.getMessage() for r in caplog.records if r.name == "alur.start"] == [
            "models still loading after 0.05 s; serving meanwhile"]
        catalog.release.set()
        assert catalog.done.wait(10)
    for thread in threading.enumerate():
        if thread.name == "alur-load-models":
            thread.join(10)
    assert [r.getMessage() for r in caplog.records if r.name == "alur.start"][-1] == "5 models loaded"


def test_the_loading_thread_does_not_keep_the_process_alive():
    catalog = _SlowCatalog()
    load_latest_models(catalog, wait_seconds=0.05)  # type: ignore[arg-type]
    threads = [t for t in threading.enumerate() if t.name == "alur-load-models"]
    assert threads and all(t.daemon for t in threads)
    catalog.release.set()
