"""Engine errors and HTTP errors to statuses, once for every blueprint: styled pages, or JSON for the API.

A stack trace is never shown; the server log keeps it (Flask logs unhandled exceptions before this runs).
"""
from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from engine import (CaseHidden, CaseRemoved, Conflict, DeploymentError, DirectoryUnavailable, DraftTooLarge,
                    EngineError, InvalidInput, LoginRefused, NotFound, PermissionDenied, Text)
from web.formatting import person_of, language_code

STATUS_OF: tuple[tuple[type[EngineError], int], ...] = (
    (CaseRemoved, 410),  # removed under the archive retention schedule (JRA): gone for good, the reason given
    (NotFound, 404),
    (CaseHidden, 404),  # a case one may not read looks like no case at all
    (PermissionDenied, 403),
    (Conflict, 409),
    (DraftTooLarge, 413),
    (InvalidInput, 422),
    (DeploymentError, 422),
    (LoginRefused, 403),
    (DirectoryUnavailable, 503),
)
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "payload_too_large", 422: "unprocessable",
              500: "internal_error", 503: "service_unavailable"}


def status_of(error: EngineError) -> int:
    for kind, status in STATUS_OF:
        if isinstance(error, kind):
            return status
    return 422  # ExecutionError, UnsafeExpression: the request could not be carried out; nothing was stored


def wants_json() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, **context: Any) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message, **context}}), status


def _titles() -> dict[int, str]:
    return {400: gettext("Permintaan tidak dapat diproses"), 401: gettext("Perlu masuk"),
            403: gettext("Akses ditolak"), 404: gettext("Tidak ditemukan"),
            405: gettext("Metode tidak diizinkan"), 409: gettext("Sudah berubah"), 410: gettext("Sudah dihapus"),
            413: gettext("Berkas terlalu besar"), 422: gettext("Data tidak dapat diterima"),
            429: gettext("Terlalu banyak permintaan"), 500: gettext("Terjadi kesalahan pada server")}


def _default_messages() -> dict[int, str]:
    return {404: gettext("Halaman atau data yang Anda cari tidak ada."),
            403: gettext("Anda tidak memiliki peran untuk membuka halaman ini."),
            405: gettext("Alamat ini tidak menerima cara pengiriman tersebut."),
            413: gettext("Ukuran unggahan melebihi batas yang diizinkan."),
            500: gettext("Maaf, terjadi kesalahan. Kejadian ini sudah dicatat; silakan coba lagi.")}


def render_error(status: int, message: str | None = None, error: EngineError | None = None) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, title=_titles().get(status, str(status)),
                           message=message or _default_messages().get(status, ""), error=error,
                           context=error.context if error is not None else {}), status


def handle_engine_error(error: EngineError) -> Any:
    status = status_of(error)
    if wants_json():
        return json_error(status, error.code, error.message, **error.context)
    return render_error(status, conflict_message(error), error)


def conflict_message(error: EngineError) -> str:
    """The error's message; for a task someone else holds or finished, naming the person by name
    (the engine's message names the account), in the page's language."""
    return _task_taken_message(error) or _removed_message(error) or _start_failed_message(error) or error.message


def _start_failed_message(error: EngineError) -> str | None:
    """A case whose model failed as it started: what failed, in the reader's language."""
    words = error.context.get("words")
    if error.code != "start_failed" or not isinstance(words, dict):
        return None
    return Text.from_record(words).render(language_code()) + " " + gettext(
        "Pemilik proses dan Admin Sistem sudah diberi tahu; coba lagi setelah model SOP diperbaiki.")


def _removed_message(error: EngineError) -> str | None:
    context = error.context
    if error.code != "case_removed":
        return None
    return gettext("Kasus %(case)s telah dihapus sesuai jadwal retensi arsip pada %(day)s (masa retensi "
                   "%(period)s; dasar: %(basis)s). Jejak auditnya tetap tersimpan.", case=context.get("instance_id"),
                   day=str(context.get("removed_at", ""))[:10], period=context.get("period", ""),
                   basis=context.get("basis", ""))


def _task_taken_message(error: EngineError) -> str | None:
    context = error.context
    if error.code == "task_claimed_by_other" and context.get("assignee"):
        return gettext("Tugas ini sedang dikerjakan oleh %(name)s", name=person_of(context["assignee"]).full_name)
    if error.code == "task_not_open" and context.get("completed_by"):
        name = person_of(context["completed_by"]).full_name
        if context.get("state") == "cancelled":
            return gettext("Tugas ini sudah dibatalkan oleh %(name)s", name=name)
        return gettext("Tugas ini sudah diselesaikan oleh %(name)s", name=name)
    return None


def handle_http_error(error: HTTPException) -> Any:
    status = error.code or 500
    if isinstance(error, InternalServerError):
        message = None  # the original exception's text may reveal internals
    else:
        message = error.description if error.description != type(error).description else None
    if wants_json():
        return json_error(status, HTTP_CODES.get(status, "http_error"), message or _titles().get(status, ""))
    return render_error(status, message)


def _csrf_error(error: CSRFError) -> Any:
    message = gettext("Formulir kedaluwarsa atau tidak sah (token CSRF). Muat ulang halaman, lalu kirim lagi.")
    if wants_json():
        return json_error(400, "csrf_failed", message)
    return render_error(400, message)


def register(app: Flask) -> None:
    app.register_error_handler(EngineError, handle_engine_error)
    app.register_error_handler(CSRFError, _csrf_error)
    for status in HTTP_CODES:
        app.register_error_handler(status, handle_http_error)
