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


def test_a_count_dropped_by_another_thread_during_the_sweep_is_skipped():
    """gthread workers: a read in another thread may drop an expired key after the sweep listed it
    (limits' own sweep then fails with KeyError, here inside a request)."""
    class DroppedMeanwhile(dict):
        def __iter__(self):
            yield from [*super().__iter__(), "login:gone"]

    storage = SweptMemoryStorage("alur-memory://")
    storage.timer.join()
    storage.incr("login:kept", expiry=60)
    storage.expirations = DroppedMeanwhile(storage.expirations)
    storage.sweep()
    assert storage.get("login:kept") == 1


def test_one_thread_sweeps_at_a_time(monkeypatch):
    storage = SweptMemoryStorage("alur-memory://")
    storage.timer.join()
    storage.incr("login:old", expiry=60)
    later = time.time() + 61
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=lambda: later))
    storage._swept_at -= 2
    with storage._sweeping:  # another thread is sweeping
        storage.incr("login:new", expiry=60)
        assert "login:old" in storage.storage
    storage.incr("login:new", expiry=60)
    assert "login:old" not in storage.storage and storage.get("login:new") == 2
