"""A file's bytes written while the caller does other work with them (an upload's hash).

A 200 KB document cost an upload 0.14 ms to hash and 0.1-0.3 ms to write, one after the other; both release
the GIL, so a thread of the process writes while the request's thread hashes. Each process has its own
threads (a pool made before a fork has none in the child: its queued writes would never run).
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")

WRITERS = 4  # at most this many writes at once in a process; more wait their turn
# Below this the hand-over to a thread (20-30 µs) costs about what the overlap saves: written in the
# caller's thread.
ALONGSIDE_BYTES = 64 * 1024

_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def write_all(handle: int, content: bytes) -> None:
    """Write all of ``content`` to the open file ``handle`` (``os.write`` may write less than asked)."""
    left = memoryview(content)
    while left:
        left = left[os.write(handle, left):]


def write_while(handle: int, content: bytes, work: Callable[[], T]) -> T:
    """Write ``content`` to ``handle`` while ``work`` runs; ``work``'s result once both are done.

    :raises OSError: the write failed (after ``work`` ran; the file is the caller's to remove)
    """
    if len(content) < ALONGSIDE_BYTES:
        write_all(handle, content)
        return work()
    written = _writers().submit(write_all, handle, content)
    try:
        result = work()
    except BaseException:
        wait([written])  # the caller closes the handle next: never while the write runs
        raise
    written.result()  # the write's error, if it failed
    return result


def _writers() -> ThreadPoolExecutor:
    global _pool
    pool, pid = _pool, os.getpid()
    if pool is None or pool[0] != pid:
        with _pool_lock:
            pool = _pool
            if pool is None or pool[0] != pid:
                pool = _pool = (pid, ThreadPoolExecutor(WRITERS, thread_name_prefix="alur-file-write"))
    return pool[1]
