"""The deployed definitions, parsed once per version from the stored XML and cached by id."""
from __future__ import annotations

import threading
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import DefinitionNotFound
from engine.modeling.parser import DefinitionParser, ParsedDefinition
from engine.persistence.models import ProcessDefinition


class DefinitionStore:
    """Parsed definitions by id, parsed once per process from the stored XML."""

    def __init__(self, parser: DefinitionParser) -> None:
        self._parser = parser
        self._cache: dict[int, tuple[ProcessDefinition, ParsedDefinition]] = {}
        self._lock = threading.Lock()
        self._parsing: dict[int, threading.Lock] = {}  # one per definition id asked for (few: the versions)

    def cached(self, definition_id: int) -> tuple[ProcessDefinition, ParsedDefinition] | None:
        """The definition if it was parsed already, without a database read (else None)."""
        return self._cache.get(definition_id)

    def get(self, session: Session, definition_id: int) -> tuple[ProcessDefinition, ParsedDefinition]:
        """:raises DefinitionNotFound: no definition has this id"""
        cached = self._cache.get(definition_id)
        if cached is not None:
            return cached
        # One thread parses a definition; the others asking for it meanwhile wait for its parse (a worker's
        # threads, their first pages arriving together, each parsed every SOP: seconds of CPU for one).
        with self._parse_lock(definition_id):
            cached = self._cache.get(definition_id)
            if cached is not None:  # parsed by the thread this one waited for
                return cached
            row = session.get(ProcessDefinition, definition_id)
            if row is None:
                raise DefinitionNotFound(f"Definisi proses {definition_id} tidak ditemukan",
                                         definition_id=definition_id)
            parsed = self._parser.parse(row.bpmn_xml.encode("utf-8"), row.source_file)
            # The cache outlives this session: detach the row, so a rollback of this transaction
            # cannot expire it under later callers.
            session.expunge(row)
            with self._lock:
                self._cache[definition_id] = (row, parsed)
            return row, parsed

    def _parse_lock(self, definition_id: int) -> threading.Lock:
        with self._lock:
            return self._parsing.setdefault(definition_id, threading.Lock())

    def latest(self, session: Session, process_key: str) -> tuple[ProcessDefinition, ParsedDefinition]:
        """:raises DefinitionNotFound: the process key was never deployed"""
        definition_id = session.scalar(
            select(ProcessDefinition.id).where(ProcessDefinition.process_key == process_key)
            .order_by(ProcessDefinition.version.desc()).limit(1))
        if definition_id is None:
            raise DefinitionNotFound(f"Proses '{process_key}' belum di-deploy", process_key=process_key)
        return self.get(session, definition_id)

    def adopt(self, parsed: Mapping[int, tuple[ProcessDefinition, ParsedDefinition]]) -> None:
        """Take definitions another store parsed from a database with the same rows under the same
        ids (a copy of it), so a copy need not parse them again."""
        with self._lock:
            self._cache.update(parsed)


def definition_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ProcessDefinition)) or 0
