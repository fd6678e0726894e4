"""The composition root: every engine service built once, from explicit settings, into one ``Alur``.

The web app (``web.create_app``), the CLI and the worker receive this one object; nothing else
builds engine services.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.directory_check import DirectoryCheck
from engine.accounts.external import ExternalAccounts, GroupRoles
from engine.accounts.mandates import MandateService
from engine.accounts.sign_in import SignIn
from engine.accounts.opd import OpdService
from engine.accounts.saved_filters import SavedFilters
from engine.accounts.tokens import TokenService
from engine.accounts.users import UserService
from engine.audit.checkpoints import Checkpoints
from engine.audit.export import AuditExporter
from engine.audit.history import CaseHistories
from engine.audit.log import AuditLog
from engine.audit.login_log import LoginLog
from engine.accounts.login_throttle import LoginThrottle
from engine.audit.read_log import ReadLog
from engine.audit.attempts import AttemptLog
from engine.audit.replay import ReplayVerifier
from engine.audit.verify import AuditVerifier
from engine.operations.backups import Backups
from engine.operations.retention import Retention
from engine.config import PROJECT_ROOT, Settings
from engine.modeling.checks import BpmnLint
from engine.modeling.definitions import DefinitionStore
from engine.modeling.deploy import Deployer
from engine.modeling.forms import FormRegistry
from engine.modeling.parser import DefinitionParser
from engine.modeling.roles import RoleCatalog
from engine.modeling.schedules import ScheduleAdmin
from engine.modeling.trial_run import TrialRun
from engine.modeling.model_forms import ModelForms
from engine.permissions import Permissions
from engine.persistence.db import make_engine, make_read_sessions, make_sessions
from engine.reading.case_pages import CaseFiles
from engine.reading.catalog import ProcessCatalog
from engine.operations.monitoring import Monitoring
from engine.reading.process_mining import ProcessLogs
from engine.reading.queries import Queries
from engine.reading.dashboard import Dashboard
from engine.reading.sop_figures import SopFiguresReader
from engine.sop.assessment_print import AssessmentPrints
from engine.sop.assessments import SopAssessments
from engine.reading.versions import Versions
from engine.registers.dc_access import DcAccessRegister
from engine.registers.server_assets import ServerAssetRegister
from engine.runtime.attachments import AttachmentStore
from engine.runtime.case_migration import CaseMigrator
from engine.runtime.drafts import Drafts
from engine.runtime.comments import Comments
from engine.runtime.registration import Registrations
from engine.runtime.figures_rebuild import FigureRebuilder
from engine.runtime.incidents import Incidents
from engine.runtime.readiness import Health
from engine.runtime.runner import Runner
from engine.runtime.search_reindex import SearchReindexer
from engine.sop.identity import SopIdentities
from engine.modeling.model_drafts import ModelDrafts
from engine.sop.render import Organisation, SopDocuments
from engine.worker.announcements import Announcements
from engine.worker.digest import Digests
from engine.worker.escalation import Escalation
from engine.worker.heartbeat import Heartbeats
from engine.worker.jobs import Scheduling
from engine.worker.leave_reminders import LeaveReminders
from engine.worker.mailer import Mailer
from engine.worker.notifications import NotificationService
from engine.worktime.clock import Clock, utcnow
from engine.worktime.leave import LeaveAdmin
from engine.worktime.overrides import CalendarAdmin, CalendarProvider
from engine.worktime.work_calendar import WorkCalendar


@dataclass
class Alur:
    settings: Settings
    db: Engine
    sessions: sessionmaker[Session]
    roles: RoleCatalog
    permissions: Permissions  # who may do what (engine.permissions)
    forms: FormRegistry
    definitions: DefinitionStore
    deployer: Deployer
    runner: Runner
    queries: Queries
    users: UserService
    calendar: CalendarProvider
    calendar_admin: CalendarAdmin
    clock: Clock
    notifications: NotificationService  # the bell: unread_count, list, mark_read
    schedules: ScheduleAdmin  # routine schedules (alur schedule, web admin)
    scheduling: Scheduling  # the worker's use cases; engine.worker.scheduler runs them
    mailer: Mailer | None  # e-mail for notifications; None without SMTP settings
    read_log: ReadLog  # auditors: who viewed which case or document
    checkpoints: Checkpoints  # signed checkpoints of the audit chain heads
    histories: CaseHistories  # a case's states event by event (replay page)
    replay: ReplayVerifier  # re-execute a case and compare with its audit trail
    audit_export: AuditExporter  # audit packets and log exports
    audit_log: AuditLog  # the audit log as auditors read it
    audit_verifier: AuditVerifier  # chains and signed checkpoints
    logins: LoginLog  # logins, failed logins and logouts (system chain)
    parser: DefinitionParser  # the one parser: deploy, the modeler's checks and the definitions cache
    cases: CaseFiles  # task page and case page, with who may read them
    catalog: ProcessCatalog  # the deployed SOPs as people see them
    attachments: AttachmentStore  # uploaded documents
    drafts: Drafts  # a person's unsent input to a task form (private, not part of the record)
    tokens: TokenService  # API bearer tokens
    versions: Versions  # process owners: versions of each SOP and their diff
    migrator: CaseMigrator  # moving running cases to a newer version
    sop_documents: SopDocuments  # the official SOP document (HTML, PDF)
    sop_identities: SopIdentities  # Nomor SOP, dates and Disahkan oleh, filled in by the process owner
    model_drafts: ModelDrafts  # models saved by process owners without deploying them
    model_lint: BpmnLint  # bpmnlint over a model before deploy
    trials: TrialRun  # "Uji jalan": a model run in memory on every path before deploy
    model_forms: ModelForms  # forms made or changed in the modeler, stored with the deploy that uses them
    mandates: MandateService  # stand-ins (Plh/Plt): appoint, list, end
    leave: LeaveAdmin  # per-person leave (cuti), kept by the Admin Sistem
    opds: OpdService  # the requesting units (OPD), kept by Admin Sistem
    registrations: Registrations  # what a registrar registers on a requester's behalf (runner.register_case)
    comments: Comments  # comments on a case: audit events, never edited
    attempts: AttemptLog  # refused attempts (a conflict, a denied access) as audit events
    incidents: Incidents  # steps that failed in the engine: the list, and retry with the kept input
    search_index: SearchReindexer  # indexes cases from before the search index
    saved_filters: SavedFilters  # a user's saved inbox searches (inbox tabs)
    server_assets: ServerAssetRegister  # the server asset register (SOP-05 Pencatatan), kept by Personil DC
    dc_access: DcAccessRegister  # the data-center access register (SOP-04), open visits for the Pengawas
    heartbeats: Heartbeats  # each worker's last run (stamped by the worker, read by /readyz)
    health: Health  # the checks behind /readyz
    backups: Backups  # alur backup / alur restore, and the worker's scheduled backups
    retention: Retention  # alur retention plan / apply: finished cases past their JRA period
    monitoring: Monitoring  # the state of the work /metrics reports (open and overdue tasks, worker lag, ...)
    figures: SopFiguresReader  # figures per SOP and period (dashboard, monitoring and evaluation)
    dashboard: Dashboard  # the management dashboard as one person may see it
    figure_rebuild: FigureRebuilder  # the dashboard's figures of cases from before them
    process_logs: ProcessLogs  # process-mining exports of an SOP's cases (XES, OCEL 2.0, CSV), pseudonymised
    external_accounts: ExternalAccounts  # accounts of the directory / SSO: provisioning, linking
    sign_in: SignIn  # the login form and SSO: local password, LDAP or OpenID Connect
    directory_check: DirectoryCheck  # the directory's verdict on its accounts without a sign-in (worker, CLI)
    assessments: SopAssessments  # the Monitoring and Evaluasi Penerapan SOP AP forms (penilai SOP)
    assessment_prints: AssessmentPrints  # those forms as HTML and PDF

    def close(self) -> None:
        self.logins.flush_refused()  # the refused logins counted in memory (best effort, never raises)
        self.db.dispose()


def open_alur(settings: Settings, clock: Clock = utcnow, db: Engine | None = None) -> Alur:
    """Build the services; connects lazily (nothing is opened until the first query)."""
    db = db or make_engine(settings.database_url)
    sessions = make_sessions(db)
    roles = RoleCatalog.load(settings.roles_file)
    model_forms = ModelForms(sessions, roles)
    forms = FormRegistry(settings.forms_dir, model_forms.stored_schema)
    parser = DefinitionParser(roles, forms, settings.max_step_instances)
    definitions = DefinitionStore(parser)
    calendar = CalendarProvider()
    read_log = ReadLog(sessions, clock)
    histories = CaseHistories(sessions, definitions, forms)
    replay = ReplayVerifier(sessions)
    audit_verifier = AuditVerifier(sessions, settings.attachments_dir)
    permissions = Permissions(roles)
    runner = Runner(sessions, definitions, forms, roles, permissions, calendar, clock)
    escalation = Escalation(sessions, roles, definitions, email=settings.smtp is not None)
    queries = Queries(make_read_sessions(db), roles, permissions, definitions, clock)
    users = UserService(sessions, roles, clock, settings.scrypt_n)
    attachments = AttachmentStore(sessions, settings, clock)
    drafts = Drafts(sessions, forms, roles, permissions, clock)
    mandates = MandateService(sessions, roles, permissions, clock)
    leave_reminders = LeaveReminders(sessions, roles, calendar, email=settings.smtp is not None)
    opds = OpdService(sessions, clock)
    catalog = ProcessCatalog(sessions, definitions, roles)
    deployer = Deployer(sessions, parser, clock)
    deployer.deploy_listeners.append(catalog.forget_latest)
    heartbeats = Heartbeats(sessions, clock)
    sop_identities = SopIdentities(sessions, clock)
    figures = SopFiguresReader(make_read_sessions(db), definitions)
    groups = GroupRoles.load(settings.identity.groups_file or settings.roles_file, roles)
    external_accounts = ExternalAccounts(sessions, groups, clock)
    return Alur(
        settings=settings, db=db, sessions=sessions, roles=roles, permissions=permissions, forms=forms,
        definitions=definitions,
        deployer=deployer,
        runner=runner,
        queries=queries, users=users,
        calendar=calendar, calendar_admin=CalendarAdmin(sessions, calendar, clock),
        clock=clock, notifications=NotificationService(sessions, clock),
        schedules=ScheduleAdmin(sessions, definitions, clock),
        scheduling=Scheduling(sessions, runner, escalation, drafts, mandates, leave_reminders,
                              Announcements(sessions, roles, email=settings.smtp is not None),
                              Digests(sessions, settings.public_url)),
        mailer=Mailer(sessions, settings.smtp, public_url=settings.public_url) if settings.smtp is not None else None,
        read_log=read_log, checkpoints=Checkpoints(sessions, clock, settings.checkpoint_dir), histories=histories,
        replay=replay,
        audit_export=AuditExporter(sessions, histories, replay, audit_verifier, read_log, settings.attachments_dir,
                                   clock),
        audit_log=AuditLog(sessions), audit_verifier=audit_verifier,
        logins=LoginLog(sessions, LoginThrottle(sessions, roles, clock), clock), parser=parser,
        cases=CaseFiles(make_read_sessions(db), queries, definitions, forms, roles, permissions, users, attachments,
                        calendar, drafts, opds, clock, runner.open_tasks),
        catalog=catalog, attachments=attachments, drafts=drafts,
        tokens=TokenService(sessions, users, clock, settings.api_token_lifetime), versions=Versions(sessions),
        migrator=CaseMigrator(sessions, definitions, calendar, clock),
        sop_documents=SopDocuments(sessions, roles, Organisation(logo=settings.sop_logo), chromium=settings.chromium,
                                   identities=sop_identities, pdf_dir=settings.sop_pdf_dir),
        sop_identities=sop_identities, model_drafts=ModelDrafts(sessions, clock),
        model_lint=BpmnLint(PROJECT_ROOT),
        trials=TrialRun(parser, partial(_calendar_now, sessions, calendar), clock), model_forms=model_forms,
        mandates=mandates, leave=LeaveAdmin(sessions, calendar, clock),
        opds=opds, registrations=Registrations(sessions, definitions, forms, roles, permissions, catalog, opds),
        comments=Comments(sessions, permissions, clock, email=settings.smtp is not None),
        attempts=AttemptLog(sessions, clock),
        incidents=Incidents(sessions, runner),
        search_index=SearchReindexer(sessions, forms), saved_filters=SavedFilters(sessions, clock),
        server_assets=ServerAssetRegister(sessions, clock), dc_access=DcAccessRegister(sessions, clock),
        heartbeats=heartbeats,
        health=Health(db, heartbeats, settings.attachments_dir, clock, settings.worker_heartbeat_stale_after),
        backups=Backups(settings, db, sessions, clock), retention=Retention(sessions, settings, clock),
        monitoring=Monitoring(sessions, clock),
        figures=figures, dashboard=Dashboard(make_read_sessions(db), figures, permissions, read_log),
        figure_rebuild=FigureRebuilder(sessions, definitions, calendar),
        process_logs=ProcessLogs(sessions, definitions, permissions, clock),
        external_accounts=external_accounts,
        sign_in=SignIn(sessions, settings.identity, users, external_accounts),
        directory_check=DirectoryCheck(sessions, settings.identity.ldap, external_accounts),
        assessments=SopAssessments(sessions, figures, permissions, clock),
        assessment_prints=AssessmentPrints(Organisation(logo=settings.sop_logo), chromium=settings.chromium,
                                           pdf_dir=settings.sop_pdf_dir),
    )


def _calendar_now(sessions: sessionmaker[Session], calendar: CalendarProvider) -> WorkCalendar:
    """The working calendar with the admin's overrides, read in a short session of its own."""
    with sessions() as session:
        return calendar(session)
