"""The deployed versions of each SOP: who deployed them, when, why, how many cases run on each,
and what changed between two of them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import DefinitionNotFound
from engine.modeling.diff import ModelDiff, diff_models
from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance

MAX_LISTED_CASES = 200


@dataclass(frozen=True)
class VersionInfo:
    definition_id: int
    process_key: str
    version: int
    name: str
    sha256: str
    deployed_by: str
    deployed_at: datetime
    change_note: str
    running_cases: int
    finished_cases: int  # completed or cancelled


@dataclass(frozen=True)
class ProcessHeadline:
    process_key: str
    name: str
    latest_version: int
    latest_definition_id: int
    running_cases: int


@dataclass(frozen=True)
class RunningCase:
    instance_id: int
    business_key: str | None
    started_by: str
    started_at: datetime
    version: int  # the optimistic-locking counter of the instance row
    open_steps: tuple[str, ...]  # names of the open tasks
    open_step_ids: tuple[str, ...] = ()  # their element ids, in the same order


def definition_id_of(session: Session, process_key: str, version: int) -> int:
    """:raises DefinitionNotFound: no such version"""
    definition_id = session.scalar(select(ProcessDefinition.id).where(
        ProcessDefinition.process_key == process_key, ProcessDefinition.version == version))
    if definition_id is None:
        raise DefinitionNotFound(f"Versi {version} dari proses '{process_key}' tidak ada",
                                 process_key=process_key, version=version)
    return definition_id


class Versions:
    """Read-only: the version history of deployed processes."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def processes(self) -> list[ProcessHeadline]:
        """Every deployed process with its latest version, in process-key order."""
        with self._sessions() as session:
            latest = select(ProcessDefinition.process_key, func.max(ProcessDefinition.version).label("v")) \
                .group_by(ProcessDefinition.process_key).subquery()
            rows = session.execute(select(ProcessDefinition).join(latest, (
                ProcessDefinition.process_key == latest.c.process_key) & (ProcessDefinition.version == latest.c.v))
                .order_by(ProcessDefinition.process_key)).scalars().all()
            running = dict(session.execute(select(ProcessInstance.process_key, func.count()).where(
                ProcessInstance.status == "running").group_by(ProcessInstance.process_key)).tuples().all())
            return [ProcessHeadline(r.process_key, r.name, r.version, r.id, running.get(r.process_key, 0))
                    for r in rows]

    def list_versions(self, process_key: str) -> list[VersionInfo]:
        """Every version of a process, newest first, with its case counts.

        :raises DefinitionNotFound: the process was never deployed
        """
        with self._sessions() as session:
            rows = session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_key == process_key)
                                   .order_by(ProcessDefinition.version.desc())).all()
            if not rows:
                raise DefinitionNotFound(f"Proses '{process_key}' belum di-deploy", process_key=process_key)
            counts: dict[tuple[int, bool], int] = {}
            for definition_id, status, count in session.execute(
                    select(ProcessInstance.definition_id, ProcessInstance.status, func.count())
                    .where(ProcessInstance.process_key == process_key)
                    .group_by(ProcessInstance.definition_id, ProcessInstance.status)):
                key = (definition_id, status == "running")
                counts[key] = counts.get(key, 0) + count
            return [VersionInfo(
                definition_id=r.id, process_key=r.process_key, version=r.version, name=r.name, sha256=r.sha256,
                deployed_by=r.deployed_by, deployed_at=r.deployed_at, change_note=r.change_note or "",
                running_cases=counts.get((r.id, True), 0), finished_cases=counts.get((r.id, False), 0))
                for r in rows]

    def definition_xml(self, process_key: str, version: int) -> str:
        """The BPMN XML of one version, exactly as deployed.

        :raises DefinitionNotFound:
        """
        with self._sessions() as session:
            xml = session.scalar(select(ProcessDefinition.bpmn_xml).where(
                ProcessDefinition.process_key == process_key, ProcessDefinition.version == version))
        if xml is None:
            raise DefinitionNotFound(f"Versi {version} dari proses '{process_key}' tidak ada",
                                     process_key=process_key, version=version)
        return xml

    def diff(self, process_key: str, from_version: int, to_version: int) -> ModelDiff:
        """What changed from one version to another (elements added, removed, changed).

        :raises DefinitionNotFound: either version does not exist
        """
        old = self.definition_xml(process_key, from_version)
        new = self.definition_xml(process_key, to_version)
        return diff_models(old.encode("utf-8"), new.encode("utf-8"))

    def running_cases(self, process_key: str, version: int, limit: int = MAX_LISTED_CASES) -> list[RunningCase]:
        """Running cases of one version, oldest first, with their open steps.

        :raises DefinitionNotFound:
        """
        with self._sessions() as session:
            definition_id = definition_id_of(session, process_key, version)
            instances = session.execute(
                select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.started_by,
                       ProcessInstance.started_at, ProcessInstance.version)
                .where(ProcessInstance.definition_id == definition_id, ProcessInstance.status == "running")
                .order_by(ProcessInstance.started_at, ProcessInstance.id).limit(limit)).all()
            steps: dict[int, list[tuple[str, str]]] = {}
            if instances:
                for instance_id, name, element_id in session.execute(
                        select(HumanTask.instance_id, HumanTask.name, HumanTask.element_id).where(
                            HumanTask.instance_id.in_([i.id for i in instances]),
                            HumanTask.state.in_(("ready", "claimed"))).order_by(HumanTask.created_at)):
                    steps.setdefault(instance_id, []).append((name, element_id))
            return [RunningCase(i.id, i.business_key, i.started_by, i.started_at, i.version,
                                tuple(name for name, _ in steps.get(i.id, ())),
                                tuple(element_id for _, element_id in steps.get(i.id, ()))) for i in instances]
