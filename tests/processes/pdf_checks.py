"""Reading a printed PDF back in tests: its text per page (pdftotext) and how much ink a page holds
(pdftoppm), as tests/engine/test_sop_document.py checks the SOP document."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def require(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        message = f"{tool} is not installed (Debian: chromium, poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def pdf_pages(path: Path, layout: bool = True) -> list[str]:
    """The text of each page of the PDF (layout kept, else each cell's lines together)."""
    pdftotext = require("pdftotext")
    pages: list[str] = []
    while True:
        number = len(pages) + 1
        mode = ["-layout"] if layout else []
        done = subprocess.run([pdftotext, "-f", str(number), "-l", str(number), *mode, str(path), "-"],
                              capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            return pages
        pages.append(done.stdout)


def dark_share(path: Path, page: int, folder: Path) -> tuple[int, int, float]:
    """Width, height and the share of dark pixels of a page rendered to a grey image."""
    pdftoppm = require("pdftoppm")
    subprocess.run([pdftoppm, "-f", str(page), "-l", str(page), "-r", "40", "-gray", str(path),
                    str(folder / f"p{page}")], check=True, timeout=60)
    image = next(folder.glob(f"p{page}*.pgm"))
    width, height, pixels = read_pgm(image.read_bytes())
    return width, height, sum(1 for value in pixels if value < 128) / len(pixels)


def read_pgm(data: bytes) -> tuple[int, int, bytes]:
    """A binary PGM (P5) as width, height and its pixels."""
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:
        while data[position:position + 1].isspace():
            position += 1
        if data[position:position + 1] == b"#":
            position = data.index(b"\n", position) + 1
            continue
        end = position
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[position + 1:position + 1 + width * height]
