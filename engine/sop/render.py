"""The SOP document of a deployed version as a print-ready HTML page, and as PDF (headless Chromium)."""
from __future__ import annotations

import base64
import mimetypes
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.config import chromium_from_env
from engine.errors import DefinitionNotFound, EngineError, NotFound
from engine.persistence.models import ProcessDefinition
from engine.modeling.roles import RoleCatalog
from engine.sop.document import SopDocument, build_document
from engine.sop.identity import SopIdentities
from engine.sop.pdf_cache import PdfCache
from engine.sop.flowchart import FIXED_COLUMNS, PAGE_WIDTH, lay_out

WITA = ZoneInfo("Asia/Makassar")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-extensions", "--disable-sync",
                  "--no-default-browser-check", "--no-pdf-header-footer", "--hide-scrollbars")
_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


class DocumentRenderError(EngineError):
    """The PDF could not be made (no Chromium on the server, or it failed)."""

    code = "document_render_failed"


LOGO_TYPES = {"image/png", "image/jpeg", "image/svg+xml"}


@dataclass(frozen=True)
class Organisation:
    """The kop (letterhead) of the identity section; the unit is named once, under the agency."""

    lines: tuple[str, ...] = ("PEMERINTAH PROVINSI KALIMANTAN TIMUR", "DINAS KOMUNIKASI DAN INFORMATIKA")
    address: str = "Jln. Basuki Rahmat No. 41, Telp. (0541) 731963, SAMARINDA 75112"
    unit: str = "Bidang Teknologi Informasi dan Komunikasi"
    city: str = "Samarinda"  # the place on the signature line
    logo: Path | None = None  # the Pemprov Kaltim logo in the instance folder (see engine.config.sop_logo_from_env)

    def logo_data_uri(self) -> str:
        """The logo inlined (the page stays self-contained); empty when there is none or it cannot be read."""
        if self.logo is None:
            return ""
        kind = mimetypes.guess_type(self.logo.name)[0] or ""
        try:
            data = self.logo.read_bytes() if kind in LOGO_TYPES else b""
        except OSError:
            return ""
        return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}" if data else ""


def render_html(document: SopDocument, organisation: Organisation = Organisation(),
                links: list[tuple[str, str]] | None = None, include_notes: bool = True) -> str:
    """The whole document as one self-contained page (inline CSS and SVG, no script).

    ``include_notes``: append the "Catatan pemodelan" (the model's notes, not part of the SOP)."""
    return _TEMPLATES.get_template("sop_document.html").render(
        doc=document, chart=lay_out(document), organisation=organisation, links=links or [],
        organisation_logo=organisation.logo_data_uri(), include_notes=include_notes,
        columns=FIXED_COLUMNS, page_width=PAGE_WIDTH,
        deployed_at=format_wita(document.deployed_at) if document.deployed_at else "")


def format_wita(moment: datetime) -> str:
    local = moment.astimezone(WITA)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} {local:%H.%M} WITA"


def find_chromium(explicit: str | None = None) -> str | None:
    """``explicit``, else ``ALUR_CHROMIUM``, else the first Chromium/Chrome on the PATH."""
    for candidate in (explicit, chromium_from_env(), *CHROMIUM_CANDIDATES):
        if candidate:
            found = shutil.which(candidate)
            if found:
                return found
    return None


def html_to_pdf(html: str, chromium: str | None = None, timeout: float = 90.0) -> bytes:
    """Print the page with headless Chromium (``--print-to-pdf``); the CSS sets A4 landscape.

    :raises DocumentRenderError: Chromium is missing or did not produce a PDF
    """
    binary = find_chromium(chromium)
    if binary is None:
        raise DocumentRenderError("PDF tidak dapat dibuat: Chromium tidak terpasang di server "
                                  "(pasang paket 'chromium' atau atur ALUR_CHROMIUM). Halaman HTML tetap "
                                  "dapat dicetak dari peramban.")
    with tempfile.TemporaryDirectory(prefix="alur-pdf-") as tmp:
        page, out = Path(tmp) / "sop.html", Path(tmp) / "sop.pdf"
        page.write_text(html, encoding="utf-8")
        command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}",
                   f"--crash-dumps-dir={Path(tmp) / 'crash'}", f"--print-to-pdf={out}", page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False,
                                  env={**os.environ, "HOME": tmp})
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DocumentRenderError(f"PDF tidak dapat dibuat: Chromium gagal dijalankan ({exc})") from exc
        if not out.is_file() or out.stat().st_size == 0:
            detail = (done.stderr or "").strip().splitlines()[-1:] or [f"kode keluar {done.returncode}"]
            raise DocumentRenderError(f"PDF tidak dapat dibuat: {detail[0]}")
        return out.read_bytes()


class PdfNotReady(NotFound):
    """The PDF of this document has not been printed yet, and the reader may not have it printed."""

    code = "document_pdf_not_ready"


class SopDocuments:
    """The SOP document of any deployed version, as data, HTML or PDF (printed once, kept in
    ``pdf_dir``; without one, in a temporary folder of this instance's own)."""

    def __init__(self, sessions: sessionmaker[Session], roles: RoleCatalog,
                 organisation: Organisation = Organisation(), chromium: str | None = None,
                 identities: SopIdentities | None = None, pdf_dir: Path | None = None) -> None:
        self._sessions = sessions
        self._identities = identities or SopIdentities(sessions)
        self._roles = roles
        self._organisation = organisation
        self._chromium = chromium
        folder = pdf_dir or Path(tempfile.gettempdir()) / f"alur-sop-pdf-{uuid.uuid4().hex}"  # made on first print
        self._pdfs = PdfCache(folder, lambda html: html_to_pdf(html, self._chromium))

    def document(self, process_key: str, version: int) -> SopDocument:
        """The document of that version, with the identity the process owner filled in for the SOP.

        :raises DefinitionNotFound: no such version"""
        with self._sessions() as session:
            row = session.scalar(select(ProcessDefinition).where(
                ProcessDefinition.process_key == process_key, ProcessDefinition.version == version))
            if row is None:
                raise DefinitionNotFound(f"Versi {version} dari proses '{process_key}' tidak ada",
                                         process_key=process_key, version=version)
            document = build_document(row.bpmn_xml.encode("utf-8"), self._roles, row.version, row.deployed_by,
                                      row.deployed_at, row.sha256, row.change_note or "")
        return document.with_identity(self._identities.get(process_key))

    def html(self, process_key: str, version: int, links: list[tuple[str, str]] | None = None,
             include_notes: bool = True) -> str:
        return render_html(self.document(process_key, version), self._organisation, links, include_notes)

    def pdf(self, process_key: str, version: int, include_notes: bool = True, may_print: bool = True) -> bytes:
        """The PDF of the document as it reads now: the kept print, else printed now when ``may_print``.

        :raises DocumentRenderError: see :func:`html_to_pdf`
        :raises PdfNotReady: not printed yet, and not ``may_print``
        """
        html = self.html(process_key, version, include_notes=include_notes)
        name = f"{process_key}-v{version}-{'catatan' if include_notes else 'sop'}"
        if may_print:
            return self._pdfs.get_or_render(name, html)
        found = self._pdfs.cached(name, html)
        if found is None:
            raise PdfNotReady("PDF dokumen SOP ini belum dibuat. Pemilik proses, penilai SOP atau auditor dapat "
                              "membuatnya; sementara itu halaman dokumen dapat dicetak dari peramban.",
                              process_key=process_key, version=version)
        return found
