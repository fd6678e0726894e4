"""The identity of an issued SOP that its process owner fills in: Nomor SOP, Tanggal Pembuatan,
Revisi and Efektif, and Disahkan oleh (jabatan, name, NIP). Stored per SOP (process key), audited;
a deploy with a revision note advances Tanggal Revisi to the day of the deploy (WITA)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.errors import DefinitionNotFound, InvalidInput
from engine.persistence.models import ProcessDefinition, SopIdentity
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow

WITA = ZoneInfo("Asia/Makassar")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
TEXT_FIELDS = {"nomor_sop": ("Nomor SOP", 200), "disahkan_jabatan": ("Jabatan pengesah", 300),
               "disahkan_nama": ("Nama pengesah", 200), "disahkan_nip": ("NIP pengesah", 30)}
DATE_FIELDS = {"tanggal_pembuatan": "Tanggal pembuatan", "tanggal_revisi": "Tanggal revisi",
               "tanggal_efektif": "Tanggal efektif"}
FIELDS = tuple(TEXT_FIELDS) + tuple(DATE_FIELDS)
NIP = re.compile(r"\d{8} ?\d{6} ?\d ?\d{3}")  # 18 digits, written 8 6 1 3 (tanggal lahir, TMT, jenis kelamin, urut)


def format_date(day: date) -> str:
    """``03 Agustus 2018``, as the SOPs write their dates."""
    return f"{day.day:02d} {MONTHS[day.month - 1]} {day.year}"


def printed(row: SopIdentity | None) -> dict[str, str]:
    """The values as the document prints them; empty strings for what is not filled in."""
    if row is None:
        return {}
    values = {key: str(getattr(row, key) or "") for key in TEXT_FIELDS}
    values.update({key: format_date(getattr(row, key)) if getattr(row, key) else "" for key in DATE_FIELDS})
    return values


def clean(values: Mapping[str, str]) -> dict[str, str | date | None]:
    """Trimmed text and parsed dates (``YYYY-MM-DD``; empty clears a field).

    :raises InvalidInput: too long, not a date, or a NIP that is not 18 digits
    """
    result: dict[str, str | date | None] = {}
    for key, (label, limit) in TEXT_FIELDS.items():
        value = " ".join(str(values.get(key, "")).split())
        if len(value) > limit:
            raise InvalidInput(f"{label} terlalu panjang (paling banyak {limit} karakter).", field=key)
        if key == "disahkan_nip" and value and not NIP.fullmatch(value):
            raise InvalidInput("NIP harus 18 angka (boleh dipisah spasi: 8 6 1 3 angka).", field=key)
        result[key] = value
    for key, label in DATE_FIELDS.items():
        raw = str(values.get(key, "")).strip()
        try:
            result[key] = date.fromisoformat(raw) if raw else None
        except ValueError:
            raise InvalidInput(f"{label} bukan tanggal yang sah (TTTT-BB-HH).", field=key) from None
    return result


class SopIdentities:
    """Read and change the identity a process owner fills in for each SOP."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def get(self, process_key: str) -> dict[str, str]:
        """The printed values (``03 Agustus 2018``); {} when nothing was filled in."""
        with self._sessions() as session:
            return printed(session.get(SopIdentity, process_key))

    def form_values(self, process_key: str) -> dict[str, str]:
        """The stored values as a form shows them (dates as ``YYYY-MM-DD``)."""
        with self._sessions() as session:
            row = session.get(SopIdentity, process_key)
            if row is None:
                return {key: "" for key in FIELDS}
            return {key: (value.isoformat() if isinstance(value := getattr(row, key), date) else value or "")
                    for key in FIELDS}

    def save(self, process_key: str, values: Mapping[str, str], actor: str) -> dict[str, str]:
        """Store the identity and audit what changed; returns the printed values.

        :raises InvalidInput: see :func:`clean`; nothing is stored
        :raises DefinitionNotFound: no version of the process was deployed
        """
        cleaned = clean(values)
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            if session.scalar(select(ProcessDefinition.id).where(
                    ProcessDefinition.process_key == process_key).limit(1)) is None:
                raise DefinitionNotFound(f"Proses '{process_key}' belum pernah di-deploy", process_key=process_key)
            now = self._clock()
            row = _row(session, process_key, actor, now)
            changes = {key: _shown(value) for key, value in cleaned.items() if getattr(row, key) != value}
            for key, value in cleaned.items():
                setattr(row, key, value)
            row.changed_by, row.changed_at = actor, now
            if changes:
                work.record(SYSTEM_CHAIN, "sop_identity_changed", actor=actor, at=now,
                            payload={"process_key": process_key, "changes": changes})
            return printed(row)


def advance_revision(work: UnitOfWork, process_key: str, version: int, change_note: str, actor: str,
                     at: datetime) -> None:
    """A deploy with a revision note (any version after the first) sets Tanggal Revisi to its day, in the
    deploy's own unit of work, and audits it."""
    if version <= 1 or not change_note.strip():
        return
    day = at.astimezone(WITA).date()
    row = _row(work.session, process_key, actor, at)
    if row.tanggal_revisi == day:
        return
    row.tanggal_revisi, row.changed_by, row.changed_at = day, actor, at
    work.record(SYSTEM_CHAIN, "sop_identity_changed", actor=actor, at=at,
                payload={"process_key": process_key, "changes": {"tanggal_revisi": day.isoformat()},
                         "version": version, "change_note": change_note})


def follow_revision(work: UnitOfWork, process_key: str, day: date, actor: str, at: datetime,
                    reason: dict[str, object]) -> bool:
    """Set Tanggal Revisi to ``day`` (a revision a monitoring or evaluation finding led to), in the caller's
    unit of work, and audit it; False when it already reads so."""
    row = _row(work.session, process_key, actor, at)
    if row.tanggal_revisi == day:
        return False
    row.tanggal_revisi, row.changed_by, row.changed_at = day, actor, at
    work.record(SYSTEM_CHAIN, "sop_identity_changed", actor=actor, at=at,
                payload={"process_key": process_key, "changes": {"tanggal_revisi": day.isoformat()}, **reason})
    return True


def _row(session: Session, process_key: str, actor: str, at: datetime) -> SopIdentity:
    row = session.get(SopIdentity, process_key, with_for_update=True)
    if row is None:
        row = SopIdentity(process_key=process_key, nomor_sop="", disahkan_jabatan="", disahkan_nama="",
                          disahkan_nip="", changed_by=actor, changed_at=at)
        session.add(row)
    return row


def _shown(value: str | date | None) -> str:
    return value.isoformat() if isinstance(value, date) else value or ""
