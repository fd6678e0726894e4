"""Jinja filters and globals: times in WITA, working durations, sizes, role titles, form values."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request
from markupsafe import Markup
from flask_babel import format_date, format_datetime, get_locale, gettext, ngettext
from flask_login import current_user

from engine.calendar import WITA
from engine.queries import CASE_READER_ROLES, COUNT_CAP
from web.services import services


def wita(moment: datetime | None, compact: bool = False) -> str:
    """``Sen, 23 Nov 2026 08.30 WITA``, or ``23 Nov 2026 08.30`` in tables whose header says WITA."""
    if moment is None:
        return "–"
    if compact:
        return format_datetime(moment, "d MMM y HH.mm")
    return format_datetime(moment, "EEE, d MMM y HH.mm") + " WITA"


def wita_iso(moment: datetime | None) -> str:
    return moment.astimezone(WITA).isoformat() if moment else ""


def date_text(value: str | None) -> str:
    try:
        return format_date(datetime.fromisoformat(str(value)).date(), "d MMM y")
    except ValueError:
        return str(value or "–")


def datetime_text(value: str | None) -> str:
    """A form's date-time value (RFC 3339) shown in WITA."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "–")
    return wita(moment if moment.tzinfo else moment.replace(tzinfo=WITA))


def duration(delta: timedelta | None, signed: bool = False) -> str:
    """Working time as ``10 jam 5 mnt``: hours, not days, since a working day is 8.5 h Mon-Thu and 3.5 h Fri."""
    if delta is None:
        return "–"
    minutes = int(abs(delta).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(num)d jam", "%(num)d jam", hours))
    if minutes or not hours:
        parts.append(ngettext("%(num)d mnt", "%(num)d mnt", minutes))
    text = " ".join(parts)
    if signed and delta < timedelta(0):
        return gettext("terlambat %(time)s", time=text)
    return text


def filesize(size: int | None) -> str:
    if size is None:
        return "–"
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", "," if str(get_locale()) == "id" else ".")


def count_text(count: int) -> str:
    """Counts are capped by the engine (COUNT_CAP): anything above shows as ``1000+``."""
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def role_title(role_key: str) -> str:
    return services().alur.roles.title(role_key)


def user_name(username: str | None) -> Markup | str:
    """The person's full name, with the username as a tooltip."""
    if not username:
        return "–"
    user = services().alur.users.find(username)
    name = user.full_name if user else username
    return Markup('<span class="person" title="{}">{}</span>').format(username, name)


def form_schema(form_key: str) -> dict[str, Any]:
    return services().alur.forms.get(form_key).schema


def enum_label(prop: dict[str, Any], value: Any) -> str:
    enum, labels = prop.get("enum") or [], prop.get("x-enum-labels") or []
    if value in enum and len(labels) == len(enum):
        return str(labels[enum.index(value)])
    return str(value)


def yes_no(value: Any) -> str:
    return gettext("Ya") if value is True else gettext("Tidak") if value is False else "–"


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (``None`` removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value
    return request.path + ("?" + urlencode(args) if args else "")


# Who sees the Pemodel and Audit menu entries (the pages check the same roles themselves).
MODEL_READER_ROLES = CASE_READER_ROLES | {"pemilik_proses"}
AUDIT_ROLES = frozenset({"auditor", "admin_sistem"})


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        wita=wita, wita_iso=wita_iso, date_text=date_text, datetime_text=datetime_text, duration=duration,
        filesize=filesize, count_text=count_text, role_title=role_title, user_name=user_name, yes_no=yes_no)
    app.jinja_env.globals.update(form_schema=form_schema, enum_label=enum_label, url_with=url_with,
                                 get_locale=get_locale)

    @app.context_processor
    def _user_context() -> dict[str, Any]:
        unread, roles = 0, frozenset()
        if current_user.is_authenticated:
            unread = services().alur.notifications.unread_count(current_user.username)
            roles = frozenset(current_user.roles)
        return {"current_user": current_user, "unread_notifications": unread,
                "nav_modeler": bool(roles & MODEL_READER_ROLES), "nav_audit": bool(roles & AUDIT_ROLES)}
