"""Index the cases the search index has never seen (cases from before it): ``alur search reindex``,
also run by ``alur init`` and ``alur run`` after the schema upgrade."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import InvalidInput
from engine.modeling.forms import FormRegistry, SearchFields
from engine.persistence.models import AuditEvent, HumanTask, ProcessInstance
from engine.runtime.search_terms import StepTerms, start_terms, step_terms
from engine.runtime.unit_of_work import UnitOfWork

_CASES, _TASKS, _EVENTS = ProcessInstance.__table__, HumanTask.__table__, AuditEvent.__table__

_UNINDEXED = (select(_CASES.c.id, _CASES.c.started_by, _CASES.c.business_key)
              .where(_CASES.c.search_terms.is_(None)).order_by(_CASES.c.id).limit(bindparam("batch")))
_STARTS = select(_EVENTS.c.instance_id, _EVENTS.c.payload_json).where(
    _EVENTS.c.event_type == "instance_started", _EVENTS.c.instance_id.in_(bindparam("ids", expanding=True)))
_DONE = (select(_TASKS.c.instance_id, _TASKS.c.form_key, _TASKS.c.completed_by, _TASKS.c.data_json)
         .where(_TASKS.c.instance_id.in_(bindparam("ids", expanding=True)), _TASKS.c.state == "completed")
         .order_by(_TASKS.c.completed_at, _TASKS.c.id))
# The trigger on search_terms files the terms (engine.persistence.search_index).
_FILE = (update(_CASES).where(_CASES.c.id == bindparam("case_id"), _CASES.c.search_terms.is_(None))
         .values(search_terms=bindparam("terms"), opd=bindparam("opd"), letter_number=bindparam("letter_number")))


class SearchReindexer:
    def __init__(self, sessions: sessionmaker[Session], forms: FormRegistry) -> None:
        self._sessions = sessions
        self._forms = forms

    def reindex_unindexed(self, batch: int = 500) -> int:
        """Index every case whose ``search_terms`` is NULL from its start event and completed steps, one
        transaction per ``batch`` cases; returns how many were indexed. A search's own data only: no audit
        event, no case version change."""
        indexed = 0
        while True:
            with UnitOfWork.begin(self._sessions) as work:
                session = work.session
                cases = session.execute(_UNINDEXED, {"batch": batch}).all()
                if not cases:
                    return indexed
                ids = [c.id for c in cases]
                starts = {r.instance_id: json.loads(r.payload_json) for r in session.execute(_STARTS, {"ids": ids})}
                steps: dict[int, list[Any]] = {}
                for row in session.execute(_DONE, {"ids": ids}):
                    steps.setdefault(row.instance_id, []).append(row)
                session.execute(_FILE, [self._case_terms(c, starts.get(c.id, {}), steps.get(c.id, [])) for c in cases])
                indexed += len(cases)

    def _case_terms(self, case: Any, started: dict[str, Any], steps: list[Any]) -> dict[str, Any]:
        data: dict[str, Any] = started["data"] if isinstance(started.get("data"), dict) else {}
        terms = dict.fromkeys(start_terms(case.started_by, case.business_key, data))
        opd = letter_number = None
        for step in steps:
            found = self._step_terms(step)
            terms.update(dict.fromkeys(found.terms))
            opd, letter_number = opd or found.opd, letter_number or found.letter_number
        return {"case_id": case.id, "terms": json.dumps(list(terms), ensure_ascii=False), "opd": opd,
                "letter_number": letter_number}

    def _step_terms(self, step: Any) -> StepTerms:
        try:
            fields = self._forms.get(step.form_key).search_fields
        except InvalidInput:  # a form no longer on disk: its words still count
            fields = SearchFields()
        data = json.loads(step.data_json) if step.data_json else {}
        return step_terms(data if isinstance(data, dict) else {}, fields, step.completed_by)
