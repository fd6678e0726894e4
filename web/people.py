"""People as auditors name them: full name, jabatan and NIP next to the username (issue: the auditor sees people).

The accounts are read once per request (one query, however many events a page lists).
"""
from __future__ import annotations

from flask import Flask
from markupsafe import Markup

from engine import Person
from web.formatting import gettext, person_of


def person_details(person: Person) -> str:
    """``jabatan · NIP 1985…``, the words after a name (empty for accounts without them)."""
    parts = [person.jabatan or ""] + ([gettext("NIP %(nip)s", nip=person.nip)] if person.nip else [])
    return " · ".join(p for p in parts if p)


def person_text(username: str | None) -> str:
    """One line of plain text: ``Nama Lengkap (username), jabatan · NIP …``; a bare name for "system"."""
    if not username:
        return "–"
    person = person_of(username)
    if not person.known:
        return username
    details = person_details(person)
    return f"{person.full_name} ({username})" + (f", {details}" if details else "")


def person_html(username: str | None) -> Markup | str:
    """The name, the username and, on a second line, jabatan and NIP."""
    if not username:
        return "–"
    person = person_of(username)
    if not person.known:
        return Markup('<span class="person">{}</span>').format(username)
    details = person_details(person)
    html = Markup('<span class="person"><strong>{}</strong> <span class="muted">({})</span>').format(
        person.full_name, username)
    if details:
        html += Markup('<br><span class="small muted person-details">{}</span>').format(details)
    return html + Markup("</span>")


def register(app: Flask) -> None:
    app.jinja_env.filters.update(person=person_html, person_text=person_text)
