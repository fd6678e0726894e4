"""An SOP's process-mining log (XES, OCEL 2.0 JSON, CSV) from its SOP page, for its supervisors, the SOP
assessors, process owners and auditors; the file streams as it is written (engine.reading.process_mining)."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_babel import gettext
from flask_login import current_user, login_required

from engine import LOG_FORMATS, InvalidInput, LogExport, NotFound, Requester, WITA, parse_period
from web.current import current_alur

bp = Blueprint("process_logs", __name__)


@bp.app_context_processor
def _log_links() -> dict[str, Any]:
    def may_export_log(process_key: str) -> bool:
        if not current_user.is_authenticated:
            return False
        try:
            return current_alur().process_logs.access(process_key, current_user.username)[0]
        except NotFound:
            return False
    return {"may_export_log": may_export_log}


@bp.get("/proses/<process_key>/log")
@login_required
def export(process_key: str) -> Response | tuple[str, int] | str:
    """The form; with ``format``, the file (a bad period or format shows the form again with the reason)."""
    alur = current_alur()
    allowed, may_name = alur.process_logs.access(process_key, current_user.username)
    if not allowed:
        abort(403, gettext("Ekspor log SOP ini hanya untuk atasan pelaksananya, Penilai SOP, Pemilik Proses "
                           "dan Auditor."))
    process = alur.catalog.process(process_key, current_user.username)
    if "format" not in request.args:
        return _form(process, may_name)
    try:
        period = parse_period(request.args.get("dari"), request.args.get("sampai"))
        log = alur.process_logs.export(process_key, period, request.args["format"],
                                       Requester(current_user.username, frozenset(current_user.roles),
                                                 request.remote_addr),
                                       names=may_name and request.args.get("nama") == "1")
    except InvalidInput as refused:
        return _form(process, may_name, refused.message), 422
    return stream_log(log)


def stream_log(log: LogExport) -> Response:
    """The export as a download, written while it is read (a year of cases never sits in memory)."""
    response = Response(stream_with_context(chunk.encode("utf-8") for chunk in log.chunks), mimetype=log.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{log.filename}"'
    response.headers["X-Alur-Cases"] = str(log.cases)
    return response


def _form(process: Any, may_name: bool, error: str | None = None) -> str:
    today = current_alur().clock().astimezone(WITA).date()
    return render_template("processes/log.html", process=process, may_name=may_name, error=error,
                           args=request.args, formats=sorted(LOG_FORMATS), presets=_presets(today))


def _presets(today: date) -> list[tuple[str, date, date]]:
    """Periods a monitoring (each semester) or an evaluation (each year) asks for."""
    year = today.year
    return [(gettext("Semester I %(year)s", year=year), date(year, 1, 1), date(year, 6, 30)),
            (gettext("Semester II %(year)s", year=year), date(year, 7, 1), date(year, 12, 31)),
            (gettext("Tahun %(year)s", year=year), date(year, 1, 1), date(year, 12, 31)),
            (gettext("Semester II %(year)s", year=year - 1), date(year - 1, 7, 1), date(year - 1, 12, 31)),
            (gettext("Tahun %(year)s", year=year - 1), date(year - 1, 1, 1), date(year - 1, 12, 31))]
