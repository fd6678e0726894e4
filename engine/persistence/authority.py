"""What a person may act as, read in the statements that need it: their roles and the mandates they
hold now (as a stand-in, Plh/Plt), with the absent officials' roles.

The mandates come as one column, a JSON array of rows built by the database (``json_rows``), so
they fold into a statement a use case or a page runs anyway (the signed-in user, the task a step
completes) instead of adding one. Which of the official's roles a mandate grants is decided by
``engine.permissions``, not here.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import BindParameter, Text, and_, bindparam, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from engine.persistence.models import Mandate, UserAccount, UserRole
from engine.values import ActiveMandate, Authority


class json_rows(FunctionElement[str]):  # noqa: N801 - named like the SQL functions it stands for
    """Aggregate: a JSON array (as text) with one array per row of its arguments. Over no rows:
    ``[]`` on SQLite, NULL on PostgreSQL."""

    type = Text()
    name = "json_rows"
    inherit_cache = True


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(json_agg(json_build_array({compiler.process(element.clauses, **kw)})) AS TEXT)"


_MANDATES = Mandate.__table__
_ACCOUNTS = UserAccount.__table__
_ROLES = UserRole.__table__


def mandates_held(who: BindParameter[Any], now: BindParameter[Any]) -> ColumnElement[str]:
    """The mandates ``who`` (an active account) holds at ``now``: one JSON row per (mandate, role of the
    absent official). One index range (``ix_mandate_stand_in``); parse with ``parse_mandates``."""
    stand_in, absent, absent_role = _ACCOUNTS.alias("stand_in_account"), _ACCOUNTS.alias("absent_account"), \
        _ROLES.alias("absent_role")
    return (select(json_rows(_MANDATES.c.id, _MANDATES.c.kind, _MANDATES.c.absent, absent.c.full_name,
                             _MANDATES.c.basis, absent_role.c.role_key))
            .select_from(_MANDATES
                         .join(stand_in, and_(stand_in.c.username == _MANDATES.c.stand_in,
                                              stand_in.c.active.is_(True)))
                         .join(absent, absent.c.username == _MANDATES.c.absent)
                         .join(absent_role, absent_role.c.user_id == absent.c.id))
            .where(_MANDATES.c.stand_in == who, _MANDATES.c.ends_at > now, _MANDATES.c.starts_at <= now)
            .correlate(None).scalar_subquery())


def now_param(name: str = "now") -> BindParameter[Any]:
    return bindparam(name, type_=_MANDATES.c.ends_at.type)


def parse_mandates(text: str | None) -> tuple[ActiveMandate, ...]:
    """``mandates_held``'s column as values, in mandate order."""
    if not text or text == "[]":  # most people hold none: no JSON to parse at every step
        return ()
    found: dict[int, tuple[str, str, str, str, set[str]]] = {}
    for mandate_id, kind, absent, absent_name, basis, role in json.loads(text):
        entry = found.setdefault(int(mandate_id), (kind, absent, absent_name, basis, set()))
        entry[4].add(role)
    return tuple(ActiveMandate(mandate_id, kind, absent, absent_name, basis, frozenset(roles))
                 for mandate_id, (kind, absent, absent_name, basis, roles) in sorted(found.items()))


# A person's roles (one row each; one row with a NULL role for an account without roles) and the
# mandates they hold now; no row for an unknown or deactivated account.
AUTHORITY = (
    select(_ROLES.c.role_key, mandates_held(bindparam("username"), now_param()).label("mandates"))
    .select_from(_ACCOUNTS.outerjoin(_ROLES, _ROLES.c.user_id == _ACCOUNTS.c.id))
    .where(_ACCOUNTS.c.username == bindparam("username"), _ACCOUNTS.c.active.is_(True)))


def authority_of(rows: Any) -> Authority:
    """``AUTHORITY``'s rows (or any rows with ``role_key`` and ``mandates``) as an Authority."""
    rows = list(rows)
    if not rows:
        return Authority()
    return Authority(frozenset(r.role_key for r in rows if r.role_key is not None), parse_mandates(rows[0].mandates))
