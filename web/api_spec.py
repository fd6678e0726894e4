"""The OpenAPI 3.1 document of ``/api/v1`` (a test checks it lists exactly the app's API routes)."""
from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# The stable codes of a refused appointment (``error.code``), each with its ``field`` where one is at fault.
_MANDATE_ERRORS = ("mandate_kind_invalid", "mandate_same_person", "mandate_basis_required", "mandate_period_invalid",
                   "mandate_grants_nothing", "mandate_overlap (409)", "user_not_found (404)",
                   "permission_denied (403)", "invalid_input")

_STATUS_TEXTS = {400: "Bad request", 401: "Missing or invalid token", 403: "Not allowed for your roles",
                 404: "Not found", 409: "Stale or duplicate: someone changed it first",
                 410: "Gone: case_removed, removed under the archive retention schedule (JRA); the reason given",
                 413: "Too large", 422: "Invalid data"}


def _errors(*statuses: int) -> dict[str, Any]:
    """The operation's own error answers, and those of every request: 401 (no valid token) and 422
    (text that cannot be stored, JSON too deep or too large: web.input_guard)."""
    return {str(s): {"$ref": f"#/components/responses/E{s}"} for s in sorted({401, 422, *statuses})}


_USERNAME = {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}
_MANDATE_ID = {"name": "mandate_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_LEAVE_ID = {"name": "leave_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
_INSTANCE_ID = {"name": "instance_id", "in": "path", "required": True, "schema": {"type": "integer"}}

_AUDIT_ERRORS = ("Read-only; Auditor and Admin Sistem only. Errors: 403 audit_role_required (other roles), "
                 "400 invalid_date (not YYYY-MM-DD), 400 invalid_date_range (sampai before dari), "
                 "400 invalid_parameter (a page, per_page or instance_id that is not a positive integer), "
                 "404 instance_not_found.")
_AUDIT_DAYS = [{"name": "dari", "in": "query", "schema": {"type": "string", "format": "date"},
                "description": "first day, WITA (Asia/Makassar), included"},
               {"name": "sampai", "in": "query", "schema": {"type": "string", "format": "date"},
                "description": "last day, WITA, included"}]
_ZIP = {"description": "A ZIP that proves itself: events, checkpoints, BPMN versions, documents, README.txt, "
                       "manifest.json (sha256 of every file; manifest.sig signs it with the audit key when one is "
                       "configured) and verify_packet.py (python3 verify_packet.py --public-key KEY)",
        "content": {"application/zip": {"schema": {"type": "string", "contentMediaType": "application/zip"}}}}

_SEARCH_CODES = ("invalid_date", "invalid_date_range", "unknown_sort", "unknown_state", "search_too_long",
                 "invalid_performer")


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _search_parameters(sorts: dict[str, str], date_of: str) -> list[dict[str, Any]]:
    """The search parameters the inbox and the case list share (engine.reading.search)."""
    text = {"type": "string", "maxLength": 200}
    return [
        _query("q", text, "Words that must all occur in the case's step data (whole words; case and accents "
                          "ignored; at most 10 words). Date and time fields hold no words."),
        _query("reference", text, "The beginning of the business key or of a letter number (nomor surat); "
                                  "only letters and digits compare, so 045/123 matches 045.123/TIK/2026."),
        _query("opd", text, "Words of the requesting unit (OPD) named by the case's forms."),
        _query("performer", {"type": "string", "maxLength": 100},
               "A username who started the case or completed one of its steps."),
        _query("process_key", {"type": "string"}, "The SOP (process key)."),
        _query("from", {"type": "string", "format": "date"}, f"From this WITA date (inclusive): {date_of}."),
        _query("to", {"type": "string", "format": "date"}, f"Up to this WITA date (inclusive): {date_of}."),
        _query("sort", {"enum": [p + k for k in sorts for p in ("", "-")]},
               "The order: a key, '-' first for descending. " + "; ".join(f"{k}: {v}" for k, v in sorts.items())),
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}]


_SEARCH_REFUSED = {"description": "A refused parameter; error.code is one of " + ", ".join(_SEARCH_CODES)
                   + " (error.field names the parameter), or invalid_input for an unknown tab",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"], "additionalProperties": True,
        "properties": {"code": {"type": "string", "description": "stable code, e.g. task_not_open"},
                       "message": {"type": "string", "description": "Indonesian message"},
                       "errors": {"type": "object", "additionalProperties": {"type": "string"},
                                  "description": "form_invalid: field path -> message"}}}}},
    "Task": {"type": "object", "properties": {
        "task_id": {"type": "string"}, "instance_id": {"type": "integer"}, "process_key": {"type": "string"},
        "process_name": {"type": "string"}, "business_key": {"type": ["string", "null"]},
        "element_id": {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string"},
        "form_key": {"type": "string"}, "state": {"enum": ["ready", "claimed", "completed", "cancelled"]},
        "assignee": {"type": ["string", "null"]}, "created_at": {"type": "string", "format": "date-time"},
        "due_at": {"type": ["string", "null"], "format": "date-time"},
        "claimed_at": {"type": ["string", "null"], "format": "date-time"},
        "completed_at": {"type": ["string", "null"], "format": "date-time"},
        "completed_by": {"type": ["string", "null"]},
        "version": {"type": "integer", "description": "send back as expected_version"},
        "candidates": {"type": "array", "items": {"type": "string"},
                       "description": "the people the model named for it (camunda:assignee/candidateUsers); "
                                      "empty: any holder of its role"},
        "data": {"type": ["object", "null"]},
        "acting_for": {"oneOf": [{"type": "null"}, _ref("StandIn")],
                       "description": "in a stand-in's inbox: the absent official the task is offered for"}}},
    "StandIn": {"type": "object", "properties": {
        "mandate_id": {"type": "integer"}, "kind": {"enum": ["plh", "plt"]},
        "absent": {"type": "string", "description": "the official's username"}, "absent_name": {"type": "string"}}},
    "Mandate": {"type": "object", "properties": {
        "mandate_id": {"type": "integer"}, "kind": {"enum": ["plh", "plt"]}, "label": {"enum": ["Plh.", "Plt."]},
        "absent": {"type": "string"}, "stand_in": {"type": "string"},
        "from_day": {"type": "string", "format": "date", "description": "WITA, inclusive"},
        "to_day": {"type": "string", "format": "date", "description": "WITA, inclusive"},
        "basis": {"type": "string", "description": "nomor surat penunjukan"},
        "created_by": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time", "description": "when it stops granting (UTC)"},
        "ended_early_at": {"type": ["string", "null"], "format": "date-time"},
        "ended_by": {"type": ["string", "null"]}, "end_reason": {"type": ["string", "null"]},
        "status": {"enum": ["upcoming", "running", "ended"]}}},
    "AppointMandate": {"type": "object", "required": ["kind", "absent", "stand_in", "from", "to", "basis"],
                       "properties": {
        "kind": {"enum": ["plh", "plt"], "description": "plh: the official is away; plt: the post is vacant"},
        "absent": {"type": "string", "description": "username of the official stood in for"},
        "stand_in": {"type": "string", "description": "username of the Plh/Plt (active account)"},
        "from": {"type": "string", "format": "date", "description": "first day (WITA)"},
        "to": {"type": "string", "format": "date", "description": "last day (WITA), inclusive"},
        "basis": {"type": "string", "maxLength": 200, "description": "nomor surat penunjukan"}}},
    "EndMandate": {"type": "object", "properties": {"reason": {"type": "string"}}},
    "Leave": {"type": "object", "properties": {
        "leave_id": {"type": "integer"}, "username": {"type": "string"},
        "from_day": {"type": "string", "format": "date"}, "to_day": {"type": "string", "format": "date"},
        "note": {"type": "string"}, "working_days": {"type": "integer"}, "created_by": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "reminded_at": {"type": ["string", "null"], "format": "date-time",
                        "description": "when supervisors were told no Plh covers a leave of 7+ working days"}}},
    "AddLeave": {"type": "object", "required": ["username", "from", "to"], "properties": {
        "username": {"type": "string"}, "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"}, "note": {"type": "string", "maxLength": 200}}},
    "InboxPage": {"type": "object", "properties": {
        "items": {"type": "array", "items": {"allOf": [_ref("Task"), {"type": "object", "properties": {
            "working_minutes_left": {"type": ["integer", "null"], "description": "negative when overdue"}}}]}},
        "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"},
        "pages": {"type": "integer"},
        "capped": {"type": "boolean", "description": "more than total match (counts stop at 1000; 1001 means more)"},
        "counts": {"type": "object", "description": "every tab's open tasks (not narrowed by the search), up to 1001",
                   "properties": {t: {"type": "integer"} for t in ("mine", "available", "overdue")}}}},
    "CaseSummary": {"type": "object", "properties": {
        "instance_id": {"type": "integer"}, "process_key": {"type": "string"}, "process_name": {"type": "string"},
        "business_key": {"type": ["string", "null"]},
        "letter_number": {"type": ["string", "null"], "description": "the first nomor surat the forms named"},
        "opd": {"type": ["string", "null"], "description": "the requesting unit the forms named"},
        "status": {"enum": ["running", "completed", "cancelled"]}, "started_by": {"type": "string"},
        "started_at": {"type": "string", "format": "date-time"},
        "ended_at": {"type": ["string", "null"], "format": "date-time"},
        "due_at": {"type": ["string", "null"], "format": "date-time"}}},
    "CasePage": {"type": "object", "properties": {
        "items": {"type": "array", "items": _ref("CaseSummary")}, "page": {"type": "integer"},
        "per_page": {"type": "integer"}, "total": {"type": "integer", "description": "up to 1000"},
        "pages": {"type": "integer"}, "capped": {"type": "boolean", "description": "more than total match"}}},
    "TaskDetail": {"type": "object", "properties": {
        "task": _ref("Task"), "step": {"type": "object", "description": "name, documentation, role, mutu_baku"},
        "form": {"type": "object", "description": "the form's JSON Schema (draft 2020-12)"},
        "prefill": {"type": "object"},
        "carried": {"type": "object", "additionalProperties": {"type": "integer"},
                    "description": "prefill fields carried from this step's earlier pass (a loop): field -> pass"},
        "working_minutes_left": {"type": ["integer", "null"]},
        "can_act": {"type": "boolean"}, "documents": {"type": "array", "items": _ref("CaseDocument")}}},
    "CompleteTask": {"type": "object", "required": ["data"], "properties": {
        "data": {"type": "object", "description": "valid against the task's form; documents as sha256"},
        "expected_version": {"type": "integer", "description": "the task's version when read; stale -> 409"}}},
    "Draft": {"type": "object", "description": (
        "Your unsent input to a task form: private (never shown to anyone else, not on the case page) and "
        "not part of the record (no audit event). Saved only while the task is open; when someone else "
        "completes or cancels it, the draft stays readable to you (task_open false) for 30 days after its "
        "last save, then the worker removes it; completing the task yourself ends it at once."),
        "properties": {
            "task_id": {"type": "string"}, "data": {"type": "object"},
            "saved_at": {"type": "string", "format": "date-time"},
            "task_open": {"type": "boolean", "description": "false: read only, the task was closed"}}},
    "SaveDraft": {"type": "object", "required": ["data"], "properties": {"data": {
        "type": "object", "description": "field values of the task's form, as typed (not validated; at most "
                                         "1 MB as JSON); documents as sha256 of your own uploads or of "
                                         "documents the case carries"}}},
    "ReassignTask": {"type": "object", "required": ["to", "reason"], "properties": {
        "to": {"type": "string", "description": "username of an active holder of the task's role"},
        "reason": {"type": "string", "description": "why (required, up to 1000 characters); kept in the audit log"}}},
    "StartCase": {"type": "object", "required": ["process_key"], "properties": {
        "process_key": {"type": "string", "example": "sop_gangguan_jaringan"},
        "business_key": {"type": "string", "description": "e.g. the request letter number"},
        "data": {"type": "object", "maxProperties": 0,
                 "description": "must be empty or absent: a case's data comes through its steps' forms "
                                "(422 unknown_variables otherwise)"}}},
    "StepResult": {"type": "object", "properties": {
        "instance_id": {"type": "integer"}, "status": {"enum": ["running", "completed", "cancelled"]},
        "ready_task_ids": {"type": "array", "items": {"type": "string"}},
        "assignees": {"type": "object", "additionalProperties": {"type": "string"},
                      "description": "task id -> username: the tasks this step opened that someone holds"}}},
    "Case": {"type": "object", "properties": {
        "case": {"type": "object", "description": "instance: key, version, status, times, data"},
        "steps": {"type": "array", "items": {"type": "object"}},
        "documents": {"type": "array", "items": _ref("CaseDocument")},
        "marks": {"type": "object", "additionalProperties": {"enum": ["done", "active", "overdue"]}},
        "overdue": {"type": "boolean"}, "worked_minutes": {"type": "integer"}}},
    "CaseDocument": {"type": "object", "properties": {
        "sha256": {"type": "string"}, "filename": {"type": "string"}, "media_type": {"type": "string"},
        "size": {"type": "integer"}, "field": {"type": "string"}, "step_name": {"type": "string"}}},
    "Document": {"type": "object", "properties": {
        "sha256": {"type": "string"}, "filename": {"type": "string"}, "media_type": {"type": "string"},
        "size": {"type": "integer"}, "uploaded_by": {"type": "string"},
        "uploaded_at": {"type": "string", "format": "date-time"}}},
    "User": {"type": "object", "properties": {
        "user_id": {"type": "integer"}, "username": {"type": "string"}, "full_name": {"type": "string"},
        "email": {"type": ["string", "null"]}, "active": {"type": "boolean"},
        "roles": {"type": "array", "items": {"type": "string"}},
        "opd_id": {"type": ["integer", "null"], "description": "a requester's unit"},
        "email_mode": {"enum": ["instant", "digest", "off"]},
        "nip": {"type": ["string", "null"], "description": "18 digits: birth date, TMT, sex, serial"},
        "jabatan": {"type": ["string", "null"]}, "unit_kerja": {"type": ["string", "null"]},
        "phone": {"type": ["string", "null"]}}},
    "AccountData": {"type": "object", "description": "fields left out keep their value; null or \"\" clears one",
                    "properties": {name: {"type": ["string", "null"]} for name in
                                   ("full_name", "nip", "jabatan", "unit_kerja", "email", "phone")}},
    "RegisterCase": {"type": "object", "required": ["process_key", "opd_id", "business_key", "data"], "properties": {
        "process_key": {"type": "string", "example": "sop_backup_restore_db"},
        "opd_id": {"type": "integer", "description": "the requesting unit (GET /opd)"},
        "business_key": {"type": "string", "description": "the agenda or SRIKANDI number"},
        "data": {"type": "object", "description": "the requester's first step, valid against its form; "
                                                  "the letter's scan as a sha256 (POST /documents)"}}},
    "RequesterCase": {"type": "object", "description": "what a requester reads of their case", "properties": {
        "view": {"const": "requester"}, "instance_id": {"type": "integer"}, "process_name": {"type": "string"},
        "business_key": {"type": ["string", "null"]}, "status": {"enum": ["running", "completed", "cancelled"]},
        "started_at": {"type": "string", "format": "date-time"},
        "ended_at": {"type": ["string", "null"], "format": "date-time"}, "opd_name": {"type": ["string", "null"]},
        "outcome": {"type": ["object", "null"]}, "documents": {"type": "array", "items": _ref("CaseDocument")},
        "comments": {"type": "array", "items": _ref("Comment"), "description": "the thread with the office"},
        "can_comment": {"type": "boolean"}}},
    "Comment": {"type": "object", "properties": {
        "comment_id": {"type": "integer", "description": "the audit event's id"}, "instance_id": {"type": "integer"},
        "seq": {"type": "integer"}, "author": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
        "text": {"type": "string"}, "mentions": {"type": "array", "items": {"type": "string"},
                                                 "description": "users notified"},
        "to_requester": {"type": "boolean", "description": "in the thread with the requester"}}},
    "NewComment": {"type": "object", "required": ["text"], "properties": {
        "text": {"type": "string", "maxLength": 5000, "description": "plain text; @username notifies"},
        "to_requester": {"type": "boolean", "default": False,
                         "description": "address the requester too (a requester's own comment always is)"}}},
    "Opd": {"type": "object", "properties": {
        "opd_id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
        "active": {"type": "boolean"}}},
    "ServerAsset": {"type": "object", "description": "a server of the asset register (SOP-05 Pencatatan)",
                    "properties": {
        "asset_number": {"type": "string"}, "hostname": {"type": "string"}, "ip_address": {"type": "string"},
        "operating_system": {"type": "string"}, "dbms": {"type": "string"}, "owner_opd": {"type": "string"},
        "location": {"type": "string"}, "backup_schedule": {"type": "string"},
        "status": {"enum": ["aktif", "nonaktif", "dihapus"]},
        "last_backup_at": {"type": ["string", "null"], "format": "date-time"},
        "last_backup_result": {"type": ["string", "null"]},
        "last_restore_at": {"type": ["string", "null"], "format": "date-time"},
        "last_restore_result": {"type": ["string", "null"]},
        "last_job_instance_id": {"type": ["integer", "null"], "description": "the back-up/restore case"},
        "last_job_confirmed": {"type": "boolean", "description": "brd_05 confirmed the result"},
        "last_reviewed_at": {"type": ["string", "null"], "format": "date-time"},
        "last_review_result": {"type": ["string", "null"], "description": "sesuai or tidak sesuai"},
        "last_review_note": {"type": ["string", "null"]},
        "last_review_instance_id": {"type": ["integer", "null"], "description": "the yearly review case"}}},
    "NewServerAsset": {"type": "object", "required": ["asset_number", "hostname", "ip_address", "operating_system",
                                                      "dbms", "owner_opd", "location", "backup_schedule"],
                       "properties": {k: {"type": "string"} for k in (
                           "asset_number", "hostname", "ip_address", "operating_system", "dbms", "owner_opd",
                           "location", "backup_schedule")}},
    "DcVisit": {"type": "object", "description": "a stay in the data-center room (SOP-04); open while time_out is null",
                "properties": {
        "visit_id": {"type": "integer"}, "visitor": {"type": "string"}, "organisation": {"type": "string"},
        "purpose": {"type": "string"}, "escort": {"type": "string"},
        "time_in": {"type": "string", "format": "date-time"},
        "time_out": {"type": ["string", "null"], "format": "date-time"},
        "instance_id": {"type": ["integer", "null"], "description": "the maintenance case that opened it"},
        "source": {"enum": ["penugasan", "kunjungan"]}, "opened_by": {"type": "string"},
        "closed_by": {"type": ["string", "null"]}}},
    "NewDcVisit": {"type": "object", "required": ["visitor", "organisation", "purpose", "escort"],
                   "properties": {k: {"type": "string"} for k in ("visitor", "organisation", "purpose", "escort")}},
    "AuditEvent": {"type": "object", "properties": {
        "id": {"type": "integer"}, "chain": {"type": "string", "description": "instance:<id> or system"},
        "seq": {"type": "integer"}, "instance_id": {"type": ["integer", "null"]}, "event_type": {"type": "string"},
        "actor": {"type": "string"}, "at_utc": {"type": "string", "format": "date-time", "description": "UTC, Z"},
        "at_wita": {"type": "string", "format": "date-time", "description": "the same moment in WITA (+08:00)"},
        "payload": {"type": "object"}, "hash": {"type": "string"}}},
    "AuditLogPage": {"type": "object", "properties": {
        "items": {"type": "array", "items": _ref("AuditEvent")}, "page": {"type": "integer"},
        "per_page": {"type": "integer"}, "total": {"type": "integer"}, "pages": {"type": "integer"}}},
    "CaseVerification": {"type": "object", "properties": {
        "instance_id": {"type": "integer"}, "ok": {"type": "boolean"},
        "audit": {"type": "object", "description": "the hash chain and signed checkpoints (as alur audit verify)"},
        "replay": {"type": ["object", "null"], "description": "the case re-executed on the BPMN versions it ran on; "
                                                            "null for a case removed under retention"},
        "removed": {"type": "object", "description": "only for a case removed under retention: code case_removed, "
                                                     "message, removed_at, period, basis"},
        "lines": {"type": "array", "items": {"type": "string"}, "description": "the report as text"}}},
    "ProcessList": {"type": "object", "properties": {"items": {"type": "array", "items": {
        "type": "object", "properties": {"process_key": {"type": "string"}, "name": {"type": "string"},
                                         "version": {"type": "integer"}, "can_start": {"type": "boolean"},
                                         "routine_cycle": {"type": ["string", "null"]}}}}}},
}

_PATHS: dict[str, Any] = {
    "/openapi.json": {"get": {"operationId": "openapi", "summary": "This document", "security": [],
                              "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 document")}}},
    "/me": {"get": {"operationId": "me", "summary": "The token's user", "responses": {
        "200": _json(_ref("User"), "The user"), **_errors()}}},
    "/processes": {"get": {"operationId": "processes", "summary": "Deployed SOPs and whether you may start them",
                           "responses": {"200": _json(_ref("ProcessList"), "SOPs"), **_errors()}}},
    "/processes/{process_key}/log": {"get": {
        "operationId": "processLog", "summary": "An SOP's cases of a period as a process-mining log",
        "description": "Every case of the SOP started in the period, one event when each step became ready and "
                       "one when it was completed (or withdrawn). For the SOP's supervisors, Penilai SOP, Pemilik "
                       "Proses and auditors; performers are pseudonyms (HMAC under a key made for this export "
                       "only) unless names=1 and you may see them (auditors; supervisors for the roles they "
                       "supervise). Every export is recorded in the audit log. Errors: 422 invalid_period (from/to "
                       "not YYYY-MM-DD, to before from, outside 2000-2099, longer than five years), 422 "
                       "unknown_export_format, 400 invalid_parameter (names), 403 export_not_allowed, 403 "
                       "names_not_allowed, 404 definition_not_found.",
        "parameters": [{"name": "process_key", "in": "path", "required": True, "schema": {"type": "string"}},
                       {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date"},
                        "description": "first day the cases started, WITA, included"},
                       {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date"},
                        "description": "last day, WITA, included"},
                       {"name": "format", "in": "query", "required": True, "schema": {"enum": ["xes", "ocel", "csv"]},
                        "description": "XES (IEEE 1849-2016), OCEL 2.0 JSON, or CSV (times in WITA)"},
                       {"name": "names", "in": "query", "schema": {"enum": ["0", "1"], "default": "0"}}],
        "responses": {"200": {"description": "The log, streamed", "content": {
            "application/xml": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}}}}, **_errors(400, 403, 404, 422)}}},
    "/inbox": {"get": {
        "operationId": "inbox", "summary": "Open tasks for you, soonest due first; searched and sorted",
        "parameters": [
            {"name": "tab", "in": "query", "schema": {"enum": ["mine", "available", "overdue"], "default": "mine"}},
            {"name": "state", "in": "query", "schema": {"enum": ["ready", "claimed"]}},
            *_search_parameters({"due": "due time (default)", "created": "arrival", "case": "case number"},
                                "the task's due time")],
        "responses": {"200": _json(_ref("InboxPage"), "One page of tasks"), **_errors(), "422": _SEARCH_REFUSED}}},
    "/tasks/{task_id}": {"get": {
        "operationId": "getTask", "summary": "A task with its form schema, mutu baku and earlier documents",
        "parameters": [_TASK_ID], "responses": {"200": _json(_ref("TaskDetail"), "The task"), **_errors(403, 404)}}},
    "/tasks/{task_id}/claim": {"post": {
        "operationId": "claimTask", "summary": "Take a ready task of your roles", "parameters": [_TASK_ID],
        "responses": {"200": _json(_ref("Task"), "Claimed"), **_errors(403, 404, 409)}}},
    "/tasks/{task_id}/unclaim": {"post": {
        "operationId": "unclaimTask", "summary": "Give a claimed task back to its role", "parameters": [_TASK_ID],
        "responses": {"200": _json(_ref("Task"), "Released"), **_errors(403, 404, 409)}}},
    "/tasks/{task_id}/reassign": {"post": {
        "operationId": "reassignTask",
        "summary": "Hand an open task to another holder of its role (supervising roles and Admin Sistem)",
        "description": "Errors: 403 permission_denied (you do not supervise the task's role); 422 reason_required "
                       "(no reason), not_a_role_holder (unknown, inactive or without the task's role), "
                       "invalid_input (e.g. the person did a step this one must be checked apart from); "
                       "409 task_not_open. The new holder gets a notification.",
        "parameters": [_TASK_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ReassignTask")}}},
        "responses": {"200": _json(_ref("Task"), "Reassigned: the task, now held by the new person"),
                      **_errors(403, 404, 409, 422)}}},
    "/tasks/{task_id}/complete": {"post": {
        "operationId": "completeTask", "summary": "Complete a task with form data", "parameters": [_TASK_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("CompleteTask")}}},
        "responses": {"200": _json(_ref("StepResult"), "Completed; the case ran on"),
                      **_errors(403, 404, 409, 422)}}},
    "/tasks/{task_id}/draft": {
        "get": {"operationId": "getDraft", "summary": "Your draft of a task", "parameters": [_TASK_ID],
                "description": "Errors: 403 permission_denied (not your role), 404 task_not_found, "
                               "404 draft_not_found (none, or you completed the task).",
                "responses": {"200": _json(_ref("Draft"), "The draft"), **_errors(403, 404)}},
        "put": {"operationId": "saveDraft", "summary": "Keep form values as your draft of an open task",
                "parameters": [_TASK_ID],
                "description": "Replaces your previous draft. Errors: 422 invalid_input (body not a JSON object "
                               "with data), 422 draft_invalid (data not an object, a field the form lacks, a "
                               "document not yours), 413 draft_too_large (over 1 MB), 403 permission_denied "
                               "(not your role), 404 task_not_found, 409 task_not_open (completed or cancelled).",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("SaveDraft")}}},
                "responses": {"200": _json(_ref("Draft"), "Saved"), **_errors(403, 404, 409, 413, 422)}},
        "delete": {"operationId": "deleteDraft", "summary": "Discard your draft of a task (idempotent)",
                   "parameters": [_TASK_ID],
                   "description": "Errors: 403 permission_denied (not your role), 404 task_not_found.",
                   "responses": {"204": {"description": "Discarded, or there was none"}, **_errors(403, 404)}}},
    "/cases": {"get": {
        "operationId": "listCases", "summary": "Cases you may read, newest first; searched and sorted",
        "parameters": [
            {"name": "status", "in": "query", "schema": {"enum": ["running", "completed", "cancelled"]}},
            *_search_parameters({"id": "case number (default -id: newest first)", "started": "start time",
                                 "due": "due time", "process": "SOP", "key": "business key", "status": "status"},
                                "the case's start")],
        "responses": {"200": _json(_ref("CasePage"), "One page of cases"), **_errors(), "422": _SEARCH_REFUSED}},
               "post": {
        "operationId": "startCase", "summary": "Start a case of an SOP your roles may start",
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("StartCase")}}},
        "responses": {"201": _json(_ref("StepResult"), "Started"), **_errors(403, 404, 422)}}},
    "/cases/{instance_id}": {"get": {
        "operationId": "getCase", "summary": "A case: steps against mutu baku, documents, diagram marks; "
                                             "a requester gets status and outcome only",
        "parameters": [_INSTANCE_ID], "responses": {
            "200": _json({"oneOf": [_ref("Case"), _ref("RequesterCase")]}, "The case"), **_errors(403, 404, 410)}}},
    "/cases/{instance_id}/comments": {
        "get": {"operationId": "listComments", "summary": "The case's comments, oldest first",
                "parameters": [_INSTANCE_ID], "responses": {
                    "200": _json({"type": "object",
                                  "properties": {"items": {"type": "array", "items": _ref("Comment")}}},
                                 "Comments"), **_errors(403, 404)}},
        "post": {"operationId": "addComment", "summary": "Comment on a case (audited; never editable)",
                 "parameters": [_INSTANCE_ID],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewComment")}}},
                 "responses": {"201": _json(_ref("Comment"), "Added"), **_errors(403, 404, 422)}}},
    "/registrations": {"post": {
        "operationId": "registerCase", "summary": "Register an incoming letter for a requesting OPD "
                                                  "(registrars: the requester's first step is done on its behalf)",
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("RegisterCase")}}},
        "responses": {"201": _json(_ref("StepResult"), "Registered"), **_errors(403, 404, 409, 422)}}},
    "/opd": {
        "get": {"operationId": "listOpd", "summary": "The requesting units (active ones; all=1 for Admin Sistem)",
                "parameters": [{"name": "all", "in": "query", "schema": {"enum": ["1"]}}],
                "responses": {"200": _json({"type": "object", "properties": {
                    "items": {"type": "array", "items": _ref("Opd")}}}, "Units"), **_errors()}},
        "post": {"operationId": "addOpd", "summary": "Add a unit (Admin Sistem)",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "required": ["code", "name"],
                     "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}}}},
                 "responses": {"201": _json(_ref("Opd"), "Added"), **_errors(403, 409, 422)}}},
    "/opd/{opd_id}": {"patch": {
        "operationId": "updateOpd", "summary": "Rename or (de)activate a unit (Admin Sistem)",
        "parameters": [{"name": "opd_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"name": {"type": "string"}, "active": {"type": "boolean"}}}}}},
        "responses": {"200": _json(_ref("Opd"), "Changed"), **_errors(403, 404, 422)}}},
    "/registers/servers": {
        "get": {"operationId": "listServerAssets", "summary": "The server asset register (its readers)",
                "responses": {"200": _json({"type": "object", "properties": {
                    "items": {"type": "array", "items": _ref("ServerAsset")}}}, "Servers"), **_errors(403)}},
        "post": {"operationId": "addServerAsset", "summary": "Register a server (Personil DC)",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewServerAsset")}}},
                 "responses": {"201": _json(_ref("ServerAsset"), "Registered"), **_errors(403, 409, 422)}}},
    "/registers/servers/{asset_number}": {"patch": {
        "operationId": "updateServerAsset", "summary": "Correct a server's details or status (Personil DC)",
        "parameters": [{"name": "asset_number", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": _json(_ref("ServerAsset"), "Changed"), **_errors(403, 404, 422)}}},
    "/registers/dc-visits": {
        "get": {"operationId": "listDcVisits", "summary": "The data-center access register, latest first (open=1: "
                                                          "only those still inside)",
                "parameters": [{"name": "open", "in": "query", "schema": {"enum": ["1"]}}],
                "responses": {"200": _json({"type": "object", "properties": {
                    "items": {"type": "array", "items": _ref("DcVisit")}}}, "Visits"), **_errors(403)}},
        "post": {"operationId": "addDcVisit", "summary": "Let a walk-in visitor in (Pengawas Infrastruktur TIK)",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewDcVisit")}}},
                 "responses": {"201": _json(_ref("DcVisit"), "Recorded"), **_errors(403, 422)}}},
    "/registers/dc-visits/{visit_id}/keluar": {"post": {
        "operationId": "signOutDcVisit", "summary": "The visitor left the room (Pengawas or Personil DC)",
        "parameters": [{"name": "visit_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": _json(_ref("DcVisit"), "Closed"), **_errors(403, 404, 409)}}},
    "/users/{username}": {
        "get": {"operationId": "getUser", "summary": "An account with its data (Admin Sistem, auditors, or oneself)",
                "parameters": [_USERNAME], "responses": {"200": _json(_ref("User"), "The account"),
                                                         **_errors(403, 404)}},
        "patch": {"operationId": "setAccountData",
                  "summary": "Change an account's name, NIP, jabatan, unit kerja, e-mail or phone (Admin Sistem). "
                             "Error codes: invalid_input (a bad NIP names the part that is wrong), conflict "
                             "(the NIP is another account's)",
                  "parameters": [_USERNAME],
                  "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AccountData")}}},
                  "responses": {"200": _json(_ref("User"), "Changed (audited)"), **_errors(403, 404, 409, 422)}}},
    "/documents": {"post": {
        "operationId": "uploadDocument", "summary": "Upload a document; use its sha256 in form data",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "contentMediaType": "application/octet-stream"},
                "accept": {"type": "string", "description": "allowed extensions, e.g. .pdf,.png"}}}}}},
        "responses": {"201": _json(_ref("Document"), "Stored (content-addressed)"), **_errors(422)}}},
    "/mandates": {
        "get": {"operationId": "listMandates",
                "summary": "Stand-ins (Plh/Plt) you may see: all for Admin Sistem; otherwise those naming you or "
                           "people you supervise",
                "parameters": [{"name": "status", "in": "query", "schema": {"enum": ["upcoming", "running", "ended"]}}],
                "responses": {"200": _json({"type": "object", "properties": {"items": {
                    "type": "array", "items": _ref("Mandate")}}}, "Mandates, newest period first"),
                    **_errors(422)}},
        "post": {"operationId": "appointMandate",
                 "summary": "Appoint a Plh/Plt (Admin Sistem or a supervisor of the absent official). Error codes: "
                            + ", ".join(_MANDATE_ERRORS),
                 "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AppointMandate")}}},
                 "responses": {"201": _json(_ref("Mandate"), "Appointed (audited)"), **_errors(403, 404, 409, 422)}}},
    "/mandates/{mandate_id}/end": {"post": {
        "operationId": "endMandate",
        "summary": "End a mandate now, before its last day; tasks its stand-in held through it return to their "
                   "pools. Error codes: mandate_not_found, permission_denied, mandate_already_ended",
        "parameters": [_MANDATE_ID],
        "requestBody": {"required": False, "content": {"application/json": {"schema": _ref("EndMandate")}}},
        "responses": {"200": _json(_ref("Mandate"), "Ended (audited)"), **_errors(403, 404, 409)}}},
    "/leaves": {
        "get": {"operationId": "listLeaves",
                "summary": "Leave (cuti) entries: all for Admin Sistem, your own otherwise",
                "parameters": [{"name": "username", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": _json({"type": "object", "properties": {"items": {
                    "type": "array", "items": _ref("Leave")}}}, "Leave entries, latest first"), **_errors()}},
        "post": {"operationId": "addLeave",
                 "summary": "Record a person's leave (Admin Sistem). Error codes: leave_invalid, user_not_found, "
                            "permission_denied, invalid_input",
                 "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AddLeave")}}},
                 "responses": {"201": _json(_ref("Leave"), "Recorded (audited)"), **_errors(403, 404, 422)}}},
    "/audit/log": {"get": {
        "operationId": "auditLog", "summary": "The audit log of every chain, newest first",
        "description": _AUDIT_ERRORS + " Reading one case's events (instance_id) is logged on that case; a case "
                                       "removed under retention still has its events.",
        "parameters": [*_AUDIT_DAYS,
                       {"name": "instance_id", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                       {"name": "event_type", "in": "query", "schema": {"type": "string"}},
                       {"name": "actor", "in": "query", "schema": {"type": "string"}},
                       {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
                       {"name": "per_page", "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}],
        "responses": {"200": _json(_ref("AuditLogPage"), "One page of events"), **_errors(400, 403, 404)}}},
    "/audit/cases/{instance_id}/verify": {"get": {
        "operationId": "auditVerifyCase", "summary": "Verify a case: its chain, the signed checkpoints, its replay",
        "description": _AUDIT_ERRORS + " The verification is logged on the case. A case removed under retention: "
                                       "its chain is verified, replay is null and removed gives the reason.",
        "parameters": [_INSTANCE_ID],
        "responses": {"200": _json(_ref("CaseVerification"), "The verdict and the report"),
                      **_errors(403, 404)}}},
    "/audit/cases/{instance_id}/packet": {"get": {
        "operationId": "auditCasePacket", "summary": "A case's audit packet (ZIP)",
        "description": _AUDIT_ERRORS + " The export is logged on the case.", "parameters": [_INSTANCE_ID],
        "responses": {"200": _ZIP, **_errors(403, 404)}}},
    "/audit/export": {"get": {
        "operationId": "auditExport", "summary": "Every event of a date range, all chains (ZIP)",
        "description": _AUDIT_ERRORS + " Both dari and sampai are required.",
        "parameters": [{**p, "required": True} for p in _AUDIT_DAYS],
        "responses": {"200": _ZIP, **_errors(400, 403)}}},
    "/leaves/{leave_id}": {"delete": {
        "operationId": "removeLeave", "summary": "Remove a leave entry (Admin Sistem)", "parameters": [_LEAVE_ID],
        "responses": {"204": {"description": "Removed (audited)"}, **_errors(403, 404)}}},
}


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Alur API", "version": "1.0.0",
                 "description": "SOP cases of Bidang TIK, Diskominfo Provinsi Kalimantan Timur. Times are UTC "
                                "(ISO 8601); durations are working minutes. Messages are in Indonesian."},
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": _PATHS,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A token from the Akun page"}},
            "schemas": _SCHEMAS,
            "responses": {f"E{s}": _json(_ref("Error"), text) for s, text in _STATUS_TEXTS.items()},
        },
    }
