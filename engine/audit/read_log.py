"""Who looked at what: every view of a case file or one of its documents is an audit event.

The events go to the case's own chain, so a case's audit packet shows (and its chain protects)
who read it, not only who changed it (UU PDP Pasal 31, PP 71/2019 Pasal 22).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.worktime.clock import Clock, utcnow
from engine.errors import CaseRemoved, InvalidInput
from engine.persistence.rows import case_row, upload_rows
from engine.runtime.unit_of_work import UnitOfWork

CASE_VIEWED = "case_viewed"
FIGURES_VIEWED = "performer_figures_viewed"
DOCUMENT_VIEWED = "document_viewed"
VIEW_EVENTS = frozenset({CASE_VIEWED, DOCUMENT_VIEWED})
# Events that change nothing in the case: reads, and uploads (each shown with the step that submits it).
NOT_STEPS = VIEW_EVENTS | {"attachment_uploaded"}
# What was looked at; "document" needs the document's sha256.
VIEW_KINDS = ("case", "tasks", "audit_trail", "replay", "verification", "export", "document")
# What an auditor still reads of a case removed under retention: its events stay.
_READ_AFTER_REMOVAL = frozenset({"audit_trail", "verification"})


class ReadLog:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def record_read(self, actor: str, instance_id: int, what: str, document_sha256: str | None = None,
                    remote_addr: str | None = None) -> None:
        """Append ``case_viewed`` (or ``document_viewed``) to the case's chain, in one transaction.

        :raises CaseNotFound: no case has this id
        :raises InvalidInput: ``what`` is not one of VIEW_KINDS, or a document view names no document
        """
        if what not in VIEW_KINDS:
            raise InvalidInput(f"Jenis tampilan tidak dikenal: {what}", field="what")
        if (what == "document") != (document_sha256 is not None):
            raise InvalidInput("Tampilan dokumen harus menyebut dokumennya (sha256)", field="document_sha256")
        with UnitOfWork.begin(self._sessions) as work:
            try:
                case_row(work.session, instance_id)
            except CaseRemoved:
                if what not in _READ_AFTER_REMOVAL:
                    raise
            payload: dict[str, Any] = {"what": what, "remote_addr": remote_addr}
            event_type = CASE_VIEWED
            if document_sha256 is not None:
                event_type = DOCUMENT_VIEWED
                payload.update(self._document(work.session, document_sha256, instance_id))
            work.record_for_case(instance_id, event_type, actor=actor, at=self._clock(), payload=payload)

    def record_figures_read(self, actor: str, process_key: str, period: str, people: list[str],
                            remote_addr: str | None = None) -> None:
        """Append ``performer_figures_viewed`` to the system chain: who read which people's figures (of an
        SOP and period) on the dashboard, personal data under UU 27/2022. Nothing for no one shown."""
        if not people:
            return
        with UnitOfWork.begin(self._sessions) as work:
            work.record(SYSTEM_CHAIN, FIGURES_VIEWED, actor=actor, at=self._clock(), payload={
                "process_key": process_key, "period": period, "people": sorted(people), "remote_addr": remote_addr})

    @staticmethod
    def _document(session: Session, sha256: str, instance_id: int) -> dict[str, Any]:
        row = upload_rows(session, [sha256], instance_id).get(sha256)
        return {"sha256": sha256, "filename": row.filename if row else None}
