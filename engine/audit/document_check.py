"""Stored document files, checked against the audit log.

A document is stored once by content, at ``attachments_dir/<sha[:2]>/<sha256>``, and its upload is
an ``attachment_uploaded`` event naming that sha256. A case step uses a document by putting the
sha256 in its submitted form data (``task_completed``; the start data of ``instance_started``).
Verification hashes each file again and reports, by case, step and file name:

- ``changed``: the file's content no longer hashes to the sha256 of its upload event;
- ``missing``: a document a step submitted has no file any more;
- ``extra``: a step's stored data shows a document its logged data does not, or a file lies in the
  store that no upload event names;
- ``not_uploaded``: a step's logged data names a document no upload event records.

The documents of a case removed under the retention schedule (``engine.audit.removals``) are not
looked for: ``alur retention apply`` deleted the files no other case uses.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.chain import case_chain
from engine.audit.removals import gone_cases
from engine.persistence.models import AuditEvent, HumanTask

UPLOAD_EVENT = "attachment_uploaded"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024
_START_STEP = "(data awal kasus)"  # documents handed in with the case's start data


@dataclass(frozen=True)
class DocumentProblem:
    kind: str  # changed, missing, extra, not_uploaded
    filename: str
    sha256: str | None = None
    instance_id: int | None = None
    step: str | None = None
    task_id: str | None = None
    field: str | None = None
    detail: str = ""

    def __str__(self) -> str:
        where = f"case {self.instance_id}, step '{self.step}'" if self.instance_id is not None else "store"
        field = f", field {self.field}" if self.field else ""
        sha = f" (sha256 {self.sha256[:12]}…)" if self.sha256 else ""
        return f"{where}{field}: document '{self.filename}'{sha} {self.kind.upper()}: {self.detail}"


@dataclass(frozen=True)
class _Use:
    """A document a case step carries in its data."""

    instance_id: int
    task_id: str | None
    step: str
    field: str
    sha256: str


def check_documents(session: Session, attachments_dir: Path, instance_ids: Iterable[int] | None = None
                    ) -> list[DocumentProblem]:
    """The given cases' documents, or with ``None`` every case's and every file in the store."""
    wanted = set(instance_ids) if instance_ids is not None else None
    uploads = _uploads(session)
    hashes = _FileHashes(Path(attachments_dir))
    gone = gone_cases(session)
    logged = [use for use in _logged_uses(session, wanted) if use.instance_id not in gone]
    problems: list[DocumentProblem] = []
    for use in logged:
        name = uploads.get(use.sha256)
        if name is None:
            problems.append(_problem("not_uploaded", use, use.sha256, "no upload event records this document"))
            continue
        found = hashes.of(use.sha256)
        if found is None:
            problems.append(_problem("missing", use, name, "the file is no longer in the document store"))
        elif found != use.sha256:
            problems.append(_problem("changed", use, name, f"the file now hashes to {found[:12]}…, not to the "
                                     "sha256 of its upload"))
    problems += _extra_in_tables(session, wanted, logged, uploads)
    if wanted is None:
        problems += _store_problems(hashes, uploads, {use.sha256 for use in logged})
    return problems


def _problem(kind: str, use: _Use, filename: str, detail: str) -> DocumentProblem:
    return DocumentProblem(kind, filename, use.sha256, use.instance_id, use.step, use.task_id, use.field, detail)


def _uploads(session: Session) -> dict[str, str]:
    """sha256 -> file name, from the upload events."""
    found: dict[str, str] = {}
    for payload_json in session.scalars(select(AuditEvent.payload_json).where(  # case chains, and older system ones
            AuditEvent.event_type == UPLOAD_EVENT)):
        payload = json.loads(payload_json)
        if isinstance(payload.get("sha256"), str):
            found.setdefault(payload["sha256"], str(payload.get("filename") or payload["sha256"]))
    return found


def documents_in(data: Any) -> list[tuple[str, str]]:
    """(field, sha256) of the top-level fields of form data that hold a document."""
    if not isinstance(data, dict):
        return []
    return [(name, value) for name, value in data.items() if isinstance(value, str) and _SHA256.fullmatch(value)]


def _logged_uses(session: Session, wanted: set[int] | None) -> list[_Use]:
    query = select(AuditEvent.instance_id, AuditEvent.event_type, AuditEvent.payload_json).where(
        AuditEvent.event_type.in_(("task_completed", "instance_started")))
    if wanted is not None:
        query = query.where(AuditEvent.chain.in_([case_chain(i) for i in sorted(wanted)]))
    else:
        query = query.where(AuditEvent.chain.like("instance:%"))
    uses = []
    for instance_id, kind, payload_json in session.execute(query.order_by(AuditEvent.chain, AuditEvent.seq)):
        payload = json.loads(payload_json)
        task_id = payload.get("task_id") if kind == "task_completed" else None
        step = str(payload.get("name") or payload.get("element_id")) if task_id else _START_STEP
        uses += [_Use(instance_id, task_id, step, field, sha) for field, sha in documents_in(payload.get("data"))]
    return uses


def _extra_in_tables(session: Session, wanted: set[int] | None, logged: list[_Use],
                     uploads: dict[str, str]) -> list[DocumentProblem]:
    """Documents a step's stored data shows that its logged data does not (a forged attachment)."""
    by_task = {(use.task_id, use.sha256) for use in logged if use.task_id}
    query = select(HumanTask.id, HumanTask.instance_id, HumanTask.name, HumanTask.data_json).where(
        HumanTask.data_json.is_not(None))
    if wanted is not None:
        query = query.where(HumanTask.instance_id.in_(sorted(wanted)))
    problems = []
    for task_id, instance_id, name, data_json in session.execute(query.order_by(HumanTask.instance_id, HumanTask.id)):
        try:
            data = json.loads(data_json)
        except ValueError:
            continue  # the table check reports the column
        for field, sha in documents_in(data):
            if (task_id, sha) not in by_task:
                problems.append(DocumentProblem(
                    "extra", uploads.get(sha, sha), sha, instance_id, name, task_id, field,
                    "the step's stored data shows this document; its logged data does not"))
    return problems


def _store_problems(hashes: _FileHashes, uploads: dict[str, str], used: set[str]) -> list[DocumentProblem]:
    """Files in the store no upload names; uploads no case uses whose file changed or went."""
    problems = [DocumentProblem("extra", relative, None, detail="no upload event names this file")
                for relative in hashes.unnamed(set(uploads))]
    for sha, name in sorted(uploads.items()):
        if sha in used:
            continue
        found = hashes.of(sha)
        if found is not None and found != sha:
            problems.append(DocumentProblem("changed", name, sha, detail=f"the file now hashes to {found[:12]}…, "
                                            "not to the sha256 of its upload"))
    return problems


class _FileHashes:
    """The sha256 of each stored file, read once."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._known: dict[str, str | None] = {}

    def of(self, sha256: str) -> str | None:
        """The file's current sha256, or None when there is no file."""
        if sha256 not in self._known:
            self._known[sha256] = _file_sha256(self._root / sha256[:2] / sha256)
        return self._known[sha256]

    def unnamed(self, named: set[str]) -> list[str]:
        """Files in the store (outside its ``tmp`` folder) that are not where a named upload lies."""
        if not self._root.is_dir():
            return []
        found = []
        for path in sorted(self._root.rglob("*")):
            relative = path.relative_to(self._root)
            if not path.is_file() or relative.parts[0] == "tmp":
                continue
            if not (len(relative.parts) == 2 and relative.name in named and relative.parts[0] == relative.name[:2]):
                found.append(relative.as_posix())
        return found


def _file_sha256(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
