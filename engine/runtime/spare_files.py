"""Empty files made ahead for uploads, in a thread of their own, never in a user's request.

Making a file (its inode and its name in a folder) took 130-270 µs on the deployment machines' ext4, most
of an upload's own time: writing 200 KB into it took 13 µs and renaming it into place 34 µs. So a thread
keeps ``KEEP`` empty files ready in the store's ``tmp`` folder, each open for writing; an upload takes one,
writes into it and renames it into place as before. With none ready (a burst of uploads, or the thread not
started yet) the upload makes its own, as before, and wakes the thread.

Each process keeps its own: the files are named as any temporary upload (the process's pid and a count),
and a process forked after its parent made some (a server that loads the app before forking its workers)
leaves them to the parent and makes its own. ``stop`` (at ``Alur.close``, when the store is collected,
or at exit) closes and removes those not taken. A process killed leaves at most ``KEEP`` empty files in
``tmp``, as a crash in the middle of an upload leaves one: no reader looks there (the document check and a
restore skip ``tmp``), and their names are passed over.
"""
from __future__ import annotations

import collections
import itertools
import logging
import os
import threading
import weakref
from typing import Any

_log = logging.getLogger(__name__)

KEEP = 4  # a step's documents are one to three
_NAMES = itertools.count()  # a process's temporary file names (with its pid): no random names to draw


def make_temporary(folder: str) -> tuple[int, str]:
    """A new empty file in ``folder`` that only this process writes, open for writing, and its name. A name
    already taken (by another host's process on shared storage, or left by a crash) is passed over."""
    while True:
        name = os.path.join(folder, f"{os.getpid()}.{next(_NAMES)}")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), name
        except FileNotFoundError:  # the folder is made when a write finds it missing
            os.makedirs(folder, exist_ok=True)
        except FileExistsError:
            pass


class SpareFiles:
    """Up to ``keep`` empty files in ``folder`` made ahead by a thread, for ``take``."""

    def __init__(self, folder: str, keep: int = KEEP) -> None:
        self._folder = folder
        self._keep = keep
        self._ready: collections.deque[tuple[int, str]] = collections.deque()  # appends and pops are atomic
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self.made = 0  # files the thread made (for tests and diagnostics)

    def take(self) -> tuple[int, str]:
        """An empty file open for writing and its name: one made ahead, else a new one made now."""
        if self._pid != os.getpid():
            self._forked()
        try:
            taken = self._ready.popleft()
        except IndexError:
            taken = make_temporary(self._folder)
        if not self._stopped:
            self._ensure_thread()
            self._wake.set()
        return taken

    @property
    def ready(self) -> int:
        """How many files are made and not taken."""
        return len(self._ready)

    def stop(self) -> None:
        """End the thread; close and remove the files not taken. ``take`` still works, making each file."""
        self._stopped = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread() and self._pid == os.getpid():
            thread.join(timeout=10)
        if self._pid == os.getpid():
            self._discard(remove=True)

    def _forked(self) -> None:
        """In a child process: the parent's files stay the parent's (closed here, not removed)."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._discard(remove=False)
            self._pid = os.getpid()
            self._thread = None  # a thread is not forked with its process: this one starts its own

    def _discard(self, remove: bool) -> None:
        while True:
            try:
                handle, name = self._ready.popleft()
            except IndexError:
                return
            os.close(handle)
            if remove:
                try:
                    os.unlink(name)
                except OSError:  # gone already: nothing to remove
                    pass

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopped:
                    self._thread = threading.Thread(target=self._run, name="alur-spare-files", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        pid = os.getpid()
        while True:
            self._wake.wait()
            self._wake.clear()
            while not self._stopped and pid == os.getpid() and len(self._ready) < self._keep:
                try:
                    made = make_temporary(self._folder)
                except OSError:  # a full disk, a folder gone: the uploads make their own, and fail as before
                    _log.warning("no spare upload file made in %s", self._folder, exc_info=True)
                    break
                self._ready.append(made)
                self.made += 1
            if self._stopped:
                self._discard(remove=True)  # what was made while stop waited for this thread
                return


def spare_files_for(owner: Any, folder: str, keep: int = KEEP) -> SpareFiles:
    """``SpareFiles`` of ``folder``, stopped when ``owner`` is collected or at exit (else by ``stop``)."""
    spare = SpareFiles(folder, keep)
    weakref.finalize(owner, spare.stop)  # also run at exit while the owner lives (finalize's atexit)
    return spare

