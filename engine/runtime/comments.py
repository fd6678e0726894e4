"""Comments on a case: an audit event each (``comment_added`` on the case's chain), so a comment
is as tamper-evident as the steps and can never be edited or deleted; no other table holds them.

For callers::

    alur.comments.add(instance_id, "budi", "Mohon dicek, @kasi_infra")   -> CommentView
    alur.comments.list(instance_id, "budi")                              -> list[CommentView], oldest first

Any participant or supervisor of the case may comment (``Permissions.may_comment``); whoever reads
the case in full reads its comments. ``@username`` notifies that user (bell, and e-mail as they
chose) when they may read the case; the notified names are kept in the event.

The requester takes part too, in a thread of its own (``to_requester`` in the event): a requester
who reads the case (``Access.REQUESTER``) writes to the office and reads only that thread, never the
staff's internal comments; a staff member who comments may address the requester as well, which
puts the comment in the thread and notifies the requester. A requester's comment notifies whoever
holds the case's open steps.
"""
from __future__ import annotations

import json
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import case_chain
from engine.errors import CaseHidden, InvalidInput, PermissionDenied
from engine.permissions import Access, CaseFacts, Permissions, TaskFacts
from engine.persistence.db import read_only_session
from engine.persistence.models import AuditEvent
from engine.reading.access import case_facts, reader_of
from engine.runtime.unit_of_work import UnitOfWork
from engine.values import AuditEventView
from engine.worker.announcements import requester_accounts
from engine.worker.notifications import active_user, add_notification
from engine.worktime.clock import Clock, utcnow

COMMENT_EVENT = "comment_added"
MAX_COMMENT_LENGTH = 5000
MAX_MENTIONS = 20
# ``@name`` not preceded by a word character (an e-mail address is not a mention); usernames are
# letters, digits, ``.``, ``_`` and ``-`` (engine.accounts.users), a trailing dot ends a sentence.
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.-]+)")


@dataclass(frozen=True)
class CommentView:
    comment_id: int  # the audit event's id
    instance_id: int
    seq: int  # its place in the case's chain
    author: str
    at: datetime
    text: str
    mentions: tuple[str, ...]  # the users notified
    to_requester: bool = False  # in the thread with the requester (written by them, or addressed to them)


def comment_of(event: AuditEventView) -> CommentView:
    payload = event.payload
    return CommentView(event.event_id, event.instance_id or 0, event.seq, event.actor, event.at,
                       str(payload.get("text", "")), tuple(payload.get("mentions", ())),
                       bool(payload.get("to_requester", False)))


def mentioned(text: str) -> list[str]:
    """The usernames written as ``@username``, in order of first mention."""
    names: list[str] = []
    for match in _MENTION.finditer(text):
        name = match.group(1).rstrip(".")
        if name and name not in names:
            names.append(name)
    return names


class Comments:
    def __init__(self, sessions: sessionmaker[Session], permissions: Permissions, clock: Clock = utcnow,
                 email: bool = False) -> None:
        self._sessions = sessions
        self._may = permissions
        self._clock = clock
        self._email = email  # mentions also enter the e-mail outbox (SMTP configured)

    def add(self, instance_id: int, author: str, text: Any, to_requester: Any = False) -> CommentView:
        """Add a comment in one transaction with its event and the notifications it causes.

        :raises InvalidInput: empty, too long, or not text; ``to_requester`` not a yes/no
        :raises CaseNotFound:
        :raises PermissionDenied: the author takes no part in the case and supervises none of it
        """
        text = _clean(text)
        if not isinstance(to_requester, bool):
            raise InvalidInput("Pilihan 'sampaikan kepada pemohon' harus ya atau tidak", field="to_requester")
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            case, tasks = case_facts(session, instance_id)
            author_reads = reader_of(session, author)
            from_requester = self._may.case_access(case, tasks, author_reads) is Access.REQUESTER
            if not from_requester and not self._may.may_comment(case, tasks, author_reads):
                raise PermissionDenied("Hanya peserta kasus atau atasannya yang dapat memberi komentar",
                                       instance_id=instance_id)
            now = self._clock()
            notified: list[str] = []
            if from_requester:
                to_requester = True
                notified = self._tell_office(session, instance_id, tasks, author, text, now)
            elif to_requester:
                notified = self._tell_requester(session, instance_id, case, tasks, text, now)
            for username in [] if from_requester else mentioned(text)[:MAX_MENTIONS]:
                if username == author:
                    continue
                person = active_user(session, username)
                reader = reader_of(session, username)
                if person is None or self._may.case_access(case, tasks, reader) is not Access.FULL:
                    continue  # nobody learns of a case they may not read
                add_notification(session, recipient=person, kind="mention", now=now, instance_id=instance_id,
                                 title=f"{author} menyebut Anda pada kasus #{instance_id}",
                                 body=_excerpt(text), dedup_key=f"mention:{uuid.uuid4().hex}:{username}",
                                 email=self._email)
                if username not in notified:
                    notified.append(username)
            payload: dict[str, Any] = {"text": text, "mentions": notified}
            if to_requester:
                payload["to_requester"] = True
            work.record_for_case(instance_id, COMMENT_EVENT, actor=author, at=now, payload=payload)
        with read_only_session(self._sessions) as session:
            row = session.scalars(select(AuditEvent).where(
                AuditEvent.chain == case_chain(instance_id), AuditEvent.event_type == COMMENT_EVENT,
                AuditEvent.actor == author).order_by(AuditEvent.seq.desc()).limit(1)).one()
            return CommentView(row.id, instance_id, row.seq, row.actor, row.at, text, tuple(notified), to_requester)

    def _tell_requester(self, session: Session, instance_id: int, case: CaseFacts, tasks: Sequence[TaskFacts],
                        text: str, now: datetime) -> list[str]:
        """Notify the requesters who read the case as theirs (its starter, the accounts of its unit)."""
        told = []
        for person in requester_accounts(session, self._may.external_roles, case.started_by, case.registered,
                                         case.opd_id):
            if self._may.case_access(case, tasks, reader_of(session, person.username)) is not Access.REQUESTER:
                continue
            add_notification(session, recipient=person, kind="requester_reply", now=now, instance_id=instance_id,
                             title=f"Tanggapan Bidang TIK atas permohonan #{instance_id}", body=_excerpt(text),
                             dedup_key=f"reply:{uuid.uuid4().hex}:{person.username}", email=self._email)
            told.append(person.username)
        return told

    def _tell_office(self, session: Session, instance_id: int, tasks: Sequence[TaskFacts], author: str,
                     text: str, now: datetime) -> list[str]:
        """Notify the staff holding the case's open steps of a requester's comment."""
        told = []
        for username in sorted({t.assignee for t in tasks if t.state == "claimed" and t.assignee}):
            person = active_user(session, username)
            if person is None or username == author:
                continue
            add_notification(session, recipient=person, kind="requester_comment", now=now,
                             instance_id=instance_id, title=f"Pesan pemohon pada kasus #{instance_id}",
                             body=_excerpt(text), dedup_key=f"asked:{uuid.uuid4().hex}:{username}",
                             email=self._email)
            told.append(username)
        return told

    def list(self, instance_id: int, username: str) -> list[CommentView]:
        """The case's comments, oldest first: all of them for a reader of the whole case, the thread
        with the requester for the requester.

        :raises CaseNotFound:  :raises PermissionDenied:
        """
        with read_only_session(self._sessions) as session:
            case, tasks = case_facts(session, instance_id)
            access = self._may.case_access(case, tasks, reader_of(session, username))
            if access is None:
                raise CaseHidden.of(instance_id)
            rows = session.scalars(select(AuditEvent).where(
                AuditEvent.chain == case_chain(instance_id), AuditEvent.event_type == COMMENT_EVENT)
                .order_by(AuditEvent.seq))
            found = [comment_of(_event_view(row)) for row in rows]
            return found if access is Access.FULL else [c for c in found if c.to_requester]


def comments_in(events: Iterable[AuditEventView]) -> list[CommentView]:
    """The comments among a case's events (its audit trail as read for the case page)."""
    return [comment_of(e) for e in events if e.event_type == COMMENT_EVENT]


def _event_view(row: AuditEvent) -> AuditEventView:
    return AuditEventView(row.id, row.chain, row.seq, row.instance_id, row.event_type, row.actor, row.at,
                          json.loads(row.payload_json), row.hash)


def _clean(given: Any) -> str:
    """Plain text: line breaks and tabs kept, other control characters dropped, ends trimmed.

    :raises InvalidInput:
    """
    if not isinstance(given, str):
        raise InvalidInput("Komentar harus berupa teks", field="text")
    text: str = given.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc").strip()
    if not text:
        raise InvalidInput("Komentar tidak boleh kosong", field="text")
    if len(text) > MAX_COMMENT_LENGTH:
        raise InvalidInput(f"Komentar paling banyak {MAX_COMMENT_LENGTH} karakter (ini {len(text)})", field="text",
                           max_length=MAX_COMMENT_LENGTH)
    return text


def _excerpt(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "…"
