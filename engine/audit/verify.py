"""``alur audit verify``: the hash chains, then every signed checkpoint against the chains.

The chains show an edited, deleted, inserted or reordered event. The checkpoints show what the
chains alone cannot: a chain rewritten from some event on and hashed again, head row included.
A checkpoint "no longer matches" when its signature is invalid, its key is not trusted, a
predecessor is missing, or the events up to a checkpointed seq no longer hash to the signed head.
Checked against the checkpoint files kept outside the database (``engine.audit.anchors``), it also
fails when a checkpoint a file holds is missing from the database or differs. And every case must
be accounted for by the system chain (``engine.audit.case_accounting``).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.anchors import AnchorSet
from engine.audit.case_accounting import CaseProblem, verify_case_accounting
from engine.audit.chain import GENESIS, SYSTEM_CHAIN, ChainProblem, event_hash, case_chain, verify_chain, verify_chains
from engine.audit.checkpoints import (CHECKPOINT_FORMAT, AuditKeyError, ChainHeadValue, body_digest,
                                      checkpoint_number, heads_of, load_public_key, signature_valid,
                                      trusted_key_texts)
from engine.audit.document_check import DocumentProblem
from engine.audit.records_check import check_records
from engine.audit.table_check import TableProblem
from engine.persistence.models import AuditChainHead, AuditCheckpoint, AuditEvent, WorkerCursor
from engine.runtime.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CheckpointProblem:
    checkpoint_id: int
    # signature_invalid, untrusted_key, malformed, predecessor_missing, event_missing, chain_rewritten; against
    # the files outside: checkpoint_missing, checkpoint_differs, anchor_invalid, anchor_untrusted, anchor_unreadable
    kind: str
    detail: str
    chain: str | None = None
    seq: int | None = None
    event_id: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.chain:
            where = f" {self.chain}" + (f" at event id={self.event_id} seq={self.seq}" if self.event_id
                                        else f" at seq={self.seq}" if self.seq is not None else "")
        return f"checkpoint #{self.checkpoint_id}: {self.kind}{where}: {self.detail}"


@dataclass(frozen=True)
class AuditReport:
    chain_problems: list[ChainProblem]
    checkpoint_problems: list[CheckpointProblem]
    chains: int
    events: int
    checkpoints: int
    latest_checkpoint_id: int | None
    latest_checkpoint_at: datetime | None
    warnings: list[str] = field(default_factory=list)
    table_problems: list[TableProblem] = field(default_factory=list)  # engine.audit.table_check
    document_problems: list[DocumentProblem] = field(default_factory=list)  # engine.audit.document_check
    case_problems: list[CaseProblem] = field(default_factory=list)
    anchor_files: int = 0  # checkpoint files outside the database checked against
    anchor_location: str | None = None

    @property
    def ok(self) -> bool:
        return (not self.chain_problems and not self.checkpoint_problems and not self.case_problems
                and not self.table_problems and not self.document_problems)

    def lines(self) -> list[str]:
        """The report as text, one finding a line: what ``alur audit verify`` prints."""
        result = [f"WARNING {w}" for w in self.warnings]
        result += [f"BROKEN {p}" for p in self.chain_problems]
        result += [f"CHECKPOINT MISMATCH {p}" for p in self.checkpoint_problems]
        result += [f"CASE NOT ACCOUNTED FOR {p}" for p in self.case_problems]
        result += [f"TABLE DIFFERS FROM LOG {p}" for p in self.table_problems]
        result += [f"DOCUMENT {p}" for p in self.document_problems]
        if self.ok:
            latest = (f"; latest #{self.latest_checkpoint_id} at {self.latest_checkpoint_at.isoformat()}"
                      if self.latest_checkpoint_id and self.latest_checkpoint_at else "")
            signed = (f"{self.checkpoints} signed checkpoint(s) match{latest}" if self.checkpoints
                      else "NO CHECKPOINT EXISTS YET")
            outside = (f"; {self.anchor_files} checkpoint file(s) in {self.anchor_location} match"
                       if self.anchor_location else "")
            result.append(f"OK: every audit chain is intact ({self.chains} chains, {self.events} events), every "
                          f"case accounted for; {signed}{outside}; case tables and documents match the log")
        else:
            result.append(f"FAILED: {len(self.chain_problems)} broken chain(s), "
                          f"{len(self.checkpoint_problems)} checkpoint mismatch(es), "
                          f"{len(self.case_problems)} case(s) not accounted for, "
                          f"{len(self.table_problems)} table difference(s), "
                          f"{len(self.document_problems)} document problem(s)")
        return result

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "chains": self.chains, "events": self.events, "checkpoints": self.checkpoints,
            "latest_checkpoint_id": self.latest_checkpoint_id,
            "latest_checkpoint_at": self.latest_checkpoint_at.isoformat() if self.latest_checkpoint_at else None,
            "warnings": list(self.warnings),
            "chain_problems": [asdict(p) for p in self.chain_problems],
            "checkpoint_problems": [asdict(p) for p in self.checkpoint_problems],
            "table_problems": [asdict(p) for p in self.table_problems],
            "document_problems": [asdict(p) for p in self.document_problems],
            "case_problems": [asdict(p) for p in self.case_problems],
            "anchor_files": self.anchor_files, "anchor_location": self.anchor_location,
        }


def verify_audit(session: Session, trusted_keys: Sequence[Ed25519PublicKey] = (),
                 chains: Iterable[str] | None = None, anchors: AnchorSet | None = None) -> AuditReport:
    """Verify every chain (or only ``chains``), every checkpoint's claims about them, the checkpoints
    against the files kept outside (``anchors``), and that every case is accounted for.

    Without trusted keys a signature is checked against the key stored beside it only, which
    proves nothing against someone who can write the table; the report then says so.
    """
    wanted = set(chains) if chains is not None else None
    if wanted is None:
        chain_problems = verify_chains(session)
    else:
        found = (verify_chain(session, chain) for chain in sorted(wanted))
        chain_problems = [p for p in found if p is not None]
    checkpoint_problems, rows, warnings, covered = _verify_checkpoints(session, trusted_keys, wanted, anchors)
    if rows:
        warnings += _uncovered(session, covered, wanted)
    case_ids = None if wanted is None else {int(c.split(":", 1)[1]) for c in wanted if c.startswith("instance:")}
    signed_cases = {int(chain.split(":", 1)[1]) for chain in covered
                    if chain.startswith("instance:") and chain.split(":", 1)[1].isdigit()}
    case_problems = verify_case_accounting(session, case_ids, signed_cases)
    event_count = select(func.count()).select_from(AuditEvent)
    chain_count = select(func.count(func.distinct(AuditEvent.chain)))
    if wanted is not None:
        event_count = event_count.where(AuditEvent.chain.in_(wanted))
        chain_count = chain_count.where(AuditEvent.chain.in_(wanted))
    latest = rows[-1] if rows else None
    return AuditReport(chain_problems, checkpoint_problems, chains=session.scalar(chain_count) or 0,
                       events=session.scalar(event_count) or 0, checkpoints=len(rows),
                       latest_checkpoint_id=latest.id if latest else None,
                       latest_checkpoint_at=latest.created_at if latest else None, warnings=warnings,
                       case_problems=case_problems, anchor_files=len(anchors.anchors) if anchors else 0,
                       anchor_location=anchors.location if anchors else None)


def _uncovered(session: Session, covered: dict[str, int], wanted: set[str] | None) -> list[str]:
    """Say which events no signed checkpoint covers yet: those are protected by their chain only."""
    query = select(AuditChainHead.chain, AuditChainHead.seq)
    if wanted is not None:
        query = query.where(AuditChainHead.chain.in_(wanted))
    behind = [(chain, seq, covered.get(chain, 0))
              for chain, seq in session.execute(query.order_by(AuditChainHead.chain)) if seq > covered.get(chain, 0)]
    if wanted is not None:
        return [f"{chain}: events after seq {signed} (up to {seq}) are not yet covered by a signed checkpoint"
                for chain, seq, signed in behind]
    return [f"{len(behind)} chain(s) have events not yet covered by a signed checkpoint"] if behind else []


def _verify_checkpoints(session: Session, trusted_keys: Sequence[Ed25519PublicKey], wanted: set[str] | None,
                        anchors: AnchorSet | None
                        ) -> tuple[list[CheckpointProblem], list[AuditCheckpoint], list[str], dict[str, int]]:
    rows = list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)))
    trusted = trusted_key_texts(trusted_keys)
    warnings = []
    if not rows and not (anchors and anchors.anchors):
        warnings.append("no signed checkpoint yet (none exists): a chain rewritten and hashed again cannot be detected "
                        "(the worker signs one hourly and after each deploy; or run 'alur audit checkpoint')")
    elif not trusted:
        warnings.append("no trusted public key given (ALUR_AUDIT_PUBLIC_KEY, ALUR_AUDIT_KEY_FILE or "
                        "--public-key): signatures were checked only against the keys stored with them")
    problems: list[CheckpointProblem] = []
    claims: dict[str, list[tuple[int, ChainHeadValue]]] = {}
    if anchors is None:
        if rows and trusted and wanted is None:
            warnings.append("no checkpoint folder to check against: deleting the newest checkpoints from the "
                            "database cannot be detected (set ALUR_CHECKPOINT_DIR or give --anchor)")
    else:
        if rows and not anchors.anchors:
            warnings.append(f"no checkpoint file in {anchors.location} yet: deleting the newest checkpoints from "
                            "the database cannot be detected until one is written")
        problems += _check_anchors(rows, anchors, trusted, wanted, claims)
    previous: AuditCheckpoint | None = None
    for row in rows:
        problem = _checkpoint_problem(row, previous, trusted)
        previous = row
        if problem is not None:
            problems.append(problem)
            if problem.kind in ("signature_invalid", "untrusted_key", "malformed"):
                continue  # its heads prove nothing
        for head in heads_of(row.body_json):
            if wanted is None or head.chain in wanted:
                claims.setdefault(head.chain, []).append((row.id, head))
    for chain in sorted(claims):
        problems.extend(_check_claims(session, chain, claims[chain]))
    covered = {chain: max(head.seq for _cid, head in heads) for chain, heads in claims.items()}
    return problems, rows, warnings, covered


def _check_anchors(rows: list[AuditCheckpoint], anchors: AnchorSet, trusted: set[str], wanted: set[str] | None,
                   claims: dict[str, list[tuple[int, ChainHeadValue]]]) -> list[CheckpointProblem]:
    """Each checkpoint file must be in the database with the same signed text. The heads a file signs
    whose checkpoint the database lost or changed are added to ``claims``: the chains must still hold them."""
    stored = {checkpoint_number(row): row for row in rows}
    problems = [CheckpointProblem(0, "anchor_unreadable", f"{source} is not a checkpoint file")
                for source in anchors.unreadable]
    for anchor in anchors.anchors:
        if not anchor.signed():
            problems.append(CheckpointProblem(anchor.number, "anchor_invalid",
                                              f"the file {anchor.source} does not match its signature"))
            continue
        if trusted and anchor.public_key not in trusted:
            problems.append(CheckpointProblem(anchor.number, "anchor_untrusted",
                                              f"the file {anchor.source} is signed by a key that is not trusted"))
            continue
        row = stored.get(anchor.number)
        if row is not None and row.body_json == anchor.body_json and row.signature == anchor.signature:
            continue
        if row is None:
            problems.append(CheckpointProblem(anchor.number, "checkpoint_missing",
                                              f"the database has no checkpoint #{anchor.number}, which the file "
                                              f"{anchor.source} holds: checkpoints were deleted"))
        else:
            problems.append(CheckpointProblem(anchor.number, "checkpoint_differs",
                                              f"the database's checkpoint #{anchor.number} is not the one the file "
                                              f"{anchor.source} holds: checkpoints were replaced"))
        for head in anchor.heads:
            if wanted is None or head.chain in wanted:
                claims.setdefault(head.chain, []).append((anchor.number, head))
    return problems


def _checkpoint_problem(row: AuditCheckpoint, previous: AuditCheckpoint | None,
                        trusted: set[str]) -> CheckpointProblem | None:
    try:
        key = load_public_key(row.public_key)
    except AuditKeyError:
        return CheckpointProblem(row.id, "malformed", "the stored public key cannot be read")
    if not signature_valid(row.body_json, row.signature, key):
        return CheckpointProblem(row.id, "signature_invalid",
                                 "the signature does not match the checkpoint text (checkpoint edited)")
    if trusted and row.public_key not in trusted:
        return CheckpointProblem(row.id, "untrusted_key", f"signed by key {row.key_id}, which is not trusted")
    body = _body(row.body_json)
    if body is None or body.get("format") != CHECKPOINT_FORMAT:
        return CheckpointProblem(row.id, "malformed", "the checkpoint text is not an Alur checkpoint")
    expected = body_digest(previous.body_json) if previous else None
    if body.get("previous_sha256") != expected:
        said = body.get("previous_id")
        return CheckpointProblem(row.id, "predecessor_missing",
                                 f"it follows checkpoint #{said}, which is missing or was changed"
                                 if said else "it says it is the first checkpoint, but earlier ones exist")
    return None


def _body(body_json: str) -> dict[str, Any] | None:
    try:
        value = json.loads(body_json)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _check_claims(session: Session, chain: str,
                  claims: list[tuple[int, ChainHeadValue]]) -> list[CheckpointProblem]:
    """Recompute the chain from its first event and compare with each signed head."""
    wanted_seqs = {head.seq for _cid, head in claims}
    recomputed = _recompute(session, chain, max(wanted_seqs))
    problems = []
    last_match: tuple[int, int] | None = None  # (checkpoint id, seq) of the last signed head that still holds
    for checkpoint_id, head in sorted(claims, key=lambda c: (c[1].seq, c[0])):
        found = recomputed.get(head.seq)
        if found is None:
            problems.append(CheckpointProblem(
                checkpoint_id, "event_missing", f"the signed head seq {head.seq} has no event any more "
                "(events deleted from the end of the chain, or the chain removed)", chain, head.seq))
        elif found[0] != head.hash:
            since = (f"; checkpoint #{last_match[0]} still matches at seq {last_match[1]}, so the change lies "
                     f"in seq {last_match[1] + 1}..{head.seq}") if last_match else ""
            problems.append(CheckpointProblem(
                checkpoint_id, "chain_rewritten", f"the events up to seq {head.seq} no longer hash to the "
                f"signed head {head.hash[:12]}… (found {found[0][:12]}…){since}", chain, head.seq, found[1]))
        else:
            last_match = (checkpoint_id, head.seq)
    return problems


def _recompute(session: Session, chain: str, up_to: int) -> dict[int, tuple[str, int]]:
    """seq -> (hash recomputed from the genesis over the stored events, event id)."""
    rows = session.execute(
        select(AuditEvent.id, AuditEvent.seq, AuditEvent.instance_id, AuditEvent.event_type, AuditEvent.actor,
               AuditEvent.at, AuditEvent.payload_json)
        .where(AuditEvent.chain == chain, AuditEvent.seq <= up_to).order_by(AuditEvent.seq, AuditEvent.id))
    result: dict[int, tuple[str, int]] = {}
    prev = GENESIS
    for event_id, seq, instance_id, event_type, actor, at, payload_json in rows:
        prev = event_hash(prev, chain, seq, instance_id, event_type, actor, at, payload_json)
        result.setdefault(seq, (prev, event_id))
    return result


VERIFIED_EVENT = "audit_verified"
# The moment of the last whole-log verification that passed, and of the last that failed (worker_cursor
# rows, read by the metrics without searching the log).
VERIFIED_OK = "audit_verified_ok"
VERIFIED_FAILED = "audit_verified_failed"


def verification_payload(report: AuditReport) -> dict[str, Any]:
    """What the ``audit_verified`` event keeps of a whole-log verification."""
    return {"ok": report.ok, "chains": report.chains, "events": report.events, "checkpoints": report.checkpoints,
            "problems": len(report.chain_problems) + len(report.checkpoint_problems) + len(report.case_problems)
            + len(report.table_problems) + len(report.document_problems)}


def record_verification(work: UnitOfWork, report: AuditReport, actor: str, at: datetime) -> None:
    """Put a whole-log verification's result on the system chain, in the caller's unit of work."""
    work.record(SYSTEM_CHAIN, VERIFIED_EVENT, actor=actor, at=at, payload=verification_payload(report))
    work.session.merge(WorkerCursor(name=VERIFIED_OK if report.ok else VERIFIED_FAILED, at=at))


class AuditVerifier:
    """Use case: verify the whole log, or one case's chain, against the trusted public keys; then the
    case tables and the stored documents against the log (``engine.audit.records_check``)."""

    def __init__(self, sessions: sessionmaker[Session], attachments_dir: Path | None = None) -> None:
        self._sessions = sessions
        self._attachments_dir = attachments_dir

    def verify(self, trusted_keys: Sequence[Ed25519PublicKey] = (),
               chains: Iterable[str] | None = None, anchors: AnchorSet | None = None) -> AuditReport:
        with self._sessions() as session:
            wanted = list(chains) if chains is not None else None
            report = verify_audit(session, trusted_keys, wanted, anchors)
            tables, documents = check_records(session, self._attachments_dir, wanted)
            return replace(report, table_problems=tables, document_problems=documents)

    def record_run(self, report: AuditReport, actor: str, at: datetime) -> None:
        """Keep the result of a whole-log verification (``alur audit verify``) on the record."""
        with UnitOfWork.begin(self._sessions) as work:
            record_verification(work, report, actor, at)

    def verify_case(self, instance_id: int, trusted_keys: Sequence[Ed25519PublicKey] = (),
                    anchors: AnchorSet | None = None) -> AuditReport:
        return self.verify(trusted_keys, [case_chain(instance_id)], anchors)
