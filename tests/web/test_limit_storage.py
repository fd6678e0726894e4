"""Flask-Limiter's memory counts without a timer thread per count (web/limit_storage.py)."""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import limits.storage.memory

from web.limit_storage import SweptMemoryStorage


def test_the_app_counts_in_the_swept_storage(app):
    assert isinstance(app.extensions["alur_limiter"].storage, SweptMemoryStorage)


def test_counting_starts_no_thread_and_expired_counts_are_swept(monkeypatch):
    storage = SweptMemoryStorage("alur-memory://")
    storage.timer.join()  # the constructor's one sweep
    threads = threading.active_count()
    for n in range(200):
        storage.incr(f"login:{n}", expiry=60)
    assert threading.active_count() == threads and not storage.timer.is_alive()
    assert storage.get("login:7") == 1
    later = time.time() + 61
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=lambda: later))
    storage.incr("login:again", expiry=60)  # within a second of the last sweep: nothing dropped yet
    assert "login:7" in storage.storage
    storage._swept_at -= 2
    storage.incr("login:again", expiry=60)
    assert "login:7" not in storage.storage and storage.get("login:again") == 2
