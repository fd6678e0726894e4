"""Audit exports for examiners: a packet per case, and the whole log for a date range (ZIP files).

A case packet holds the case's events (JSONL with the exact hashed text, and CSV), the BPMN of the
version it ran on, its documents, the signed checkpoints covering its chain, and the verification
report (chain, checkpoints, replay, document hashes) as JSON and text. ``manifest.json`` lists
the sha256 of every file in the packet.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Mapping, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.profile import people, person_of
from engine.audit.chain import SYSTEM_CHAIN, case_chain
from engine.audit.verify import verify_audit
from engine.worktime.work_calendar import WITA
from engine.audit.history import CaseHistories
from engine.audit.checkpoints import checkpoint_view
from engine.worktime.clock import Clock, utcnow
from engine.errors import InvalidInput
from engine.values import Person
from engine.persistence.models import (Attachment, AuditCheckpoint, AuditCheckpointHead, AuditEvent,
                                       ProcessDefinition)
from engine.persistence.rows import case_row
from engine.audit.replay import ReplayVerifier
from engine.audit.read_log import ReadLog

CSV_COLUMNS = ("id", "chain", "seq", "instance_id", "event_type", "actor", "actor_name", "actor_nip",
               "actor_jabatan", "at_utc", "at_wita", "payload_json", "prev_hash", "hash")


@dataclass(frozen=True)
class ExportSummary:
    files: list[str]
    events: int
    ok: bool | None = None  # the verification verdict (case packets only)


def event_record(event: AuditEvent, people: Mapping[str, Person] | None = None) -> dict[str, Any]:
    """One event as exported: ``payload_json`` is the exact hashed text, ``payload`` its parsed form;
    ``actor_name``, ``actor_nip`` and ``actor_jabatan`` name the person as the account says today (not hashed)."""
    actor = person_of(people or {}, event.actor)
    return {"id": event.id, "chain": event.chain, "seq": event.seq, "instance_id": event.instance_id,
            "event_type": event.event_type, "actor": event.actor, "actor_name": actor.full_name,
            "actor_nip": actor.nip, "actor_jabatan": actor.jabatan, "at_utc": event.at.isoformat(),
            "at_wita": event.at.astimezone(WITA).isoformat(), "payload": json.loads(event.payload_json),
            "payload_json": event.payload_json, "prev_hash": event.prev_hash, "hash": event.hash}


def events_jsonl(events: Iterable[AuditEvent], people: Mapping[str, Person] | None = None) -> Iterator[str]:
    for event in events:
        yield json.dumps(event_record(event, people), ensure_ascii=False, sort_keys=True) + "\n"


def events_csv(events: Iterable[AuditEvent], people: Mapping[str, Person] | None = None) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for event in events:
        record = event_record(event, people)
        writer.writerow([record[c] if record.get(c) is not None else "" for c in CSV_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


class _Packet:
    """A ZIP being written, remembering each member's sha256 for the manifest."""

    def __init__(self, target: str | Path | IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self.digests: dict[str, str] = {}

    def add_text(self, name: str, chunks: Iterable[str]) -> None:
        digest = hashlib.sha256()
        with self._zip.open(name, "w") as member:
            for chunk in chunks:
                data = chunk.encode("utf-8")
                digest.update(data)
                member.write(data)
        self.digests[name] = digest.hexdigest()

    def add_file(self, name: str, path: Path) -> str:
        digest = hashlib.sha256()
        with path.open("rb") as source, self._zip.open(name, "w") as member:
            while chunk := source.read(64 * 1024):
                digest.update(chunk)
                member.write(chunk)
        self.digests[name] = digest.hexdigest()
        return digest.hexdigest()

    def close(self) -> list[str]:
        names = sorted(self.digests)
        manifest = {"files": {n: {"sha256": self.digests[n]} for n in names}}
        self._zip.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
        self._zip.close()
        return [*names, "manifest.json"]


class AuditExporter:
    def __init__(self, sessions: sessionmaker[Session], histories: CaseHistories, replay: ReplayVerifier,
                 views: ReadLog, attachments_dir: Path, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._histories = histories
        self._replay = replay
        self._views = views
        self._attachments_dir = Path(attachments_dir)
        self._clock = clock

    def export_case(self, instance_id: int, actor: str, target: str | Path | IO[bytes],
                    trusted_keys: Sequence[Ed25519PublicKey] = ()) -> ExportSummary:
        """Write the audit packet of one case; the export itself is logged on the case first.

        :raises CaseNotFound: no case has this id
        """
        self._views.record_read(actor, instance_id, "export")
        history = self._histories.replay_states(instance_id)
        replay = self._replay.verify_replay(instance_id)
        chain = case_chain(instance_id)
        packet = _Packet(target)
        with self._sessions() as session:
            instance = case_row(session, instance_id)
            definition = session.get(ProcessDefinition, instance.definition_id)
            assert definition is not None
            audit = verify_audit(session, trusted_keys, chains=[chain])
            events = self._case_events(session, instance_id, definition)
            known = people(session)
            packet.add_text("events.jsonl", events_jsonl(events, known))
            packet.add_text("events.csv", events_csv(events, known))
            packet.add_text(f"process/{definition.process_key}_v{definition.version}.bpmn", [definition.bpmn_xml])
            packet.add_text("checkpoints.json", [json.dumps(self._checkpoints(session, chain), indent=2)])
            documents = self._add_documents(packet, session, history)
        ok = audit.ok and replay.ok and all(d["intact"] for d in documents)
        report = {
            "instance_id": instance_id, "process_key": definition.process_key, "version": definition.version,
            "generated_at": self._clock().isoformat(), "generated_by": actor, "ok": ok,
            "audit_chain": audit.to_dict(), "replay": replay.to_dict(), "documents": documents,
        }
        packet.add_text("verification.json", [json.dumps(report, indent=2, ensure_ascii=False)])
        packet.add_text("verification.txt", [_report_text(report, audit.lines(), replay.lines())])
        return ExportSummary(packet.close(), len(events), ok)

    def export_log(self, date_from: date, date_to: date, target: str | Path | IO[bytes]) -> ExportSummary:
        """Write every event from ``date_from`` to ``date_to`` (inclusive, WITA days), all chains.

        :raises InvalidInput: the range is reversed
        """
        if date_to < date_from:
            raise InvalidInput("Tanggal akhir sebelum tanggal awal", field="to")
        start = datetime.combine(date_from, time(), WITA)
        end = datetime.combine(date_to + timedelta(days=1), time(), WITA)
        packet = _Packet(target)
        with self._sessions() as session:
            query = (select(AuditEvent).where(AuditEvent.at >= start, AuditEvent.at < end)
                     .order_by(AuditEvent.at, AuditEvent.id).execution_options(yield_per=1000))
            count = 0

            def counted() -> Iterator[AuditEvent]:
                nonlocal count
                for event in session.scalars(query):
                    count += 1
                    yield event
            known = people(session)
            packet.add_text("events.jsonl", events_jsonl(counted(), known))
            packet.add_text("events.csv", events_csv(session.scalars(query), known))
            checkpoints = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
            packet.add_text("checkpoints.jsonl", (json.dumps(checkpoint_view(c).to_dict()) + "\n" for c in checkpoints))
            packet.add_text("range.json", [json.dumps({"from": date_from.isoformat(), "to": date_to.isoformat(),
                                                       "timezone": "Asia/Makassar (WITA), both days included",
                                                       "from_utc": start.isoformat(), "to_utc_exclusive":
                                                       end.isoformat(), "events": count}, indent=2)])
        return ExportSummary(packet.close(), count)

    @staticmethod
    def _case_events(session: Session, instance_id: int, definition: ProcessDefinition) -> list[AuditEvent]:
        """The case's chain, system events about the case (e.g. downloads), and the model's deployment."""
        rows = list(session.scalars(select(AuditEvent).where(or_(
            AuditEvent.chain == case_chain(instance_id),
            (AuditEvent.chain == SYSTEM_CHAIN) & (AuditEvent.instance_id == instance_id)))))
        deployments = session.scalars(select(AuditEvent).where(
            AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.event_type == "definition_deployed"))
        rows += [e for e in deployments if json.loads(e.payload_json).get("process_key") == definition.process_key
                 and json.loads(e.payload_json).get("version") == definition.version]
        return sorted({e.id: e for e in rows}.values(), key=lambda e: (e.chain != SYSTEM_CHAIN, e.chain, e.seq))

    @staticmethod
    def _checkpoints(session: Session, chain: str) -> list[dict[str, Any]]:
        rows = session.execute(select(AuditCheckpoint, AuditCheckpointHead.seq, AuditCheckpointHead.hash)
                               .join(AuditCheckpointHead, AuditCheckpointHead.checkpoint_id == AuditCheckpoint.id)
                               .where(AuditCheckpointHead.chain == chain).order_by(AuditCheckpoint.id))
        return [{**checkpoint_view(row).to_dict(), "chain": chain, "signed_seq": seq, "signed_hash": digest}
                for row, seq, digest in rows]

    def _add_documents(self, packet: _Packet, session: Session, history: Any) -> list[dict[str, Any]]:
        final = history.steps[-1].documents if history.steps else ()
        rows: list[dict[str, Any]] = []
        for document in final:
            if any(r["sha256"] == document.sha256 for r in rows):
                continue
            path = self._attachments_dir / document.sha256[:2] / document.sha256
            stored = session.get(Attachment, document.sha256)
            name = f"documents/{document.sha256[:12]}-{_safe(stored.filename if stored else 'dokumen')}"
            present = path.is_file()
            actual = packet.add_file(name, path) if present else None
            rows.append({"sha256": document.sha256, "file": name if present else None, "field": document.field,
                         "step": document.step_name, "added_by": document.added_by,
                         "added_at": document.added_at.isoformat(), "present": present,
                         "intact": actual == document.sha256})
        packet.add_text("documents/index.json", [json.dumps(rows, indent=2, ensure_ascii=False)])
        return rows


def _safe(filename: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in filename)[:120] or "dokumen"


def _report_text(report: dict[str, Any], audit_lines: list[str], replay_lines: list[str]) -> str:
    lines = [f"Audit packet of case {report['instance_id']} ({report['process_key']} v{report['version']})",
             f"generated {report['generated_at']} by {report['generated_by']}",
             f"VERDICT: {'OK' if report['ok'] else 'PROBLEMS FOUND'}", "", "Hash chain and signed checkpoints:",
             *[f"  {line}" for line in audit_lines], "",
             "Replay verification:", *[f"  {line}" for line in replay_lines], "",
             "Documents (sha256 of the file in this packet):"]
    for doc in report["documents"]:
        state = "intact" if doc["intact"] else ("MISSING" if not doc["present"] else "CONTENT CHANGED")
        lines.append(f"  {doc['sha256']}  {state}  {doc['field']} ({doc['step']})")
    if not report["documents"]:
        lines.append("  (none)")
    return "\n".join(lines) + "\n"
