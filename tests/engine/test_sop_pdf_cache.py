"""SOP document PDFs are printed once per document as it reads, one print at a time, and kept: the
cache's contract, with a printer that records what it was asked (Chromium's own printing is checked in
test_sop_document.py and, through the page, in tests/web/test_modeler.py)."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from engine.sop.pdf_cache import PdfCache
from engine.sop.render import DocumentRenderError

pytestmark = pytest.mark.sqlite_only("no database")


class Printer:
    """Prints slowly and counts: how many prints, and how many at once at most."""

    def __init__(self) -> None:
        self.prints: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self, html: str) -> bytes:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.prints.append(html)
        time.sleep(0.05)
        with self._lock:
            self.running -= 1
        return b"%PDF-1.7 " + html.encode()


def test_one_print_per_document_and_one_print_at_a_time(tmp_path):
    printer = Printer()
    cache = PdfCache(tmp_path / "pdf", printer)
    requests = [("sop01-v1", "<p>satu</p>")] * 6 + [("sop02-v1", "<p>dua</p>")] * 6
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda r: cache.get_or_render(*r), requests))
    assert sorted(printer.prints) == ["<p>dua</p>", "<p>satu</p>"]  # each document once
    assert printer.most_at_once == 1  # never two Chromiums
    assert results[0] == b"%PDF-1.7 <p>satu</p>" and results[-1] == b"%PDF-1.7 <p>dua</p>"
    # another process (a new cache over the same folder) reads the kept files without printing
    again = PdfCache(tmp_path / "pdf", Printer())
    assert again.cached("sop01-v1", "<p>satu</p>") == b"%PDF-1.7 <p>satu</p>"


def test_a_changed_document_is_printed_again_and_replaces_the_old_print(tmp_path):
    printer = Printer()
    cache = PdfCache(tmp_path, printer)
    cache.get_or_render("sop01-v1", "<p>Nomor SOP 1</p>")
    assert cache.cached("sop01-v1", "<p>Nomor SOP 2</p>") is None  # the identity changed: not that print
    cache.get_or_render("sop01-v1", "<p>Nomor SOP 2</p>")
    assert len(printer.prints) == 2
    assert [p.name.split(".")[0] for p in tmp_path.glob("*.pdf")] == ["sop01-v1"]  # the old one is gone
    assert cache.cached("sop01-v1", "<p>Nomor SOP 1</p>") is None


def test_a_failed_print_keeps_nothing_and_the_next_request_tries_again(tmp_path):
    calls = []

    def failing(html: str) -> bytes:
        calls.append(html)
        raise DocumentRenderError("PDF tidak dapat dibuat: uji")

    cache = PdfCache(tmp_path, failing)
    for _ in range(2):
        with pytest.raises(DocumentRenderError):
            cache.get_or_render("sop01-v1", "<p>x</p>")
    assert len(calls) == 2 and list(tmp_path.glob("*.pdf")) == [] and list(tmp_path.glob("*.part")) == []
