"""What a long-running process (a gunicorn worker, ``alur worker``, ``alur run``) does once it is set up."""
from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from engine.errors import EngineError
from engine.reading.catalog import ProcessCatalog

START_LOG = logging.getLogger("alur.start")
LOAD_WAIT_SECONDS = 20.0  # well within gunicorn's --timeout, which a worker's start must not outlast


def load_latest_models(catalog: ProcessCatalog, wait_seconds: float = LOAD_WAIT_SECONDS,
                       then: Callable[[], None] | None = None) -> bool:
    """Parse the latest version of every deployed SOP before the process serves: a new gunicorn worker's
    first pages parsed them, about 0.1 s each (the schema, the forms, the expressions), and gunicorn starts
    a new worker every ``--max-requests``. Whether they were loaded within ``wait_seconds``.

    A database not ready (not upgraded, not reachable) is left to the pages, which say so: a warning here,
    never a worker that fails to start. Nor one that hangs on it: the loading runs in a thread of its own,
    waited for ``wait_seconds`` at most; a page that needs a model still loading waits for that model's
    parse (engine.modeling.definitions), not for all of them. ``then`` runs once the loading is over,
    loaded or not (web/wsgi.py closes the connection it used: gunicorn ``--preload`` forks after this).
    """
    loaded = threading.Event()

    def load() -> None:
        started = time.monotonic()
        try:
            count = catalog.load_latest()
        except (SQLAlchemyError, EngineError, OSError) as exc:
            START_LOG.warning("models not loaded at start: %s", str(exc).splitlines()[0],
                              extra={"fields": {"kind": "start", "error": type(exc).__name__}})
            return
        finally:
            if then is not None:
                then()
        loaded.set()
        START_LOG.info("%d models loaded", count, extra={"fields": {
            "kind": "start", "models": count, "duration_ms": round((time.monotonic() - started) * 1000, 1)}})

    thread = threading.Thread(target=load, name="alur-load-models", daemon=True)
    thread.start()
    thread.join(wait_seconds)
    if thread.is_alive():
        START_LOG.warning("models still loading after %g s; serving meanwhile", wait_seconds,
                          extra={"fields": {"kind": "start"}})
    return loaded.is_set()


def freeze_startup_objects() -> None:
    """Move every object made so far out of the garbage collector's reach.

    What start-up made (the models, the parsed SOPs, the app, SQLAlchemy's tables) lives as long as the
    process, yet a full collection walked it all: about 190,000 objects and 100 ms, paid by whichever request
    or job triggered it. Frozen, a full collection walks only what was made since (gc.freeze, Python's advice
    for long-running servers)."""
    gc.collect()  # what start-up left as garbage is freed first, not kept forever
    gc.freeze()
