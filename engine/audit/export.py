"""Audit exports for examiners: a packet per case, and the whole log for a date range (ZIP files).

Both packets prove themselves: ``events.jsonl`` (each event with the exact hashed text), ``events.csv``,
the signed checkpoints, every BPMN version involved, the documents, a ``README.txt`` stating the hash
formula, and ``verify_packet.py``, which checks all of it with only Python and ``cryptography``.
``manifest.json`` lists the sha256 of every file; ``manifest.sig`` signs it with the audit key when one
is configured (the manifest says plainly when it is unsigned). A case packet also holds Alur's own
verification report (chain, checkpoints, replay, document hashes) as JSON and text.

Times are written twice: ``…_utc`` in UTC ending in ``Z``, ``…_wita`` in WITA (``+08:00``).
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Mapping, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.profile import people, person_of
from engine.audit.chain import SYSTEM_CHAIN, case_chain
from engine.audit.verify import AuditVerifier
from engine.worktime.work_calendar import WITA
from engine.audit.history import CaseHistories
from engine.audit.checkpoints import (KEY_ENV, KEY_FILE_ENV, checkpoint_view, key_id, public_key_text,
                                      signing_key_from_env)
from engine.audit.packet_tool.readme import readme_text
from engine.worktime.clock import Clock, utcnow
from engine.errors import InvalidInput
from engine.values import Person
from engine.persistence.models import (DocumentUpload, AuditChainHead, AuditCheckpoint, AuditCheckpointHead, AuditEvent,
                                       ProcessDefinition)
from engine.persistence.rows import case_row, upload_rows
from engine.audit.replay import ReplayVerifier
from engine.audit.read_log import ReadLog

PACKET_FORMAT = "alur-audit-packet-1"
CSV_COLUMNS = ("id", "chain", "seq", "instance_id", "event_type", "actor", "actor_name", "actor_nip",
               "actor_jabatan", "at_utc", "at_wita", "payload_json", "prev_hash", "hash")
TIMES = "fields ending in _utc are UTC (ISO 8601, suffix Z); fields ending in _wita are WITA (Asia/Makassar, +08:00)"
UNSIGNED = ("UNSIGNED / TIDAK DITANDATANGANI: no audit signing key was configured when this packet was made, so "
            "the manifest shows only that the files match it, not who made it")
_SHA256 = re.compile(r'"([0-9a-f]{64})"')
FIRST_YEAR, LAST_YEAR = 1900, 2999  # a date-range export's days; beyond them the UTC bounds would overflow


@dataclass(frozen=True)
class ExportSummary:
    files: list[str]
    events: int
    ok: bool | None = None  # the verification verdict (case packets only)
    signed: bool = False


def packet_signing_key(environ: Mapping[str, str]) -> Ed25519PrivateKey | None:
    """The checkpoint key that signs packet manifests, or None when none is configured (packets say unsigned).

    :raises AuditKeyError: a key is configured but cannot be read (never silently unsigned)
    """
    if environ.get(KEY_FILE_ENV) or environ.get(KEY_ENV):
        return signing_key_from_env(environ)
    return None


def utc_text(moment: datetime) -> str:
    """A UTC time as ISO 8601 with ``Z``: what the ``…_utc`` fields hold."""
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def wita_text(moment: datetime) -> str:
    return moment.astimezone(WITA).isoformat()


def event_record(event: AuditEvent, people: Mapping[str, Person] | None = None) -> dict[str, Any]:
    """One event as exported: ``payload_json`` is the exact hashed text, ``payload`` its parsed form;
    ``actor_name``, ``actor_nip`` and ``actor_jabatan`` name the person as the account says today (not hashed).

    The hashed time is ``at_utc`` with ``Z`` written ``+00:00`` (the stored UTC time's isoformat).
    """
    actor = person_of(people or {}, event.actor)
    return {"id": event.id, "chain": event.chain, "seq": event.seq, "instance_id": event.instance_id,
            "event_type": event.event_type, "actor": event.actor, "actor_name": actor.full_name,
            "actor_nip": actor.nip, "actor_jabatan": actor.jabatan, "at_utc": utc_text(event.at),
            "at_wita": wita_text(event.at), "payload": json.loads(event.payload_json),
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


def verify_packet_source() -> bytes:
    """The stand-alone checker every packet carries (``engine/audit/packet_tool/verify_packet.py``)."""
    return resources.files("engine.audit.packet_tool").joinpath("verify_packet.py").read_bytes()


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

    def add_json(self, name: str, value: Any) -> None:
        self.add_text(name, [json.dumps(value, indent=2, ensure_ascii=False) + "\n"])

    def add_bytes(self, name: str, data: bytes) -> None:
        self._zip.writestr(name, data)
        self.digests[name] = hashlib.sha256(data).hexdigest()

    def add_file(self, name: str, path: Path) -> str:
        digest = hashlib.sha256()
        with path.open("rb") as source, self._zip.open(name, "w") as member:
            while chunk := source.read(64 * 1024):
                digest.update(chunk)
                member.write(chunk)
        self.digests[name] = digest.hexdigest()
        return digest.hexdigest()

    def close(self, header: dict[str, Any], title: str, signing_key: Ed25519PrivateKey | None, case: bool) -> list[str]:
        """Add README.txt and verify_packet.py, then the manifest of every file and its signature."""
        if signing_key is not None:
            public = public_key_text(signing_key.public_key())
            signature: dict[str, Any] = {"signed": True, "algorithm": "Ed25519", "public_key": public,
                                         "key_id": key_id(public), "file": "manifest.sig",
                                         "signs": "the exact bytes of manifest.json"}
            said = f"Ed25519, key id {signature['key_id']} (manifest.sig)"
        else:
            signature = {"signed": False, "note": UNSIGNED}
            said = UNSIGNED
        self.add_text("README.txt", [readme_text(title, header["generated_at_utc"], header["generated_at_wita"],
                                                 header["generated_by"], said, case)])
        self.add_bytes("verify_packet.py", verify_packet_source())
        names = sorted(self.digests)
        manifest = {"format": PACKET_FORMAT, **header, "times": TIMES, "signature": signature,
                    "files": {n: {"sha256": self.digests[n]} for n in names}}
        data = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")
        self._zip.writestr("manifest.json", data)
        written = [*names, "manifest.json"]
        if signing_key is not None:
            self._zip.writestr("manifest.sig", base64.b64encode(signing_key.sign(data)).decode("ascii") + "\n")
            written.append("manifest.sig")
        self._zip.close()
        return written


class AuditExporter:
    def __init__(self, sessions: sessionmaker[Session], histories: CaseHistories, replay: ReplayVerifier,
                 verifier: AuditVerifier, views: ReadLog, attachments_dir: Path, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._histories = histories
        self._replay = replay
        self._verifier = verifier  # the packet's verdict is the whole verification: chains, tables, documents
        self._views = views
        self._attachments_dir = Path(attachments_dir)
        self._clock = clock

    def export_case(self, instance_id: int, actor: str, target: str | Path | IO[bytes],
                    trusted_keys: Sequence[Ed25519PublicKey] = (),
                    signing_key: Ed25519PrivateKey | None = None) -> ExportSummary:
        """Write the audit packet of one case; the export itself is logged on the case first.

        ``signing_key`` (the checkpoint key) signs the manifest; without it the manifest says it is unsigned.

        :raises CaseNotFound: no case has this id
        """
        self._views.record_read(actor, instance_id, "export")
        history = self._histories.replay_states(instance_id)
        replay = self._replay.verify_replay(instance_id)
        audit = self._verifier.verify_case(instance_id, trusted_keys)
        chain = case_chain(instance_id)
        now = self._clock()
        packet = _Packet(target)
        with self._sessions() as session:
            instance = case_row(session, instance_id)
            definition = session.get(ProcessDefinition, instance.definition_id)
            assert definition is not None
            chain_events = list(session.scalars(select(AuditEvent).where(AuditEvent.chain == chain)
                                                .order_by(AuditEvent.seq, AuditEvent.id)))
            versions = _versions_run(definition, chain_events)
            events = self._case_events(session, instance_id, chain_events, definition.process_key, versions)
            known = people(session)
            packet.add_text("events.jsonl", events_jsonl(events, known))
            packet.add_text("events.csv", events_csv(events, known))
            models = self._add_models(packet, session, {(definition.process_key, v) for v in versions})
            packet.add_text("checkpoints.jsonl", self._checkpoints(session, chain))
            documents = self._add_documents(packet, session, history)
            head = session.get(AuditChainHead, chain)
        ok = audit.ok and replay.ok and all(d["intact"] for d in documents)
        report = {
            "instance_id": instance_id, "process_key": definition.process_key, "version": definition.version,
            "versions_run": versions, "generated_at_utc": utc_text(now), "generated_at_wita": wita_text(now),
            "generated_by": actor, "ok": ok, "audit_chain": audit.to_dict(), "replay": replay.to_dict(),
            "documents": documents, "process_models": models,
        }
        packet.add_json("verification.json", report)
        packet.add_text("verification.txt", [_report_text(report, audit.lines(), replay.lines())])
        header = {"kind": "case", "instance_id": instance_id, "generated_at_utc": utc_text(now),
                  "generated_at_wita": wita_text(now), "generated_by": actor,
                  "chains": {chain: {"seq": head.seq, "hash": head.hash} if head else {"seq": 0, "hash": None}}}
        title = f"Kasus / case {instance_id}: {definition.process_key}, versi / versions {versions}"
        files = packet.close(header, title, signing_key, case=True)
        return ExportSummary(files, len(events), ok, signing_key is not None)

    def export_log(self, date_from: date, date_to: date, target: str | Path | IO[bytes], actor: str = "system",
                   signing_key: Ed25519PrivateKey | None = None) -> ExportSummary:
        """Write every event from ``date_from`` to ``date_to`` (inclusive, WITA days), all chains, with the
        BPMN versions and documents those events name.

        :raises InvalidInput: the range is reversed
        """
        if date_to < date_from:
            raise InvalidInput("Tanggal akhir sebelum tanggal awal", field="to")
        if not (FIRST_YEAR <= date_from.year and date_to.year <= LAST_YEAR):
            raise InvalidInput(f"Tanggal harus antara tahun {FIRST_YEAR} dan {LAST_YEAR}", field="from")
        start = datetime.combine(date_from, time(), WITA)
        end = datetime.combine(date_to + timedelta(days=1), time(), WITA)
        now = self._clock()
        packet = _Packet(target)
        with self._sessions() as session:
            query = (select(AuditEvent).where(AuditEvent.at >= start, AuditEvent.at < end)
                     .order_by(AuditEvent.at, AuditEvent.id).execution_options(yield_per=1000))
            count = 0
            named_models: set[tuple[str, int]] = set()
            named_documents: set[str] = set()

            def counted() -> Iterator[AuditEvent]:
                nonlocal count
                for event in session.scalars(query):
                    count += 1
                    named_models.update(_models_named(event))
                    named_documents.update(_SHA256.findall(event.payload_json))
                    yield event
            known = people(session)
            packet.add_text("events.jsonl", events_jsonl(counted(), known))
            packet.add_text("events.csv", events_csv(session.scalars(query), known))
            checkpoints = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
            packet.add_text("checkpoints.jsonl", (json.dumps(checkpoint_view(c).to_dict()) + "\n" for c in checkpoints))
            self._add_models(packet, session, named_models)
            self._add_named_documents(packet, session, named_documents)
            packet.add_json("range.json", {
                "from": date_from.isoformat(), "to": date_to.isoformat(),
                "days": "WITA calendar days (Asia/Makassar, UTC+08:00), both included",
                "from_utc": utc_text(start), "to_utc_exclusive": utc_text(end),
                "from_wita": wita_text(start), "to_wita_exclusive": wita_text(end), "events": count})
        header = {"kind": "range", "from": date_from.isoformat(), "to": date_to.isoformat(),
                  "generated_at_utc": utc_text(now), "generated_at_wita": wita_text(now), "generated_by": actor,
                  "chains": {}}
        title = f"Log audit / audit log {date_from.isoformat()} .. {date_to.isoformat()} (WITA)"
        return ExportSummary(packet.close(header, title, signing_key, case=False), count,
                             signed=signing_key is not None)

    @staticmethod
    def _case_events(session: Session, instance_id: int, chain_events: list[AuditEvent], process_key: str,
                     versions: list[int]) -> list[AuditEvent]:
        """The case's chain, system events about the case (e.g. downloads), and the deployment of every
        version it ran on."""
        rows = list(chain_events) + list(session.scalars(select(AuditEvent).where(
            AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.instance_id == instance_id)))
        deployments = session.scalars(select(AuditEvent).where(
            AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.event_type == "definition_deployed"))
        rows += [e for e in deployments if (process_key, json.loads(e.payload_json).get("version")) in
                 {(process_key, v) for v in versions} and json.loads(e.payload_json).get("process_key") == process_key]
        return sorted({e.id: e for e in rows}.values(), key=lambda e: (e.chain != SYSTEM_CHAIN, e.chain, e.seq))

    @staticmethod
    def _checkpoints(session: Session, chain: str) -> Iterator[str]:
        """Every checkpoint that signs a head of the case's chain."""
        rows = session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.id.in_(
            select(AuditCheckpointHead.checkpoint_id).where(AuditCheckpointHead.chain == chain)))
            .order_by(AuditCheckpoint.id))
        for row in rows:
            yield json.dumps(checkpoint_view(row).to_dict()) + "\n"

    @staticmethod
    def _add_models(packet: _Packet, session: Session, wanted: set[tuple[str, int]]) -> list[dict[str, Any]]:
        """The stored BPMN of each (process key, version), and ``process/index.json`` listing them."""
        models: list[dict[str, Any]] = []
        for process_key, version in sorted(wanted):
            row = session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_key == process_key,
                                                                  ProcessDefinition.version == version)).first()
            if row is None:
                models.append({"process_key": process_key, "version": version, "file": None, "sha256": None})
                continue
            name = f"process/{_safe(process_key)}_v{version}.bpmn"
            packet.add_text(name, [row.bpmn_xml])
            models.append({"process_key": process_key, "version": version, "file": name,
                           "sha256": packet.digests[name], "recorded_sha256": row.sha256,
                           "deployed_at_utc": utc_text(row.deployed_at),
                           "deployed_at_wita": wita_text(row.deployed_at)})
        packet.add_json("process/index.json", models)
        return models

    def _add_documents(self, packet: _Packet, session: Session, history: Any) -> list[dict[str, Any]]:
        final = history.steps[-1].documents if history.steps else ()
        rows: list[dict[str, Any]] = []
        for document in final:
            if any(r["sha256"] == document.sha256 for r in rows):
                continue
            stored = upload_rows(session, [document.sha256]).get(document.sha256)
            row = self._add_document(packet, document.sha256, stored)
            rows.append({**row, "field": document.field, "step": document.step_name, "added_by": document.added_by,
                         "added_at_utc": utc_text(document.added_at), "added_at_wita": wita_text(document.added_at)})
        packet.add_json("documents/index.json", rows)
        return rows

    def _add_named_documents(self, packet: _Packet, session: Session, named: set[str]) -> None:
        """The stored documents whose sha256 an exported event names."""
        rows = []
        found = list(upload_rows(session, named).values())
        for stored in sorted(found, key=lambda a: a.sha256):
            rows.append({**self._add_document(packet, stored.sha256, stored), "field": None, "step": None,
                         "added_by": stored.uploaded_by, "added_at_utc": utc_text(stored.uploaded_at),
                         "added_at_wita": wita_text(stored.uploaded_at)})
        packet.add_json("documents/index.json", rows)

    def _add_document(self, packet: _Packet, sha256: str, stored: DocumentUpload | None) -> dict[str, Any]:
        path = self._attachments_dir / sha256[:2] / sha256
        name = f"documents/{sha256[:12]}-{_safe(stored.filename if stored else 'dokumen')}"
        present = path.is_file()
        actual = packet.add_file(name, path) if present else None
        return {"sha256": sha256, "file": name if present else None,
                "filename": stored.filename if stored else None, "present": present, "intact": actual == sha256}


def _versions_run(definition: ProcessDefinition, chain_events: list[AuditEvent]) -> list[int]:
    """Every version the case ran on: the one it started on, each it was migrated from and to, the current one."""
    versions = {definition.version}
    for event in chain_events:
        if event.event_type in ("instance_started", "instance_migrated"):
            payload = json.loads(event.payload_json)
            for key in ("version", "from_version", "to_version"):
                if isinstance(payload.get(key), int):
                    versions.add(payload[key])
    return sorted(versions)


def _models_named(event: AuditEvent) -> set[tuple[str, int]]:
    """The (process key, version) pairs an event names: deployed, started on, migrated from or to."""
    if event.event_type not in ("definition_deployed", "instance_started", "instance_migrated"):
        return set()
    payload = json.loads(event.payload_json)
    key = payload.get("process_key")
    if not isinstance(key, str):
        return set()
    return {(key, payload[v]) for v in ("version", "from_version", "to_version") if isinstance(payload.get(v), int)}


def _safe(filename: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in filename)[:120] or "dokumen"


def _report_text(report: dict[str, Any], audit_lines: list[str], replay_lines: list[str]) -> str:
    lines = [f"Audit packet of case {report['instance_id']} ({report['process_key']} v{report['version']}; "
             f"versions run: {', '.join(f'v{v}' for v in report['versions_run'])})",
             f"generated {report['generated_at_utc']} (UTC) = {report['generated_at_wita']} (WITA) "
             f"by {report['generated_by']}",
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
