"""What a case writes to the registers, in the unit of work of the step that does it.

Form fields with ``x-widget: "server"`` name a server of the asset register by its asset number; a
table with ``x-register-review`` lists the review of every server. The steps that write are named
below by process and element: the SOP text ties each record to one step.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, cast, literal, select, update

from engine.errors import FormInvalid
from engine.modeling.forms import FormDefinition
from engine.modeling.messages import Text
from engine.persistence.compiled import DirectIn, DirectStatement, Read
from engine.persistence.models import AuditChainHead, ServerAsset
from engine.registers.pickers import REVIEW_HINT, server_choices
from engine.registers.dc_access import close_case_visits, open_case_visit
from engine.registers.server_assets import SERVER_CHAIN, server_chain
from engine.runtime.people import People
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.work_calendar import WITA

BACKUP_PROCESS, JOB_REPORTED, JOB_CONFIRMED = "sop_backup_restore_db", "brd_04", "brd_05"
REVIEW_PROCESS, REVIEW_APPROVED = "tinjau_aset_register_server", "tar_02"
DC_PROCESS, DC_ASSIGNED = "sop_pemeliharaan_akses_dc", "pdc_01"


@dataclass(frozen=True)
class RegisterFields:
    """The servers a submission names (pickers) or reviews (a review table), to be checked against the
    register: ``read()`` is the one statement that check needs, for the step's batch of reads."""

    choices: list[tuple[str, object]]  # (error path, value) of each server picker filled
    review: str | None  # the review table's field

    def read(self) -> Read | None:
        """A review reads the whole register; a pick only the servers it names; None: nothing to read."""
        if self.review is not None:
            return Read(_REGISTER, {})
        named = sorted({value for _, value in self.choices if isinstance(value, str)})
        return _REGISTERED.read(named, {}) if named else None

    def check(self, form_key: str, data: dict[str, Any], rows: list[Any]) -> None:
        """Refuse a server the register does not hold (or removed), and a review that leaves one out;
        ``rows``: what ``read()`` found.

        :raises FormInvalid:
        """
        review = self.review
        known = {row.asset_number: row.status for row in rows}
        errors = {path: Text.of("form.not_in_register") for path, value in self.choices
                  if known.get(value, "dihapus") == "dihapus"}
        if review is not None and not errors:
            reviewed = [row.get(col) for row in data.get(review) or [] if isinstance(row, dict)
                        for col in ("server_aset",)]
            missing = sorted(n for n, status in known.items() if status != "dihapus" and n not in reviewed)
            twice = sorted({str(n) for n in reviewed if reviewed.count(n) > 1})
            if missing:
                errors[review] = Text.of("form.servers_not_reviewed", servers=", ".join(missing))
            elif twice:
                errors[review] = Text.of("form.servers_twice", servers=", ".join(twice))
        if errors:
            raise FormInvalid.worded(errors, form_key)


def register_fields(form: FormDefinition, data: dict[str, Any]) -> RegisterFields | None:
    """What of ``data`` the register checks, if anything."""
    choices = server_choices(form, data)
    review = form.field_marked(REVIEW_HINT)
    return RegisterFields(choices, review) if choices or review is not None else None


def on_step_completed(work: UnitOfWork, instance_id: int, process_key: str, element_id: str,
                      case_data: dict[str, Any], actor: str, now: datetime, people: People) -> None:
    """The register writes of this step, if it has any. ``case_data``: the case's data with the step's;
    ``people``: the accounts the step read (those it picks among them)."""
    step = (process_key, element_id)
    if step == (BACKUP_PROCESS, JOB_REPORTED):
        _report_job(work, instance_id, case_data, actor, now)
    elif step == (BACKUP_PROCESS, JOB_CONFIRMED):
        _confirm_job(work, instance_id, case_data, actor, now)
    elif step == (REVIEW_PROCESS, REVIEW_APPROVED) and case_data.get("tinjauan_disetujui") is True:
        _record_review(work, instance_id, case_data, actor, now)
    elif step == (DC_PROCESS, DC_ASSIGNED):
        _open_assignment_visits(work, instance_id, case_data, actor, now, people)


def on_case_ended(work: UnitOfWork, instance_id: int, process_key: str, actor: str, now: datetime) -> None:
    """The work of the case is over: whoever it let into the data center is out."""
    if process_key != DC_PROCESS:  # only its assignment opens visits of a case
        return
    close_case_visits(work, instance_id, actor=actor, at=now, reason="kasus selesai")


def _job_kind(case_data: dict[str, Any]) -> str:
    return "restore" if case_data.get("jenis_layanan") == "restore" else "backup"


def _report_job(work: UnitOfWork, instance_id: int, case_data: dict[str, Any], actor: str, now: datetime) -> None:
    number = case_data.get("server_aset")
    if not isinstance(number, str):
        return
    kind, result = _job_kind(case_data), str(case_data.get("hasil_pelaksanaan") or "")
    finished = _moment(case_data.get("waktu_selesai_job")) or now
    row = _REPORT_JOB[kind].first(work.connection, {"number": number, "at": finished, "result": result,
                                                    "instance_id": instance_id})
    if row is None:
        return
    _knows_server_head(work, row)
    work.record(server_chain(row.id), "server_job_reported", actor=actor, at=now, instance_id=instance_id, payload={
        "asset_number": row.asset_number, "kind": kind, "finished_at": finished.isoformat(), "result": result})


def _confirm_job(work: UnitOfWork, instance_id: int, case_data: dict[str, Any], actor: str, now: datetime) -> None:
    number = case_data.get("server_aset")
    if not isinstance(number, str):
        return
    kind, result = _job_kind(case_data), str(case_data.get("hasil_dikonfirmasi") or "")
    row = _CONFIRM_JOB[kind].first(work.connection, {"number": number, "result": result, "instance_id": instance_id})
    if row is None:
        return
    _knows_server_head(work, row)
    work.record(server_chain(row.id), "server_job_confirmed", actor=actor, at=now, instance_id=instance_id, payload={
        "asset_number": row.asset_number, "kind": kind, "result": result})


def _knows_server_head(work: UnitOfWork, row: Any) -> None:
    """The head of the server's chain as the job's UPDATE read it (none: the chain is begun locked)."""
    if row.head_seq is not None and row.head_hash is not None:
        work.knows_head(server_chain(row.id), row.head_seq, row.head_hash)


_SERVERS, _HEADS = ServerAsset.__table__, AuditChainHead.__table__
_REGISTER = DirectStatement(select(_SERVERS.c.asset_number, _SERVERS.c.status))
_REGISTERED = DirectIn(lambda count: select(_SERVERS.c.asset_number, _SERVERS.c.status).where(
    _SERVERS.c.asset_number.in_(DirectIn.binds(count))))


# server_assets.server_chain in SQL; should they disagree, the head would just be read locked in the batch.
_SERVER_CHAIN = literal(f"{SERVER_CHAIN}:", String).concat(cast(_SERVERS.c.id, String))


def _job_update(values: dict[str, Any]) -> DirectStatement:
    """A backup or restore job's outcome on the server the case names by asset number (RETURNING it, so
    that a number not in the register writes nothing and records nothing, and its id: its chain's name),
    with the head of the server's chain, so that the step's batch moves it from there (``knows_head``)
    rather than read it locked after its writes and move it in a batch of its own."""
    return DirectStatement(update(_SERVERS).where(_SERVERS.c.asset_number == bindparam("number")).values(values)
                           .returning(_SERVERS.c.id, _SERVERS.c.asset_number,
                                      select(_HEADS.c.seq).where(_HEADS.c.chain == _SERVER_CHAIN)
                                      .scalar_subquery().label("head_seq"),
                                      select(_HEADS.c.hash).where(_HEADS.c.chain == _SERVER_CHAIN)
                                      .scalar_subquery().label("head_hash")))


_REPORT_JOB = {kind: _job_update({f"last_{kind}_at": bindparam("at"), f"last_{kind}_result": bindparam("result"),
                                  "last_job_instance_id": bindparam("instance_id"), "last_job_confirmed": False})
               for kind in ("backup", "restore")}
_CONFIRM_JOB = {kind: _job_update({f"last_{kind}_result": bindparam("result"),
                                   "last_job_instance_id": bindparam("instance_id"), "last_job_confirmed": True})
                for kind in ("backup", "restore")}


def _record_review(work: UnitOfWork, instance_id: int, case_data: dict[str, Any], actor: str,
                   now: datetime) -> None:
    """The approved review's outcome on each server it lists (the rows ``tar_01`` submitted)."""
    rows = [r for r in case_data.get("daftar_server_ditinjau") or [] if isinstance(r, dict)]
    servers = {s.asset_number: s for s in work.session.scalars(
        select(ServerAsset).where(ServerAsset.asset_number.in_([r.get("server_aset") for r in rows])))}
    for line in rows:
        row = servers.get(str(line.get("server_aset")))
        if row is None:
            continue
        outcome = "sesuai" if line.get("sesuai") is True else "tidak sesuai"
        note = str(line.get("catatan") or "") or None
        row.last_reviewed_at, row.last_review_result, row.last_review_note = now, outcome, note
        row.last_review_instance_id = instance_id
        if line.get("status") in ("aktif", "nonaktif", "dihapus"):
            row.status = line["status"]
        work.record(server_chain(row.id), "server_reviewed", actor=actor, at=now, instance_id=instance_id, payload={
            "asset_number": row.asset_number, "result": outcome, "status": row.status, "note": note})


def _open_assignment_visits(work: UnitOfWork, instance_id: int, case_data: dict[str, Any], actor: str,
                            now: datetime, accounts: People) -> None:
    people = [str(r.get("pengguna")) for r in case_data.get("personil_dc_ditugaskan") or []
              if isinstance(r, dict) and r.get("pengguna")]
    names = accounts.full_names(people)  # picked in this step's form: read with its checks already
    scope = ", ".join(str(s) for s in case_data.get("lingkup") or [])
    purpose = f"Pemeliharaan data center (Surat Tugas {case_data.get('nomor_surat_tugas', '-')}): {scope}"
    for username in _unique(people):
        values = {"visitor": f"{names.get(username, username)} ({username})",
                  "organisation": "Diskominfo Prov. Kaltim (Personil DC)",
                  "purpose": purpose[:2000], "escort": "-"}
        open_case_visit(work, values, instance_id=instance_id, actor=actor, at=now)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _moment(value: object) -> datetime | None:
    """A form's date-time (ISO; a naive one is WITA), or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=WITA)
