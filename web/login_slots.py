"""At most a few password checks at once on an app server, so a flood of wrong logins cannot take
every gunicorn worker and every core (issue 18).

A password check is a tenth of a second of scrypt (or a directory bind). An app server's gunicorn
workers serve a few requests at once each (their threads): when wrong logins from many names and
addresses (which no per-name or per-address limit catches) fill every thread with scrypt, a case step
waits in the queue behind them. A check
takes one of ``LOGIN_CHECKS_AT_ONCE`` slots (default: half the cores, at least one), an exclusive
``flock`` on a file every worker of the server opens; when none is free the login is answered 429 with
``Retry-After: 1`` at once, before the password is checked and before any write (only the account's
wait after failures, one indexed read, comes first), the same for every name typed. Waiting for a slot
would hold the worker just the same, so nobody waits. A lock held by a worker that dies is released by
the kernel.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import Flask

EXTENSION = "alur_login_slots"


class LoginCheckSlots:
    def __init__(self, folder: Path, count: int) -> None:
        if count < 1:
            raise ValueError(f"ALUR_LOGIN_CHECKS_AT_ONCE must be 1 or more, not {count}")
        self._folder, self._made = folder, False  # made at the first login, not at start-up
        self._paths = [folder / f"login-check-{n}.lock" for n in range(count)]

    @property
    def count(self) -> int:
        return len(self._paths)

    @contextlib.contextmanager
    def slot(self) -> Iterator[bool]:
        """Yields True holding a free slot until the block ends, or False at once when all are taken."""
        if not self._made:
            self._folder.mkdir(parents=True, exist_ok=True)
            self._made = True
        for path in self._paths:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # each its own open file: threads exclude too
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield True
            finally:
                os.close(fd)  # closing releases the lock
            return
        yield False


def register(app: Flask, instance_dir: Path, testing: bool) -> None:
    """The app server's slots: in ``XDG_RUNTIME_DIR`` (the unit's /run/alur-web-PORT, one set per app
    server) or the instance folder; a test app gets a folder of its own."""
    count = int(app.config.get("LOGIN_CHECKS_AT_ONCE") or max(1, (os.cpu_count() or 2) // 2))
    folder = app.config.get("LOGIN_CHECK_SLOTS_DIR")
    if not folder:
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        folder = (tempfile.mkdtemp(prefix="alur-login-slots-") if testing
                  else Path(runtime) / "login-slots" if runtime else instance_dir / "login-slots")
    app.extensions[EXTENSION] = LoginCheckSlots(Path(folder), count)


def slots(app: Flask) -> LoginCheckSlots:
    return app.extensions[EXTENSION]  # type: ignore[no-any-return]
