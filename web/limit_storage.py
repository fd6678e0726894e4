"""Flask-Limiter's counts in this process's memory, without a thread per request.

limits' ``MemoryStorage`` drops expired counts in a ``threading.Timer`` it starts again (10 ms later) on
every count when the last one has run out. Under a flood of wrong logins on a busy machine starting
that thread took a fifth of the gunicorn workers' time (``Thread.start`` waits until the new thread
runs: py-spy, ``python -m bench.logins --http``), and a sync worker waiting there serves nobody. Here
expired counts are dropped in the request itself at most once a second; a count past its window is
never read in between (the storage checks the expiry on every read).
"""
from __future__ import annotations

import time

from limits.storage import MemoryStorage

SCHEME = "alur-memory"
SWEEP_EVERY = 1.0  # seconds


class SweptMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._swept_at = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the parent's private timer start
        now = time.monotonic()
        if now - self._swept_at >= SWEEP_EVERY:
            self._swept_at = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def storage_uri(configured: str) -> str:
    """``memory://`` (the default) means this storage; any other (``redis://`` …) is used as given."""
    return f"{SCHEME}://" if configured.startswith("memory:") else configured
