"""Process-mining exports of an SOP's cases for a period: XES, OCEL 2.0 JSON or CSV, streamed.

Who may export (``Permissions.may_export_log``): auditors and Admin Sistem, the SOP assessors
(``penilai_sop``), process owners, and the supervisors of one of the SOP's roles.

Personal data (UU 27/2022): who did a step is per-person data. An export names nobody by default:
each performer appears as a pseudonym, an HMAC-SHA256 of the username under a random key made for
that export alone and never stored. Within one export the same person always has the same
pseudonym (hand-over and workload analyses still work); two exports cannot be joined to follow a
person over time, and nobody, Alur included, can turn a pseudonym back into a name. Document file
names, which often carry names, are left out too. Names are given only when asked for, and only to
whom ``Permissions.names_in_log`` allows them: auditors for every step, a supervisor for the steps
of the roles they supervise (others stay pseudonyms in the same file). The command line is the
server's operator, who holds the database anyway: it may ask for names.

Every export is recorded before its first byte (``process_log_exported`` on the system chain): who,
which SOP and period, which format, how many cases, and whether names were given; with names, the
people named, so that a read of someone's personal data can be found again.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.users import roles_of
from engine.audit.chain import SYSTEM_CHAIN
from engine.errors import ExportNotAllowed, InvalidPeriod, NamesNotAllowed, UnknownExportFormat
from engine.modeling.definitions import DefinitionStore
from engine.permissions import SYSTEM_ACTOR, Permissions
from engine.persistence.db import read_only_session
from engine.reading.mining_formats import LogHeader, Naming, csv_chunks, ocel_chunks, xes_chunks
from engine.reading.mining_records import (CaseFilter, CaseRecord, StepRecord, activity_names, case_records,
                                           count_cases, performers_by_role, snapshot)
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow
from engine.worktime.work_calendar import WITA

FORMATS = {"xes": ("application/xml", "xes"), "ocel": ("application/json", "jsonocel"),
           "csv": ("text/csv; charset=utf-8", "csv")}
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
MAX_PERIOD_DAYS = 5 * 366  # a longer export is more than any monitoring or evaluation asks for
EXPORTED = "process_log_exported"


@dataclass(frozen=True)
class Period:
    """WITA calendar days, both included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), WITA)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), WITA)


def parse_period(first: str | None, last: str | None) -> Period:
    """:raises InvalidPeriod: a missing or malformed date, ``to`` before ``from``, a day outside 2000-2099,
    or more than five years"""
    days = []
    for name, text in (("from", first), ("to", last)):
        try:
            day = date.fromisoformat((text or "").strip())
        except ValueError:
            raise InvalidPeriod(f"Tanggal '{name}' harus berupa tanggal YYYY-MM-DD", field=name) from None
        if not FIRST_DAY <= day <= LAST_DAY:
            raise InvalidPeriod(f"Tanggal '{name}' harus antara {FIRST_DAY} dan {LAST_DAY}", field=name)
        days.append(day)
    if days[1] < days[0]:
        raise InvalidPeriod("Tanggal akhir sebelum tanggal awal", field="to")
    if (days[1] - days[0]).days >= MAX_PERIOD_DAYS:
        raise InvalidPeriod("Periode ekspor paling lama lima tahun", field="to")
    return Period(days[0], days[1])


class Pseudonyms:
    """Stable within one export, unlinkable across exports: HMAC-SHA256 under a key made per export."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)
        self._known: dict[str, str] = {}

    def of(self, username: str) -> str:
        if username == SYSTEM_ACTOR:
            return username  # the engine itself is no person
        pseudonym = self._known.get(username)
        if pseudonym is None:
            digest = hmac.new(self._key, username.encode("utf-8"), hashlib.sha256).hexdigest()
            pseudonym = self._known[username] = "p-" + digest[:16]
        return pseudonym


@dataclass(frozen=True)
class Requester:
    """Who asks: ``roles`` None is the command line's operator (no role check, names on request)."""

    username: str
    roles: frozenset[str] | None
    remote_addr: str | None = None
    via: str = "web"  # web, api or cli


@dataclass(frozen=True)
class LogExport:
    filename: str
    media_type: str
    cases: int
    named: bool  # some performers appear by name
    chunks: Iterator[str]


class ProcessLogs:
    def __init__(self, sessions: sessionmaker[Session], definitions: DefinitionStore, permissions: Permissions,
                 clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._definitions = definitions
        self._permissions = permissions
        self._clock = clock

    def access(self, process_key: str, username: str) -> tuple[bool, bool]:
        """(may export the SOP's log, may ask for names) for a signed-in user.

        :raises DefinitionNotFound: the SOP was never deployed
        """
        roles, sop_roles = self._roles(process_key, username)
        allowed = self._permissions.may_export_log(sop_roles, roles)
        return allowed, allowed and any(self._permissions.names_in_log(r, roles) for r in sop_roles)

    def export(self, process_key: str, period: Period, fmt: str, requester: Requester,
               names: bool = False) -> LogExport:
        """Check the request, record it, and return the export to stream.

        :raises UnknownExportFormat: ``fmt`` is not xes, ocel or csv
        :raises DefinitionNotFound: the SOP was never deployed
        :raises ExportNotAllowed: the requester may not export this SOP's log
        :raises NamesNotAllowed: names asked for by someone who may only see pseudonyms
        """
        if fmt not in FORMATS:
            raise UnknownExportFormat(f"Format ekspor tidak dikenal: {fmt} (xes, ocel atau csv)", field="format")
        named = self._naming_rule(process_key, requester, names)
        cases = CaseFilter(process_key, period.start, period.end)
        with read_only_session(self._sessions) as session:
            _row, parsed = self._definitions.latest(session, process_key)
        with snapshot(self._sessions) as connection:
            count = count_cases(connection, cases)
            people = sorted({name for role, name in performers_by_role(connection, cases) if named(role)})
        now = self._clock()
        self._record(process_key, period, fmt, requester, count, people, names, now)
        header = LogHeader(process_key, parsed.name, period.first.isoformat(), period.last.isoformat(), now,
                           pseudonymised=not people)
        media_type, extension = FORMATS[fmt]
        filename = f"{process_key}_{period.first.isoformat()}_{period.last.isoformat()}.{extension}"
        return LogExport(filename, media_type, count, bool(people),
                         self._chunks(fmt, header, cases, Naming(_resource(named, Pseudonyms()), filenames=names)))

    def _naming_rule(self, process_key: str, requester: Requester, names: bool) -> Callable[[str], bool]:
        """Which task roles' performers the export names (raising when the request is refused)."""
        if requester.roles is None:  # the operator on the command line
            return lambda _role: names
        roles, sop_roles = self._roles(process_key, requester.username, requester.roles)
        if not self._permissions.may_export_log(sop_roles, roles):
            raise ExportNotAllowed("Ekspor log SOP ini hanya untuk atasan pelaksananya, Penilai SOP, Pemilik "
                                   "Proses dan Auditor", process_key=process_key)
        if not names:
            return lambda _role: False
        if not any(self._permissions.names_in_log(role, roles) for role in sop_roles):
            raise NamesNotAllowed("Nama pelaksana hanya untuk Auditor dan atasan pelaksana; ekspor ini memakai "
                                  "pseudonim", process_key=process_key)
        return lambda role: self._permissions.names_in_log(role, roles)

    def _roles(self, process_key: str, username: str,
               roles: frozenset[str] | None = None) -> tuple[frozenset[str], frozenset[str]]:
        with read_only_session(self._sessions) as session:
            _row, parsed = self._definitions.latest(session, process_key)
            held = roles if roles is not None else frozenset(roles_of(session, username))
        return held, frozenset(t.role for t in parsed.user_tasks.values())

    def _record(self, process_key: str, period: Period, fmt: str, requester: Requester, count: int,
                people: list[str], names: bool, now: datetime) -> None:
        payload = {"process_key": process_key, "period_from": period.first.isoformat(),
                   "period_to": period.last.isoformat(),
                   "format": fmt, "cases": count, "names": bool(people), "named_people": people,
                   "names_asked": names, "via": requester.via,
                   "remote_addr": requester.remote_addr}
        with UnitOfWork.begin(self._sessions) as work:
            work.record(SYSTEM_CHAIN, EXPORTED, actor=requester.username, at=now, payload=payload)

    def _chunks(self, fmt: str, header: LogHeader, cases: CaseFilter, naming: Naming) -> Iterator[str]:
        """The file, read in one snapshot while it is written (nothing is read before the first chunk)."""
        with snapshot(self._sessions) as connection:
            def records() -> Iterable[CaseRecord]:
                return case_records(connection, cases)
            if fmt == "xes":
                yield from xes_chunks(header, records(), naming)
            elif fmt == "ocel":
                yield from ocel_chunks(header, activity_names(connection, cases), records, naming)
            else:
                yield from csv_chunks(records(), naming)


def _resource(named: Callable[[str], bool], pseudonyms: Pseudonyms) -> Callable[[StepRecord], str | None]:
    def resource(step: StepRecord) -> str | None:
        if step.performer is None:
            return None
        return step.performer if named(step.role) else pseudonyms.of(step.performer)
    return resource
