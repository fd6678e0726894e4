"""The role catalogue (``processes/roles.toml``): base roles, group roles and supervisors."""
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

    @property
    def is_group(self) -> bool:
        return bool(self.members)


@dataclass(frozen=True)
class RoleCatalog:
    roles: dict[str, Role] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "RoleCatalog":
        """Read and check the catalogue; a group may only list known base roles.

        :raises InvalidInput: the file is malformed or refers to unknown roles
        """
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8")).get("roles", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InvalidInput(f"{path}: katalog peran tidak dapat dibaca: {exc}") from exc
        roles = {key: Role(key=key, title=spec.get("title", key), title_en=spec.get("title_en", ""),
                           post=spec.get("post", ""), members=frozenset(spec.get("members", ())),
                           supervisors=tuple(spec.get("supervisors", ())))
                 for key, spec in raw.items()}
        for role in roles.values():
            unknown = [m for m in (*role.members, *role.supervisors) if m not in roles]
            if unknown:
                raise InvalidInput(f"{path}: peran '{role.key}' merujuk peran tak dikenal {unknown}")
        return cls(roles)

    def __contains__(self, key: object) -> bool:
        return key in self.roles

    def title(self, key: str) -> str:
        role = self.roles.get(key)
        return role.title if role else key

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
        result = set(user_roles)
        for role in self.roles.values():
            if role.members & user_roles:
                result.add(role.key)
        return result

    def supervisors_of(self, task_role: str) -> set[str]:
        """Roles that supervise a task role (a group's supervisors plus its members')."""
        role = self.roles.get(task_role)
        if role is None:
            return set()
        result = set(role.supervisors)
        for member in role.members:
            result |= set(self.roles[member].supervisors)
        return result
