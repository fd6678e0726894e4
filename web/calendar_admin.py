"""The working calendar for the Admin Sistem: see the year's days off, add a day off (a new cuti
bersama decree) or a working day (a cancelled holiday), remove an added date."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine import CALENDAR_YEARS, InvalidInput
from web.auth import admin_required
from web.errors import status_of
from web.current import current_alur

bp = Blueprint("calendar_admin", __name__, url_prefix="/admin/kalender")


@bp.get("")
@admin_required
def index() -> str | tuple[str, int]:
    """A year's days off (this year's unless ``tahun`` names one); a year outside the calendar is refused
    in words, over this year's page."""
    this_year = current_alur().cases.now().year
    try:
        return _render(request.args.get("tahun", this_year, type=int))
    except InvalidInput as exc:
        return _render(this_year, error=exc.message), status_of(exc)


@bp.post("")
@admin_required
def add() -> Response | tuple[str, int]:
    """Add or change an override; a refused one re-renders the page with the message and values kept."""
    form = request.form
    try:
        day = _parse_day(form.get("tanggal", ""))
        current_alur().calendar_admin.set_override(day, form.get("jenis") == "kerja", form.get("keterangan", ""),
                                                    current_user.username)
    except InvalidInput as exc:
        return _render(current_alur().cases.now().year, error=exc.message, form=form), status_of(exc)
    flash(gettext("Kalender kerja diperbarui untuk %(day)s.", day=day.isoformat()), "success")
    return redirect(url_for("calendar_admin.index", tahun=day.year))


@bp.post("/<day>/hapus")
@admin_required
def remove(day: str) -> Response:
    parsed = _parse_day(day)
    current_alur().calendar_admin.remove_override(parsed, current_user.username)
    flash(gettext("Tanggal %(day)s dikembalikan ke kalender nasional.", day=parsed.isoformat()), "info")
    return redirect(url_for("calendar_admin.index", tahun=parsed.year))


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(gettext("Tanggal tidak valid (format TTTT-BB-HH)."), field="tanggal") from exc


def _render(year: int, error: str | None = None, form: dict[str, str] | None = None) -> str:
    admin = current_alur().calendar_admin
    return render_template("admin/calendar.html", year=year, days_off=admin.days_off(year),
                           overrides=admin.list_overrides(), error=error, form=form or {}, years=CALENDAR_YEARS)
