"""Deploying BPMN files as versioned definitions (the parsed ones are cached by ``definitions``)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.worktime.clock import Clock, utcnow
from engine.errors import DeploymentError, InvalidInput
from engine.persistence.models import ProcessDefinition
from engine.modeling.model_forms import ModelForms, PendingForm
from engine.modeling.schedules import parse_cycle, sync_schedule
from engine.modeling.parser import DefinitionParser, sha256_of, utf8_document
from engine.runtime.unit_of_work import UnitOfWork
from engine.sop.identity import advance_revision
from engine.values import DeployResult


class Deployer:
    def __init__(self, sessions: sessionmaker[Session], parser: DefinitionParser,
                 clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._parser = parser
        self._clock = clock
        # Called once a new version is committed (the SOP catalog of this process reads it at once).
        self.deploy_listeners: list[Callable[[], None]] = []

    def deploy_file(self, path: Path, actor: str, change_note: str = "") -> DeployResult:
        """Deploy one .bpmn file whose stem is its process id.

        :raises DeploymentError: the file is missing or breaks a convention
        """
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise DeploymentError(f"berkas tidak dapat dibaca: {exc.strerror}", file=str(path)) from exc
        return self.deploy_bytes(content, path.name, actor, change_note, expected_key=path.stem)

    def deploy_bytes(self, content: bytes, filename: str, actor: str, change_note: str = "",
                     expected_key: str | None = None, restored_from: int | None = None,
                     forms: dict[str, PendingForm] | None = None) -> DeployResult:
        """Validate and store a model; identical content is a no-op, changed content the next version.

        A routine process (timer start event) also gets or updates its schedule, in the same transaction.
        ``restored_from``: the earlier version this content is (a roll back), kept in the audit event.
        ``forms``: the new forms the model names (made in the modeler), stored in the same transaction.
        """
        content = utf8_document(content, filename)  # stored as text: a declared ISO-8859-1 or UTF-16 file too
        forms = forms or {}
        parser = self._parser.with_forms({key: form.schema for key, form in forms.items()})
        parsed = parser.parse(content, filename, expected_key, new_version=True)
        if parsed.routine_cycle is not None:
            try:
                parse_cycle(parsed.routine_cycle)
            except InvalidInput as exc:
                raise DeploymentError(exc.message, file=filename) from exc
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            latest = session.scalars(
                select(ProcessDefinition).where(ProcessDefinition.process_key == parsed.process_key)
                .order_by(ProcessDefinition.version.desc()).limit(1).with_for_update()).first()
            if latest is not None and latest.sha256 == parsed.sha256:
                sync_schedule(work, parsed.process_key, parsed.routine_cycle, self._clock(), actor)
                return DeployResult(parsed.process_key, latest.version, latest.id, created=False)
            version = (latest.version if latest else 0) + 1
            row = ProcessDefinition(
                process_key=parsed.process_key, version=version, name=parsed.name,
                bpmn_xml=content.decode("utf-8"), sha256=parsed.sha256, source_file=filename,
                deployed_by=actor, deployed_at=self._clock(), change_note=change_note)
            session.add(row)
            session.flush()
            used = {key: form for key, form in forms.items() if key in {t.form_key for t in parsed.user_tasks.values()}}
            new_forms = ModelForms.store(work, used, parsed.process_key, actor, row.deployed_at)
            work.record(SYSTEM_CHAIN, "definition_deployed", actor=actor, at=row.deployed_at,
                        payload={"process_key": row.process_key, "version": version, "sha256": row.sha256,
                                 "file": filename, "change_note": change_note,
                                 **({"new_forms": new_forms} if new_forms else {}),
                                 **({"restored_from": restored_from} if restored_from is not None else {})})
            advance_revision(work, parsed.process_key, version, change_note, actor, row.deployed_at)
            sync_schedule(work, parsed.process_key, parsed.routine_cycle, row.deployed_at, actor)
            for listener in self.deploy_listeners:
                work.after_commit(listener)
            return DeployResult(parsed.process_key, version, row.id, created=True)

    def deploy_directory(self, directory: Path, actor: str) -> list[DeployResult]:
        return [self.deploy_file(path, actor) for path in sorted(directory.glob("*.bpmn"))]

    def seed_directory(self, directory: Path, actor: str) -> list[DeployResult]:
        """Deploy the files of ``directory`` whose content was never deployed before.

        Used at start-up: a file that matches any earlier version is left alone, so a version a
        process owner deployed from the modeler is not replaced by the older file on restart.
        """
        results = []
        for path in sorted(directory.glob("*.bpmn")):
            known = self._known_version(path.stem, sha256_of(path.read_bytes()))
            results.append(known or self.deploy_file(path, actor))
        return results

    def _known_version(self, process_key: str, sha256: str) -> DeployResult | None:
        with self._sessions() as session:
            if session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.process_key == process_key,
                                                                 ProcessDefinition.sha256 == sha256)) is None:
                return None
            latest = session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_key == process_key)
                                     .order_by(ProcessDefinition.version.desc()).limit(1)).one()
            return DeployResult(process_key, latest.version, latest.id, created=False)


__all__ = ["Deployer", "sha256_of"]
