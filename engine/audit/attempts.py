"""Failed attempts on the audit log: a refused completion or a denied read is an event of its own.

The use case that refused rolled back, so nothing of the case changed; the refusal is written
afterwards in its own small unit of work, on the case's chain when the case is known (so its audit
trail and packet show the attempt beside the successes), else on the system chain. A refusal that
cannot be recorded (the database is busy, the case is gone) is logged and never hides the
refusal itself.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.errors import Conflict, EngineError, PermissionDenied
from engine.persistence.models import HumanTask, ProcessInstance
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow

ATTEMPT_REFUSED = "attempt_refused"
# What was tried (the payload's ``action``).
ACTION_COMPLETE_TASK, ACTION_CLAIM_TASK = "complete_task", "claim_task"
ACTION_READ_CASE, ACTION_READ_TASK, ACTION_READ_DOCUMENT = "read_case", "read_task", "read_document"

log = logging.getLogger(__name__)


class AttemptLog:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    @contextlib.contextmanager
    def refusals(self, actor: str, action: str, **target: Any) -> Iterator[None]:
        """Record a conflict (someone else did or holds it first) or a denial raised in the block,
        then let it propagate. ``target``: what was tried on (``task_id``, ``instance_id``, ``sha256``)."""
        try:
            yield
        except (Conflict, PermissionDenied) as refusal:
            self.log_refusal(actor, action, refusal, **target)
            raise

    def log_refusal(self, actor: str, action: str, refusal: EngineError, **target: Any) -> None:
        """Append ``attempt_refused`` in a unit of work of its own (best effort, see the module)."""
        kind = "denied" if isinstance(refusal, PermissionDenied) else "conflict"
        payload: dict[str, Any] = {"action": action, "refusal": kind, "code": refusal.code,
                                   "message": refusal.message, **target}
        try:
            with UnitOfWork.begin(self._sessions) as work:
                instance_id = self._case_of(work.session, target, refusal.context)
                if instance_id is not None:
                    payload["instance_id"] = instance_id
                    work.record_for_case(instance_id, ATTEMPT_REFUSED, actor=actor, at=self._clock(), payload=payload)
                else:
                    work.record(SYSTEM_CHAIN, ATTEMPT_REFUSED, actor=actor, at=self._clock(), payload=payload)
        except Exception:  # noqa: BLE001 - the refusal the caller sees matters more than its record
            log.warning("refused %s by %s could not be recorded", action, actor, exc_info=True)

    @staticmethod
    def _case_of(session: Session, target: dict[str, Any], context: dict[str, Any]) -> int | None:
        """The existing case the attempt was on, from the target or the refusal, else None."""
        instance_id = target.get("instance_id", context.get("instance_id"))
        if isinstance(instance_id, int):
            return session.scalar(select(ProcessInstance.id).where(ProcessInstance.id == instance_id))
        task_id = target.get("task_id", context.get("task_id"))
        if isinstance(task_id, str):
            return session.scalar(select(HumanTask.instance_id).where(HumanTask.id == task_id))
        return None
