"""Stand-ins: a Plh (pelaksana harian, the official is away) or Plt (pelaksana tugas, the post is vacant),
appointed by letter (nomor surat penunjukan) for a period of WITA dates, by the Admin Sistem or a
supervisor of the absent official (SE Kepala BKN 1/SE/I/2021; UU 30/2014 pasal 14).

While a mandate runs, its stand-in may work the official's tasks: those the official holds and the
pool tasks of the official's roles, never Admin Sistem, Auditor or process-owner powers
(``engine.permissions``). A mandate ends by itself after its last day, or early by ``end``; then the
tasks its stand-in held through it go back to their role's pool (``close_expired``, run by the worker,
or at once by ``end``). Every change is an audit event on the system chain.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.errors import (InvalidInput, MandateAlreadyEnded, MandateBasisRequired, MandateGrantsNothing,
                           MandateKindInvalid, MandateNotFound, MandateOverlap, MandatePeriodInvalid,
                           MandateSamePerson, PermissionDenied, UserNotFound)
from engine.modeling.roles import RoleCatalog
from engine.permissions import SYSTEM_ACTOR, Permissions, is_admin, reads_every_case
from engine.persistence.authority import AUTHORITY, authority_of
from engine.persistence.models import HumanTask, Mandate, UserAccount, UserRole, candidates_of
from engine.runtime.unit_of_work import UnitOfWork
from engine.values import ActiveMandate, MandateView, UserView
from engine.worker.work_items import MAX_ITEMS_PER_RUN
from engine.worktime.clock import Clock, utcnow
from engine.worktime.work_calendar import WITA

MANDATE_KINDS = ("plh", "plt")
MAX_BASIS = 200


class MandateService:
    def __init__(self, sessions: sessionmaker[Session], roles: RoleCatalog, permissions: Permissions,
                 clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._roles = roles
        self._may = permissions
        self._clock = clock

    # -- use cases -------------------------------------------------------------------------------

    def appoint(self, kind: str, absent: str, stand_in: str, from_day: date | str, to_day: date | str,
                basis: str, actor: str) -> MandateView:
        """Appoint ``stand_in`` for ``absent`` from ``from_day`` to ``to_day`` (WITA dates, inclusive).

        :raises MandateKindInvalid, MandateSamePerson, MandateBasisRequired, MandatePeriodInvalid:
        :raises UserNotFound: either person is unknown (the stand-in: or deactivated)
        :raises PermissionDenied: ``actor`` is neither Admin Sistem nor a supervisor of ``absent``
        :raises MandateGrantsNothing: ``absent`` holds only roles a mandate never grants
        :raises MandateOverlap: ``absent`` has a stand-in for part of the period already
        """
        kind = (kind or "").strip().lower()
        if kind not in MANDATE_KINDS:
            raise MandateKindInvalid("Jenis mandat harus Plh atau Plt", field="kind")
        absent, stand_in, basis = (absent or "").strip(), (stand_in or "").strip(), " ".join((basis or "").split())
        if absent and absent == stand_in:
            raise MandateSamePerson("Pelaksana dan pejabat yang digantikan tidak boleh orang yang sama",
                                    field="stand_in")
        if not basis:
            raise MandateBasisRequired("Nomor surat penunjukan wajib diisi", field="basis")
        if len(basis) > MAX_BASIS:
            raise MandateBasisRequired(f"Nomor surat penunjukan paling banyak {MAX_BASIS} karakter", field="basis")
        first, last = parse_day(from_day, "from"), parse_day(to_day, "to")
        if first > last:
            raise MandatePeriodInvalid("Tanggal mulai tidak boleh sesudah tanggal selesai", field="to")
        now = self._clock()
        if last < now.astimezone(WITA).date():
            raise MandatePeriodInvalid("Masa mandat sudah lewat", field="to")
        starts_at, ends_at = day_start(first), day_start(last + timedelta(days=1))
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            # Locking the official's account queues two appointments for one person (PostgreSQL), so
            # both cannot pass the overlap check.
            absent_user = session.scalar(select(UserAccount).where(UserAccount.username == absent).with_for_update())
            if absent_user is None:
                raise UserNotFound(f"Pengguna '{absent}' tidak ditemukan", username=absent, field="absent")
            if session.scalar(select(UserAccount.id).where(UserAccount.username == stand_in,
                                                           UserAccount.active.is_(True))) is None:
                raise UserNotFound(f"Pengguna '{stand_in}' tidak ditemukan atau tidak aktif", username=stand_in,
                                   field="stand_in")
            absent_roles = frozenset(session.scalars(
                select(UserRole.role_key).where(UserRole.user_id == absent_user.id)))
            self._require_appointer(session, absent_roles, actor)
            granted = self._may.granted_by(ActiveMandate(0, kind, absent, absent_user.full_name, basis, absent_roles))
            if not granted:
                raise MandateGrantsNothing(
                    f"Peran {absent} tidak dapat dilimpahkan kepada Plh/Plt (Admin Sistem, Auditor, Pemilik Proses)",
                    field="absent")
            clash = session.scalars(select(Mandate).where(Mandate.absent == absent, Mandate.starts_at < ends_at,
                                                          Mandate.ends_at > starts_at)
                                    .order_by(Mandate.starts_at).limit(1)).first()
            if clash is not None:
                raise MandateOverlap(
                    f"{absent} sudah memiliki {_label(clash.kind)} ({clash.stand_in}) pada "
                    f"{clash.from_day.isoformat()} s.d. {clash.to_day.isoformat()}",
                    mandate_id=clash.id, stand_in=clash.stand_in)
            row = Mandate(kind=kind, absent=absent, stand_in=stand_in, from_day=first, to_day=last,
                          starts_at=starts_at, ends_at=ends_at, basis=basis, created_by=actor, created_at=now)
            session.add(row)
            session.flush()
            work.record(SYSTEM_CHAIN, "mandate_created", actor=actor, at=now, payload={
                "mandate_id": row.id, "kind": kind, "absent": absent, "stand_in": stand_in,
                "from": first.isoformat(), "to": last.isoformat(), "basis": basis, "grants": sorted(granted)})
            return _view(row, now)

    def end(self, mandate_id: int, actor: str, reason: str = "") -> MandateView:
        """End a mandate now, before its last day; the tasks its stand-in held through it go back to
        their pools.

        :raises MandateNotFound:  :raises PermissionDenied:  :raises MandateAlreadyEnded:
        """
        reason = " ".join((reason or "").split())
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            row = session.scalar(select(Mandate).where(Mandate.id == mandate_id).with_for_update())
            if row is None:
                raise MandateNotFound(f"Mandat {mandate_id} tidak ditemukan", mandate_id=mandate_id)
            self._require_appointer(session, self._roles_held(session, row.absent), actor)
            now = self._clock()
            if row.ends_at <= now or row.ended_early_at is not None:
                raise MandateAlreadyEnded(f"Mandat {mandate_id} sudah berakhir", mandate_id=mandate_id)
            row.ends_at, row.ended_early_at, row.ended_by, row.end_reason = now, now, actor, reason or None
            row.closed_at = now
            session.flush()
            released = self._release(work, row, now)
            work.record(SYSTEM_CHAIN, "mandate_ended", actor=actor, at=now, payload={
                "mandate_id": row.id, "kind": row.kind, "absent": row.absent, "stand_in": row.stand_in,
                "reason": reason, "released_tasks": released})
            return _view(row, now)

    def close_expired(self, now: datetime) -> int:
        """Process every mandate past its last day once: release what its stand-in held through it and
        record its end. Returns how many were closed (the worker's job)."""
        with self._sessions() as session:
            due = list(session.scalars(select(Mandate.id).where(Mandate.closed_at.is_(None), Mandate.ends_at <= now)
                                       .order_by(Mandate.ends_at, Mandate.id).limit(MAX_ITEMS_PER_RUN)))
        closed = 0
        for mandate_id in due:
            with UnitOfWork.begin(self._sessions) as work:
                session = work.session
                row = session.scalars(select(Mandate).where(Mandate.id == mandate_id, Mandate.closed_at.is_(None))
                                      .with_for_update(skip_locked=True)).first()
                if row is None:
                    continue  # another worker has it
                row.closed_at = now
                session.flush()
                released = self._release(work, row, now)
                work.record(SYSTEM_CHAIN, "mandate_expired", actor=SYSTEM_ACTOR, at=now, payload={
                    "mandate_id": row.id, "kind": row.kind, "absent": row.absent, "stand_in": row.stand_in,
                    "to": row.to_day.isoformat(), "released_tasks": released})
                closed += 1
        return closed

    # -- reading ---------------------------------------------------------------------------------

    def list_mandates(self, viewer: str | None, status: str | None = None, limit: int = 200) -> list[MandateView]:
        """Mandates ``viewer`` may see, newest period first: all for Admin Sistem and the case-reader
        roles (and with no viewer: the command line); otherwise those naming the viewer and those for
        people the viewer supervises.

        :raises InvalidInput: unknown ``status``
        """
        if status not in (None, "upcoming", "running", "ended"):
            raise InvalidInput(f"Status mandat tidak dikenal: {status}", field="status")
        now = self._clock()
        with self._sessions() as session:
            viewer_roles = self._roles_held(session, viewer) if viewer is not None else frozenset()
            rows = list(session.scalars(select(Mandate).order_by(Mandate.starts_at.desc(), Mandate.id.desc())))
            sees_all = viewer is None or reads_every_case(viewer_roles) or is_admin(viewer_roles)
            absent_roles = {} if sees_all else self._roles_by_user(session, {r.absent for r in rows})
        views = [_view(r, now) for r in rows
                 if sees_all or viewer in (r.absent, r.stand_in)
                 or self._may.may_appoint(absent_roles.get(r.absent, frozenset()), viewer_roles)]
        return [v for v in views if status in (None, v.status)][:limit]

    def get(self, mandate_id: int) -> MandateView:
        with self._sessions() as session:
            row = session.get(Mandate, mandate_id)
            if row is None:
                raise MandateNotFound(f"Mandat {mandate_id} tidak ditemukan", mandate_id=mandate_id)
            return _view(row, self._clock())

    def appointable(self, actor: str) -> list[UserView]:
        """Active people ``actor`` may appoint a stand-in for (everyone for Admin Sistem)."""
        with self._sessions() as session:
            actor_roles = self._roles_held(session, actor)
            users = list(session.scalars(select(UserAccount).where(UserAccount.active.is_(True))
                                         .order_by(UserAccount.username)))
            roles = self._roles_by_user(session, {u.username for u in users})
        return [UserView(u.id, u.username, u.full_name, u.email, u.active, roles.get(u.username, frozenset()))
                for u in users if u.username != actor and self._may.may_appoint(roles.get(u.username, frozenset()),
                                                                                   actor_roles)]

    # -- helpers ---------------------------------------------------------------------------------

    def _require_appointer(self, session: Session, absent_roles: frozenset[str], actor: str) -> None:
        if not self._may.may_appoint(absent_roles, self._roles_held(session, actor)):
            raise PermissionDenied("Hanya Admin Sistem atau atasan pejabat yang dapat menunjuk atau mengakhiri "
                                   "Plh/Plt", actor=actor)

    @staticmethod
    def _roles_held(session: Session, username: str) -> frozenset[str]:
        return frozenset(session.scalars(select(UserRole.role_key).join(UserAccount, UserAccount.id == UserRole.user_id)
                                         .where(UserAccount.username == username, UserAccount.active.is_(True))))

    @staticmethod
    def _roles_by_user(session: Session, usernames: set[str]) -> dict[str, frozenset[str]]:
        if not usernames:
            return {}
        found: dict[str, set[str]] = {}
        for username, role in session.execute(
                select(UserAccount.username, UserRole.role_key).join(UserRole, UserRole.user_id == UserAccount.id)
                .where(UserAccount.username.in_(sorted(usernames)))):
            found.setdefault(username, set()).add(role)
        return {k: frozenset(v) for k, v in found.items()}

    def _release(self, work: UnitOfWork, mandate: Mandate, now: datetime) -> list[str]:
        """Give back to their pools the tasks the stand-in holds that nothing lets them work on any more
        (their own roles and the mandates still running); audited on each case."""
        authority = authority_of(work.connection.execute(AUTHORITY, {"username": mandate.stand_in, "now": now}))
        held = work.session.scalars(select(HumanTask).where(HumanTask.assignee == mandate.stand_in,
                                                            HumanTask.state == "claimed")
                                    .order_by(HumanTask.created_at, HumanTask.id))
        released = []
        for task in held:
            if self._may.may_work_on(task.role, authority.roles, authority.mandates) and self._may.may_take(
                    task.role, candidates_of(task.candidate_users), mandate.stand_in, authority.roles,
                    authority.mandates):
                continue  # still theirs: their role, and named for them or for an official they stand in for
            task.state, task.assignee, task.claimed_at = "ready", None, None
            released.append(task.id)
            work.record_for_case(task.instance_id, "task_unclaimed", actor=SYSTEM_ACTOR, at=now, payload={
                "task_id": task.id, "name": task.name, "previous_assignee": mandate.stand_in,
                "reason": "mandate_ended", "mandate": {"id": mandate.id, "kind": mandate.kind,
                                                       "basis": mandate.basis}})
        return released


def parse_day(value: date | str | Any, field: str) -> date:
    """A WITA date given as a date or as ``YYYY-MM-DD``.

    :raises MandatePeriodInvalid:
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise MandatePeriodInvalid(f"Tanggal tidak valid (format TTTT-BB-HH): {value!r}", field=field) from None


def day_start(day: date) -> datetime:
    """Midnight WITA at the start of ``day``, as an aware datetime."""
    return datetime.combine(day, time(0, 0), WITA)


def _label(kind: str) -> str:
    return {"plh": "Plh.", "plt": "Plt."}.get(kind, kind)


def _view(row: Mandate, now: datetime) -> MandateView:
    if row.ended_early_at is not None or row.ends_at <= now:
        status = "ended"
    elif row.starts_at > now:
        status = "upcoming"
    else:
        status = "running"
    return MandateView(row.id, row.kind, row.absent, row.stand_in, row.from_day, row.to_day, row.basis,
                       row.created_by, row.created_at, row.ends_at, row.ended_early_at, row.ended_by,
                       row.end_reason, status)
