"""What the worker's use cases share: a cap per run and hooks around each item they process."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import Connection

# A run handles at most this many items per use case, so one call stays short; when more are
# due, the next wake-up is immediate.
MAX_ITEMS_PER_RUN = 500


@dataclass
class ItemHooks:
    """Given by the worker to each use case.

    ``on_item(connection, key)`` runs inside each item's transaction just before it commits (keys such
    as ``timer:12``, ``routine:sop_x@2026-12-01T00:00:00+00:00``, ``task:<uuid>``, ``case:7``,
    ``email:40``): used for logging and, in tests, to stall a worker mid-transaction. ``stop``
    ends a run between two items (SIGTERM).
    """

    on_item: Callable[[Connection, str], None] | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def item(self, connection: Connection, key: str) -> None:
        if self.on_item is not None:
            self.on_item(connection, key)

    def stop_requested(self) -> bool:
        return self.stop.is_set()
