"""The data-center access register (SOP-04 step 1 "membatasi akses", Pencatatan: access "harus
dikendalikan dan dipantau").

A maintenance assignment (``pdc_01``) opens a visit for each assigned Personil DC; the visits of a
case close when the case ends (``engine.registers.case_hooks``). The Pengawas Infrastruktur TIK
enters walk-in visitors; a visit also closes on an explicit "keluar". Every change is an event on
the register's own audit chain.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, cast, insert, literal, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import Conflict, InvalidInput, NotFound
from engine.persistence.compiled import DirectStatement
from engine.persistence.db import read_only_session
from engine.persistence.models import AuditChainHead, DcVisit
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow

DC_CHAIN = "register:dc_access"  # the register's chain until each visit had its own: read, no longer written
SOURCE_ASSIGNMENT = "penugasan"  # opened by pdc_01
SOURCE_WALK_IN = "kunjungan"  # entered by the Pengawas
# field -> (Indonesian label, longest value); every one is required
TEXT_FIELDS: dict[str, tuple[str, int]] = {
    "visitor": ("Nama pengunjung", 200),
    "organisation": ("Instansi", 300),
    "purpose": ("Tujuan kunjungan", 2000),
    "escort": ("Pendamping", 200),
}


@dataclass(frozen=True)
class DcVisitView:
    visit_id: int
    visitor: str
    organisation: str
    purpose: str
    escort: str
    time_in: datetime
    time_out: datetime | None
    instance_id: int | None
    source: str
    opened_by: str
    closed_by: str | None

    @property
    def is_open(self) -> bool:
        return self.time_out is None


class VisitNotFound(NotFound):
    code = "visit_not_found"


def visit_chain(visit_id: int) -> str:
    """The audit chain of one visit: begun by its opening, so that opening one takes no lock at all, and
    shared at its closing only with whoever else would close the same visit."""
    return f"{DC_CHAIN}:{visit_id}"


def visit_view(row: DcVisit) -> DcVisitView:
    return DcVisitView(row.id, row.visitor, row.organisation, row.purpose, row.escort, row.time_in, row.time_out,
                       row.instance_id, row.source, row.opened_by, row.closed_by)


def open_visit(work: UnitOfWork, values: dict[str, str], *, source: str, instance_id: int | None, actor: str,
               at: datetime) -> DcVisit:
    """Store a visit in ``work`` and record it (the caller checked ``values``)."""
    row = DcVisit(time_in=at, instance_id=instance_id, source=source, opened_by=actor, **values)
    work.session.add(row)
    work.session.flush()
    _opened(work, row.id, values, source=source, instance_id=instance_id, actor=actor, at=at)
    return row


def open_case_visit(work: UnitOfWork, values: dict[str, str], *, instance_id: int, actor: str, at: datetime) -> int:
    """``open_visit`` for a case's assignment, by a prebuilt statement (a step's path): its id."""
    visit_id: int = _INSERT_VISIT.first(work.connection, {
        **values, "time_in": at, "instance_id": instance_id, "source": SOURCE_ASSIGNMENT, "opened_by": actor}).id
    _opened(work, visit_id, values, source=SOURCE_ASSIGNMENT, instance_id=instance_id, actor=actor, at=at)
    return visit_id


def _opened(work: UnitOfWork, visit_id: int, values: dict[str, str], *, source: str, instance_id: int | None,
            actor: str, at: datetime) -> None:
    work.starts_chain(visit_chain(visit_id))
    work.record(visit_chain(visit_id), "dc_visit_opened", actor=actor, at=at, instance_id=instance_id, payload={
        "visit_id": visit_id, "source": source, "time_in": at.isoformat(), **values})


def close_visit(work: UnitOfWork, row: DcVisit, *, actor: str, at: datetime, reason: str) -> None:
    row.time_out, row.closed_by = at, actor
    _closed(work, row.id, row.instance_id, actor=actor, at=at, reason=reason)


def close_case_visits(work: UnitOfWork, instance_id: int, *, actor: str, at: datetime, reason: str) -> None:
    """``close_visit`` for every visit of the case still open, in the order they were opened, by one
    prebuilt UPDATE .. RETURNING (a step's path)."""
    closed = _CLOSE_CASE_VISITS.all(work.connection, {"instance_id": instance_id, "at": at, "actor": actor})
    for row in sorted(closed, key=lambda row: row.id):
        if row.head_seq is not None and row.head_hash is not None:
            work.knows_head(visit_chain(row.id), row.head_seq, row.head_hash)
        _closed(work, row.id, instance_id, actor=actor, at=at, reason=reason)


def _closed(work: UnitOfWork, visit_id: int, instance_id: int | None, *, actor: str, at: datetime,
            reason: str) -> None:
    work.record(visit_chain(visit_id), "dc_visit_closed", actor=actor, at=at, instance_id=instance_id, payload={
        "visit_id": visit_id, "time_out": at.isoformat(), "reason": reason})


_VISITS = DcVisit.__table__
_INSERT_VISIT = DirectStatement(insert(_VISITS).returning(_VISITS.c.id), columns=[
    "visitor", "organisation", "purpose", "escort", "time_in", "instance_id", "source", "opened_by"])
_HEADS = AuditChainHead.__table__
# visit_chain in SQL; should they disagree, the heads would just be read locked in the batch.
_VISIT_CHAIN = literal(f"{DC_CHAIN}:", String).concat(cast(_VISITS.c.id, String))
# With the head of each visit's chain, so that the step's batch moves it from there (``knows_head``) rather
# than read it locked after its writes and move it in a batch of its own.
_CLOSE_CASE_VISITS = DirectStatement(
    update(_VISITS).where(_VISITS.c.instance_id == bindparam("instance_id"), _VISITS.c.time_out.is_(None))
    .values(time_out=bindparam("at"), closed_by=bindparam("actor"))
    .returning(_VISITS.c.id,
               select(_HEADS.c.seq).where(_HEADS.c.chain == _VISIT_CHAIN).scalar_subquery().label("head_seq"),
               select(_HEADS.c.hash).where(_HEADS.c.chain == _VISIT_CHAIN).scalar_subquery().label("head_hash")))


class DcAccessRegister:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def visits(self, only_open: bool = False, limit: int = 500) -> list[DcVisitView]:
        """The latest visits first; only those still inside the room when ``only_open``."""
        query = select(DcVisit).order_by(DcVisit.time_in.desc(), DcVisit.id.desc()).limit(limit)
        if only_open:
            query = query.where(DcVisit.time_out.is_(None))
        with read_only_session(self._sessions) as session:
            return [visit_view(row) for row in session.scalars(query)]

    def add_walk_in(self, values: dict[str, Any], actor: str) -> DcVisitView:
        """A visitor the Pengawas lets in now.  :raises InvalidInput: a field missing or too long"""
        clean = _texts(values)
        with UnitOfWork.begin(self._sessions) as work:
            row = open_visit(work, clean, source=SOURCE_WALK_IN, instance_id=None, actor=actor, at=self._clock())
            return visit_view(row)

    def sign_out(self, visit_id: int, actor: str) -> DcVisitView:
        """The visitor left the room ("keluar").

        :raises VisitNotFound:  :raises Conflict: the visit was closed already
        """
        with UnitOfWork.begin(self._sessions) as work:
            # Locked: a sign-out racing another (or the visit's case ending) waits, then finds it closed.
            row = work.session.get(DcVisit, visit_id, with_for_update=True) if isinstance(visit_id, int) else None
            if row is None:
                raise VisitNotFound(f"Kunjungan {visit_id} tidak ditemukan", visit_id=visit_id)
            if row.time_out is not None:
                raise Conflict(f"Kunjungan {visit_id} sudah ditutup", visit_id=visit_id)
            close_visit(work, row, actor=actor, at=self._clock(), reason="keluar")
            return visit_view(row)

    def export_csv(self) -> str:
        """Every visit as CSV (UTC ISO times), oldest first."""
        out = io.StringIO()
        writer = csv.writer(out)
        names = [f.name for f in fields(DcVisitView)]
        writer.writerow(names)
        for view in reversed(self.visits(limit=100_000)):
            writer.writerow(["" if getattr(view, n) is None else _cell(getattr(view, n)) for n in names])
        return out.getvalue()


def _cell(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _texts(values: dict[str, Any]) -> dict[str, str]:
    clean = {}
    for key, (label, longest) in TEXT_FIELDS.items():
        value = values.get(key)
        text = " ".join(value.split()) if isinstance(value, str) else ""
        if not text or len(text) > longest:
            raise InvalidInput(f"{label} wajib diisi (paling banyak {longest} karakter)", field=key)
        clean[key] = text
    return clean
