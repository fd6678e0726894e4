"""The Monitoring Pelaksanaan and Evaluasi Penerapan SOP AP forms as print-ready HTML in the PermenPAN-RB
35/2012 layout, and as PDF printed by the same Chromium as the SOP document (kept once printed)."""
from __future__ import annotations

import tempfile
import uuid
from datetime import date
from pathlib import Path

from engine.sop import assessment_drafts as drafts
from engine.sop.assessments import AssessmentView
from engine.sop.pdf_cache import PdfCache
from engine.sop.render import _TEMPLATES, MONTHS, Organisation, format_wita, html_to_pdf

DEFAULT_ORGANISATION = Organisation()


def day_text(iso: str | None) -> str:
    if not iso:
        return ""
    day = date.fromisoformat(iso)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def period_text(view: AssessmentView) -> str:
    period = view.period
    if view.kind == "monitoring":
        semester = "I" if period.first_day.month == 1 else "II"
        return f"Semester {semester} Tahun {period.first_day.year} ({day_text(period.first_day.isoformat())} – " \
               f"{day_text(period.last_day.isoformat())})"
    return f"Tahun {period.first_day.year}"


def render_assessment(view: AssessmentView, organisation: Organisation = DEFAULT_ORGANISATION) -> str:
    """The form as one self-contained page (inline CSS, no script)."""
    return _TEMPLATES.get_template("sop_assessment.html").render(
        view=view, content=view.content, evidence=view.evidence, organisation=organisation,
        organisation_logo=organisation.logo_data_uri(), period=period_text(view),
        tanggal=day_text(view.content.get("tanggal")),
        signed_at=format_wita(view.signed_at) if view.signed_at else "",
        penilaian=drafts.PENILAIAN, jawaban=drafts.JAWABAN, metode=drafts.METODE, rekomendasi=drafts.REKOMENDASI,
        revisi=day_text(view.content.get("rencana_tanggal_revisi")), work_time=drafts.work_time_text,
        share=drafts.share_text)


class AssessmentPrints:
    """HTML and PDF of the forms; a PDF is printed once per distinct page and kept in ``pdf_dir``."""

    def __init__(self, organisation: Organisation = DEFAULT_ORGANISATION, chromium: str | None = None,
                 pdf_dir: Path | None = None) -> None:
        self._organisation = organisation
        self._chromium = chromium
        folder = (pdf_dir or Path(tempfile.gettempdir()) / f"alur-sop-pdf-{uuid.uuid4().hex}") / "penilaian"
        self._pdfs = PdfCache(folder, lambda html: html_to_pdf(html, self._chromium))

    def html(self, view: AssessmentView) -> str:
        return render_assessment(view, self._organisation)

    def pdf(self, view: AssessmentView) -> bytes:
        """:raises DocumentRenderError: Chromium is missing or failed"""
        name = f"{view.kind}-{view.process_key}-{view.period.key}-v{view.version}"
        return self._pdfs.get_or_render(name, self.html(view))
