"""``GET /api/v1/processes/<process_key>/log``: an SOP's process-mining log for a period (XES, OCEL 2.0 JSON, CSV).

Parameters: ``from`` and ``to`` (WITA days, both included, YYYY-MM-DD), ``format`` (xes, ocel, csv), and
``names=1`` to name performers instead of pseudonyms (only for whom may see them). Stable errors: 422
``invalid_period``, ``unknown_export_format``; 400 ``invalid_parameter``; 403 ``export_not_allowed``,
``names_not_allowed``; 404 ``definition_not_found``.
"""
from __future__ import annotations

from flask import g, request
from flask_babel import gettext
from werkzeug.wrappers import Response

from engine import Requester, parse_period
from web.api import bp
from web.current import current_alur
from web.errors import json_error
from web.process_logs import stream_log

_YES, _NO = ("1", "true", "ya"), ("", "0", "false", "tidak")


@bp.get("/processes/<process_key>/log")
def process_log(process_key: str) -> Response | tuple[Response, int]:
    """The file streams as it is written; the export is recorded in the audit log first."""
    alur = current_alur()
    names = request.args.get("names", "").strip().lower()
    if names not in _YES + _NO:
        return json_error(400, "invalid_parameter", gettext("Parameter names harus 1 atau 0."), field="names")
    user = alur.users.get(g.api_user)
    period = parse_period(request.args.get("from"), request.args.get("to"))
    log = alur.process_logs.export(process_key, period, request.args.get("format", ""),
                                   Requester(user.username, user.roles, request.remote_addr, via="api"),
                                   names=names in _YES)
    return stream_log(log)
