"""The register tables checked against their audit chains, for ``alur audit verify``.

The register pages and the CSV read ``server_asset`` and ``dc_visit``, not the log; so that a row edited
in the database cannot show a forged back-up result, review or visit unseen, each row is derived again
from its chain's events and every column that differs is reported (``engine.audit.table_check``'s
``TableProblem``). Bookkeeping columns (who changed a server last, and when) are not compared.

A register's events are on many chains: one per server (``register:server_asset:<id>``) and one per
visit (``register:dc_access:<id>``), so that a step writing the register appends to a chain no other
case shares (issue 21: one chain per register made every back-up and maintenance case in the office
queue on its head's lock until COMMIT). Events written before that stay on the register's one chain
(``register:server_asset``, ``register:dc_access``): nothing of the log is rewritten. A register is
derived from all its chains in the order the events were written (their ids). That order is the order
of the changes: every writer changes the register row first (a locked row until its COMMIT) and writes
its events after, so two writers of one server or visit follow each other in event ids as in its
chain, and writers of different rows touch different keys of the derivation.

Recording the register events on the case's own chain instead (no head of their own at all) was not
chosen: a case's chain is what its history, replay and export read as its steps, and the register
edits by hand (and the walk-ins) would still need a chain of their own.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from engine.audit.table_check import TableProblem
from engine.persistence.models import AuditEvent, DcVisit, ServerAsset
from engine.registers.dc_access import DC_CHAIN
from engine.registers.server_assets import SERVER_CHAIN

REGISTER_CHAINS = (SERVER_CHAIN, DC_CHAIN)
_ENTRY_CHAINS = tuple(f"{chain}:" for chain in REGISTER_CHAINS)  # a server's or a visit's: <register>:<id>
_ABSENT, _ROW = "(none)", "(row)"
_BOOKKEEPING = {"id", "changed_by", "changed_at"}


def check_registers(session: Session) -> list[TableProblem]:
    """Every difference between the register tables and what their chains say (none on a schema from
    before the registers, which an older database is verified with until it is upgraded)."""
    if not inspect(session.connection()).has_table(ServerAsset.__tablename__):
        return []
    servers = _derive_servers(register_events(session, SERVER_CHAIN))
    visits = _derive_visits(register_events(session, DC_CHAIN))
    stored_servers = {row.asset_number: _columns(row) for row in session.scalars(select(ServerAsset))}
    stored_visits = {str(row.id): _columns(row) for row in session.scalars(select(DcVisit))}
    return _compare("server_asset", servers, stored_servers) + _compare("dc_visit", visits, stored_visits)


def is_register_chain(chain: str) -> bool:
    """A register's chain: its one chain of old, or the chain of one of its entries."""
    return chain in REGISTER_CHAINS or chain.startswith(_ENTRY_CHAINS)


def register_events(session: Session, register: str) -> list[AuditEvent]:
    """The events of ``register`` (``SERVER_CHAIN`` or ``DC_CHAIN``): on its old chain and its entries'
    chains, in the order written."""
    return list(session.scalars(select(AuditEvent).where(or_(
        AuditEvent.chain == register, AuditEvent.chain.startswith(f"{register}:", autoescape=True)))
        .order_by(AuditEvent.id)))


def _columns(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in _BOOKKEEPING}


def _derive_servers(events: list[AuditEvent]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        payload = json.loads(event.payload_json)
        row = rows.get(payload.get("asset_number", ""))
        if event.event_type == "server_registered":
            rows[payload["asset_number"]] = {
                **{c.key: None for c in ServerAsset.__table__.columns if c.key not in _BOOKKEEPING},
                **payload, "status": "aktif", "last_job_confirmed": False}
        elif row is None:
            continue
        elif event.event_type == "server_changed":
            row.update({k: v for k, v in payload.items() if k != "asset_number"})
        elif event.event_type == "server_job_reported":
            row[f"last_{payload['kind']}_at"] = datetime.fromisoformat(payload["finished_at"])
            row[f"last_{payload['kind']}_result"] = payload["result"]
            row.update(last_job_instance_id=event.instance_id, last_job_confirmed=False)
        elif event.event_type == "server_job_confirmed":
            row[f"last_{payload['kind']}_result"] = payload["result"]
            row.update(last_job_instance_id=event.instance_id, last_job_confirmed=True)
        elif event.event_type == "server_reviewed":
            row.update(last_reviewed_at=event.at, last_review_result=payload["result"], status=payload["status"],
                       last_review_note=payload["note"], last_review_instance_id=event.instance_id)
    return rows


def _derive_visits(events: list[AuditEvent]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        payload = json.loads(event.payload_json)
        key = str(payload.get("visit_id"))
        if event.event_type == "dc_visit_opened":
            rows[key] = {"visitor": payload["visitor"], "organisation": payload["organisation"],
                         "purpose": payload["purpose"], "escort": payload["escort"],
                         "time_in": datetime.fromisoformat(payload["time_in"]), "time_out": None,
                         "instance_id": event.instance_id, "source": payload["source"], "opened_by": event.actor,
                         "closed_by": None}
        elif event.event_type == "dc_visit_closed" and key in rows:
            rows[key].update(time_out=datetime.fromisoformat(payload["time_out"]), closed_by=event.actor)
    return rows


def _compare(table: str, logged: dict[str, dict[str, Any]], stored: dict[str, dict[str, Any]]) -> list[TableProblem]:
    problems = []
    for key in sorted(set(logged) | set(stored)):
        if key not in stored:
            problems.append(TableProblem(table, key, _ROW, "present", _ABSENT))
        elif key not in logged:
            problems.append(TableProblem(table, key, _ROW, _ABSENT, "present"))
        else:
            problems += [TableProblem(table, key, column, _text(value), _text(stored[key].get(column)))
                         for column, value in logged[key].items() if _text(value) != _text(stored[key].get(column))]
    return problems


def _text(value: object) -> str:
    if value is None:
        return _ABSENT
    return value.astimezone(timezone.utc).isoformat() if isinstance(value, datetime) else str(value)
