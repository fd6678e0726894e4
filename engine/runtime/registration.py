"""Registering an incoming letter on a requester's behalf (SOP "Surat Masuk").

A letter asking for SOP-03 or SOP-05 often arrives on paper or through SRIKANDI, not from the
requester's own account. A registrar (``roles.toml`` [registrars], Kasubag TU by default) then
chooses the requesting unit (an OPD), enters the agenda or SRIKANDI number (the case's business
key) and does the requester's first step with the scan of the letter:
``Runner.register_case`` starts the case and completes that step in one transaction, recorded
with ``on_behalf: true`` and ``registered_for`` (the unit) in the audit events.

This module says which step that is and what the registration page shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.opd import OpdService, OpdView
from engine.accounts.users import roles_of
from engine.errors import PermissionDenied
from engine.modeling.definitions import DefinitionStore
from engine.modeling.forms import FormRegistry
from engine.modeling.parser import ParsedDefinition, UserTaskMeta
from engine.modeling.roles import RoleCatalog
from engine.permissions import Permissions
from engine.persistence.db import read_only_session
from engine.reading.catalog import ProcessCatalog
from engine.runtime.business_keys import MAX_BUSINESS_KEY_LENGTH, business_key

OPD_HINT = "x-opd"  # a first-step field the registration fills with the unit's name
MAX_AGENDA_LENGTH = MAX_BUSINESS_KEY_LENGTH


@dataclass(frozen=True)
class RegistrationForm:
    process_key: str
    process_name: str
    step_name: str  # the requester's first step, done by the registrar
    form_key: str
    schema: dict[str, Any]  # the step's form, without the fields the registration fills (``x-opd``)
    opds: list[OpdView]  # the active units to choose from
    element_id: str = ""  # the step's (its name in another language)


def requester_step(definition: ParsedDefinition, catalog: RoleCatalog) -> UserTaskMeta | None:
    """The requester's first step: the one user task of an external start role; None when there is
    none or more than one (such an SOP cannot be registered on behalf)."""
    roles = definition.start_roles & catalog.external
    found = [meta for meta in definition.user_tasks.values() if meta.role in roles]
    return found[0] if len(found) == 1 else None


def agenda_number(value: Any) -> str:
    """The agenda or SRIKANDI number, trimmed; it becomes the business key.

    :raises InvalidInput:
    """
    number = business_key(value, "Nomor agenda/SRIKANDI", required=True)
    assert number is not None  # required
    return number


def fill_opd_fields(schema: dict[str, Any], data: dict[str, Any], opd: OpdView) -> dict[str, Any]:
    """The step's data with every ``x-opd`` field set to the unit's name."""
    filled = dict(data)
    for name, prop in schema.get("properties", {}).items():
        if prop.get(OPD_HINT):
            filled[name] = opd.name
    return filled


class Registrations:
    """What a registrar may register, and the form of a registration."""

    def __init__(self, sessions: sessionmaker[Session], definitions: DefinitionStore, forms: FormRegistry,
                 roles: RoleCatalog, permissions: Permissions, catalog: ProcessCatalog, opds: OpdService) -> None:
        self._sessions = sessions
        self._definitions = definitions
        self._forms = forms
        self._roles = roles
        self._may = permissions
        self._catalog = catalog
        self._opds = opds

    def processes(self, username: str) -> list[tuple[str, str]]:
        """(process key, name) of the SOPs ``username`` may register a letter for."""
        result = []
        with read_only_session(self._sessions) as session:
            user_roles = roles_of(session, username)
            if not user_roles & self._roles.registrars:
                return []
            for summary in self._catalog.processes(username, user_roles=frozenset(user_roles)):
                _row, definition = self._definitions.get(session, summary.definition_id)
                if self._may.may_register(definition.start_roles, user_roles) and requester_step(
                        definition, self._roles) is not None:
                    result.append((summary.process_key, summary.name))
        return result

    def form(self, process_key: str, username: str) -> RegistrationForm:
        """:raises DefinitionNotFound:  :raises PermissionDenied: not a registrar, or not such an SOP"""
        with read_only_session(self._sessions) as session:
            user_roles = roles_of(session, username)
            _row, definition = self._definitions.latest(session, process_key)
        step = requester_step(definition, self._roles)
        if step is None or not self._may.may_register(definition.start_roles, user_roles):
            raise PermissionDenied(f"Anda tidak dapat mendaftarkan surat untuk '{definition.name}'",
                                   process_key=process_key)
        schema = self._forms.get(step.form_key).schema
        shown = {**schema, "properties": {k: v for k, v in schema.get("properties", {}).items() if not v.get(OPD_HINT)},
                 "required": [k for k in schema.get("required", ())
                              if not schema["properties"].get(k, {}).get(OPD_HINT)]}
        return RegistrationForm(process_key, definition.name, step.name, step.form_key, shown, self._opds.list(),
                                step.element_id)
