"""The server asset register (SOP-05 Pencatatan dan Pendataan 1 and 2).

Personil DC add and correct its servers; the back-up/restore cases write each server's last job
(``brd_04`` reports it, ``brd_05`` confirms it) and the yearly review ``tinjau_aset_register_server``
its last review (``engine.registers.case_hooks``). Every change is an event on the audit chain of
its server (``server_chain``).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import Conflict, InvalidInput, NotFound
from engine.persistence.compiled import DirectStatement, Read
from engine.persistence.db import read_only_session
from engine.persistence.models import ServerAsset
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow

SERVER_CHAIN = "register:server_asset"  # the register's chain until each server had its own: read, no longer written
STATUSES = ("aktif", "nonaktif", "dihapus")
_ASSET_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,59}$")
_IP = re.compile(r"^[0-9A-Fa-f:.]{2,60}$")
# field -> (Indonesian label, longest value); every one is required
TEXT_FIELDS: dict[str, tuple[str, int]] = {
    "hostname": ("Nama server", 200),
    "ip_address": ("Alamat IP", 60),
    "operating_system": ("Sistem operasi", 200),
    "dbms": ("DBMS", 200),
    "owner_opd": ("OPD pemilik", 300),
    "location": ("Lokasi", 300),
    "backup_schedule": ("Jadwal back-up", 300),
}


@dataclass(frozen=True)
class ServerAssetView:
    asset_number: str
    hostname: str
    ip_address: str
    operating_system: str
    dbms: str
    owner_opd: str
    location: str
    backup_schedule: str
    status: str
    last_backup_at: datetime | None
    last_backup_result: str | None
    last_restore_at: datetime | None
    last_restore_result: str | None
    last_job_instance_id: int | None
    last_job_confirmed: bool
    last_reviewed_at: datetime | None
    last_review_result: str | None
    last_review_note: str | None
    last_review_instance_id: int | None

    @property
    def label(self) -> str:
        """How a form's server picker names it."""
        return f"{self.asset_number} — {self.hostname} ({self.ip_address})"


class ServerNotFound(NotFound):
    code = "server_not_found"


def server_chain(server_id: int) -> str:
    """The audit chain of one server of the register (by its row id: asset numbers may be longer than a
    chain name), shared only by whoever changes that server (``engine.registers.register_check``)."""
    return f"{SERVER_CHAIN}:{server_id}"


def server_view(row: ServerAsset) -> ServerAssetView:
    return ServerAssetView(**{f.name: getattr(row, f.name) for f in fields(ServerAssetView)})


def server_row(session: Session, asset_number: object) -> ServerAsset:
    """:raises ServerNotFound:"""
    row = session.scalar(select(ServerAsset).where(ServerAsset.asset_number == asset_number)) \
        if isinstance(asset_number, str) else None
    if row is None:
        raise ServerNotFound(f"Server {asset_number} tidak terdaftar di aset register", asset_number=asset_number)
    return row


_SERVERS = ServerAsset.__table__
# The servers a form's picker offers (``list_servers`` without the removed), for a task page's batch of
# reads on its own connection: a column per field of ``ServerAssetView``, in its order.
_IN_USE = DirectStatement(select(*(_SERVERS.c[f.name] for f in fields(ServerAssetView)))
                          .where(_SERVERS.c.status != "dihapus").order_by(_SERVERS.c.asset_number))


def servers_in_use_read() -> Read:
    """``list_servers(include_removed=False)``'s statement, for a batch of reads; its rows as
    ``server_views``."""
    return Read(_IN_USE, {})


def server_views(rows: Iterable[Any]) -> list[ServerAssetView]:
    return [ServerAssetView(*row) for row in rows]


def list_servers(session: Session, include_removed: bool = True) -> list[ServerAssetView]:
    query = select(ServerAsset).order_by(ServerAsset.asset_number)
    if not include_removed:
        query = query.where(ServerAsset.status != "dihapus")
    return [server_view(row) for row in session.scalars(query)]


class ServerAssetRegister:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def list(self, include_removed: bool = True) -> list[ServerAssetView]:
        """The register by asset number; without the removed servers (``dihapus``) unless asked."""
        with read_only_session(self._sessions) as session:
            return list_servers(session, include_removed)

    def get(self, asset_number: str) -> ServerAssetView:
        """:raises ServerNotFound:"""
        with read_only_session(self._sessions) as session:
            return server_view(server_row(session, asset_number))

    def add(self, values: dict[str, Any], actor: str) -> ServerAssetView:
        """Register a server (status aktif).

        :raises InvalidInput: a field missing or malformed  :raises Conflict: the asset number exists
        """
        asset_number = _asset_number(values.get("asset_number"))
        clean = _texts(values, partial=False)
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            if session.scalar(select(ServerAsset.id).where(ServerAsset.asset_number == asset_number)) is not None:
                raise Conflict(f"Nomor aset '{asset_number}' sudah terdaftar", field="asset_number")
            now = self._clock()
            row = ServerAsset(asset_number=asset_number, status="aktif", last_job_confirmed=False,
                              changed_by=actor, changed_at=now, **clean)
            session.add(row)
            session.flush()
            work.starts_chain(server_chain(row.id))
            work.record(server_chain(row.id), "server_registered", actor=actor, at=now,
                        payload={"asset_number": asset_number, **clean})
            return server_view(row)

    def update(self, asset_number: str, values: dict[str, Any], actor: str) -> ServerAssetView:
        """Correct a server's details or status; the asset number never changes (cases name it).

        :raises ServerNotFound:  :raises InvalidInput: a field empty or malformed
        """
        clean: dict[str, Any] = _texts(values, partial=True)
        if "status" in values:
            clean["status"] = _status(values["status"])
        with UnitOfWork.begin(self._sessions) as work:
            row = server_row(work.session, asset_number)
            changes = {key: value for key, value in clean.items() if getattr(row, key) != value}
            if not changes:
                return server_view(row)
            now = self._clock()
            for key, value in changes.items():
                setattr(row, key, value)
            row.changed_by, row.changed_at = actor, now
            work.record(server_chain(row.id), "server_changed", actor=actor, at=now,
                        payload={"asset_number": row.asset_number, **changes})
            return server_view(row)

    def export_csv(self) -> str:
        """The whole register as CSV (UTC ISO times), for auditors and spreadsheets."""
        out = io.StringIO()
        writer = csv.writer(out)
        names = [f.name for f in fields(ServerAssetView)]
        writer.writerow(names)
        for view in self.list():
            writer.writerow(["" if getattr(view, n) is None else _cell(getattr(view, n)) for n in names])
        return out.getvalue()


def _cell(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _asset_number(value: object) -> str:
    text = str(value or "").strip()
    if not _ASSET_NUMBER.fullmatch(text):
        raise InvalidInput("Nomor aset: 1-60 huruf, angka, titik, garis miring, garis bawah atau tanda minus",
                           field="asset_number")
    return text


def _status(value: object) -> str:
    if value not in STATUSES:
        raise InvalidInput("Status harus aktif, nonaktif atau dihapus", field="status")
    return str(value)


def _texts(values: dict[str, Any], partial: bool) -> dict[str, str]:
    """The text fields given (all of them unless ``partial``), trimmed and checked."""
    clean = {}
    for key, (label, longest) in TEXT_FIELDS.items():
        if partial and key not in values:
            continue
        value = values.get(key)
        text = " ".join(value.split()) if isinstance(value, str) else ""
        if not text or len(text) > longest:
            raise InvalidInput(f"{label} wajib diisi (paling banyak {longest} karakter)", field=key)
        if key == "ip_address" and not _IP.fullmatch(text):
            raise InvalidInput("Alamat IP tidak valid", field=key)
        clean[key] = text
    return clean
