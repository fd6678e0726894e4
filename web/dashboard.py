"""The management dashboard (``/dasbor``): figures per SOP and period, charts each with its table and a CSV
download, and the heatmap on the SOP's diagram. Who sees what is decided in ``engine.reading.dashboard``."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Blueprint, current_app, render_template, request, send_from_directory
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine import WITA, DashboardSop, InvalidInput, NotFound, Period, period_of
from web.current import current_alur
from web.dashboard_tables import (Table, heat_flows, heat_steps, own_table, people_table, percent, period_label,
                                  rework_table, slowest_table, steps_table, summary_table, trend_table, work_time)

bp = Blueprint("dashboard", __name__)

KINDS = {"bulan": "month", "semester": "semester", "tahun": "year", "khusus": "custom"}
SOP_TABLES = ("langkah", "lambat", "alur", "tren", "pelaksana")


@bp.get("/dasbor")
@login_required
def index() -> str:
    period = _period()
    home = current_alur().dashboard.home(current_user.username, frozenset(current_user.roles), period)
    return render_template("dashboard/index.html", home=home, choice=_choice(period), period_label=period_label(period),
                           summary=summary_table(home.sops), own=own_table(home.own), percent=percent)


@bp.get("/dasbor/<any(ringkasan, 'milik-saya'):table>.csv")
@login_required
def index_csv(table: str) -> Response:
    period = _period()
    home = current_alur().dashboard.home(current_user.username, frozenset(current_user.roles), period)
    return _csv(summary_table(home.sops) if table == "ringkasan" else own_table(home.own), period)


@bp.get("/dasbor/sop/<process_key>")
@login_required
def sop(process_key: str) -> str:
    period = _period()
    page = current_alur().dashboard.sop(current_user.username, frozenset(current_user.roles), process_key, period,
                                        request.remote_addr)
    figures = page.figures
    return render_template("dashboard/sop.html", page=page, figures=figures, choice=_choice(period),
                           period_label=period_label(period), tables=_sop_tables(page), heat_steps=heat_steps(figures),
                           heat_flows=heat_flows(figures), percent=percent, work_time=work_time)


@bp.get("/dasbor/sop/<process_key>/<table>.csv")
@login_required
def sop_csv(process_key: str, table: str) -> Response:
    if table not in SOP_TABLES:
        raise NotFound(f"Tabel dasbor tidak dikenal: {table}", table=table)
    period = _period()
    page = current_alur().dashboard.sop(current_user.username, frozenset(current_user.roles), process_key, period,
                                        request.remote_addr, with_people=table == "pelaksana")
    return _csv(_sop_tables(page)[table], period, process_key)


@bp.get("/vendor/chart.js/<path:filename>")
def vendor(filename: str) -> Response:
    """Chart.js's dist files (installed from the npm registry; never a CDN)."""
    return send_from_directory(current_app.config["CHART_JS_DIR"], filename, max_age=3600)


def _sop_tables(page: DashboardSop) -> dict[str, Table]:
    figures = page.figures
    return {"langkah": steps_table(figures), "lambat": slowest_table(figures), "alur": rework_table(figures),
            "tren": trend_table(figures), "pelaksana": people_table(page.people)}


def _csv(table: Table, period: Period, process_key: str | None = None) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.csv_headers)
    writer.writerows([[_cell(value) for value in row] for row in table.csv_rows])
    name = "-".join(part for part in ("dasbor", process_key, table.name, period.key.replace("..", "_")) if part)
    return current_app.response_class("\ufeff" + out.getvalue(), mimetype="text/csv",
                                      headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _cell(value: object) -> object:
    """A text that a spreadsheet would run as a formula (a name starting with "=") is kept as text."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def _period() -> Period:
    """The period the query string asks for; the current semester (WITA) by default.

    :raises InvalidInput: an unknown period, a bad year, number or date
    """
    args = request.args
    today = current_alur().clock().astimezone(WITA).date()
    kind = KINDS.get(args.get("periode", "semester"))
    if kind is None:
        raise InvalidInput("Jenis periode tidak dikenal", field="periode")
    if kind == "custom":
        return period_of(kind, first_day=_day(args.get("dari"), "dari"), last_day=_day(args.get("sampai"), "sampai"))
    year = _number(args.get("tahun"), today.year, "tahun")
    default = today.month if kind == "month" else 1 + (today.month > 6)
    return period_of(kind, year, _number(args.get("ke"), default, "ke"))


def _number(text: str | None, default: int, field: str) -> int:
    if not text:
        return default
    if not text.isdigit() or len(text) > 4:
        raise InvalidInput("Angka periode tidak sah", field=field)
    return int(text)


def _day(text: str | None, field: str) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise InvalidInput("Tanggal periode tidak sah (TTTT-BB-HH)", field=field) from None


def _choice(period: Period) -> dict[str, object]:
    """The period form's values, and the neighbouring periods for the arrows."""
    kind = {v: k for k, v in KINDS.items()}[period.kind]
    number = period.first_day.month if period.kind == "month" else 1 + (period.first_day.month > 6)
    choice: dict[str, object] = {"periode": kind, "tahun": period.first_day.year, "ke": number,
                                 "dari": period.first_day.isoformat(), "sampai": period.last_day.isoformat()}
    if period.kind != "custom":
        before = period.first_day - timedelta(days=1)
        after = period.last_day + timedelta(days=1)
        choice["previous"] = _args(period.kind, before)
        choice["next"] = _args(period.kind, after)
    return choice


def _args(kind: str, day: date) -> dict[str, object]:
    number = day.month if kind == "month" else 1 + (day.month > 6)
    args: dict[str, object] = {"periode": {v: k for k, v in KINDS.items()}[kind], "tahun": day.year}
    if kind != "year":
        args["ke"] = number
    return args

