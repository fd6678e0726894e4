"""Every page and JSON answer the app serves by GET, asked for with hostile parameters by each kind of user:
ids too large for the database, not numbers, too long for a file name or holding a NUL; years no date can
hold; unknown tabs, sorts and filters. Each is answered (a page, a refusal in words, a redirect, a 404),
never a 500. The sweep that found the working calendar's year (``tahun=99999``) and the form panel's key
(300 characters) answering 500, and on PostgreSQL a NUL in a route's text segment (``/proses/%00``)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from alur_testing import own_postgres_database
from web_helpers import build_app, login, make_settings

from engine import Alur, open_alur
from web.serve import prepare

PATH_VALUES = ("0", "-1", "99999999999999999999", "3000000000", "abc", "%2e%2e", "x" * 300, "%F0%9F%98%80", "%00")
QUERIES = ("?hal=-1", "?hal=abc", "?hal=99999999999999999999", "?hal=3000000000", "?tab=zzz", "?filter=abc",
           "?filter=99999999999999", "?q=%00", "?q=" + "a" * 3000, "?dari=2026-13-45&sampai=0000-00-00",
           "?dari=9999-12-31&sampai=0001-01-01",
           "?urut=zzz&arah=zzz", "?per=0", "?per=-5", "?versi=abc", "?versi=99999999999", "?status=zzz",
           "?sop=%00", "?lang=xx", "?next=//evil.example", "?tahun=99999&bulan=13", "?tahun=9999", "?tahun=0",
           "?periode=zzz", "?opd=abc", "?peran=zzz", "?dari=1&ke=99999999999999999999")
USERS = ("admin_sistem", "pemilik_proses", "auditor", "opd_pemohon", "pengelola_ti", None)  # None: not signed in


def _sweep(app: Flask, client: Any, known: dict[str, str]) -> list[str]:
    """The requests answered 500 (or that raised), as 'status path'."""
    failed = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        args = sorted(rule.arguments)

        def path_of(values: dict[str, str], rule: Any = rule) -> str:
            return re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)
        real = {arg: known.get(arg, "1") for arg in args}
        asked = [path_of(real) + query for query in ("", *QUERIES)]
        asked += [path_of({**real, arg: value}) for arg in args for value in PATH_VALUES]
        for path in asked:
            try:
                response = client.get(path)
                status = response.status_code
                response.close()  # a streamed export's temporary file with it
            except Exception as exc:  # noqa: BLE001 - the test client raises what a server would answer 500 to
                failed.append(f"{type(exc).__name__} {path[:120]}")
                continue
            if status == 500:  # (503: /readyz says no worker beats here, as it should)
                failed.append(f"{status} {path[:120]}")
    return failed


def _known(alur: Alur) -> dict[str, str]:
    """Real values for the routes' arguments: a case of SOP-05 and its first task."""
    case = alur.runner.start_case("sop_backup_restore_db", "opd_pemohon", "HOSTILE/1")
    return {"task_id": case.ready_task_ids[0], "instance_id": str(case.instance_id),
            "process_key": "sop_backup_restore_db", "username": "pengelola_ti", "version": "1"}


@pytest.mark.parametrize("username", USERS)
def test_no_get_parameter_makes_a_page_fail(alur, app, client, username):
    known = _known(alur)
    if username is not None:
        login(client, username)
    assert _sweep(app, client, known) == []


@pytest.fixture
def pg_prepared(postgres_url: str, tmp_path: Path) -> Iterator[Alur]:
    """A database of its own, as ``alur init --deploy`` and the demo users leave it, on PostgreSQL."""
    with own_postgres_database(postgres_url, "alur_hostile") as (_admin, _name, url):
        alur = open_alur(make_settings(tmp_path, url))
        try:
            prepare(alur)
            yield alur
        finally:
            alur.close()


@pytest.mark.postgres
def test_no_get_parameter_makes_a_page_fail_on_postgresql(pg_prepared):
    """PostgreSQL refuses a NUL in text and an integer past 2**31 - 1 where SQLite takes both: a NUL in a
    route's SOP key or username was a DataError, 500 (the SOP's page, its dashboard and log, the modeler's
    pages, a user's admin page)."""
    app = build_app(pg_prepared)
    known = _known(pg_prepared)
    for username in ("admin_sistem", "pemilik_proses"):
        client = app.test_client()
        login(client, username)
        assert _sweep(app, client, known) == [], username
