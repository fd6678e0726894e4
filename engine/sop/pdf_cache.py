"""SOP document PDFs made once and kept: Chromium prints each distinct document once, one print at a time
for the whole server (every thread and every app process share the lock file), and the file is kept in
the instance folder under the document's content hash, so a new identity (Nomor SOP, dates, Disahkan oleh)
or a new version makes a new file and the old one is dropped.

    cache = PdfCache(folder, html_to_pdf)
    cache.cached(name, html)         -> bytes | None   (no Chromium)
    cache.get_or_render(name, html)  -> bytes          (Chromium when missing)
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Callable

_NAME = re.compile(r"[^A-Za-z0-9_.-]")


class PdfCache:
    def __init__(self, folder: Path, render: Callable[[str], bytes]) -> None:
        self._folder = folder
        self._render = render
        self._lock = threading.Lock()  # the threads of one process; the lock file orders the processes

    def cached(self, name: str, html: str) -> bytes | None:
        """The kept PDF of exactly this document, or None."""
        try:
            return self._path(name, html).read_bytes()
        except FileNotFoundError:
            return None

    def get_or_render(self, name: str, html: str) -> bytes:
        """The kept PDF, else print it (waiting for any print under way: at most one Chromium runs).

        :raises DocumentRenderError: Chromium is missing or failed (nothing is kept)
        """
        found = self.cached(name, html)
        if found is not None:
            return found
        self._folder.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self._folder / ".render.lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                found = self.cached(name, html)  # printed by another request while this one waited
                if found is not None:
                    return found
                pdf = self._render(html)
                self._keep(name, html, pdf)
                return pdf
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _path(self, name: str, html: str) -> Path:
        digest = hashlib.sha256(html.encode("utf-8")).hexdigest()[:24]
        return self._folder / f"{_NAME.sub('_', name)}.{digest}.pdf"

    def _keep(self, name: str, html: str, pdf: bytes) -> None:
        """Write atomically (a reader never sees half a file), then drop this name's older prints."""
        path = self._path(name, html)
        handle, temporary = tempfile.mkstemp(dir=self._folder, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(pdf)
        os.replace(temporary, path)
        for older in self._folder.glob(f"{_NAME.sub('_', name)}.*.pdf"):
            if older != path:
                older.unlink(missing_ok=True)
