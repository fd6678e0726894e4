"""Flask-Limiter's counts in this process's memory, without a thread per request.

limits' ``MemoryStorage`` drops expired counts in a ``threading.Timer`` it starts again (10 ms later) on
every count when the last one has run out. Under a flood of wrong logins on a busy machine starting
that thread took a fifth of the gunicorn workers' time (``Thread.start`` waits until the new thread
runs: py-spy, ``python -m bench.logins --http``), and a worker waiting there serves nobody. Here
expired counts are dropped in the request itself at most once a second; a count past its window is
never read in between (the storage checks the expiry on every read).

The app server's threads (gunicorn's gthread workers) share one storage: one of them sweeps at a time
while the others count and read, so the sweep takes each key's lock and skips a key another thread
dropped after the sweep listed it.
"""
from __future__ import annotations

import bisect
import threading
import time

from limits.storage import MemoryStorage
from limits.storage import memory

SCHEME = "alur-memory"
SWEEP_EVERY = 1.0  # seconds


class SweptMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._swept_at = time.monotonic()
        self._sweeping = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the parent's private timer start
        now = time.monotonic()
        if now - self._swept_at < SWEEP_EVERY or not self._sweeping.acquire(blocking=False):
            return  # swept a moment ago, or another thread sweeps now
        try:
            self._swept_at = now
            self.sweep()
        finally:
            self._sweeping.release()

    def sweep(self) -> None:
        """Drop the expired counts and moving-window entries: the parent's ``__expire_events``, safe
        beside other threads (it reads ``expirations[key]`` for a key it listed, which a read in another
        thread may have dropped since)."""
        now = memory.time.time()  # type: ignore[attr-defined]  # the storage's own clock, which its reads compare with
        for key in list(self.events):
            with self.locks[key]:
                events = self.events.get(key)
                if events:
                    self.events[key] = events[:bisect.bisect_left(events, -now, key=lambda event: -event.expiry)]
                if not self.events.get(key):
                    self.locks.pop(key, None)
        for key in list(self.expirations):
            with self.locks[key]:
                expiry = self.expirations.get(key)
                if expiry is not None and expiry <= now:
                    self.storage.pop(key, None)
                    self.expirations.pop(key, None)
            if key not in self.expirations:
                self.locks.pop(key, None)


def storage_uri(configured: str) -> str:
    """``memory://`` (the default) means this storage; any other (``redis://`` …) is used as given."""
    return f"{SCHEME}://" if configured.startswith("memory:") else configured
