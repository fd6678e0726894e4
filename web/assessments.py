"""The PermenPAN-RB monitoring and evaluation forms of each SOP (``/dasbor/penilaian``): the penilai SOP
drafts, edits and signs them off; supervisors of the SOP's steps, the Kepala Dinas, process owners and
auditors read and print them. Who reads which SOP's forms is decided in ``engine.sop.assessments``."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine import (JAWABAN, METODE, PENILAIAN, REKOMENDASI, WITA, AssessmentView, Conflict,
                    InvalidInput, may_assess_sops, may_model)
from web.auth import requires
from web.current import current_alur
from web.errors import status_of

bp = Blueprint("assessments", __name__, url_prefix="/dasbor/penilaian")
assessors_only = requires(may_assess_sops, lazy_gettext("Formulir monitoring dan evaluasi SOP disusun dan "
                                                        "disahkan oleh penilai SOP."))
# The forms' fixed words (engine.sop.assessment_drafts) in the reader's language, by their key.
WORDS: dict[str, Any] = {
    "baik": lazy_gettext("Berjalan dengan baik"), "tidak_baik": lazy_gettext("Tidak berjalan dengan baik"),
    "ya": lazy_gettext("Ya"), "tidak": lazy_gettext("Tidak"),
    "observasi": lazy_gettext("Observasi supervisor"),
    "wawancara_pelaksana": lazy_gettext("Wawancara dengan pelaksana"),
    "wawancara_pelanggan": lazy_gettext("Wawancara dengan pelanggan/masyarakat"),
    "diskusi": lazy_gettext("Pertemuan dan diskusi kelompok kerja"),
    "pengarahan": lazy_gettext("Pengarahan dalam pelaksanaan"),
    "data_alur": lazy_gettext("Data pelaksanaan kasus di Alur"),
    "tetap": lazy_gettext("Tetap (tidak perlu revisi)"), "revisi_sebagian": lazy_gettext("Revisi sebagian"),
    "revisi_menyeluruh": lazy_gettext("Revisi menyeluruh"),
    "kinerja": lazy_gettext("Apakah SOP mampu mendorong peningkatan kinerja?"),
    "dipahami": lazy_gettext("Apakah SOP mudah dipahami?"),
    "dilaksanakan": lazy_gettext("Apakah SOP mudah dilaksanakan?"),
    "peran": lazy_gettext("Apakah semua orang dapat menjalankan perannya masing-masing?"),
    "permasalahan": lazy_gettext("Apakah SOP mampu mengatasi permasalahan yang berkaitan dengan proses?"),
    "kebutuhan": lazy_gettext("Apakah SOP mampu menjawab kebutuhan peningkatan kinerja organisasi?"),
    "sinergi": lazy_gettext("Apakah sistem dan prosedur yang ada dapat bersinergi satu dengan lainnya?"),
    "monitoring": lazy_gettext("Monitoring Pelaksanaan SOP AP"), "evaluasi": lazy_gettext("Evaluasi Penerapan SOP AP"),
}


@bp.get("")
@login_required
def index() -> str:
    return _index_page(error=None, form={})


@bp.post("")
@assessors_only
def draft() -> Response | tuple[str, int]:
    form = request.form
    try:
        semester = _number(form.get("semester"), "semester") if form.get("jenis") == "monitoring" else None
        view = current_alur().assessments.draft(form.get("jenis", ""), form.get("sop", ""),
                                                _number(form.get("tahun"), "tahun"), semester,
                                                current_user.username, frozenset(current_user.roles))
    except (InvalidInput, Conflict) as exc:
        return _index_page(error=exc.message, form=form), status_of(exc)
    flash(gettext("Draf formulir disusun dari data pelaksanaan. Periksa dan lengkapi sebelum disahkan."), "success")
    return redirect(url_for("assessments.show", assessment_id=view.assessment_id))


@bp.get("/<int:assessment_id>")
@login_required
def show(assessment_id: int) -> str:
    view = current_alur().assessments.get(assessment_id, frozenset(current_user.roles))
    return _form_page(view, error=None)


@bp.post("/<int:assessment_id>")
@assessors_only
def edit(assessment_id: int) -> Response | tuple[str, int]:
    alur, roles = current_alur(), frozenset(current_user.roles)
    view = alur.assessments.get(assessment_id, roles)
    try:
        alur.assessments.edit(assessment_id, _number(request.form.get("edits"), "edits"), _values(view),
                              current_user.username, roles)
    except (InvalidInput, Conflict) as exc:
        return _form_page(view, error=exc.message), status_of(exc)
    flash(gettext("Formulir disimpan."), "success")
    return redirect(url_for("assessments.show", assessment_id=assessment_id))


@bp.post("/<int:assessment_id>/sahkan")
@assessors_only
def sign_off(assessment_id: int) -> Response | tuple[str, int]:
    alur, roles = current_alur(), frozenset(current_user.roles)
    try:
        alur.assessments.sign_off(assessment_id, _number(request.form.get("edits"), "edits"),
                                  current_user.username, roles)
    except (InvalidInput, Conflict) as exc:
        return _form_page(alur.assessments.get(assessment_id, roles), error=exc.message), status_of(exc)
    flash(gettext("Formulir disahkan dan diparaf; sekarang hanya dapat dibaca."), "success")
    return redirect(url_for("assessments.show", assessment_id=assessment_id))


@bp.post("/<int:assessment_id>/versi-baru")
@assessors_only
def new_version(assessment_id: int) -> Response | tuple[str, int]:
    alur, roles = current_alur(), frozenset(current_user.roles)
    try:
        view = alur.assessments.new_version(assessment_id, current_user.username, roles)
    except Conflict as exc:
        return _form_page(alur.assessments.get(assessment_id, roles), error=exc.message), status_of(exc)
    flash(gettext("Versi baru dibuat dengan data pelaksanaan terkini."), "success")
    return redirect(url_for("assessments.show", assessment_id=view.assessment_id))


@bp.post("/<int:assessment_id>/revisi")
@login_required
def link_revision(assessment_id: int) -> Response | tuple[str, int]:
    """Link a signed form to the model version its findings led to (penilai SOP, process owners)."""
    alur, roles = current_alur(), frozenset(current_user.roles)
    try:
        alur.assessments.link_revision(assessment_id, _number(request.form.get("versi"), "versi"),
                                       current_user.username, roles)
    except (InvalidInput, Conflict) as exc:
        return _form_page(alur.assessments.get(assessment_id, roles), error=exc.message), status_of(exc)
    flash(gettext("Revisi SOP ditautkan; Tanggal Revisi pada dokumen SOP mengikutinya."), "success")
    return redirect(url_for("assessments.show", assessment_id=assessment_id))


@bp.get("/<int:assessment_id>/cetak")
@login_required
def print_html(assessment_id: int) -> str:
    alur = current_alur()
    return alur.assessment_prints.html(alur.assessments.get(assessment_id, frozenset(current_user.roles)))


@bp.get("/<int:assessment_id>/cetak.pdf")
@login_required
def print_pdf(assessment_id: int) -> Response:
    alur = current_alur()
    view = alur.assessments.get(assessment_id, frozenset(current_user.roles))
    name = f"{view.kind}-{view.process_key}-{view.period.key}-v{view.version}.pdf"
    return current_app.response_class(alur.assessment_prints.pdf(view), mimetype="application/pdf",
                                      headers={"Content-Disposition": f'inline; filename="{name}"'})


def _index_page(error: str | None, form: Any) -> str:
    alur, roles = current_alur(), frozenset(current_user.roles)
    today = alur.clock().astimezone(WITA).date()
    sops = [(d.process_key, d.name) for _, d in alur.figures.latest()] if may_assess_sops(roles) else []
    only = request.args.get("sop") or None
    return render_template("assessments/index.html", forms=alur.assessments.list_forms(roles, only), sops=sops,
                           error=error, form=form, may_assess=may_assess_sops(roles),
                           today=today, words=WORDS)


def _form_page(view: AssessmentView, error: str | None) -> str:
    roles = frozenset(current_user.roles)
    editable = view.status == "draft" and may_assess_sops(roles)
    may_link = view.signed and (may_assess_sops(roles) or may_model(roles))
    revisions = current_alur().assessments.revisions(view.assessment_id, roles) if may_link else []
    return render_template("assessments/form.html", view=view, error=error, editable=editable, revisions=revisions,
                           may_assess=may_assess_sops(current_user.roles), penilaian=PENILAIAN, jawaban=JAWABAN,
                           metode=METODE, rekomendasi=REKOMENDASI, words=WORDS)


def _values(view: AssessmentView) -> dict[str, Any]:
    """The edit form's fields as the engine takes them (a row's answer, Catatan and Tindakan by index)."""
    form = request.form
    answer = "penilaian" if view.kind == "monitoring" else "jawaban"
    values: dict[str, Any] = {"unit_kerja": form.get("unit_kerja", ""), "tanggal": form.get("tanggal", "")}
    if view.kind == "monitoring":
        values["metode"] = form.getlist("metode")
    else:
        values["rekomendasi"] = form.get("rekomendasi", "")
        values["rencana_tanggal_revisi"] = form.get("rencana_tanggal_revisi", "")
    values["rows"] = [{answer: form.get(f"{answer}_{index}", ""), "catatan": form.get(f"catatan_{index}", ""),
                       "tindakan": form.get(f"tindakan_{index}", "")} for index in range(len(view.content["rows"]))]
    return values


def _number(text: str | None, field: str) -> int:
    if not text or not text.isdigit() or len(text) > 6:
        raise InvalidInput(gettext("Angka tidak sah"), field=field)
    return int(text)
