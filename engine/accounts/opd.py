"""The requesting units (OPD, Organisasi Perangkat Daerah) kept by Admin Sistem.

A registrar registers an incoming letter for one of them; a requester account may belong to one,
and then reads the cases registered for its unit. Every change is audited on the system chain.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.errors import Conflict, InvalidInput, NotFound
from engine.persistence.db import read_only_session
from engine.persistence.models import Opd
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,29}$")
MAX_NAME = 300


@dataclass(frozen=True)
class OpdView:
    opd_id: int
    code: str
    name: str
    active: bool


class OpdNotFound(NotFound):
    code = "opd_not_found"


def opd_view(row: Opd) -> OpdView:
    return OpdView(row.id, row.code, row.name, row.active)


def opd_row(session: Session, opd_id: int) -> Opd:
    """:raises OpdNotFound:"""
    row = session.get(Opd, opd_id) if isinstance(opd_id, int) and not isinstance(opd_id, bool) else None
    if row is None:
        raise OpdNotFound(f"OPD {opd_id} tidak ditemukan", opd_id=opd_id)
    return row


class OpdService:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def list(self, include_inactive: bool = False) -> list[OpdView]:
        """The units by name; only the active ones unless asked."""
        query = select(Opd).order_by(Opd.name, Opd.id)
        if not include_inactive:
            query = query.where(Opd.active.is_(True))
        with read_only_session(self._sessions) as session:
            return [opd_view(row) for row in session.scalars(query)]

    def get(self, opd_id: int) -> OpdView:
        """:raises OpdNotFound:"""
        with read_only_session(self._sessions) as session:
            return opd_view(opd_row(session, opd_id))

    def add(self, code: str, name: str, actor: str) -> OpdView:
        """:raises InvalidInput: a malformed code or an empty name  :raises Conflict: the code exists"""
        code, name = _code(code), _name(name)
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            if session.scalar(select(Opd.id).where(Opd.code == code)) is not None:
                raise Conflict(f"Kode OPD '{code}' sudah ada", field="code", code_value=code)
            now = self._clock()
            row = Opd(code=code, name=name, active=True, changed_by=actor, changed_at=now)
            session.add(row)
            session.flush()
            work.record(SYSTEM_CHAIN, "opd_added", actor=actor, at=now,
                        payload={"opd_id": row.id, "code": code, "name": name})
            return opd_view(row)

    def update(self, opd_id: int, actor: str, name: str | None = None, active: bool | None = None) -> OpdView:
        """Rename a unit or (de)activate it; the code never changes (cases and accounts keep the id).

        :raises OpdNotFound:  :raises InvalidInput: an empty name
        """
        new_name = _name(name) if name is not None else None
        with UnitOfWork.begin(self._sessions) as work:
            row = opd_row(work.session, opd_id)
            changes: dict[str, object] = {}
            if new_name is not None and new_name != row.name:
                changes["name"] = new_name
            if active is not None and active != row.active:
                changes["active"] = active
            if not changes:
                return opd_view(row)
            now = self._clock()
            for key, value in changes.items():
                setattr(row, key, value)
            row.changed_by, row.changed_at = actor, now
            work.record(SYSTEM_CHAIN, "opd_changed", actor=actor, at=now,
                        payload={"opd_id": row.id, "code": row.code, **changes})
            return opd_view(row)


def _code(value: object) -> str:
    code = str(value or "").strip().upper()
    if not _CODE.fullmatch(code):
        raise InvalidInput("Kode OPD: 1-30 huruf besar, angka, titik, garis bawah atau tanda minus",
                           field="code")
    return code


def _name(value: object) -> str:
    name = " ".join(str(value or "").split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"Nama OPD wajib diisi (paling banyak {MAX_NAME} karakter)", field="name")
    return name
