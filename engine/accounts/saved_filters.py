"""A user's saved inbox searches ("Simpan filter"), each shown as an inbox tab with its count.

Each change is one transaction with its audit event on the system chain (like API tokens).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.errors import Conflict, InvalidInput, NotFound
from engine.persistence.db import read_only_session
from engine.persistence.models import SavedFilter
from engine.reading.queries import INBOX_TABS
from engine.reading.search import Search, parse_search
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow

MAX_SAVED_FILTERS = 10  # per user: each is counted on every inbox page
MAX_NAME = 60


@dataclass(frozen=True)
class SavedFilterView:
    filter_id: int
    name: str
    tab: str
    search: Search


class SavedFilters:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def list(self, username: str) -> list[SavedFilterView]:
        """The user's saved filters, oldest first."""
        with read_only_session(self._sessions) as session:
            rows = session.scalars(select(SavedFilter).where(SavedFilter.username == username)
                                   .order_by(SavedFilter.id))
            return [_view(r) for r in rows]

    def get(self, username: str, filter_id: int) -> SavedFilterView:
        """:raises NotFound: no such filter of this user"""
        with read_only_session(self._sessions) as session:
            return _view(_own(session, username, filter_id))

    def save(self, username: str, name: str, tab: str, search: Search) -> SavedFilterView:
        """Save a search of an inbox tab under a new name.

        :raises InvalidInput: an empty or too long name, an unknown tab, MAX_SAVED_FILTERS reached
        :raises Conflict: the user has a filter of this name
        """
        name = _name(name)
        if tab not in INBOX_TABS:
            raise InvalidInput(f"Tab '{tab}' tidak dikenal", field="tab")
        now = self._clock()
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            count = session.scalar(select(func.count()).where(SavedFilter.username == username)) or 0
            if count >= MAX_SAVED_FILTERS:
                raise InvalidInput(f"Paling banyak {MAX_SAVED_FILTERS} filter tersimpan; hapus salah satu dulu",
                                   field="name")
            self._check_free(session, username, name)
            row = SavedFilter(username=username, name=name, query_json=json.dumps({"tab": tab, **search.params()}),
                              created_at=now, changed_at=now)
            session.add(row)
            session.flush()
            work.record(SYSTEM_CHAIN, "saved_filter_created", actor=username, at=now,
                         payload={"filter_id": row.id, "name": name, "query": json.loads(row.query_json)})
            return _view(row)

    def rename(self, username: str, filter_id: int, name: str) -> SavedFilterView:
        """:raises NotFound, InvalidInput, Conflict:"""
        name = _name(name)
        now = self._clock()
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            row = _own(session, username, filter_id)
            if row.name == name:
                return _view(row)
            self._check_free(session, username, name)
            previous, row.name, row.changed_at = row.name, name, now
            work.record(SYSTEM_CHAIN, "saved_filter_renamed", actor=username, at=now,
                         payload={"filter_id": filter_id, "from": previous, "to": name})
            return _view(row)

    def delete(self, username: str, filter_id: int) -> None:
        """:raises NotFound:"""
        now = self._clock()
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            row = _own(session, username, filter_id)
            session.delete(row)
            work.record(SYSTEM_CHAIN, "saved_filter_deleted", actor=username, at=now,
                         payload={"filter_id": filter_id, "name": row.name})

    @staticmethod
    def _check_free(session: Session, username: str, name: str) -> None:
        taken = session.scalar(select(SavedFilter.id).where(SavedFilter.username == username,
                                                            func.lower(SavedFilter.name) == name.lower()))
        if taken is not None:
            raise Conflict(f"Filter bernama '{name}' sudah ada", field="name", name=name)


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("Nama filter wajib diisi", field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"Nama filter paling panjang {MAX_NAME} karakter", field="name")
    return name


def _own(session: Session, username: str, filter_id: int) -> SavedFilter:
    row = session.get(SavedFilter, filter_id)
    if row is None or row.username != username:
        raise NotFound(f"Filter {filter_id} tidak ditemukan", filter_id=filter_id)
    return row


def _view(row: SavedFilter) -> SavedFilterView:
    query = json.loads(row.query_json)
    return SavedFilterView(row.id, row.name, query.pop("tab", "mine"), parse_search(query, "inbox"))
