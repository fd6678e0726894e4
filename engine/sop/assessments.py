"""The PermenPAN-RB 35/2012 forms of each SOP, stored, versioned and audited: the Monitoring Pelaksanaan
SOP AP per semester and the Evaluasi Penerapan SOP AP per year.

Alur drafts a form from the SOP's figures (``engine.sop.assessment_drafts``); the penilai SOP edits it
(Penilaian or Ya/Tidak, Catatan, Tindakan, the header) and signs it off, which initials every row and
makes that version read-only. A change after that is a new version, drafted from the signed one with the
figures as they are then. Every change is one transaction with its audit event on ``ASSESSMENT_CHAIN``.
Supervisors of the SOP's steps, the Kepala Dinas, process owners and auditors read them.
"""
from __future__ import annotations

import json
from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from engine.permissions import Permissions, may_assess_sops, may_model
from engine.persistence.db import read_only_session
from engine.persistence.models import ProcessDefinition, SopAssessment, UserAccount
from engine.reading.dashboard import task_roles
from engine.reading.periods import Period, period_of
from engine.reading.sop_figures import SopFiguresReader
from engine.runtime.unit_of_work import UnitOfWork
from engine.sop import assessment_drafts as drafts
from engine.sop.assessment_input import apply_values, require_complete
from engine.sop.identity import follow_revision
from engine.worktime.clock import Clock, utcnow
from engine.worktime.work_calendar import WITA

ASSESSMENT_CHAIN = "sop:assessment"
KINDS = {"monitoring": "Monitoring Pelaksanaan SOP AP", "evaluasi": "Evaluasi Penerapan SOP AP"}
UNIT_KERJA = "Bidang Teknologi Informasi dan Komunikasi, Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur"


class AssessmentNotFound(NotFound):
    code = "assessment_not_found"


@dataclass(frozen=True)
class AssessmentView:
    assessment_id: int
    kind: str  # monitoring, evaluasi
    title: str
    process_key: str
    sop_name: str
    period: Period
    version: int
    definition_version: int
    status: str  # draft, signed
    content: dict[str, Any]
    evidence: dict[str, Any]
    edits: int
    drafted_by: str
    drafted_at: datetime
    changed_by: str
    changed_at: datetime
    signed_by: str | None
    signed_name: str | None
    signed_at: datetime | None
    latest: bool  # no later version of the same SOP and period
    revision_version: int | None = None  # the model version its findings led to

    @property
    def signed(self) -> bool:
        return self.status == "signed"


@dataclass(frozen=True)
class RevisionChoice:
    version: int
    deployed_at: datetime
    change_note: str


def period_for(kind: str, year: int, semester: int | None) -> Period:
    """:raises InvalidInput: an unknown kind, a bad year or semester"""
    if kind not in KINDS:
        raise InvalidInput(f"Jenis formulir tidak dikenal: {kind}", field="jenis")
    if kind == "monitoring":
        return period_of("semester", year, semester)
    return period_of("year", year)


class SopAssessments:
    def __init__(self, sessions: sessionmaker[Session], figures: SopFiguresReader, permissions: Permissions,
                 clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._figures = figures
        self._may = permissions
        self._clock = clock

    # -- reading -------------------------------------------------------------------------------------

    def may_read(self, roles: Set[str], process_key: str) -> bool:
        found = self._figures.latest([process_key])
        return bool(found) and (self._may.oversees_sop(task_roles(found[0][1]), roles) or may_assess_sops(roles))

    def list_forms(self, roles: Set[str], process_key: str | None = None) -> list[AssessmentView]:
        """Every version of every form of the SOPs the reader oversees, newest period first."""
        query = select(SopAssessment).order_by(SopAssessment.period_key.desc(), SopAssessment.process_key,
                                               SopAssessment.kind, SopAssessment.version.desc())
        if process_key is not None:
            query = query.where(SopAssessment.process_key == process_key)
        with read_only_session(self._sessions) as session:
            rows = list(session.scalars(query))
            latest = self._latest_versions(session)
        readable = {key for key in {row.process_key for row in rows} if self.may_read(roles, key)}
        return [_view(row, latest) for row in rows if row.process_key in readable]

    def get(self, assessment_id: int, roles: Set[str]) -> AssessmentView:
        """:raises AssessmentNotFound:  :raises PermissionDenied: the reader does not oversee the SOP"""
        with read_only_session(self._sessions) as session:
            row = _row(session, assessment_id)
            latest = self._latest_versions(session, row)
        if not self.may_read(roles, row.process_key):
            raise PermissionDenied("Formulir monitoring dan evaluasi SOP ini bukan untuk Anda",
                                   assessment_id=assessment_id)
        return _view(row, latest)

    # -- the use cases -------------------------------------------------------------------------------

    def draft(self, kind: str, process_key: str, year: int, semester: int | None, actor: str,
              roles: Set[str]) -> AssessmentView:
        """Draft version 1 of the form of this SOP and period from its figures.

        :raises PermissionDenied: not a penilai SOP  :raises InvalidInput: a bad kind or period, or one
            not begun yet  :raises DefinitionNotFound: the SOP was never deployed
        :raises Conflict: the form of this SOP and period exists already (edit it, or make a new version)
        """
        _require_assessor(roles)
        period = period_for(kind, year, semester)
        now = self._clock()
        if period.start > now:
            raise InvalidInput("Periode ini belum dimulai", field="tahun")
        evidence, definition_version = self._evidence(process_key, period)
        content = _new_content(kind, evidence, now)
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            found = session.scalar(select(SopAssessment.id).where(
                SopAssessment.kind == kind, SopAssessment.process_key == process_key,
                SopAssessment.period_key == period.key))
            if found is not None:
                raise Conflict(f"{KINDS[kind]} SOP ini untuk periode {period.key} sudah ada", assessment_id=found)
            row = SopAssessment(kind=kind, process_key=process_key, period_key=period.key, version=1,
                                definition_version=definition_version, status="draft",
                                content_json=_dump(content), evidence_json=_dump(evidence), edits=0,
                                drafted_by=actor, drafted_at=now, changed_by=actor, changed_at=now)
            session.add(row)
            session.flush()
            event = "sop_monitoring_drafted" if kind == "monitoring" else "sop_evaluasi_drafted"
            work.record(ASSESSMENT_CHAIN, event, actor=actor, at=now, payload={
                "assessment_id": row.id, "process_key": process_key, "period": period.key, "version": 1,
                "content": content, "evidence": evidence})
            return _view(row, {(kind, process_key, period.key): 1})

    def edit(self, assessment_id: int, edits_seen: int, values: dict[str, Any], actor: str,
             roles: Set[str]) -> AssessmentView:
        """Change the draft's header and rows (``values`` as ``content`` holds them; what is left out
        stays). Nothing changed, nothing recorded.

        :raises PermissionDenied: not a penilai SOP  :raises AssessmentNotFound:
        :raises Conflict: signed already, or changed by someone else since ``edits_seen``
        :raises InvalidInput: a value out of its choices, a date or text malformed (nothing is stored)
        """
        _require_assessor(roles)
        with UnitOfWork.begin(self._sessions) as work:
            row = _row(work.session, assessment_id)
            _require_draft(row, edits_seen)
            content = json.loads(row.content_json)
            changed = apply_values(row.kind, content, values)
            if not changed:
                return _view(row, self._latest_versions(work.session, row))
            now = self._clock()
            row.content_json, row.edits, row.changed_by, row.changed_at = _dump(content), row.edits + 1, actor, now
            event = "sop_monitoring_edited" if row.kind == "monitoring" else "sop_evaluasi_edited"
            work.record(ASSESSMENT_CHAIN, event, actor=actor, at=now, payload={
                "assessment_id": row.id, "process_key": row.process_key, "period": row.period_key,
                "version": row.version, "changes": changed})
            return _view(row, self._latest_versions(work.session, row))

    def sign_off(self, assessment_id: int, edits_seen: int, actor: str, roles: Set[str]) -> AssessmentView:
        """Sign the draft off (Paraf penilai on every row): from then on it is read-only.

        :raises PermissionDenied: not a penilai SOP  :raises AssessmentNotFound:
        :raises Conflict: signed already, or changed since ``edits_seen``
        :raises InvalidInput: the period is not over, or a row or the header is not filled in
        """
        _require_assessor(roles)
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            row = _row(session, assessment_id)
            _require_draft(row, edits_seen)
            now = self._clock()
            period = _period_of_row(row)
            if period.end > now:
                raise InvalidInput(f"Periode {period.key} belum berakhir; formulir dapat disahkan setelahnya",
                                   field="periode")
            require_complete(row.kind, json.loads(row.content_json))
            name = session.scalar(select(UserAccount.full_name).where(UserAccount.username == actor)) or actor
            row.status, row.signed_by, row.signed_name, row.signed_at = "signed", actor, name, now
            row.changed_by, row.changed_at, row.edits = actor, now, row.edits + 1
            event = "sop_monitoring_signed" if row.kind == "monitoring" else "sop_evaluasi_signed"
            work.record(ASSESSMENT_CHAIN, event, actor=actor, at=now, payload={
                "assessment_id": row.id, "process_key": row.process_key, "period": row.period_key,
                "version": row.version, "content": json.loads(row.content_json), "signed_name": name})
            return _view(row, self._latest_versions(session, row))

    def new_version(self, assessment_id: int, actor: str, roles: Set[str]) -> AssessmentView:
        """A new draft from the latest signed version: its texts and answers kept, the figures (and
        Alur's proposals) as they are now.

        :raises PermissionDenied: not a penilai SOP  :raises AssessmentNotFound:
        :raises Conflict: not signed yet, or not the latest version
        """
        _require_assessor(roles)
        with read_only_session(self._sessions) as session:
            source = _row(session, assessment_id)
            period = _period_of_row(source)
        evidence, definition_version = self._evidence(source.process_key, period)
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            row = _row(session, assessment_id)
            latest = self._latest_versions(session, row)[(row.kind, row.process_key, row.period_key)]
            if row.status != "signed" or latest != row.version:
                raise Conflict("Versi baru dibuat dari versi terakhir yang sudah disahkan",
                               assessment_id=assessment_id)
            now = self._clock()
            content = _carried(row.kind, json.loads(row.content_json), evidence, now)
            new = SopAssessment(kind=row.kind, process_key=row.process_key, period_key=row.period_key,
                                version=row.version + 1, definition_version=definition_version, status="draft",
                                content_json=_dump(content), evidence_json=_dump(evidence), edits=0,
                                drafted_by=actor, drafted_at=now, changed_by=actor, changed_at=now)
            session.add(new)
            session.flush()
            event = "sop_monitoring_revised" if row.kind == "monitoring" else "sop_evaluasi_revised"
            work.record(ASSESSMENT_CHAIN, event, actor=actor, at=now, payload={
                "assessment_id": new.id, "previous_id": row.id, "process_key": row.process_key,
                "period": row.period_key, "version": new.version, "content": content, "evidence": evidence})
            return _view(new, {(row.kind, row.process_key, row.period_key): new.version})

    def revisions(self, assessment_id: int, roles: Set[str]) -> list[RevisionChoice]:
        """The model versions deployed after the one the form was drafted against (what it may have led to).

        :raises AssessmentNotFound:  :raises PermissionDenied: see ``get``"""
        view = self.get(assessment_id, roles)
        with read_only_session(self._sessions) as session:
            rows = session.execute(select(ProcessDefinition.version, ProcessDefinition.deployed_at,
                                          ProcessDefinition.change_note).where(
                ProcessDefinition.process_key == view.process_key,
                ProcessDefinition.version > view.definition_version).order_by(ProcessDefinition.version)).all()
        return [RevisionChoice(version, deployed_at, note or "") for version, deployed_at, note in rows]

    def link_revision(self, assessment_id: int, version: int, actor: str, roles: Set[str]) -> AssessmentView:
        """Record that the signed form's findings led to model ``version``; the SOP's Tanggal Revisi becomes
        that version's deploy day (WITA). The penilai SOP or a process owner links.

        :raises PermissionDenied:  :raises AssessmentNotFound:
        :raises Conflict: the form is not signed off yet
        :raises InvalidInput: no such version of the SOP, or not newer than the one the form assessed
        """
        if not (may_assess_sops(roles) or may_model(roles)):
            raise PermissionDenied("Hanya penilai SOP atau pemilik proses yang menautkan revisi SOP")
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            row = _row(session, assessment_id)
            if row.status != "signed":
                raise Conflict("Tautkan revisi setelah formulir disahkan", assessment_id=assessment_id)
            deployed = session.scalar(select(ProcessDefinition.deployed_at).where(
                ProcessDefinition.process_key == row.process_key, ProcessDefinition.version == version))
            if deployed is None or version <= row.definition_version:
                raise InvalidInput(f"Versi {version} bukan revisi SOP ini setelah versi {row.definition_version}",
                                   field="versi")
            if row.revision_version == version:
                return _view(row, self._latest_versions(session, row))
            now = self._clock()
            row.revision_version, row.changed_by, row.changed_at = version, actor, now
            event = "sop_monitoring_linked" if row.kind == "monitoring" else "sop_evaluasi_linked"
            work.record(ASSESSMENT_CHAIN, event, actor=actor, at=now, payload={
                "assessment_id": row.id, "process_key": row.process_key, "period": row.period_key,
                "version": row.version, "revision_version": version})
            follow_revision(work, row.process_key, deployed.astimezone(WITA).date(), actor, now,
                            {"assessment_id": row.id, "revision_version": version})
            return _view(row, self._latest_versions(session, row))

    # -- helpers -------------------------------------------------------------------------------------

    def _evidence(self, process_key: str, period: Period) -> tuple[dict[str, Any], int]:
        figures = self._figures.figures(process_key, period)  # raises DefinitionNotFound
        performers = len(self._figures.performers(process_key, period))
        with read_only_session(self._sessions) as session:
            version = session.scalar(select(ProcessDefinition.version).where(
                ProcessDefinition.id == figures.definition_id)) or 0
        return drafts.evidence_of(figures, performers), version

    def _latest_versions(self, session: Session, row: SopAssessment | None = None) -> dict[tuple[str, str, str], int]:
        query = select(SopAssessment.kind, SopAssessment.process_key, SopAssessment.period_key,
                       func.max(SopAssessment.version)).group_by(
            SopAssessment.kind, SopAssessment.process_key, SopAssessment.period_key)
        if row is not None:
            query = query.where(SopAssessment.kind == row.kind, SopAssessment.process_key == row.process_key,
                                SopAssessment.period_key == row.period_key)
        return {(kind, key, period): version for kind, key, period, version in session.execute(query)}


def _require_assessor(roles: Set[str]) -> None:
    if not may_assess_sops(roles):
        raise PermissionDenied("Hanya penilai SOP yang menyusun dan mengesahkan formulir monitoring dan evaluasi")


def _require_draft(row: SopAssessment, edits_seen: int) -> None:
    if row.status != "draft":
        raise Conflict("Formulir ini sudah disahkan dan tidak dapat diubah; buat versi baru",
                       assessment_id=row.id)
    if row.edits != edits_seen:
        raise Conflict("Formulir ini telah diubah orang lain sejak Anda membukanya; muat ulang halaman",
                       assessment_id=row.id)


def _row(session: Session, assessment_id: int) -> SopAssessment:
    row = session.get(SopAssessment, assessment_id)
    if row is None:
        raise AssessmentNotFound(f"Formulir {assessment_id} tidak ada", assessment_id=assessment_id)
    return row


def _period_of_row(row: SopAssessment) -> Period:
    if row.kind == "monitoring":
        year, semester = row.period_key.split("-S")
        return period_of("semester", int(year), int(semester))
    return period_of("year", int(row.period_key))


def _view(row: SopAssessment, latest: dict[tuple[str, str, str], int]) -> AssessmentView:
    evidence = json.loads(row.evidence_json)
    return AssessmentView(
        row.id, row.kind, KINDS[row.kind], row.process_key, evidence.get("name", row.process_key),
        _period_of_row(row), row.version, row.definition_version, row.status, json.loads(row.content_json),
        evidence, row.edits, row.drafted_by, row.drafted_at, row.changed_by, row.changed_at, row.signed_by,
        row.signed_name, row.signed_at, latest.get((row.kind, row.process_key, row.period_key)) == row.version,
        row.revision_version)


def _dump(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _new_content(kind: str, evidence: dict[str, Any], now: datetime) -> dict[str, Any]:
    header: dict[str, Any] = {"unit_kerja": UNIT_KERJA, "tanggal": now.astimezone(WITA).date().isoformat()}
    if kind == "monitoring":
        return {**header, "metode": ["data_alur"], "rows": drafts.monitoring_rows(evidence)}
    return {**header, "rows": drafts.evaluation_rows(evidence), "rekomendasi": None,
            "rencana_tanggal_revisi": None}


def _carried(kind: str, old: dict[str, Any], evidence: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A new version's content: the new figures' rows, with the penilai's answers and texts kept."""
    content = _new_content(kind, evidence, now)
    key = "element_id" if kind == "monitoring" else "kriteria_key"
    kept = {row[key]: row for row in old["rows"]}
    for row in content["rows"]:
        before = kept.get(row[key])
        if before is not None:
            answer = "penilaian" if kind == "monitoring" else "jawaban"
            row.update({answer: before[answer], "catatan": before["catatan"], "tindakan": before["tindakan"]})
    for field in ("unit_kerja", "metode", "rekomendasi", "rencana_tanggal_revisi"):
        if field in old:
            content[field] = old[field]
    return content
