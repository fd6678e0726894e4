"""Drafts of models: a process owner saves a model without deploying it, to reopen it later (or let another
owner continue). A draft is not a version: no case runs on it, and it is checked only when deployed. Shared
by the process owners of every SOP; saving and deleting one are audit events on the system chain, so the
record shows who worked on a model before a deploy."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.errors import InvalidInput, ModelDraftNotFound
from engine.modeling.upload import read_uploaded_model
from engine.persistence.models import ModelDraft
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow

MAX_TITLE = 200
MAX_FORMS_JSON = 500_000  # the new forms of one draft, as JSON text


@dataclass(frozen=True)
class ModelDraftView:
    draft_id: int
    process_key: str
    title: str
    based_on_version: int
    saved_by: str
    saved_at: datetime


class ModelDrafts:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def save(self, process_key: str, content: bytes, title: str, based_on_version: int, actor: str,
             draft_id: int | None = None, forms: dict[str, Any] | None = None) -> ModelDraftView:
        """Store a new draft, or replace draft ``draft_id`` of the same SOP (the last save wins). ``forms``:
        the new forms of the form panel, kept as posted (checked when the model is checked or deployed).

        :raises UploadRefused: the content is not a BPMN model of ``process_key``
        :raises InvalidInput: no title, or a title too long; forms that are not an object or too large
        :raises ModelDraftNotFound: ``draft_id`` is not a draft of this SOP
        """
        if forms is not None and not isinstance(forms, dict):
            raise InvalidInput("Formulir baru draf ini tidak valid.", field="forms", reason="forms_invalid")
        forms_json = json.dumps(forms, ensure_ascii=False) if forms else None
        if len(forms_json or "") > MAX_FORMS_JSON:
            raise InvalidInput("Formulir baru draf ini tidak valid atau terlalu besar.", field="forms",
                               reason="forms_invalid")
        title = " ".join(title.split())
        if not title:
            raise InvalidInput("Beri nama draf.", field="title", reason="title_missing")
        if len(title) > MAX_TITLE:
            raise InvalidInput(f"Nama draf paling banyak {MAX_TITLE} karakter.", field="title",
                               reason="title_too_long", limit=MAX_TITLE)
        xml = read_uploaded_model(content, process_key)
        with UnitOfWork.begin(self._sessions) as work:
            now = self._clock()
            if draft_id is None:
                row = ModelDraft(process_key=process_key)
                work.session.add(row)
            else:
                row = self._row(work.session, process_key, draft_id)
            row.title, row.based_on_version, row.bpmn_xml, row.forms_json = title, based_on_version, xml, forms_json
            row.saved_by, row.saved_at = actor, now
            work.session.flush()
            work.record(SYSTEM_CHAIN, "model_draft_saved", actor=actor, at=now,
                        payload={"process_key": process_key, "draft_id": row.id, "title": title,
                                 "based_on_version": based_on_version})
            return _view(row)

    def list(self, process_key: str | None = None) -> list[ModelDraftView]:
        """Drafts, of one SOP or of all, most recently saved first."""
        with self._sessions() as session:
            query = select(ModelDraft).order_by(ModelDraft.saved_at.desc(), ModelDraft.id.desc())
            if process_key is not None:
                query = query.where(ModelDraft.process_key == process_key)
            return [_view(row) for row in session.scalars(query)]

    def get(self, process_key: str, draft_id: int) -> tuple[ModelDraftView, str]:
        """A draft and its model.

        :raises ModelDraftNotFound:
        """
        with self._sessions() as session:
            row = self._row(session, process_key, draft_id)
            return _view(row), row.bpmn_xml

    def forms_of(self, process_key: str, draft_id: int) -> dict[str, Any]:
        """The new forms a draft's model names, as the form panel posted them.

        :raises ModelDraftNotFound:
        """
        with self._sessions() as session:
            text = self._row(session, process_key, draft_id).forms_json
        forms: dict[str, Any] = json.loads(text) if text else {}
        return forms

    def delete(self, process_key: str, draft_id: int, actor: str) -> None:
        """:raises ModelDraftNotFound:"""
        with UnitOfWork.begin(self._sessions) as work:
            row = self._row(work.session, process_key, draft_id)
            work.session.delete(row)
            work.record(SYSTEM_CHAIN, "model_draft_deleted", actor=actor, at=self._clock(),
                        payload={"process_key": process_key, "draft_id": draft_id, "title": row.title})

    @staticmethod
    def _row(session: Session, process_key: str, draft_id: int) -> ModelDraft:
        row = session.get(ModelDraft, draft_id)
        if row is None or row.process_key != process_key:
            raise ModelDraftNotFound(f"Draf {draft_id} dari proses '{process_key}' tidak ada",
                                     process_key=process_key, draft_id=draft_id)
        return row


def _view(row: ModelDraft) -> ModelDraftView:
    return ModelDraftView(row.id, row.process_key, row.title, row.based_on_version, row.saved_by, row.saved_at)
