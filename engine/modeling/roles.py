"""The role catalogue (``processes/roles.toml``): base roles, group roles, supervisors, the external
(requester) roles and the registrars who register letters on a requester's behalf."""
from __future__ import annotations

import tomllib
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import InvalidInput


@dataclass(frozen=True)
class Role:
    key: str
    title: str
    title_en: str = ""
    post: str = ""  # the post's short name, as in "Plh. Kepala Bidang TIK" (officials only)
    members: frozenset[str] = frozenset()
    supervisors: tuple[str, ...] = ()
    external: bool = False  # a requester from outside Bidang TIK (an OPD, a network user)

    @property
    def is_group(self) -> bool:
        return bool(self.members)


DEFAULT_REGISTRARS = ("kasubag_tu",)  # when roles.toml has no [registrars] table
_EXPANDED_KEPT = 1024


@dataclass(frozen=True)
class RoleCatalog:
    roles: dict[str, Role] = field(default_factory=dict)
    # Roles that register an incoming letter for a requesting unit and do the requester's first step.
    registrars: frozenset[str] = frozenset()
    # ``expand``'s answers by the roles asked about (a page asks several times for the same reader)
    _expanded: dict[frozenset[str], frozenset[str]] = field(default_factory=dict, init=False, repr=False,
                                                            compare=False)

    @classmethod
    def load(cls, path: Path) -> "RoleCatalog":
        """Read and check the catalogue; a group may only list known base roles.

        :raises InvalidInput: the file is malformed or refers to unknown roles
        """
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InvalidInput(f"{path}: katalog peran tidak dapat dibaca: {exc}") from exc
        raw = document.get("roles", {})
        roles = {key: Role(key=key, title=spec.get("title", key), title_en=spec.get("title_en", ""),
                           post=spec.get("post", ""), members=frozenset(spec.get("members", ())),
                           supervisors=tuple(spec.get("supervisors", ())), external=bool(spec.get("external")))
                 for key, spec in raw.items()}
        for role in roles.values():
            unknown = [m for m in (*role.members, *role.supervisors) if m not in roles]
            if unknown:
                raise InvalidInput(f"{path}: peran '{role.key}' merujuk peran tak dikenal {unknown}")
            if role.external and role.is_group:
                raise InvalidInput(f"{path}: peran kelompok '{role.key}' tidak dapat bersifat eksternal")
        if "registrars" in document:
            registrars = frozenset(document["registrars"].get("roles", ()))
            unknown = sorted(r for r in registrars if r not in roles or roles[r].external)
            if unknown:
                raise InvalidInput(f"{path}: [registrars] merujuk peran tak dikenal atau eksternal {unknown}")
        else:
            registrars = frozenset(r for r in DEFAULT_REGISTRARS if r in roles)
        return cls(roles, registrars)

    def __contains__(self, key: object) -> bool:
        return key in self.roles

    @property
    def external(self) -> frozenset[str]:
        """The requester roles (``external = true``)."""
        return frozenset(key for key, role in self.roles.items() if role.external)

    def title(self, key: str, language: str = "id") -> str:
        """The role's title; in English its gloss where roles.toml gives one."""
        role = self.roles.get(key)
        if role is None:
            return key
        return role.title_en or role.title if language.startswith("en") else role.title

    def post(self, key: str) -> str:
        """The post's short name for a signature line ("Kepala Bidang TIK"), else the role's title."""
        role = self.roles.get(key)
        return (role.post or role.title) if role else key

    def covers(self, lane_role: str, role: str) -> bool:
        """True when ``role`` is ``lane_role`` or one of its members."""
        lane = self.roles.get(lane_role)
        return role == lane_role or (lane is not None and role in lane.members)

    def expand(self, user_roles: AbstractSet[str]) -> set[str]:
        """Every task role a user with these roles may work on: their roles and groups containing them."""
        key = user_roles if isinstance(user_roles, frozenset) else frozenset(user_roles)
        found = self._expanded.get(key)
        if found is None:
            found = frozenset(user_roles) | {role.key for role in self.roles.values() if role.members & key}
            if len(self._expanded) >= _EXPANDED_KEPT:  # as many sets of roles as people hold: few
                self._expanded.clear()
            self._expanded[key] = found
        return set(found)

    def supervisors_of(self, task_role: str) -> set[str]:
        """Roles that supervise a task role (a group's supervisors plus its members')."""
        role = self.roles.get(task_role)
        if role is None:
            return set()
        result = set(role.supervisors)
        for member in role.members:
            result |= set(self.roles[member].supervisors)
        return result
