"""Incidents: steps the engine failed to complete, per SOP, with "Coba lagi" (retry with the kept
input) for process owners and Admin Sistem."""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine import Conflict, FormInvalid, may_handle_incidents, StepFailed, Text
from web.auth import requires
from web.current import current_alur
from web.formatting import language_code

bp = Blueprint("incidents", __name__, url_prefix="/insiden")
handler_required = requires(may_handle_incidents,
                            lazy_gettext("Insiden hanya untuk Pemilik Proses dan Admin Sistem."))


@bp.get("")
@handler_required
def index() -> str:
    """Open incidents grouped by SOP, each in the reader's language."""
    incidents = current_alur().incidents.list_incidents()
    groups = [(key, list(items)) for key, items in groupby(incidents, key=lambda i: i.process_key)]
    return render_template("incidents/index.html", groups=groups, language=language_code())


@bp.post("/<int:incident_id>/coba-lagi")
@handler_required
def retry(incident_id: int) -> Response:
    """Complete the incident's step with the kept input (after the model was fixed and the case migrated)."""
    try:
        timer = current_alur().incidents.get(incident_id).timer  # a timer's: no input kept
        result = current_alur().incidents.retry(incident_id, current_user.username)
        flash(gettext("Insiden #%(id)s selesai: pewaktunya sudah dijalankan.", id=incident_id) if timer else
              gettext("Insiden #%(id)s selesai: langkahnya sudah diselesaikan dengan isian yang disimpan.",
                      id=incident_id), "success")
        return redirect(url_for("cases.show", instance_id=result.instance_id))
    except StepFailed as failed:
        flash(gettext("Percobaan ulang belum berhasil; insiden tetap terbuka. Perbaiki model, pindahkan kasus ke "
                      "versi yang diperbaiki, lalu coba lagi."), "error")
        # what failed this time, in the reader's language (the error's own text is Indonesian)
        flash(Text.from_record(failed.context["words"]).render(language_code()), "error")
    except (Conflict, FormInvalid) as exc:
        flash(exc.message, "error")
    return redirect(url_for(".index"))
