"""Domain errors: each has a stable ``code`` for the API and the context a person needs."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.modeling.messages import Text


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "engine_error"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.context}


class DeploymentError(EngineError):
    """A BPMN file was refused; names the file, the element and, where known, the line."""

    code = "deployment_refused"

    def __init__(self, message: str, *, file: str, element_id: str | None = None,
                 line: int | None = None, text: Text | None = None, detail: str = "") -> None:
        where = file + (f", elemen '{element_id}'" if element_id else "") + (f", baris {line}" if line else "")
        super().__init__(f"{where}: {message}", file=file, element_id=element_id, line=line)
        self.reason = message
        self.text = text  # the message in both languages (engine.modeling.messages), when catalogued
        self.detail = detail  # technical text (SpiffWorkflow's, lxml's): for the log and a details view

    @classmethod
    def worded(cls, text: Text, *, file: str, element_id: str | None = None, line: int | None = None,
               detail: str = "") -> DeploymentError:
        """A refusal whose message comes from the catalogue (its Indonesian wording is the reason)."""
        return cls(text.render("id"), file=file, element_id=element_id, line=line, text=text, detail=detail)


class UnsafeExpression(EngineError):
    code = "unsafe_expression"


class NotFound(EngineError):
    code = "not_found"


class DefinitionNotFound(NotFound):
    code = "definition_not_found"


class CaseNotFound(NotFound):
    code = "instance_not_found"

    @classmethod
    def of(cls, instance_id: int) -> CaseNotFound:
        return cls(f"Kasus {instance_id} tidak ditemukan", instance_id=instance_id)


class CaseRemoved(CaseNotFound):
    """The case's rows were removed under the archive retention schedule (``alur retention apply``);
    its audit trail stays. The web answers 410 Gone with the reason."""

    code = "case_removed"


class TaskNotFound(NotFound):
    code = "task_not_found"

    @classmethod
    def of(cls, task_id: str) -> TaskNotFound:
        return cls(f"Tugas {task_id} tidak ditemukan", task_id=task_id)


class UserNotFound(NotFound):
    code = "user_not_found"


class DraftNotFound(NotFound):
    code = "draft_not_found"


class ModelDraftNotFound(NotFound):
    code = "model_draft_not_found"


class PermissionDenied(EngineError):
    """The actor's roles do not allow this action."""

    code = "permission_denied"


class CaseHidden(PermissionDenied):
    """A case the reader may not read answers exactly as a case that does not exist (404
    ``instance_not_found``, the same message), so trying ids tells nobody which cases exist; being a
    denial, the attempt is still recorded on the case's chain (``engine.audit.attempts``)."""

    code = "instance_not_found"

    @classmethod
    def of(cls, instance_id: int) -> CaseHidden:
        return cls(f"Kasus {instance_id} tidak ditemukan", instance_id=instance_id)


class TaskForOthers(PermissionDenied):
    """The model named other people for this task (camunda:assignee / candidateUsers)."""

    code = "task_named_for_others"


class Conflict(EngineError):
    """The request is stale or duplicated: someone else changed the same thing first."""

    code = "conflict"


class TaskNotOpen(Conflict):
    """The task was completed or cancelled already."""

    code = "task_not_open"


class TaskClaimedByOther(Conflict):
    code = "task_claimed_by_other"


class ConcurrentUpdate(Conflict):
    """Two writers raced on one instance; this one lost and stored nothing."""

    code = "concurrent_update"


class CaseNotRunning(Conflict):
    code = "instance_not_running"


class InvalidInput(EngineError):
    code = "invalid_input"


class UnknownVariables(InvalidInput):
    """Start data naming variables no start form defines: a case's data comes through its steps' forms."""

    code = "unknown_variables"


class ReasonRequired(InvalidInput):
    """An action that must say why (a reassignment) came without a reason."""

    code = "reason_required"


class NotARoleHolder(InvalidInput):
    """The person named is unknown, inactive, or does not hold the task's role."""

    code = "not_a_role_holder"


class FormInvalid(InvalidInput):
    """Submitted data fails the task's JSON Schema; ``errors`` maps field -> Indonesian message, ``words``
    field -> the message as a catalogue key with its values (engine.modeling.messages), for the pages to
    show in the reader's language (a field missing there has only its Indonesian message)."""

    code = "form_invalid"

    def __init__(self, errors: dict[str, str], form_key: str, words: dict[str, Text] | None = None) -> None:
        super().__init__("Data formulir tidak valid", errors=errors, form_key=form_key)
        self.errors = errors
        self.words = words or {}

    @classmethod
    def worded(cls, words: dict[str, Text], form_key: str) -> FormInvalid:
        return cls({field: text.render("id") for field, text in words.items()}, form_key, words)

    def in_language(self, language: str) -> dict[str, str]:
        """The messages in ``language`` ("id" or "en")."""
        return {field: self.words[field].render(language) if field in self.words else message
                for field, message in self.errors.items()}


class DraftInvalid(InvalidInput):
    """A draft that is not form field values: not an object, a field the form lacks, a document not one's own."""

    code = "draft_invalid"


class DraftTooLarge(InvalidInput):
    code = "draft_too_large"


class ExecutionError(EngineError):
    """The model failed at run time (e.g. a condition on missing data); nothing was stored."""

    code = "execution_error"


class ModelBoundExceeded(ExecutionError):
    """A model's value at run time is out of its bound (too many step copies, a timer out of range)."""

    code = "model_bound_exceeded"

    def __init__(self, message: str, *, text: Text, **context: Any) -> None:
        super().__init__(message, **context)
        self.text = text


class ExpressionTooCostly(ExecutionError):
    """An expression would build a value past its size bound, or run past its time bound."""

    code = "expression_too_costly"


# -- stand-ins (Plh/Plt) and leave ---------------------------------------------------------------

class MandateNotFound(NotFound):
    code = "mandate_not_found"


class MandateOverlap(Conflict):
    """The absent official already has a stand-in for part of the period."""

    code = "mandate_overlap"


class MandateAlreadyEnded(Conflict):
    code = "mandate_already_ended"


class MandateKindInvalid(InvalidInput):
    code = "mandate_kind_invalid"


class MandateSamePerson(InvalidInput):
    code = "mandate_same_person"


class MandatePeriodInvalid(InvalidInput):
    """A date that is not a date, ``from`` after ``to``, or a period already over."""

    code = "mandate_period_invalid"


class MandateBasisRequired(InvalidInput):
    code = "mandate_basis_required"


class MandateGrantsNothing(InvalidInput):
    """Every role of the official is one a mandate never grants (Admin Sistem, Auditor, process owner)."""

    code = "mandate_grants_nothing"


class LeaveNotFound(NotFound):
    code = "leave_not_found"


class LeaveInvalid(InvalidInput):
    code = "leave_invalid"
class InvalidSearch(InvalidInput):
    """A search or sort parameter was refused; ``code`` says what was wrong with it:
    ``invalid_date``, ``invalid_date_range``, ``unknown_sort``, ``unknown_state``, ``search_too_long``,
    ``invalid_performer``."""

    code = "invalid_search"

    def __init__(self, message: str, *, code: str, field: str) -> None:
        super().__init__(message, field=field)
        self.code = code


class BackupFailed(EngineError):
    """``alur backup`` could not write a complete archive (a dump tool missing or of another version, a
    folder unreadable); nothing is left at the destination."""

    code = "backup_failed"


class RestoreRefused(EngineError):
    """``alur restore`` refused the archive or the target, or the restored data failed verification;
    ``problems`` names each file or check, and nothing restored is left behind."""

    code = "restore_refused"

    def __init__(self, message: str, problems: list[str] | None = None, **context: Any) -> None:
        super().__init__(message, problems=list(problems or []), **context)
        self.problems = list(problems or [])


# -- process-mining exports (engine.reading.process_mining) ---------------------------------------

class InvalidPeriod(InvalidInput):
    """A period that is none: a date that is not YYYY-MM-DD, ``to`` before ``from``, a year out of range,
    or longer than an export may span. ``field`` names the parameter."""

    code = "invalid_period"


class UnknownExportFormat(InvalidInput):
    code = "unknown_export_format"


class ExportNotAllowed(PermissionDenied):
    """The log of an SOP is for its supervisors, the SOP assessors, process owners and auditors."""

    code = "export_not_allowed"


class NamesNotAllowed(PermissionDenied):
    """Performers' names were asked for by someone who may only see pseudonyms."""

    code = "names_not_allowed"


class DirectoryUnavailable(EngineError):
    """The office directory (LDAP) or the sign-on portal (OpenID provider) did not answer, refused the
    TLS certificate, or refused the service account; ``source`` says which. Local accounts still sign in."""

    code = "directory_unavailable"


class DirectoryCheckImpossible(EngineError):
    """The directory check (``alur directory check``) cannot run: no LDAP directory is configured, or it is
    used with direct bind only (no service account to read people's entries); ``reason`` says which."""

    code = "directory_check_impossible"


class DirectoryCheckRefused(EngineError):
    """The directory check stopped before changing anything: the directory answered, but has no entry for
    so many of Alur's accounts (``missing`` of ``checked``) that a wrong base DN or filter is likelier than
    that many people leaving at once. ``alur directory check --accept-missing`` applies it all the same."""

    code = "directory_check_refused"


class LoginRefused(EngineError):
    """A sign-in refused for a reason the person must know (not a wrong password): ``reason`` is
    ``disabled`` (the directory disabled the person), ``inactive`` (Admin Sistem deactivated the account),
    ``username_taken`` (a local account holds the name), ``subject_mismatch`` (the name is bound to another
    directory entry), ``local_passwords_off``, ``use_sso`` or ``sso_failed``."""

    code = "login_refused"

    def __init__(self, message: str, *, reason: str, username: str, source: str) -> None:
        super().__init__(message, reason=reason, username=username, source=source)
        self.reason = reason
