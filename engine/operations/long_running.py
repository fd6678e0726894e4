"""What a long-running process (a gunicorn worker, ``alur worker``, ``alur run``) does once it is set up."""
from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Move every object made so far out of the garbage collector's reach.

    What start-up made (the models, the parsed SOPs, the app, SQLAlchemy's tables) lives as long as the
    process, yet a full collection walked it all: about 190,000 objects and 100 ms, paid by whichever request
    or job triggered it. Frozen, a full collection walks only what was made since (gc.freeze, Python's advice
    for long-running servers)."""
    gc.collect()  # what start-up left as garbage is freed first, not kept forever
    gc.freeze()
