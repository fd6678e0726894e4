"""People in a step: who a new task goes to when its model names people, and whether a form may pick them.

A task whose model names people (``engine.modeling.performers``) goes to those of them who are active
and hold its role; when none is, it falls back to the role pool and the supervisors of its role are
told, so someone reassigns it. Accounts are read once per unit of work, only for the usernames asked
about: a step that names nobody and picks nobody reads no account.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from engine.modeling.messages import Text
from engine.modeling.performers import ASSIGNEE, NamedPerformer
from engine.modeling.roles import RoleCatalog
from engine.permissions import Permissions
from engine.persistence.compiled import DirectIn, Read
from engine.persistence.models import CANDIDATE_USERS_MAX, UserAccount, UserRole, candidate_text
from engine.runtime.unit_of_work import UnitOfWork
from engine.worker.notifications import queue_notifications, users_holding

_ACCOUNTS, _ROLES = UserAccount.__table__, UserRole.__table__
# Compiled once per number of usernames (a statement built per call cost more than running it).
_ACCOUNTS_WITH_ROLES = DirectIn(lambda n: select(_ACCOUNTS.c.username, _ACCOUNTS.c.active, _ROLES.c.role_key,
                                                  _ACCOUNTS.c.full_name)
                                .outerjoin(_ROLES, _ROLES.c.user_id == _ACCOUNTS.c.id)
                                .where(_ACCOUNTS.c.username.in_(DirectIn.binds(n))))


class People:
    """Accounts (active or not), their roles and full names, read in the caller's transaction and kept for it."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._known: dict[str, _Account | None] = {}  # None: no such account

    def load(self, usernames: Iterable[str]) -> None:
        """Read the accounts not read yet, in one statement."""
        wanted = self.unread(usernames)
        if wanted:
            self.take(wanted, _ACCOUNTS_WITH_ROLES.all(self._connection, wanted, {}))

    def unread(self, usernames: Iterable[str]) -> list[str]:
        """The usernames not read yet, in the order ``read`` and ``take`` want them."""
        return sorted({u for u in usernames if u not in self._known})

    @staticmethod
    def read(wanted: list[str]) -> Read:
        """``load``'s statement for ``unread`` usernames (not empty), for a batch of reads."""
        return _ACCOUNTS_WITH_ROLES.read(wanted, {})

    def take(self, wanted: list[str], rows: Iterable[Any]) -> None:
        """Keep the accounts ``read(wanted)`` found."""
        found: dict[str, tuple[bool, set[str], str]] = {}
        for username, active, role, full_name in rows:
            _active, held, _name = found.setdefault(username, (bool(active), set(), full_name))
            if role is not None:
                held.add(role)
        for username in wanted:
            account = found.get(username)
            self._known[username] = _Account(account[0], frozenset(account[1]), account[2]) if account else None

    def full_names(self, usernames: Iterable[str]) -> dict[str, str]:
        """The full name of each of ``usernames`` that has an account (active or not)."""
        self.load(usernames)
        return {u: account.full_name for u in usernames if (account := self._known[u]) is not None}

    def why_not(self, username: str, role: str, roles: RoleCatalog, may: Permissions) -> str | None:
        """Why ``username`` may not work on tasks of ``role`` (unknown, inactive, lacks it), or None."""
        words = self.why_not_words(username, role, roles, may)
        return None if words is None else words.render("id")

    def why_not_words(self, username: str, role: str, roles: RoleCatalog, may: Permissions) -> Text | None:
        """``why_not`` as a catalogue key with its values, for a page in the reader's language."""
        self.load([username])
        account = self._known[username]
        if account is None:
            return Text.of("form.person_unknown", username=username)
        active, held, _name = account
        if not active:
            return Text.of("form.person_inactive", username=username)
        if not may.may_work_on(role, held):
            return Text.of("form.person_lacks_role", username=username, role=roles.title(role),
                           role_en=roles.title(role, "en"))
        return None


class _Account(NamedTuple):
    active: bool
    roles: frozenset[str]
    full_name: str


@dataclass(frozen=True)
class Routing:
    """Where a new task whose model names people goes."""

    named: tuple[str, ...]  # whom the case data names
    takers: tuple[str, ...]  # those of them who may take it: active holders of the task's role
    assignee: str | None  # camunda:assignee: the one taker, who holds the task at once
    refused: dict[str, str] = field(default_factory=dict)  # named but not a taker: username -> why

    @property
    def candidate_users(self) -> str | None:
        return candidate_text(self.takers)

    @property
    def fell_back(self) -> bool:
        """People were named and none may take it: the task went to the whole role pool."""
        return bool(self.named) and not self.takers

    def payload(self) -> dict[str, Any]:
        """What the task_created audit event says about it."""
        found: dict[str, Any] = {"named": list(self.named), "candidates": list(self.takers)}
        if self.refused:
            found["not_routed"] = dict(self.refused)
        return found


def route(performer: NamedPerformer, data: Mapping[str, Any], role: str, people: People, roles: RoleCatalog,
          may: Permissions) -> Routing:
    """The takers among the people ``data`` names for a task of ``role``."""
    named = tuple(performer.usernames(data))
    people.load(named)
    refused = {u: why for u in named if (why := people.why_not(u, role, roles, may))}
    takers = tuple(u for u in named if u not in refused)
    if len(candidate_text(takers) or "") > CANDIDATE_USERS_MAX:  # beyond any real team: the role pool decides
        refused.update({u: "Daftar orang terlalu panjang." for u in takers})
        takers = ()
    assignee = takers[0] if takers and performer.kind == ASSIGNEE else None
    return Routing(named, takers, assignee, refused)


def tell_supervisors(work: UnitOfWork, roles: RoleCatalog, task: Mapping[str, Any], routing: Routing,
                     now: datetime) -> None:
    """None of the people the model named for a new task (a ``human_task`` row's values) may take it, so
    it went to the whole role: the supervisors of its role are told, so one of them reassigns it if needed."""
    why = " ".join(routing.refused.values())
    body = (f"{case_label(task['process_name'], task['business_key'], task['instance_id'])}: langkah "
            f"'{task['name']}' ditujukan kepada {', '.join(routing.named)}, tetapi tidak dapat diberikan. {why} "
            f"Tugas kini tersedia bagi semua pemegang peran {roles.title(task['role'])}; alihkan bila perlu.")
    queue_notifications(work, users_holding(work.connection, roles, roles.supervisors_of(task["role"])),
                        kind="task_fallback", title=f"Tugas kembali ke peran: {task['name']}", body=body,
                        dedup_key=lambda person: f"fallback:{task['id']}:{person.username}", now=now,
                        instance_id=task["instance_id"], task_id=task["id"])


def case_label(process_name: str, business_key: str | None, instance_id: int) -> str:
    return f"{process_name} #{instance_id}" + (f" ({business_key})" if business_key else "")
