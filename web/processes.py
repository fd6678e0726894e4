"""The SOP catalogue: identity, steps with mutu baku, the diagram; the BPMN XML and bpmn-js assets."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from web.current import current_alur

bp = Blueprint("processes", __name__)


@bp.get("/proses")
@login_required
def index() -> str:
    schedules = {s.process_key: s.next_run_at for s in current_alur().schedules.list_schedules() if s.enabled}
    return render_template("processes/index.html", processes=current_alur().catalog.processes(current_user.username),
                           schedules=schedules)


@bp.get("/proses/<process_key>")
@login_required
def show(process_key: str) -> str:
    return render_template("processes/show.html", process=current_alur().catalog.process(process_key,
                                                                                       current_user.username))


@bp.get("/proses/definisi/<int:definition_id>.bpmn")
@login_required
def definition_xml(definition_id: int) -> Response:
    return bpmn_file(current_alur().queries.definition_xml(definition_id), f"definisi-{definition_id}.bpmn")


def bpmn_file(xml: str, filename: str, download: bool = True) -> Response:
    """A BPMN model as plain text (the diagrams fetch it as text): served as XML, a browser opening the
    address would render the model's markup in Alur's origin. ``nosniff`` keeps it text; unless
    ``download`` is False it is also a download."""
    response = current_app.response_class(xml, mimetype="text/plain")
    response.headers["X-Content-Type-Options"] = "nosniff"
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/vendor/bpmn-js/<path:filename>")
def vendor(filename: str) -> Response:
    """bpmn-js's dist files (installed from the npm registry; never a CDN)."""
    return send_from_directory(current_app.config["BPMN_JS_DIR"], filename, max_age=3600)
