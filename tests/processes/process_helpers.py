"""Walking the real SOP models through the engine: people, valid form data, documents, a case driver.

The tests in ``tests/processes/test_<process_key>.py`` stay short by using three things from here:

* :func:`add_cast` creates one user per role of the role catalogue that the SOPs use;
* :func:`form_data` builds valid data for any form from its JSON Schema (required fields, enums,
  formats, ``if``/``then`` conditions, tables, user pickers, uploaded documents);
* :class:`Case` starts a case and does its steps one by one. Each step is one runner call, so one
  transaction, and the workflow state goes through the database between steps. At every step it
  checks which task is ready (element id and name), for which role, who sees it in the inbox, its
  due date from the mutu baku, and that the case data holds everything submitted so far.
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import select

from engine.worktime.work_calendar import WorkCalendar
from engine.errors import PermissionDenied
from engine.persistence.models import Attachment, DocumentUpload
from engine import Received, UploadTarget
from engine.bootstrap import Alur, open_alur
from engine.values import CaseView, TaskView

ROOT = Path(__file__).resolve().parents[2]
# The SOP walks check the models (which step, for whom, which form, which due date), not the database:
# the runner, inbox and audit SQL under them run on both backends in tests/engine.
SOP_WALK = pytest.mark.sqlite_only("walks an SOP model; the engine's SQL under it runs on both backends "
                                   "in tests/engine")
WITA = ZoneInfo("Asia/Makassar")
UTC = timezone.utc
PASSWORD = "rahasia-uji-123"
DOCUMENT_FORMAT = "alur-dokumen"
CALENDAR = WorkCalendar()  # no admin overrides in these tests: the same calendar the engine uses

# One person per role the SOPs use. Group roles (pemeriksa_pengelola_ti, tim_teknis, personil_dc)
# are worked by their members; "walidata" holds no task role, so it sees no task at all.
CAST: dict[str, frozenset[str]] = {
    "kadis": frozenset({"kepala_dinas"}),
    "kasubag_tu": frozenset({"kasubag_tu"}),
    "kabid": frozenset({"pejabat_administrator_tik"}),
    "kasi_infra": frozenset({"pengawas_infrastruktur_tik"}),
    "kasi_pdi": frozenset({"pengawas_data_integrasi"}),
    "pengelola": frozenset({"pengelola_ti"}),
    "pemeriksa": frozenset({"pemeriksa_ti"}),
    "admin_server": frozenset({"administrator_jaringan_server"}),
    "opd": frozenset({"opd_pemohon"}),
    "pengguna": frozenset({"pengguna_jaringan"}),
    "walidata": frozenset({"walidata"}),
}


def wita(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """An instant written as WITA wall-clock time, returned as aware UTC (what the engine stores)."""
    return datetime(year, month, day, hour, minute, tzinfo=WITA).astimezone(UTC)


# --- people --------------------------------------------------------------------------------------

def add_cast(alur: Alur) -> None:
    """Create every user of :data:`CAST` through ``alur.users.add_user``."""
    for username, roles in CAST.items():
        alur.users.add_user(username, username.replace("_", " ").title(), PASSWORD, set(roles))


def holders(alur: Alur, role: str) -> list[str]:
    """Cast members who may work on tasks of ``role`` (group roles expanded), in cast order."""
    return [u for u, roles in CAST.items() if role in alur.roles.expand(set(roles))]


def person_for(alur: Alur, role: str) -> str:
    found = holders(alur, role)
    assert found, f"no cast member holds {role}"
    return found[0]


# --- documents -------------------------------------------------------------------------------------

def labelled_pdf(label: str) -> tuple[bytes, str]:
    """A small PDF whose content is unique to ``label``, and a file name for it."""
    return f"%PDF-1.4\n% Alur uji: {label}\n%%EOF\n".encode(), f"{label.replace('/', '_')}.pdf"


def upload(alur: Alur, clock: Callable[[], datetime], actor: str, label: str) -> str:
    """Upload a small PDF whose content is unique to ``label``; return its sha256.

    Uses the engine's attachment service when it is there, else writes the file where the store
    keeps it (``attachments_dir/<sha[:2]>/<sha>``) and adds the ``Attachment`` row directly.
    """
    content, filename = labelled_pdf(label)
    store = getattr(alur, "attachments", None)
    if store is None:
        try:
            from engine.runtime.attachments import AttachmentStore
        except ImportError:
            AttachmentStore = None  # noqa: N806
        if AttachmentStore is not None:
            store = AttachmentStore(alur.sessions, alur.settings, clock)
    if store is not None:
        return store.store(io.BytesIO(content), filename, actor).sha256
    sha = hashlib.sha256(content).hexdigest()
    path = Path(alur.settings.attachments_dir) / sha[:2] / sha
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    with alur.sessions.begin() as session:
        if session.get(Attachment, sha) is None:
            session.add(Attachment(sha256=sha, filename=filename, media_type="application/pdf",
                                   size=len(content), uploaded_by=actor, uploaded_at=clock()))
    return sha


def stored_documents(alur: Alur, hashes: list[str]) -> dict[str, Path]:
    """The uploads among ``hashes``, with the path where each file must be on disk."""
    with alur.sessions() as session:
        rows = session.scalars(select(DocumentUpload).where(DocumentUpload.sha256.in_(hashes))).all()
    return {r.sha256: Path(alur.settings.attachments_dir) / r.sha256[:2] / r.sha256 for r in rows}


# --- the server asset register -----------------------------------------------------------------

TEST_SERVER = "SRV-UJI-01"  # what generated forms pick from the asset register


def register_test_server(alur: Alur, asset_number: str = TEST_SERVER) -> None:
    """Put a server in the asset register (once), as Personil DC do before its first back-up."""
    if asset_number not in {s.asset_number for s in alur.server_assets.list()}:
        alur.server_assets.add({"asset_number": asset_number, "hostname": f"db-{asset_number.lower()}",
                                "ip_address": "10.10.1.21", "operating_system": "Ubuntu 22.04",
                                "dbms": "PostgreSQL 15", "owner_opd": "Dinas Kesehatan",
                                "location": "Rak A3, Data Center Diskominfo", "backup_schedule": "Harian 23:00 WITA"},
                               "pengelola")


def register_for(alur: Alur, schema: dict[str, Any]) -> None:
    """A form that picks a server gets :data:`TEST_SERVER` in the register first."""
    if '"x-widget": "server"' in json.dumps(schema):
        register_test_server(alur)


# --- form data ---------------------------------------------------------------------------------

@dataclass
class FillContext:
    tag: str                               # makes every generated text/document unique to one step visit
    now: datetime
    user_for: Callable[[str], str]         # role key -> username holding that role
    document: Callable[[str], str]         # label -> sha256 of an uploaded attachment
    full: bool                             # every field, or only required (and conditionally required) ones


def form_data(schema: dict[str, Any], ctx: FillContext, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Valid data for a form, built from its JSON Schema alone.

    Required fields always; all fields with ``ctx.full``. ``overrides`` win (decision fields,
    enum choices). Then every ``if``/``then``(/``else``) clause that applies adds its required
    fields, until nothing changes. The result is checked against the schema.
    """
    data = _object(schema, ctx, ctx.tag, dict(overrides or {}))
    unknown = set(overrides or {}) - set(schema.get("properties", {}))
    assert not unknown, f"{schema.get('title')}: unknown fields {unknown}"
    checker = FormatChecker()
    checker.checks(DOCUMENT_FORMAT)(lambda v: not isinstance(v, str) or len(v) == 64)
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
              for e in Draft202012Validator(schema, format_checker=checker).iter_errors(data)]
    assert not errors, f"{schema.get('title')}: generated data invalid: {errors}"
    return data


def _object(schema: dict[str, Any], ctx: FillContext, path: str, data: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties", {})

    def fill(names: list[str]) -> bool:
        added = False
        for name in names:
            if name not in data:
                data[name] = _value(name, props[name], ctx, f"{path}.{name}")
                added = True
        return added

    fill(list(props) if ctx.full else list(schema.get("required", [])))
    clauses = [c for c in schema.get("allOf", []) if "if" in c] + ([schema] if "if" in schema else [])
    changed = True
    while changed:
        changed = False
        for clause in clauses:
            branch = clause.get("then") if Draft202012Validator(clause["if"]).is_valid(data) else clause.get("else")
            if branch:
                changed |= fill([n for n in branch.get("required", []) if n in props])
    return data


def _value(name: str, field: dict[str, Any], ctx: FillContext, path: str) -> Any:
    if "const" in field:
        return field["const"]
    if "enum" in field:
        return field["enum"][0]
    kind = field.get("type")
    if kind == "string":
        if field.get("x-widget") == "user":
            return ctx.user_for(field["x-role"])
        if field.get("x-widget") == "server":
            return TEST_SERVER
        fmt = field.get("format")
        if fmt == DOCUMENT_FORMAT:
            return ctx.document(path)
        local = ctx.now.astimezone(WITA)
        return {
            "date": local.date().isoformat(),
            "date-time": local.isoformat(timespec="seconds"),
            "email": f"{name.replace('_', '.')}@kaltimprov.go.id",
            "uri": f"https://data.kaltimprov.go.id/{path.replace('.', '/')}",
        }.get(fmt, f"{field.get('title', name)} [{path}]")
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        value = max(field.get("minimum", 1), 1)
        return min(value, field["maximum"]) if "maximum" in field else value
    if kind == "array":
        items = field["items"]
        count = max(1, field.get("minItems", 0))
        if items.get("type") == "object":
            return [_object(items, ctx, f"{path}[{i}]", {}) for i in range(count)]
        if "enum" in items:
            return list(items["enum"][:count])
        return [_value(name, items, ctx, f"{path}[{i}]") for i in range(count)]
    if kind == "object":
        return _object(field, ctx, path, {})
    raise AssertionError(f"no generator for {path}: {field}")


def document_fields(schema: dict[str, Any]) -> list[str]:
    return [n for n, f in schema.get("properties", {}).items() if f.get("format") == DOCUMENT_FORMAT]


# --- walking a case ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """What the SOP says about a step: the task's name, the role that does it, the mutu baku time.

    ``shares_with``: the first task of a split SOP step, whose start the shared time counts from;
    ``waits``: the step waits on an outside party, so it has no due time while open."""

    name: str
    role: str
    waktu_iso: str
    shares_with: str = ""
    waits: bool = False


def deploy(alur: Alur, process_key: str) -> None:
    alur.deployer.deploy_file(ROOT / "processes" / f"{process_key}.bpmn", "pemilik_proses")
    # Work-around for engine finding 1 (test_engine_findings.py): load the definition once in a
    # session that ends normally, so a refused first start cannot poison the definition cache.
    with alur.sessions() as session:
        alur.definitions.latest(session, process_key)


class Case:
    """One case of a process, driven step by step through the public runner and queries."""

    def __init__(self, alur: Alur, clock: Any, process_key: str, steps: dict[str, Step], starter: str,
                 business_key: str | None = None, work: timedelta = timedelta(minutes=10),
                 everyone: bool = False) -> None:
        self.alur, self.clock, self.steps, self.work, self.everyone = alur, clock, steps, work, everyone
        self.started_at = clock()
        result = alur.runner.start_case(process_key, starter, business_key)
        self.id = result.instance_id
        self.starter = starter
        self.expected_data: dict[str, Any] = {"nomor_kasus": business_key} if business_key else {}
        self.walked: list[tuple[str, str]] = []   # (element id, who completed it)
        self.submissions: list[tuple[str, dict[str, Any]]] = []
        self.visits: dict[str, int] = {}
        self.last_change = self.started_at          # when the current open task must have been created
        self.documents: list[str] = []
        self.started: dict[str, datetime] = {}  # element id -> when its latest activation started

    # -- checks on the ready task ---------------------------------------------------------------

    def ready(self, element_id: str) -> TaskView:
        """The one open task: it must be ``element_id`` with the SOP's name, role and due date."""
        open_tasks = self.alur.queries.open_tasks(self.id)
        assert [t.element_id for t in open_tasks] == [element_id], \
            f"expected {element_id} to be ready, found {[t.element_id for t in open_tasks]}"
        task = open_tasks[0]
        step = self.steps[element_id]
        assert (task.name, task.role) == (step.name, step.role), (element_id, task.name, task.role)
        assert task.created_at == self.last_change, (element_id, task.created_at, self.last_change)
        if step.waits:
            expected = None
        else:
            start = self.started[step.shares_with] if step.shares_with else task.created_at
            expected = CALENDAR.due(start, step.waktu_iso)
        assert task.due_at == expected, (element_id, task.due_at, expected)
        self.started[element_id] = task.created_at
        return task

    def _check_inboxes(self, task: TaskView, actor: str) -> None:
        """The actor sees the task (in "mine" when it is theirs, else in "available"). On the first
        visit of a step, one person without the role neither sees it nor may claim it; with
        ``self.everyone``, every other person's "available" inbox shows it exactly when they hold
        the task's role."""
        if task.state == "claimed":
            assert task.assignee == actor, (task.element_id, task.assignee, actor)
        tab = "mine" if task.state == "claimed" else "available"
        assert task.task_id in self._inbox(actor, tab), f"{actor} does not see {task.element_id} in '{tab}'"
        if task.element_id in self.visits:
            return
        holding = set(holders(self.alur, task.role))
        can = holding
        if task.candidates:  # the model named people for it: they alone among the role's holders
            for named in task.candidates:
                assert self.alur.permissions.may_work_on(task.role, self.alur.users.get(named).roles), named
            assert task.state == "ready" or task.candidates == (actor,), (task.element_id, task.candidates)
            can = holding & set(task.candidates)
        others = [p for p in CAST if p != actor] if self.everyone else [next(p for p in CAST if p not in holding)]
        for person in others:
            expected = task.state == "ready" and person in can
            assert (task.task_id in self._inbox(person, "available")) == expected, \
                f"{person} {'misses' if expected else 'sees'} {task.element_id} (role {task.role})"
        outsider = next(p for p in others if p not in holding)
        with pytest.raises(PermissionDenied):
            self.alur.runner.claim_task(task.task_id, outsider)
        passed_over = [p for p in holding if p not in can and p != actor]
        if task.state == "ready" and passed_over:  # a holder of the role the model did not name
            with pytest.raises(PermissionDenied):
                self.alur.runner.claim_task(task.task_id, passed_over[0])

    def _inbox(self, person: str, tab: str) -> set[str]:
        return {t.task_id for t in self.alur.queries.inbox(person, tab, per_page=100).items}

    def refuses(self, element_id: str, person: str) -> None:
        """``person`` may not take the ready ``element_id`` (lacks its role)."""
        task = self.ready(element_id)
        with pytest.raises(PermissionDenied):
            self.alur.runner.claim_task(task.task_id, person)
        assert task.task_id not in self._inbox(person, "available")

    def reopen(self) -> None:
        """Go on with a new Alur over the same database, as after a restart: nothing is kept in
        memory between steps except what the database holds."""
        self.alur = open_alur(self.alur.settings, clock=self.clock, db=self.alur.db)

    # -- doing steps -------------------------------------------------------------------------------

    def do(self, element_id: str, actor: str | None = None, full: bool = False, at: datetime | None = None,
           **answers: Any) -> TaskView:
        """Check the ready task, claim it, fill its form and complete it; return the task as it was ready.

        The work takes ``self.work`` of clock time, or ends at ``at``. ``answers`` override generated
        fields (decisions such as ``gangguan_selesai=False``).
        """
        task = self.ready(element_id)
        actor = actor or (task.assignee if task.state == "claimed" else
                          task.candidates[0] if task.candidates else person_for(self.alur, task.role))
        self._check_inboxes(task, actor)
        if at is not None:
            assert at >= self.clock(), "the clock only moves forward"
            self.clock.now = at
        else:
            self.clock.advance(seconds=self.work.total_seconds())
        if task.state == "ready":
            self.alur.runner.claim_task(task.task_id, actor)
        visit = self.visits.get(element_id, 0) + 1
        self.visits[element_id] = visit
        # the documents go with the form, as the task page sends them: recorded with the completion
        sent = Received(UploadTarget(task.instance_id, task.task_id, task.name))
        data = self.fill(task.form_key, f"{element_id}.{visit}", actor, full, answers, sent)
        self.alur.runner.complete_task(task.task_id, actor, data, received=sent)
        self.last_change = self.clock()
        self.walked.append((element_id, actor))
        self.submissions.append((element_id, data))
        self.expected_data.update(json.loads(json.dumps(data)))
        self.check_data_carried_forward()
        return task

    def run(self, *element_ids: str, full: bool = False) -> None:
        for element_id in element_ids:
            self.do(element_id, full=full)

    def fill(self, form_key: str, tag: str, actor: str, full: bool, answers: dict[str, Any],
             sent: Received | None = None) -> dict[str, Any]:
        """The form's data; its documents uploaded on their own, or with ``sent`` taken into it."""
        schema = self.alur.forms.get(form_key).schema
        register_for(self.alur, schema)

        def document(label: str) -> str:
            if sent is None:
                sha = upload(self.alur, self.clock, actor, f"{self.id}/{label}")
            else:
                content, filename = labelled_pdf(f"{self.id}/{label}")
                view = self.alur.attachments.receive(io.BytesIO(content), filename, actor, [".pdf"], sent.target)
                sent.add(view)
                sha = view.sha256
            self.documents.append(sha)
            return sha

        ctx = FillContext(tag=tag, now=self.clock(), user_for=lambda role: person_for(self.alur, role),
                          document=document, full=full)
        return form_data(schema, ctx, answers)

    def submitted(self, element_id: str) -> dict[str, Any]:
        """The data of the latest completion of ``element_id``."""
        return [data for done, data in self.submissions if done == element_id][-1]

    # -- checks on the case --------------------------------------------------------------------------

    def view(self) -> CaseView:
        return self.alur.queries.case(self.id)

    def check_data_carried_forward(self) -> None:
        """The case data holds every field submitted so far (the latest value of each)."""
        data = self.view().data
        missing = {k: v for k, v in self.expected_data.items() if data.get(k) != v}
        assert not missing, f"case data lost or changed: {sorted(missing)}"

    def decisions(self) -> list[tuple[str, str]]:
        return [(e.payload["gateway"], e.payload["answer"]) for e in self.alur.queries.audit_trail(self.id)
                if e.event_type == "gateway_decided"]

    def finish(self) -> CaseView:
        """The case is completed, its tasks are exactly the steps walked, every document is stored."""
        instance = self.view()
        assert instance.status == "completed" and instance.ended_at == self.last_change, instance.status
        assert self.alur.queries.open_tasks(self.id) == []
        history = self.alur.queries.case_tasks(self.id)
        assert [(t.element_id, t.completed_by) for t in history] == self.walked
        assert all(t.state == "completed" for t in history)
        self.check_data_carried_forward()
        hashes = [v for v in _document_values(self.alur, history)]
        assert set(hashes) == set(self.documents)
        stored = stored_documents(self.alur, hashes)
        assert set(stored) == set(hashes), "a document of the case has no Attachment row"
        assert all(path.is_file() for path in stored.values()), "a document of the case is not on disk"
        return instance


def _document_values(alur: Alur, history: list[TaskView]) -> list[str]:
    values = []
    for task in history:
        for name in document_fields(alur.forms.get(task.form_key).schema):
            if task.data and name in task.data:
                values.append(task.data[name])
    return values
