"""Process owners: the BPMN modeler, the versions of each SOP with their diff and case migration,
and the official SOP document (HTML and PDF) of any deployed version."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Sequence

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, lazy_gettext
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from engine import (
    may_print_sop_pdf,
    deploy_checked,
    DEPLOY_REFUSED,
    InvalidInput,
    may_model,
    may_read_models,
    MappableStep,
    MigrationCheck,
    MigrationRefused,
    ModelDraftView,
    ModelProblem,
    Text,
    read_uploaded_model,
    UploadRefused,
    validate_model,
)
from web.diff_words import element_text, kind_text, property_text
from web.auth import requires
from web.current import current_alur
from web.processes import bpmn_file
from web.model_forms import form_fields, pending_forms, refused_form
from web.model_trial import lint_words, modeler_words, trial_json
from web.formatting import language_code

bp = Blueprint("modeler", __name__, url_prefix="/pemodel")
owner_required = requires(may_model, lazy_gettext("Halaman ini hanya untuk Pemilik Proses."))
reader_required = requires(may_read_models,
                           lazy_gettext("Riwayat versi hanya untuk Pemilik Proses, auditor dan pimpinan."))


@bp.get("")
@reader_required
def index() -> str:
    is_owner = may_model(current_user.roles)
    drafts: dict[str, list[ModelDraftView]] = {}
    for draft in (current_alur().model_drafts.list() if is_owner else []):
        drafts.setdefault(draft.process_key, []).append(draft)
    return render_template("modeler/index.html", processes=current_alur().versions.processes(),
                           is_owner=is_owner, drafts=drafts)


@bp.get("/<process_key>")
@owner_required
def editor(process_key: str) -> str:
    """The modeler, opened on the latest version, on ``?versi=N`` or on the draft ``?draf=ID``."""
    alur = current_alur()
    versions = alur.versions.list_versions(process_key)
    draft_id = request.args.get("draf", type=int)
    draft = alur.model_drafts.get(process_key, draft_id)[0] if draft_id else None
    chosen = (draft.based_on_version if draft else None) or request.args.get("versi", type=int) or versions[0].version
    current = next((v for v in versions if v.version == chosen), versions[0])
    fields = form_fields()
    config = {
        "processKey": process_key, "version": current.version, "csrfToken": generate_csrf(),
        "xmlUrl": url_for(".draft_xml", process_key=process_key, draft_id=draft.draft_id) if draft else
        url_for(".download", process_key=process_key, version=current.version, inline=1),
        "draft": {"id": draft.draft_id, "title": draft.title} if draft else None,
        "draftForms": alur.model_drafts.forms_of(process_key, draft.draft_id) if draft else {},
        "draftUrl": url_for(".save_draft", process_key=process_key),
        "checkUrl": url_for(".check", process_key=process_key),
        "trialUrl": url_for(".trial", process_key=process_key),
        "deployUrl": url_for(".deploy", process_key=process_key),
        "uploadUrl": url_for(".upload", process_key=process_key),
        "lang": str(get_locale()),
        "roles": [{"key": r.key, "title": r.title} for r in alur.roles.roles.values()],
        "forms": list(fields),
        "formFields": fields,
        "formUrl": url_for("model_forms.outline", form_key="__key__"),
        "words": modeler_words(),
    }
    return render_template("modeler/editor.html", versions=versions, current=current, config=config, draft=draft,
                           bundle_ready=(Path(current_app.static_folder or "") / "vendor" / "modeler.js").is_file())


@bp.get("/<process_key>/versi/<int:version>.bpmn")
@reader_required
def download(process_key: str, version: int) -> Response:
    """The BPMN file of a deployed version, as deployed (Camunda Modeler opens it unchanged)."""
    xml = current_alur().versions.definition_xml(process_key, version)
    return bpmn_file(xml, f"{process_key}.v{version}.bpmn", download=not request.args.get("inline"))


@bp.post("/<process_key>/periksa")
@owner_required
def check(process_key: str) -> tuple[Response, int] | Response:
    """Every problem of the posted model: the deploy checks and bpmnlint, each with its element."""
    xml = _posted_xml()
    try:
        forms = pending_forms()
    except InvalidInput as exc:
        return refused_form(exc)
    result = validate_model(current_alur().parser.with_forms({k: f.schema for k, f in forms.items()}), xml,
                            f"{process_key}.bpmn", process_key, current_alur().model_lint)
    return jsonify(ok=result.ok, problems=[_problem(p) for p in result.problems],
                   lint_note=lint_words(result.lint_note))


@bp.post("/<process_key>/uji-jalan")
@owner_required
def trial(process_key: str) -> tuple[Response, int] | Response:
    """"Uji jalan": the posted model run in memory on every path; refused when the checks fail."""
    svc = current_alur()
    xml = _posted_xml()
    try:
        schemas = {key: form.schema for key, form in pending_forms().items()}
    except InvalidInput as exc:
        return refused_form(exc)
    checked = validate_model(svc.parser.with_forms(schemas), xml, f"{process_key}.bpmn", process_key)
    if not checked.ok:
        return jsonify(ok=False, code=DEPLOY_REFUSED, problems=[_problem(p) for p in checked.problems], paths=[],
                       message=gettext("Uji jalan belum dapat dijalankan: model belum lolos pemeriksaan. Perbaiki "
                                       "masalah di bawah lalu coba lagi.")), 422
    return jsonify(code=None, **trial_json(svc.trials.run(xml, process_key, schemas), svc.roles))


@bp.post("/<process_key>/deploy")
@owner_required
def deploy(process_key: str) -> tuple[Response, int] | Response:
    """Deploy the posted model as the next version, with the change note; refused with every problem."""
    payload = request.get_json(silent=True)
    note = str(payload.get("change_note", "")).strip() if isinstance(payload, dict) else ""
    if not note:
        return jsonify(deployed=False, message=gettext("Catatan perubahan wajib diisi."), problems=[]), 422
    svc = current_alur()
    try:
        forms = pending_forms()
    except InvalidInput as exc:
        return refused_form(exc)
    outcome = deploy_checked(current_alur().deployer, svc.parser, _posted_xml(), process_key,
                             current_user.username, note, svc.model_lint, trial=svc.trials, forms=forms)
    problems = [_problem(p) for p in outcome.check.problems]
    trial_report = trial_json(outcome.trial, svc.roles) if outcome.trial is not None else None
    if outcome.result is None:
        message = (gettext("Deploy ditolak: Uji jalan menemukan jalur yang tidak dapat selesai; kasus pada jalur itu "
                           "akan macet.") if outcome.refusal != DEPLOY_REFUSED else
                   gettext("Deploy ditolak: model belum memenuhi konvensi."))
        return jsonify(deployed=False, code=outcome.refusal, message=message, problems=problems,
                       lint_note=lint_words(outcome.check.lint_note), trial=trial_report), 422
    version = outcome.result.version
    message = (gettext("Versi %(version)s di-deploy. Kasus baru memakai versi ini; kasus yang berjalan tetap pada "
                       "versinya sampai dipindahkan.", version=version) if outcome.result.created else
               gettext("Tidak ada perubahan: model sama dengan versi %(version)s.", version=version))
    return jsonify(deployed=outcome.result.created, version=version, message=message, problems=problems,
                   lint_note=lint_words(outcome.check.lint_note), trial=trial_report,
                   versions_url=url_for(".versions", process_key=process_key, dari=max(1, version - 1), ke=version),
                   document_url=url_for(".document", process_key=process_key, version=version))


UPLOAD_REFUSALS = {
    "empty": lazy_gettext("Berkas kosong."),
    "too_large": lazy_gettext("Berkas lebih dari %(limit_mb)s MB."),
    "not_text": lazy_gettext("Berkas ini bukan model BPMN: isinya bukan teks XML."),
    "not_xml": lazy_gettext("Berkas ini bukan model BPMN: XML-nya rusak (baris %(line)s)."),
    "not_bpmn": lazy_gettext("Berkas XML ini bukan model BPMN 2.0."),
    "no_process": lazy_gettext("Model harus berisi tepat satu proses (ada %(count)s)."),
    "other_process": lazy_gettext("Berkas berisi proses '%(found)s', bukan '%(expected)s'. Buka pemodel SOP itu "
                                  "untuk mengunggahnya."),
}


@bp.post("/<process_key>/unggah")
@owner_required
def upload(process_key: str) -> tuple[Response, int] | Response:
    """A .bpmn file (field ``berkas``) read back to open in the modeler; nothing is stored here."""
    current_alur().versions.list_versions(process_key)  # an unknown process is a 404
    uploaded = request.files.get("berkas")
    content = b""
    if uploaded is not None:
        with uploaded.stream:  # a large upload is a temporary file: close it now, not at garbage collection
            content = uploaded.read()
    try:
        xml = read_uploaded_model(content, process_key)
    except UploadRefused as exc:
        message = str(UPLOAD_REFUSALS[exc.reason]) % exc.context
        return jsonify(ok=False, code=exc.code, reason=exc.reason, message=message), 422
    filename = (uploaded.filename if uploaded else "") or f"{process_key}.bpmn"
    return jsonify(ok=True, xml=xml, filename=filename,
                   message=gettext("Berkas %(name)s dibuka di pemodel. Periksa model, lalu deploy bila siap.",
                                   name=filename))


DRAFT_REFUSALS = {
    "title_missing": lazy_gettext("Beri nama draf, mis. \"Revisi waktu langkah 3\"."),
    "title_too_long": lazy_gettext("Nama draf paling banyak %(limit)s karakter."),
}


@bp.post("/<process_key>/draf")
@owner_required
def save_draft(process_key: str) -> tuple[Response, int] | Response:
    """Save the posted model as a draft (JSON ``xml``, ``title``, ``based_on_version``, and ``draft_id`` to
    replace that draft); not checked, not deployed."""
    svc = current_alur()
    versions = svc.versions.list_versions(process_key)  # an unknown process is a 404
    payload = request.get_json(silent=True)
    payload = payload if isinstance(payload, dict) else {}
    # a draft names the deployed version it was opened from; an unknown one: the latest
    based_on = next((v.version for v in versions if v.version == payload.get("based_on_version")),
                    versions[0].version)
    draft_id = payload.get("draft_id")
    try:
        forms = payload.get("forms")
        draft = svc.model_drafts.save(process_key, str(payload.get("xml", "")).encode("utf-8"),
                                      str(payload.get("title", "")), based_on, current_user.username,
                                      draft_id if isinstance(draft_id, int) else None,
                                      forms if isinstance(forms, dict) else None)
    except UploadRefused as exc:
        return jsonify(saved=False, code=exc.code, message=str(UPLOAD_REFUSALS[exc.reason]) % exc.context), 422
    except InvalidInput as exc:
        reason = str(exc.context.get("reason", ""))
        message = str(DRAFT_REFUSALS[reason]) % exc.context if reason in DRAFT_REFUSALS else exc.message
        return jsonify(saved=False, code=exc.code, message=message), 422
    return jsonify(saved=True, draft_id=draft.draft_id, title=draft.title,
                   url=url_for(".editor", process_key=process_key, draf=draft.draft_id),
                   message=gettext("Draf \"%(title)s\" disimpan. Draf belum di-deploy; pemilik proses lain dapat "
                                   "membukanya di halaman Pemodel SOP.", title=draft.title))


@bp.get("/<process_key>/draf/<int:draft_id>.bpmn")
@owner_required
def draft_xml(process_key: str, draft_id: int) -> Response:
    return bpmn_file(current_alur().model_drafts.get(process_key, draft_id)[1], f"{process_key}.draf{draft_id}.bpmn")


@bp.post("/<process_key>/draf/<int:draft_id>/hapus")
@owner_required
def delete_draft(process_key: str, draft_id: int) -> Response:
    svc = current_alur()
    title = svc.model_drafts.get(process_key, draft_id)[0].title
    svc.model_drafts.delete(process_key, draft_id, current_user.username)
    flash(gettext("Draf \"%(title)s\" dihapus.", title=title), "success")
    return redirect(url_for(".index"))


@bp.post("/<process_key>/versi/<int:version>/kembalikan")
@owner_required
def roll_back(process_key: str, version: int) -> Response:
    """Deploy an earlier version again, as the next version, with a required note (audited as a deploy)."""
    svc = current_alur()
    xml = svc.versions.definition_xml(process_key, version)  # an unknown version is a 404
    note = request.form.get("catatan", "").strip()
    if not note:
        flash(gettext("Tulis alasan mengembalikan versi %(version)s.", version=version), "error")
        return redirect(url_for(".versions", process_key=process_key))
    outcome = deploy_checked(svc.deployer, svc.parser, xml.encode("utf-8"), process_key, current_user.username,
                             f"Kembali ke versi {version}: {note}", restored_from=version, trial=svc.trials)
    if outcome.result is None:
        flash(gettext("Versi %(version)s tidak dapat dikembalikan: model itu tidak lolos pemeriksaan deploy "
                      "sekarang.", version=version) + " " + "; ".join(p.message_in(language_code())
                                                               for p in outcome.check.errors),
              "error")
    elif not outcome.result.created:
        flash(gettext("Versi %(version)s sama dengan versi terbaru: tidak ada versi baru.", version=version), "info")
    else:
        flash(gettext("Versi %(version)s di-deploy lagi sebagai versi %(new)s.", version=version,
                      new=outcome.result.version), "success")
    return redirect(url_for(".versions", process_key=process_key))


@bp.get("/<process_key>/versi")
@reader_required
def versions(process_key: str) -> str:
    """Versions with who, when and why; the diff of two; running cases per version with migration."""
    svc = current_alur()
    listed = svc.versions.list_versions(process_key)
    latest = listed[0].version
    to_version = request.args.get("ke", type=int) or latest
    from_version = request.args.get("dari", type=int) or max(1, to_version - 1)
    diff = svc.versions.diff(process_key, from_version, to_version) if from_version != to_version else None
    running = {v.version: svc.versions.running_cases(process_key, v.version) for v in listed if v.running_cases}
    checks = {c.instance_id: c for version, cases in running.items() if version < latest
              for c in svc.migrator.check_version(process_key, version, latest)}
    mappable = {version: _distinct_mappable(checks[c.instance_id] for c in cases if c.instance_id in checks)
                for version, cases in running.items()}
    return render_template("modeler/versions.html", process_key=process_key, versions=listed, latest=latest,
                           diff=diff, from_version=from_version, to_version=to_version, running=running,
                           checks=checks, mappable=mappable, map_field=MAP_FIELD,
                           is_owner=may_model(current_user.roles), kind_text=kind_text, element_text=element_text,
                           property_text=property_text, language=language_code())


def _distinct_mappable(checks: Iterable[MigrationCheck]) -> list[MappableStep]:
    """The deleted steps cases of one version wait at, once each (for the "move all" mapping)."""
    seen: dict[str, MappableStep] = {}
    for check in checks:
        for step in check.mappable:
            seen.setdefault(step.element_id, step)
    return [seen[key] for key in sorted(seen)]


MAP_FIELD = "peta__"


@bp.post("/<process_key>/migrasi")
@owner_required
def migrate(process_key: str) -> Response:
    """Move one case (``instance_id``) or every case of ``from_version`` to the latest version."""
    svc, actor = current_alur(), current_user.username
    to_version = request.form.get("to_version", type=int)
    instance_id = request.form.get("instance_id", type=int)
    # "peta__<deleted step>" = the step of the new version it becomes (chosen where a case was refused)
    mapping = {key.removeprefix(MAP_FIELD): value for key, value in request.form.items()
               if key.startswith(MAP_FIELD) and value}
    if instance_id is not None:
        try:
            svc.migrator.migrate_case(instance_id, actor, to_version,
                                      expected_version=request.form.get("expected_version", type=int),
                                      mapping=mapping)
            flash(gettext("Kasus #%(id)s dipindahkan ke versi %(version)s.", id=instance_id, version=to_version),
                  "success")
        except MigrationRefused as exc:
            flash(gettext("Kasus #%(id)s tidak dipindahkan: %(reasons)s", id=instance_id,
                          reasons=_in_language(exc.words)), "error")
    else:
        report = svc.migrator.migrate_version(process_key, request.form.get("from_version", type=int) or 0, actor,
                                              to_version, mapping=mapping)
        flash(gettext("%(moved)s kasus dipindahkan ke versi %(version)s; %(refused)s ditolak; %(changed)s berubah "
                      "saat diproses.", moved=len(report.migrated), version=report.to_version,
                      refused=len(report.refused), changed=len(report.conflicts)),
              "success" if not (report.refused or report.conflicts) else "info")
        if report.migrated:  # each case's result: the moved ones, then each refusal and each conflict
            flash(gettext("Dipindahkan ke versi %(version)s: kasus %(cases)s.", version=report.to_version,
                          cases=", ".join(f"#{case}" for case in report.migrated)), "success")
        for case, _message in report.conflicts:
            flash(gettext("Kasus #%(id)s berubah saat diproses; coba pindahkan lagi.", id=case), "error")
        for refused in report.refused:
            flash(gettext("Kasus #%(id)s tidak dipindahkan: %(reasons)s", id=refused.instance_id,
                          reasons=_in_language(refused.words)), "error")
    return redirect(url_for(".versions", process_key=process_key))


@bp.get("/<process_key>/versi/<int:version>/dokumen")
@login_required
def document(process_key: str, version: int) -> Response:
    """The SOP document (PermenPAN-RB 35/2012 layout), print-ready; every signed-in person may read it.
    ``?catatan=0`` leaves out the "Catatan pemodelan" appendix (the print of the SOP alone)."""
    notes = request.args.get("catatan") != "0"
    without: dict[str, Any] = {"catatan": "0"}
    links = [("‹ Kembali", url_for(".versions", process_key=process_key) if may_read_models(current_user.roles)
              else url_for("processes.show", process_key=process_key)),
             ("Unduh PDF", url_for(".document_pdf", process_key=process_key, version=version,
                                   **({} if notes else without))),
             ("Tanpa catatan pemodelan" if notes else "Dengan catatan pemodelan",
              url_for(".document", process_key=process_key, version=version, **(without if notes else {})))]
    html = current_alur().sop_documents.html(process_key, version, links, include_notes=notes)
    return current_app.response_class(html, mimetype="text/html")


@bp.get("/<process_key>/versi/<int:version>/dokumen.pdf")
@login_required
def document_pdf(process_key: str, version: int) -> Response:
    """The kept print of the document; process owners, assessors and auditors have a missing one printed."""
    pdf = current_alur().sop_documents.pdf(process_key, version, include_notes=request.args.get("catatan") != "0",
                                           may_print=may_print_sop_pdf(current_user.roles))
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="SOP-{process_key}-v{version}.pdf"'
    return response


IDENTITY_FIELDS = ("nomor_sop", "tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif", "disahkan_jabatan",
                   "disahkan_nama", "disahkan_nip")


@bp.get("/<process_key>/identitas")
@owner_required
def identity(process_key: str) -> str:
    """Nomor SOP, the dates and Disahkan oleh of the SOP as issued (every version's document prints them)."""
    svc = current_alur()
    versions = svc.versions.list_versions(process_key)
    return render_template("modeler/identity.html", process_key=process_key, name=versions[0].name,
                           latest=versions[0].version, form=svc.sop_identities.form_values(process_key), error=None)


@bp.post("/<process_key>/identitas")
@owner_required
def identity_save(process_key: str) -> Response | tuple[str, int]:
    svc = current_alur()
    svc.versions.list_versions(process_key)  # an unknown process is a 404 (DefinitionNotFound)
    form = {key: request.form.get(key, "") for key in IDENTITY_FIELDS}
    try:
        svc.sop_identities.save(process_key, form, current_user.username)
    except InvalidInput as exc:
        versions = svc.versions.list_versions(process_key)
        return render_template("modeler/identity.html", process_key=process_key, name=versions[0].name,
                               latest=versions[0].version, form=form, error=exc.message), 400
    flash(gettext("Identitas SOP disimpan."), "success")
    return redirect(url_for(".identity", process_key=process_key))


def _in_language(words: Sequence[Text]) -> str:
    """Reasons (engine.modeling.messages) in the reader's language, one after another."""
    return "; ".join(w.render(language_code()) for w in words)


def _posted_xml() -> bytes:
    """The model from a JSON body ``{"xml": ...}`` or a raw XML body."""
    payload = request.get_json(silent=True)
    if isinstance(payload, dict):
        return str(payload.get("xml", "")).encode("utf-8")
    return request.get_data()


def _problem(problem: ModelProblem) -> dict[str, Any]:
    """A problem in the reader's language; the tool's own text only as ``detail``."""
    return {"element_id": problem.element_id, "message": problem.message_in(language_code()),
            "source": problem.source, "severity": problem.severity, "line": problem.line, "rule": problem.rule,
            "detail": problem.detail}
