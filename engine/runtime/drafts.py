"""Drafts: a person's unsent input to a task form, kept so that nothing typed is lost.

A draft is **private** to its user: it is only ever read by the pair (task, that same user), never
shown to anyone else, not on the case page, not in an audit export. It is **not part of the
record**: saving or discarding one writes no audit event, and its values count for nothing until
they are submitted with ``Runner.complete_task``, which validates them like any other submission.

- One draft per user and task; a newer save replaces the older one (the last tab saved wins).
- Saved only while the task is open, and only by a holder of its role. A task claimed by a
  colleague may still get one: the colleague may give it back to the pool.
- Form field values only (raw, possibly invalid: "dua belas" in a number field is kept as typed), at
  most ``MAX_DRAFT_BYTES`` as JSON, under the form's own field names. A document field holds the
  sha256 of an upload by the same user, or of a document the case already carries; the file itself
  is stored once, content-addressed, by ``AttachmentStore``.

Lifetime. The completion path is left alone (one read and five writes, see
``engine/runtime/step_statements.py``): completing a task does not touch drafts. Instead a draft
whose task is no longer open is *ignored* for editing, and

- its owner who completed the task never sees it again (``find`` skips it);
- anyone else still sees it, read only, on the task page ("Isian Anda yang tidak terkirim"), so a
  colleague completing the task first costs them nothing they typed;
- the worker removes it (``purge``, each run): at once when its owner completed the task,
  otherwise ``KEEP_UNSENT`` after it was last saved. Its owner may discard it any time.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.users import roles_of
from engine.errors import DraftInvalid, DraftTooLarge, PermissionDenied, TaskNotFound, TaskNotOpen
from engine.modeling.forms import DOCUMENT_FORMAT, FormRegistry
from engine.modeling.roles import RoleCatalog
from engine.permissions import Permissions
from engine.persistence.db import read_only_session
from engine.persistence.models import DocumentUpload, HumanTask, ProcessInstance, TaskDraft
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow

MAX_DRAFT_BYTES = 1024 * 1024
KEEP_UNSENT = timedelta(days=30)
OPEN_STATES = ("ready", "claimed")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_STATE_WORDS = {"completed": "diselesaikan", "cancelled": "dibatalkan"}


@dataclass(frozen=True)
class DraftView:
    task_id: str
    data: dict[str, Any]
    saved_at: datetime
    task_open: bool  # False: kept read only, its task was completed or cancelled by someone else


class Drafts:
    def __init__(self, sessions: sessionmaker[Session], forms: FormRegistry, roles: RoleCatalog,
                 permissions: Permissions, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._forms = forms
        self._roles = roles
        self._may = permissions
        self._clock = clock

    # -- use cases (no audit events: a draft is not part of the record) -------------------------

    def save(self, task_id: str, username: str, data: Any) -> DraftView:
        """Keep ``data`` as the user's draft of an open task, replacing the previous one.

        :raises TaskNotFound:  :raises PermissionDenied: the user does not hold the task's role
        :raises TaskNotOpen: the task was completed or cancelled
        :raises DraftInvalid: not an object of the form's fields, or a document that is not the user's
        :raises DraftTooLarge: more than ``MAX_DRAFT_BYTES`` as JSON
        """
        if not isinstance(data, dict):
            raise DraftInvalid("Draf harus berupa objek JSON berisi isian formulir", task_id=task_id)
        encoded = json.dumps(data, ensure_ascii=False)
        if len(encoded.encode("utf-8")) > MAX_DRAFT_BYTES:
            raise DraftTooLarge(f"Draf terlalu besar (maksimal {MAX_DRAFT_BYTES // (1024 * 1024)} MB)",
                                task_id=task_id, max_bytes=MAX_DRAFT_BYTES)
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            task = self._task_for(session, task_id, username)
            if task.state not in OPEN_STATES:
                raise TaskNotOpen(f"Tugas '{task.name}' sudah {_STATE_WORDS.get(task.state, task.state)}; "
                                  "draf tidak dapat disimpan lagi", task_id=task_id, state=task.state,
                                  completed_by=task.completed_by)
            self._check_fields(session, task, username, data)
            now = self._clock()
            _upsert(session, {"task_id": task_id, "username": username, "data_json": encoded, "saved_at": now})
        return DraftView(task_id, json.loads(encoded), now, True)

    def discard(self, task_id: str, username: str) -> bool:
        """Remove the user's draft of a task; returns whether there was one.

        :raises TaskNotFound:  :raises PermissionDenied: the user does not hold the task's role
        """
        with UnitOfWork.begin(self._sessions) as work:
            self._task_for(work.session, task_id, username)
            result = work.session.execute(delete(TaskDraft).where(TaskDraft.task_id == task_id,
                                                             TaskDraft.username == username))
            return bool(getattr(result, "rowcount", 0))

    def purge(self, now: datetime) -> int:
        """The worker's clean-up: drafts of closed tasks, once their owner completed the task or
        ``KEEP_UNSENT`` after they were last saved. Returns how many were removed."""
        draft, task = TaskDraft.__table__.c, HumanTask.__table__.c
        stale = exists().where(task.id == draft.task_id, task.state.not_in(OPEN_STATES),
                               or_(task.completed_by == draft.username, draft.saved_at < now - KEEP_UNSENT))
        with read_only_session(self._sessions) as session:  # most runs find none: no write lock then
            if session.execute(select(draft.task_id).where(stale).limit(1)).first() is None:
                return 0
        with UnitOfWork.begin(self._sessions) as work:
            result = work.session.execute(delete(TaskDraft).where(stale).execution_options(synchronize_session=False))
            return int(getattr(result, "rowcount", 0) or 0)

    # -- reading -------------------------------------------------------------------------------

    def get(self, task_id: str, username: str) -> DraftView | None:
        """The user's draft of a task, if any (see ``find``).

        :raises TaskNotFound:  :raises PermissionDenied: the user does not hold the task's role
        """
        with read_only_session(self._sessions) as session:
            self._task_for(session, task_id, username)
        return self.find(task_id, username)

    def find(self, task_id: str, username: str) -> DraftView | None:
        """The user's own draft, without checks (the caller has checked the user may read the task);
        None once the user completed the task themselves."""
        with read_only_session(self._sessions) as session:
            row = session.execute(
                select(TaskDraft.data_json, TaskDraft.saved_at, HumanTask.state, HumanTask.completed_by)
                .join(HumanTask, HumanTask.id == TaskDraft.task_id)
                .where(TaskDraft.task_id == task_id, TaskDraft.username == username)).first()
        if row is None or row.completed_by == username:
            return None
        return DraftView(task_id, json.loads(row.data_json), row.saved_at, row.state in OPEN_STATES)

    # -- checks --------------------------------------------------------------------------------

    def _task_for(self, session: Session, task_id: str, username: str) -> HumanTask:
        task = session.get(HumanTask, task_id)
        if task is None:
            raise TaskNotFound.of(task_id)
        if not self._may.may_work_on(task.role, roles_of(session, username)):
            raise PermissionDenied(f"Tugas ini untuk peran {self._roles.title(task.role)}", task_id=task_id,
                                   role=task.role)
        return task

    def _check_fields(self, session: Session, task: HumanTask, username: str, data: dict[str, Any]) -> None:
        properties = self._forms.get(task.form_key).schema.get("properties", {})
        unknown = sorted(str(key) for key in data if key not in properties)
        if unknown:
            raise DraftInvalid(f"Isian tidak dikenal pada formulir ini: {', '.join(unknown)}", task_id=task.id,
                               field=unknown[0])
        documents = {key: value for key, value in data.items()
                     if properties[key].get("format") == DOCUMENT_FORMAT and value not in (None, "")}
        if documents:
            carried = _case_documents(session, task.instance_id)
            for key, value in documents.items():
                if not self._is_own_document(session, value, username, carried):
                    raise DraftInvalid("Dokumen pada draf harus unggahan Anda sendiri atau dokumen kasus ini",
                                       task_id=task.id, field=key)

    @staticmethod
    def _is_own_document(session: Session, value: Any, username: str, carried: set[str]) -> bool:
        if not isinstance(value, str) or not _SHA256.fullmatch(value):
            return False
        if value in carried:
            return True
        return session.scalar(select(DocumentUpload.id).where(
            DocumentUpload.sha256 == value, DocumentUpload.uploaded_by == username).limit(1)) is not None


def _case_documents(session: Session, instance_id: int) -> set[str]:
    """The sha256 values the case's data carries (documents of earlier steps, offered for reuse)."""
    data = json.loads(session.scalar(select(ProcessInstance.data_json).where(ProcessInstance.id == instance_id))
                      or "{}")
    return {v for v in data.values() if isinstance(v, str) and _SHA256.fullmatch(v)}


def _upsert(session: Session, values: dict[str, Any]) -> None:
    """Insert or replace in one statement: two tabs of one user saving at once never collide."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(TaskDraft).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["task_id", "username"],
        set_={"data_json": statement.excluded.data_json, "saved_at": statement.excluded.saved_at}))
