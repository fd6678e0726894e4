"""A case's history as states, event by event, rebuilt from its audit events alone.

SpiffWorkflow's own history is pruned (see ``serializer.prune_history``); the audit chain is the
record. Each step says what was done and what was active on the diagram at that moment, the
case data and documents as of then, who acted and when: what the replay page steps through.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import case_chain
from engine.modeling.definitions import DefinitionStore
from engine.errors import InvalidInput
from engine.modeling.forms import DOCUMENT_FORMAT, FormRegistry
from engine.persistence.models import AuditEvent, DocumentUpload, ProcessDefinition
from engine.persistence.rows import case_row, upload_rows
from engine.modeling.parser import NS, ParsedDefinition
from engine.audit.read_log import NOT_STEPS

_SHA256 = re.compile(r"[0-9a-f]{64}")
_ACTIVITIES = ("userTask", "task", "manualTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask",
               "callActivity", "subProcess")


@dataclass(frozen=True)
class ModelGraph:
    """The nodes and flows of a process, enough to mark a diagram."""

    starts: frozenset[str]
    ends: frozenset[str]
    activities: frozenset[str]
    flows: tuple[tuple[str | None, str, str], ...]  # (flow id, source, target); BPMN lets a flow go without an id

    @classmethod
    def from_xml(cls, bpmn_xml: str, process_key: str) -> "ModelGraph":
        root = etree.fromstring(bpmn_xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
        process = root.find(f"bpmn:process[@id='{process_key}']", NS)
        if process is None:
            return cls(frozenset(), frozenset(), frozenset(), ())

        def ids(tag: str) -> set[str]:
            return {node_id for e in process.iterfind(f"bpmn:{tag}", NS) if (node_id := e.get("id")) is not None}

        return cls(starts=frozenset(ids("startEvent")), ends=frozenset(ids("endEvent")),
                   activities=frozenset().union(*(ids(t) for t in _ACTIVITIES)),
                   flows=tuple((f.get("id"), f.get("sourceRef", ""), f.get("targetRef", ""))
                               for f in process.iterfind("bpmn:sequenceFlow", NS)))


@dataclass(frozen=True)
class DocumentAt:
    sha256: str
    filename: str
    media_type: str
    size: int | None
    field: str
    field_title: str
    step_name: str
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class HistoryStep:
    number: int  # 1-based, over the events that change the case (views are not steps)
    event_id: int
    seq: int
    event_type: str
    label: str
    actor: str
    at: datetime
    payload: dict[str, Any]
    done: tuple[str, ...]  # element ids finished at least once by now
    active: tuple[str, ...]  # element ids waiting for a person now
    flows: tuple[str, ...]  # sequence flows taken by now
    passes: dict[str, int]  # element id -> completions by now (loops)
    data: dict[str, Any]
    documents: tuple[DocumentAt, ...]
    status: str  # running, completed, cancelled
    element_id: str | None = None  # the step the event concerns: its own, or its task's (a claim names only the task)

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "event_id": self.event_id, "seq": self.seq, "event_type": self.event_type,
                "label": self.label, "actor": self.actor, "at": self.at.isoformat(), "payload": self.payload,
                "done": list(self.done), "active": list(self.active), "flows": list(self.flows),
                "passes": self.passes, "data": self.data, "status": self.status, "element_id": self.element_id,
                "documents": [{**d.__dict__, "added_at": d.added_at.isoformat()} for d in self.documents]}


@dataclass(frozen=True)
class CaseHistory:
    instance_id: int
    process_key: str
    process_name: str
    definition_id: int
    version: int
    steps: list[HistoryStep] = field(default_factory=list)
    element_names: dict[str, str] = field(default_factory=dict)  # user task id -> its name


class CaseHistories:
    def __init__(self, sessions: sessionmaker[Session], definitions: DefinitionStore, forms: FormRegistry) -> None:
        self._sessions = sessions
        self._definitions = definitions
        self._forms = forms

    def replay_states(self, instance_id: int) -> CaseHistory:
        """The case's states, one per audit event that changed it (views excluded).

        :raises CaseNotFound: no case has this id
        """
        with self._sessions() as session:
            instance = case_row(session, instance_id)
            _cached, parsed = self._definitions.get(session, instance.definition_id)
            row = session.get(ProcessDefinition, instance.definition_id)  # this session's row, not the cache's
            assert row is not None  # the instance row's foreign key guarantees it
            graph = ModelGraph.from_xml(row.bpmn_xml, parsed.process_key)
            events = list(session.scalars(select(AuditEvent).where(AuditEvent.chain == case_chain(instance_id))
                                          .order_by(AuditEvent.seq, AuditEvent.id)))
            builder = _Builder(parsed, graph, self._forms, _attachments(session, events, instance_id))
            steps = [builder.apply(e) for e in events if e.event_type not in NOT_STEPS]
            names = {element: meta.name for element, meta in parsed.user_tasks.items()}
            return CaseHistory(instance_id, instance.process_key, parsed.name, row.id, row.version, steps, names)



def _attachments(session: Session, events: list[AuditEvent], instance_id: int) -> dict[str, DocumentUpload]:
    hashes = set()
    for event in events:
        if event.event_type == "task_completed":
            hashes |= {v for v in json.loads(event.payload_json).get("data", {}).values()
                       if isinstance(v, str) and _SHA256.fullmatch(v)}
    if not hashes:
        return {}
    return upload_rows(session, hashes, instance_id)


class _Builder:
    """Folds events into the running state of one case."""

    def __init__(self, parsed: ParsedDefinition, graph: ModelGraph, forms: FormRegistry,
                 attachments: dict[str, DocumentUpload]) -> None:
        self._parsed, self._graph, self._forms, self._attachments = parsed, graph, forms, attachments
        self._done: set[str] = set()
        self._active: dict[str, str] = {}  # task id -> element id
        self._decided_flows: set[str] = set()
        self._passes: dict[str, int] = {}
        self._names: dict[str, str] = {}  # task id -> task name
        self._elements: dict[str, str] = {}  # task id -> element id, every task the case opened
        self._data: dict[str, Any] = {}
        self._documents: dict[str, DocumentAt] = {}
        self._status = "running"
        self._number = 0

    def apply(self, event: AuditEvent) -> HistoryStep:
        payload = json.loads(event.payload_json)
        kind = event.event_type
        if kind == "instance_started":
            self._data.update(payload.get("data") or {})
            self._done |= self._graph.starts
        elif kind == "task_created":
            self._active[payload["task_id"]] = self._elements[payload["task_id"]] = payload["element_id"]
            self._names[payload["task_id"]] = payload.get("name", payload["element_id"])
        elif kind == "task_completed":
            self._active.pop(payload["task_id"], None)
            element = payload["element_id"]
            self._done.add(element)
            self._passes[element] = self._passes.get(element, 0) + 1
            self._data.update(payload.get("data") or {})
            self._add_documents(event, payload)
        elif kind == "task_cancelled":
            self._active.pop(payload["task_id"], None)
        elif kind == "gateway_decided":
            self._done.add(payload["gateway"])
            if payload.get("flow"):
                self._decided_flows.add(payload["flow"])
            if payload.get("target") in self._graph.ends:
                self._done.add(payload["target"])
        elif kind == "timer_fired":
            self._done.add(payload["element_id"])
        elif kind in ("instance_completed", "instance_cancelled"):
            self._active.clear()
            self._status = "completed" if kind == "instance_completed" else "cancelled"
            if kind == "instance_completed":
                self._done |= {end for (_f, source, end) in self._graph.flows
                               if end in self._graph.ends and source in self._done and not self._decides(source)}
        self._close()
        self._number += 1
        return HistoryStep(
            number=self._number, event_id=event.id, seq=event.seq, event_type=kind, label=self._label(kind, payload),
            actor=event.actor, at=event.at, payload=payload, done=tuple(sorted(self._done)),
            active=tuple(sorted(set(self._active.values()))), flows=tuple(sorted(self._flows())),
            passes=dict(self._passes), data=json.loads(json.dumps(self._data, default=str)),
            documents=tuple(self._documents.values()), status=self._status,
            element_id=payload.get("element_id") or self._elements.get(str(payload.get("task_id"))))

    def _decides(self, node: str) -> bool:
        return bool(self._parsed.gateways.get(node))

    def _close(self) -> None:
        """Mark the pass-through nodes (merging gateways, events between steps) the case went through."""
        passable = {s for (_f, s, _t) in self._graph.flows} | {t for (_f, _s, t) in self._graph.flows}
        passable -= self._graph.activities | self._graph.starts | self._graph.ends | self._done
        passable = {n for n in passable if not self._decides(n)}
        reached = self._done | set(self._active.values())
        changed = True
        while changed:
            changed = False
            for node in sorted(passable - self._done):
                entered = any(t == node and s in self._done for (_f, s, t) in self._graph.flows)
                left = any(s == node and t in reached for (_f, s, t) in self._graph.flows)
                if entered and left:
                    self._done.add(node)
                    reached.add(node)
                    changed = True

    def _flows(self) -> set[str]:
        reached = self._done | set(self._active.values())
        return {flow for (flow, source, target) in self._graph.flows
                if flow is not None and source in self._done and target in reached
                and (not self._decides(source) or flow in self._decided_flows)}

    def _add_documents(self, event: AuditEvent, payload: dict[str, Any]) -> None:
        meta = self._parsed.user_tasks.get(payload["element_id"])
        properties = self._properties(meta.form_key) if meta else {}
        for name, value in (payload.get("data") or {}).items():
            if not isinstance(value, str) or not _SHA256.fullmatch(value):
                continue
            prop = properties.get(name)
            if properties and (prop is None or prop.get("format") != DOCUMENT_FORMAT):
                continue
            stored = self._attachments.get(value)
            self._documents[f"{name}:{value}"] = DocumentAt(
                sha256=value, filename=stored.filename if stored else "(tidak ditemukan)",
                media_type=stored.media_type if stored else "", size=stored.size if stored else None,
                field=name, field_title=(prop or {}).get("title", name), step_name=payload.get("name", ""),
                added_by=event.actor, added_at=event.at)

    def _properties(self, form_key: str) -> dict[str, Any]:
        try:
            return dict(self._forms.get(form_key).schema.get("properties", {}))
        except InvalidInput:  # the form was removed since; fall back to any stored document hash
            return {}

    def _label(self, kind: str, payload: dict[str, Any]) -> str:
        name = payload.get("name") or self._names.get(payload.get("task_id", ""), payload.get("task_id", ""))
        labels = {
            "instance_started": f"Kasus dimulai (versi {payload.get('version')})",
            "task_created": f"Tugas dibuat: {name}",
            "task_claimed": f"Tugas diambil: {name}",
            "task_unclaimed": f"Tugas dilepas: {name}",
            "task_reassigned": f"Tugas dialihkan: {name} kepada {payload.get('to')}"
                               + (f" (alasan: {payload['reason']})" if payload.get("reason") else ""),
            "task_completed": f"Tugas diselesaikan: {name}" + (
                f" (atas nama {payload.get('registered_for', {}).get('name', '')})"
                if payload.get("on_behalf") else ""),
            "task_cancelled": f"Tugas dibatalkan: {name}",
            "gateway_decided": f"Keputusan: {payload.get('question')} {payload.get('answer') or payload.get('flow')}",
            "timer_fired": f"Timer berjalan: {payload.get('element_id')}",
            "instance_completed": "Kasus selesai",
            "instance_cancelled": f"Kasus dibatalkan: {payload.get('reason', '')}",
            "instance_migrated": f"Kasus dipindahkan ke versi {payload.get('to_version')}",
            "comment_added": f"Komentar: {_excerpt(str(payload.get('text', '')))}",
            "attempt_refused": f"Percobaan ditolak ({payload.get('action')}): {payload.get('message', '')}",
            "incident_opened": f"Insiden #{payload.get('incident_id')} dibuka: {payload.get('message', '')}",
            "incident_retry_failed": f"Insiden #{payload.get('incident_id')}: percobaan ulang gagal",
            "incident_resolved": f"Insiden #{payload.get('incident_id')} diselesaikan dengan isian yang disimpan",
        }
        label = labels.get(kind, kind)
        if payload.get("on_behalf_of"):  # done by a stand-in: both names (engine.accounts.mandates)
            mandate = payload.get("mandate") or {}
            title = {"plh": "Plh.", "plt": "Plt."}.get(mandate.get("kind", ""), "")
            label += f" (sebagai {title} atas nama {payload['on_behalf_of']}, surat {mandate.get('basis', '')})"
        return label


def _excerpt(text: str, limit: int = 300) -> str:
    """A comment on one line of the replay's timeline (its payload keeps the whole text)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit].rstrip() + "…"
