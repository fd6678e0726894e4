"""Signed checkpoints of the audit chain heads, with an Ed25519 key kept outside the database.

A hash chain shows an edit, but someone with write access to the database can rewrite a whole
chain, hash it again and update its head row. A checkpoint records chain heads (chain, seq, hash)
at a moment and is signed with a key the database never holds; a rewrite at or below a
checkpointed seq then no longer matches the signed head. To stay small, a checkpoint lists only
the heads that moved since the previous one (the first lists all) and carries the sha256 of the
previous one, so the checkpoints together sign every head at every moment, and deleting one from
the middle shows. Each also carries its ``number`` (1, 2, 3 …, signed), and is written as a signed
file to the checkpoint folder (``Settings.checkpoint_dir``), kept outside the database: deleting the
newest checkpoints from the database then shows against those files (``engine.audit.anchors``).

Checkpoints are on by default: ``alur init`` writes a key file (``ensure_signing_key``) under the
instance folder unless a key is configured, and the worker signs with it.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import canonical_json
from engine.worktime.clock import Clock, utcnow
from engine.errors import EngineError
from engine.persistence.models import AuditChainHead, AuditCheckpoint, AuditCheckpointHead, ProcessDefinition
from engine.runtime.unit_of_work import UnitOfWork

CHECKPOINT_FORMAT = "alur-checkpoint-1"
KEY_FILE_ENV = "ALUR_AUDIT_KEY_FILE"
KEY_ENV = "ALUR_AUDIT_KEY"
PUBLIC_KEY_ENV = "ALUR_AUDIT_PUBLIC_KEY"


class AuditKeyError(EngineError):
    """The signing or verification key is missing or unreadable."""

    code = "audit_key_error"


class CheckpointFileError(EngineError):
    """A checkpoint could not be kept as a file outside the database (it is stored in the database)."""

    code = "checkpoint_file_error"


# -- keys ---------------------------------------------------------------------------------------

def generate_key_file(path: Path, overwrite: bool = False) -> Ed25519PrivateKey:
    """Write a new private key (PEM, PKCS#8) readable by its owner only, and ``<path>.pub`` beside it.

    :raises AuditKeyError: the file exists and ``overwrite`` is False
    """
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        handle = os.open(path, flags, 0o600)
    except FileExistsError as exc:
        raise AuditKeyError(f"Berkas kunci sudah ada: {path}", path=str(path)) from exc
    with os.fdopen(handle, "wb") as out:
        out.write(pem)
    os.chmod(path, 0o600)  # also when an existing file was overwritten
    Path(f"{path}.pub").write_text(public_key_text(key.public_key()) + "\n", encoding="ascii")
    return key


def public_key_text(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key in base64: what a verifier needs, safe to publish."""
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def key_id(public_text: str) -> str:
    return hashlib.sha256(public_text.encode("ascii")).hexdigest()[:16]


def load_private_key(material: str | bytes) -> Ed25519PrivateKey:
    """A private key from PEM text or the base64 of its 32 raw bytes.

    :raises AuditKeyError: not an Ed25519 private key
    """
    raw = material.encode() if isinstance(material, str) else material
    try:
        if b"-----BEGIN" in raw:
            key = serialization.load_pem_private_key(raw, password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(raw.strip(), validate=True))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise AuditKeyError(f"Kunci privat audit tidak dapat dibaca: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError("Kunci privat audit bukan kunci Ed25519")
    return key


def load_public_key(material: str | bytes) -> Ed25519PublicKey:
    """A public key from PEM text or the base64 of its 32 raw bytes (as ``alur audit keygen`` prints it).

    :raises AuditKeyError: not an Ed25519 public key
    """
    raw = material.encode() if isinstance(material, str) else material
    try:
        if b"-----BEGIN" in raw:
            key = serialization.load_pem_public_key(raw)
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(raw.strip(), validate=True))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise AuditKeyError(f"Kunci publik audit tidak dapat dibaca: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError("Kunci publik audit bukan kunci Ed25519")
    return key


def signing_key_from_env(environ: Mapping[str, str]) -> Ed25519PrivateKey:
    """The signing key from ``ALUR_AUDIT_KEY_FILE`` (a path) or ``ALUR_AUDIT_KEY`` (the key itself).

    :raises AuditKeyError: neither is set, or the key cannot be read
    """
    if environ.get(KEY_FILE_ENV):
        path = Path(environ[KEY_FILE_ENV])
        try:
            return load_private_key(path.read_bytes())
        except OSError as exc:
            raise AuditKeyError(f"Berkas kunci audit tidak dapat dibaca: {path}: {exc.strerror}",
                                path=str(path)) from exc
    if environ.get(KEY_ENV):
        return load_private_key(environ[KEY_ENV])
    raise AuditKeyError(f"Kunci penanda tangan audit belum diatur ({KEY_FILE_ENV} atau {KEY_ENV}); "
                        "buat dengan 'alur audit keygen'")


def signing_key(environ: Mapping[str, str], default_file: Path | None) -> Ed25519PrivateKey | None:
    """The configured signing key (``signing_key_from_env``), else the key file ``alur init`` wrote
    (``Settings.audit_key_file``) if it exists; None when there is neither.

    :raises AuditKeyError: a key is configured but cannot be read
    """
    if environ.get(KEY_FILE_ENV) or environ.get(KEY_ENV):
        return signing_key_from_env(environ)
    if default_file is not None and default_file.is_file():
        return signing_key_from_env({KEY_FILE_ENV: str(default_file)})
    return None


def ensure_signing_key(environ: Mapping[str, str], default_file: Path | None) -> tuple[Path, bool] | None:
    """Checkpoints on by default: write the key file (mode 0600, its folder made) unless it exists or
    the key is given inline (``ALUR_AUDIT_KEY``). Returns (the file, whether it was made now), or None.

    :raises AuditKeyError: the file cannot be written
    """
    if environ.get(KEY_ENV) and not environ.get(KEY_FILE_ENV):
        return None
    path = Path(environ[KEY_FILE_ENV]) if environ.get(KEY_FILE_ENV) else default_file
    if path is None:
        return None
    if path.exists():
        return path, False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AuditKeyError(f"Folder kunci audit tidak dapat dibuat: {path.parent}: {exc.strerror}",
                            path=str(path)) from exc
    generate_key_file(path)
    return path, True


def trusted_keys_from_env(environ: Mapping[str, str], extra: Iterable[str] = (),
                          default_file: Path | None = None) -> list[Ed25519PublicKey]:
    """Public keys checkpoints are checked against: ``ALUR_AUDIT_PUBLIC_KEY`` (key text or a file path,
    several separated by commas), the public half of a configured signing key (or of the key file
    ``default_file`` made by ``alur init``), and ``extra``.

    :raises AuditKeyError: a configured key cannot be read
    """
    texts = [t.strip() for t in environ.get(PUBLIC_KEY_ENV, "").split(",") if t.strip()] + list(extra)
    keys = [load_public_key(_file_or_text(t)) for t in texts]
    own = signing_key(environ, default_file)
    if own is not None:
        keys.append(own.public_key())
    return keys


def _file_or_text(value: str) -> str:
    path = Path(value)
    try:
        return path.read_text(encoding="ascii") if path.is_file() else value
    except OSError as exc:
        raise AuditKeyError(f"Berkas kunci publik tidak dapat dibaca: {value}: {exc.strerror}") from exc


# -- checkpoints --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChainHeadValue:
    chain: str
    seq: int
    hash: str


@dataclass(frozen=True)
class CheckpointView:
    checkpoint_id: int
    number: int
    created_at: datetime
    created_by: str
    key_id: str
    heads: tuple[ChainHeadValue, ...]
    body_json: str
    signature: str
    public_key: str

    def to_dict(self) -> dict[str, Any]:
        """The checkpoint as a verifier outside Alur needs it: the signed text, signature and key."""
        return {"checkpoint_id": self.checkpoint_id, "number": self.number, "body": self.body_json,
                "signature": self.signature, "public_key": self.public_key, "key_id": self.key_id,
                "algorithm": "Ed25519"}


def checkpoint_view(row: AuditCheckpoint) -> CheckpointView:
    return CheckpointView(row.id, checkpoint_number(row), row.created_at, row.created_by, row.key_id,
                          heads_of(row.body_json), row.body_json, row.signature, row.public_key)


def number_of(body_json: str) -> int | None:
    """The signed ``number`` of a checkpoint body; None in checkpoints made before it was signed."""
    try:
        value = json.loads(body_json).get("number")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def checkpoint_number(row: AuditCheckpoint) -> int:
    """The checkpoint's number: the signed one, or its row id for checkpoints made before numbers were signed."""
    return number_of(row.body_json) or row.id


def heads_of(body_json: str) -> tuple[ChainHeadValue, ...]:
    """The chain heads a checkpoint body lists; empty when the body is not a checkpoint."""
    try:
        body = json.loads(body_json)
        return tuple(ChainHeadValue(str(c), int(s), str(h)) for c, s, h in body["heads"])
    except (ValueError, KeyError, TypeError):
        return ()


def body_digest(body_json: str) -> str:
    return hashlib.sha256(body_json.encode("utf-8")).hexdigest()


def current_heads(session: Session) -> tuple[ChainHeadValue, ...]:
    rows = session.execute(select(AuditChainHead.chain, AuditChainHead.seq, AuditChainHead.hash)
                           .order_by(AuditChainHead.chain))
    return tuple(ChainHeadValue(chain, seq, digest) for chain, seq, digest in rows)


def signed_heads(session: Session) -> dict[str, ChainHeadValue]:
    """The latest checkpointed head of every chain (from the checkpoint rows; a cache of the signed bodies)."""
    latest = (select(AuditCheckpointHead.chain, func.max(AuditCheckpointHead.checkpoint_id).label("cid"))
              .group_by(AuditCheckpointHead.chain).subquery())
    rows = session.execute(select(AuditCheckpointHead.chain, AuditCheckpointHead.seq, AuditCheckpointHead.hash)
                           .join(latest, (latest.c.chain == AuditCheckpointHead.chain)
                                 & (latest.c.cid == AuditCheckpointHead.checkpoint_id)))
    return {chain: ChainHeadValue(chain, seq, digest) for chain, seq, digest in rows}


def latest_checkpoint_row(session: Session) -> AuditCheckpoint | None:
    return session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).first()


def make_checkpoint(session: Session, signing_key: Ed25519PrivateKey, actor: str, now: datetime,
                    force: bool = False) -> CheckpointView | None:
    """Sign, in the caller's transaction, the head of every chain that moved since the latest checkpoint.

    The first checkpoint lists every head; each later one lists the chains that moved and the sha256
    of its predecessor, so together they sign every head at every checkpoint. Returns None (storing
    nothing) when no chain moved and ``force`` is False: a periodic job adds rows only when needed.
    ``force`` signs every head again (a full checkpoint, e.g. to hand to an auditor).
    """
    _one_signer_at_a_time(session)
    heads = current_heads(session)
    if not force:
        covered = signed_heads(session)
        heads = tuple(h for h in heads if covered.get(h.chain) != h)
        if not heads:
            return None
    previous = latest_checkpoint_row(session)
    body_json = canonical_json({
        "format": CHECKPOINT_FORMAT, "number": checkpoint_number(previous) + 1 if previous else 1,
        "created_at": now.isoformat(), "created_by": actor, "full": force,
        "previous_id": previous.id if previous else None,
        "previous_sha256": body_digest(previous.body_json) if previous else None,
        "heads": [[h.chain, h.seq, h.hash] for h in heads],
    })
    public = public_key_text(signing_key.public_key())
    row = AuditCheckpoint(created_at=now, created_by=actor, body_json=body_json,
                          signature=base64.b64encode(signing_key.sign(body_json.encode("utf-8"))).decode(),
                          public_key=public, key_id=key_id(public), chain_count=len(heads))
    session.add(row)
    session.flush()
    session.add_all(AuditCheckpointHead(checkpoint_id=row.id, chain=h.chain, seq=h.seq, hash=h.hash)
                    for h in heads)
    return checkpoint_view(row)


# pg_advisory_xact_lock key of checkpoint signing ("alurchkp" as a 64-bit integer)
CHECKPOINT_LOCK = int.from_bytes(b"alurchkp", "big") - 2 ** 63


def _one_signer_at_a_time(session: Session) -> None:
    """Hold the checkpoint lock until the caller's transaction ends. Two workers signing at once would
    otherwise both take the latest checkpoint as their predecessor: two checkpoints of one number, a
    forked sequence that verification rightly refuses. On PostgreSQL a transaction-level advisory lock
    makes the second wait, then find the heads signed (or sign only what moved since); SQLite's
    writers are serialised by ``BEGIN IMMEDIATE`` already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHECKPOINT_LOCK})


def signature_valid(body_json: str, signature: str, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), body_json.encode("utf-8"))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def checkpoint_file_name(number: int) -> str:
    return f"checkpoint-{number:06d}.json"


def write_checkpoint_file(directory: Path, checkpoint: CheckpointView) -> Path:
    """The signed checkpoint as a file in ``directory`` (made if missing); an existing file is kept.

    :raises CheckpointFileError: the file cannot be written, or one of that number holds another
        checkpoint (the folder belongs to another database, e.g. one made afresh)
    """
    path = directory / checkpoint_file_name(checkpoint.number)
    text = json.dumps(checkpoint.to_dict(), indent=2) + "\n"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError as exc:
        if _body_in(path.read_text(encoding="utf-8")) != checkpoint.body_json:
            raise CheckpointFileError(f"Berkas checkpoint {path} sudah berisi checkpoint lain: folder checkpoint ini "
                                "milik basis data lain", path=str(path)) from exc
    except OSError as exc:
        raise CheckpointFileError(f"Berkas checkpoint tidak dapat ditulis: {path}: {exc.strerror}",
                                  path=str(path)) from exc
    return path


def _body_in(text: str) -> object:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value.get("body") if isinstance(value, dict) else None


class Checkpoints:
    """Use cases: make a checkpoint (periodically from the worker, or on demand), list them."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow, directory: Path | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        self.directory = directory  # each checkpoint is also written here, outside the database

    def make_checkpoint(self, signing_key: Ed25519PrivateKey, actor: str = "system",
                        force: bool = False) -> CheckpointView | None:
        """Sign the chain heads that moved (all with ``force``); None when nothing moved. Once stored,
        the checkpoint is written to the checkpoint folder (or, when nothing moved, the latest one
        again if its file is missing, e.g. a write failed before).

        The worker calls this periodically and after a deploy; ``alur audit checkpoint`` on demand.

        :raises CheckpointFileError: the checkpoint is stored but its file could not be written
        """
        with UnitOfWork.begin(self._sessions) as work:
            checkpoint = make_checkpoint(work.session, signing_key, actor, self._clock(), force=force)
        if self.directory is not None:
            written = checkpoint or self.latest()
            if written is not None:
                write_checkpoint_file(self.directory, written)
        return checkpoint

    def latest_definition_id(self) -> int | None:
        """The newest deployment (the worker signs a checkpoint once it sees a new one)."""
        with self._sessions() as session:
            return session.scalar(select(func.max(ProcessDefinition.id)))

    def latest(self) -> CheckpointView | None:
        with self._sessions() as session:
            row = latest_checkpoint_row(session)
            return checkpoint_view(row) if row else None

    def recent(self, limit: int = 50) -> list[CheckpointView]:
        with self._sessions() as session:
            rows = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(limit))
            return [checkpoint_view(r) for r in rows]


def trusted_key_texts(keys: Sequence[Ed25519PublicKey]) -> set[str]:
    return {public_key_text(k) for k in keys}
