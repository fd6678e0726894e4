"""Alur's engine: the whole domain, never Flask. This module is its public surface: ``web`` and
``alur`` (the CLI) import from ``engine`` only, never from its inner layout.

Start here: ``open_alur(settings)`` (``engine.bootstrap``, the composition root) builds every service
into one ``Alur``; each of its use cases is one transaction with its audit events.

The wings (each package's docstring says what it holds):

- ``modeling``  BPMN parse, checks, deploy, diff; forms, roles, expressions, schedules
- ``runtime``   the runner's use cases, the unit of work, workflow state, case migration, documents
- ``reading``   inbox and case queries, task and case pages, SOP catalogue, versions
- ``audit``     hash chains, checkpoints, verification, replay, history, exports
- ``worktime``  working calendar and clock (WITA, Pemprov Kaltim hours and holidays), per-person leave
- ``worker``    timers, routine starts, escalation, notifications, e-mail (APScheduler)
- ``sop``       the official SOP document
- ``accounts``  users, API tokens, stand-ins (Plh/Plt mandates)
- ``registers`` the records the SOPs' Pencatatan demand: server asset register, data-center access register
- ``operations`` running Alur itself: its backup and restore, archive retention (JRA), structured logs,
  what /metrics reads
- ``persistence``  ORM models, connections, compiled statements, schema revisions (Alembic)

Ground floor: ``config`` (settings), ``errors`` (domain errors with stable codes), ``values`` (the
small read-only values handed to callers), ``permissions`` (who may do what).

Words: a *case* (kasus) is one run of an SOP. The code says "case"; the stored names keep
"instance" where they name data (table ``process_instance``, column ``instance_id``, event types
such as ``instance_started``, API fields), because renaming stored data would break the audit chain.
"""
from engine.audit.anchors import AnchorSet, load_anchors
from engine.audit.checkpoints import (
    KEY_FILE_ENV,
    checkpoint_file_name,
    ensure_signing_key,
    signing_key,
    PUBLIC_KEY_ENV,
    generate_key_file,
    key_id,
    public_key_text,
    signing_key_from_env,
    trusted_keys_from_env,
)
from engine.audit.export import FIRST_YEAR, LAST_YEAR, packet_signing_key, utc_text, wita_text
from engine.audit.history import HistoryStep
from engine.operations.backups import BackupSummary
from engine.operations.restore import RestoreSummary
from engine.operations.retention import RetentionPlan, RetentionResult, parse_as_of as parse_retention_date
from engine.bootstrap import Alur, open_alur
from engine.operations.logs import configure_logging, log_handler
from engine.operations.long_running import freeze_startup_objects, load_latest_models
from engine.config import PROJECT_ROOT, Settings, settings_from_env
from engine.accounts.mandates import MANDATE_KINDS
from engine.accounts.oidc import OidcRequest
from engine.accounts.sign_in import SignedIn
from engine.errors import DirectoryCheckImpossible, DirectoryCheckRefused, DirectoryUnavailable, LoginRefused
from engine.accounts.directory_check import CheckReport
from engine.accounts.external import AccountChange
from engine.errors import (
    CaseHidden,
    CaseRemoved,
    Conflict,
    DeploymentError,
    DraftNotFound,
    DraftTooLarge,
    EngineError,
    FormInvalid,
    InvalidInput,
    InvalidSearch,
    ModelDraftNotFound,
    NotFound,
    PermissionDenied,
    RestoreRefused,
)
from engine.modeling.checks import (DEPLOY_REFUSED, STRANDED_PATH, ModelProblem, available_forms, deploy_checked,
                                   validate_model)
from engine.modeling.trial_run import TrialPath, TrialReport, TrialStep
from engine.modeling.model_forms import PendingForm
from engine.modeling.diff import FLOW_NAME, KIND_LABELS, ElementChange, label_parts
from engine.modeling.english import ModelEnglish
from engine.modeling.forms import DOCUMENT_FORMAT
from engine.modeling.messages import Text
from engine.modeling.roles import RoleCatalog
from engine.modeling.schedules import CATCH_UP_POLICIES, ScheduleView
from engine.modeling.model_drafts import ModelDraftView
from engine.modeling.upload import UploadRefused, read_uploaded_model
from engine.permissions import (
    is_admin,
    is_read_only,
    may_assess_sops,
    may_audit,
    may_handle_incidents,
    may_print_sop_pdf,
    may_model,
    may_read_models,
    may_enter_dc_visits,
    may_keep_server_register,
    may_read_registers,
    may_sign_out_dc_visits,
)
from engine.runtime.incidents import IncidentView, StartFailed, StepFailed
from engine.persistence.schema import upgrade as upgrade_schema
from engine.accounts.opd import OpdView
from engine.accounts.password_policy import MIN_PASSWORD_LENGTH
from engine.accounts.login_throttle import LOCK_AFTER, LOCK_FOR
from engine.audit.refused_logins import ACCOUNT_WAIT, CHECKS_BUSY, RATE_LIMITED
from engine.accounts.tokens import TOKEN_SCOPES, TokenHolder
from engine.accounts.profile import ACCOUNT_FIELDS, AccountData
from engine.accounts.saved_filters import MAX_SAVED_FILTERS, SavedFilterView
from engine.reading.case_pages import RequesterCasePage, TaskForm, TaskPage
from engine.reading.process_mining import (FORMATS as LOG_FORMATS, LogExport, Period as LogPeriod, Requester,
                                           parse_period)
from engine.runtime.comments import MAX_COMMENT_LENGTH, CommentView
from engine.runtime.registration import RegistrationForm
from engine.runtime.runner import StepResult
from engine.registers.dc_access import DcVisitView
from engine.registers.pickers import OPTIONS_KEY as SERVER_OPTIONS_KEY
from engine.registers.server_assets import STATUSES as SERVER_STATUSES, TEXT_FIELDS as SERVER_FIELDS, ServerAssetView
from engine.reading.queries import INBOX_TABS, TASK_STATES_OPEN, SignedInUser
from engine.reading.search_statements import COUNT_CAP, SAVED_COUNT_CAP
from engine.reading.dashboard import DashboardSop
from engine.sop.assessment_drafts import CRITERIA, JAWABAN, METODE, PENILAIAN, REKOMENDASI
from engine.sop.assessments import KINDS as ASSESSMENT_KINDS, AssessmentView
from engine.reading.periods import Period, period_of
from engine.reading.sop_figures import (CaseCounts, FlowFigures, PerformerFigures, SopFigures, SopSummary, StepFigures,
                                       TrendPoint)
from engine.reading.search import CASE_STATES, DEFAULT_SORT, SORTS, Search, parse_search
from engine.reading.search import MAX_TEXT as MAX_SEARCH_TEXT, MAX_WORDS as MAX_SEARCH_WORDS
from engine.runtime.attachments import PREVIEW_TYPES, AttachmentView, Received, UploadTarget
from engine.runtime.case_migration import MappableStep, MigrationCheck, MigrationRefused
from engine.runtime.drafts import MAX_DRAFT_BYTES, DraftView
from engine.values import (DB_INTEGER_MAX, ActiveMandate, AuditEventView, Authority, CaseSummary, LeaveView,
                           MandateView, Person, StandIn, TaskView, UserView)
from engine.worker.scheduler import build_worker, start_embedded_worker
from engine.worktime.clock import utcnow
from engine.worktime.moment_text import MOMENT_PATTERNS
from engine.worktime.overrides import CALENDAR_YEARS
from engine.worktime.work_calendar import WITA

__all__ = [
    "CaseCounts", "DashboardSop", "FlowFigures", "PerformerFigures", "Period", "SopFigures", "SopSummary",
    "StepFigures", "TrendPoint", "period_of",
    "AssessmentView", "ASSESSMENT_KINDS", "CRITERIA", "JAWABAN", "METODE", "PENILAIAN", "REKOMENDASI",
    "may_assess_sops",
    "Alur", "open_alur", "Settings", "settings_from_env", "PROJECT_ROOT", "upgrade_schema",
    "build_worker", "start_embedded_worker", "utcnow", "WITA", "CALENDAR_YEARS", "DB_INTEGER_MAX", "MOMENT_PATTERNS",
    "EngineError", "CaseHidden", "Conflict", "DeploymentError", "FormInvalid", "InvalidInput", "InvalidSearch",
    "NotFound",
    "PermissionDenied", "MigrationRefused", "MigrationCheck", "MappableStep", "DraftNotFound", "DraftTooLarge",
    "IncidentView", "StepFailed", "StartFailed", "is_admin", "is_read_only", "may_audit", "may_handle_incidents",
    "may_model",
    "may_print_sop_pdf", "may_read_models", "RoleCatalog", "ModelProblem", "available_forms", "deploy_checked",
    "validate_model", "DEPLOY_REFUSED", "STRANDED_PATH", "TrialReport", "TrialPath", "TrialStep", "PendingForm",
    "DOCUMENT_FORMAT", "ModelEnglish", "Text", "UploadRefused", "read_uploaded_model", "ModelDraftView",
    "ModelDraftNotFound", "KIND_LABELS", "label_parts", "FLOW_NAME", "ElementChange",
    "CATCH_UP_POLICIES", "ScheduleView",
    "UserView", "Person", "AccountData", "ACCOUNT_FIELDS", "MIN_PASSWORD_LENGTH", "TOKEN_SCOPES", "TokenHolder",
    "LOCK_AFTER", "LOCK_FOR", "ACCOUNT_WAIT", "CHECKS_BUSY", "RATE_LIMITED",
    "TaskView", "TaskPage", "TaskForm", "StepResult",
    "ActiveMandate", "Authority", "LeaveView", "MandateView", "StandIn",
    "MANDATE_KINDS", "AttachmentView", "Received", "UploadTarget", "PREVIEW_TYPES", "HistoryStep", "DraftView",
    "MAX_DRAFT_BYTES", "CaseSummary",
    "RequesterCasePage", "RegistrationForm", "OpdView", "CommentView", "MAX_COMMENT_LENGTH",
    "COUNT_CAP", "SAVED_COUNT_CAP", "INBOX_TABS", "TASK_STATES_OPEN", "SignedInUser",
    "Search", "parse_search", "SORTS", "DEFAULT_SORT", "CASE_STATES", "SavedFilterView", "MAX_SAVED_FILTERS",
    "MAX_SEARCH_TEXT", "MAX_SEARCH_WORDS",
    "KEY_FILE_ENV", "PUBLIC_KEY_ENV", "generate_key_file", "key_id", "public_key_text", "signing_key_from_env",
    "trusted_keys_from_env", "packet_signing_key", "utc_text", "wita_text", "AuditEventView",
    "FIRST_YEAR", "LAST_YEAR", "AnchorSet", "load_anchors", "checkpoint_file_name", "ensure_signing_key",
    "signing_key",
    "may_enter_dc_visits", "may_keep_server_register", "may_read_registers", "may_sign_out_dc_visits",
    "DcVisitView", "ServerAssetView", "SERVER_STATUSES", "SERVER_FIELDS", "SERVER_OPTIONS_KEY",
    "RetentionPlan", "RetentionResult", "parse_retention_date", "CaseRemoved",
    "BackupSummary", "RestoreSummary", "RestoreRefused", "configure_logging", "freeze_startup_objects",
    "load_latest_models",
    "log_handler",
    "LOG_FORMATS", "LogExport", "LogPeriod", "Requester", "parse_period",
    "DirectoryUnavailable", "LoginRefused", "OidcRequest", "SignedIn",
    "DirectoryCheckImpossible", "DirectoryCheckRefused", "CheckReport", "AccountChange",
]
