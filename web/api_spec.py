"""The OpenAPI 3.1 document of ``/api/v1`` (a test checks it lists exactly the app's API routes)."""
from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_STATUS_TEXTS = {400: "Bad request", 401: "Missing or invalid token", 403: "Not allowed for your roles",
                 404: "Not found", 409: "Stale or duplicate: someone changed it first", 422: "Invalid data"}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"$ref": f"#/components/responses/E{s}"} for s in (401, *statuses)}


_TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
_INSTANCE_ID = {"name": "instance_id", "in": "path", "required": True, "schema": {"type": "integer"}}

_SEARCH_CODES = ("invalid_date", "invalid_date_range", "unknown_sort", "unknown_state", "search_too_long",
                 "invalid_performer")


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _search_parameters(sorts: dict[str, str], date_of: str) -> list[dict[str, Any]]:
    """The search parameters the inbox and the case list share (engine.reading.search)."""
    text = {"type": "string", "maxLength": 200}
    return [
        _query("q", text, "Words that must all occur in the case's step data (whole words; case and accents "
                          "ignored; at most 10 words)."),
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
        "data": {"type": ["object", "null"]}}},
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
        "prefill": {"type": "object"}, "working_minutes_left": {"type": ["integer", "null"]},
        "can_act": {"type": "boolean"}, "documents": {"type": "array", "items": _ref("CaseDocument")}}},
    "CompleteTask": {"type": "object", "required": ["data"], "properties": {
        "data": {"type": "object", "description": "valid against the task's form; documents as sha256"},
        "expected_version": {"type": "integer", "description": "the task's version when read; stale -> 409"}}},
    "StartCase": {"type": "object", "required": ["process_key"], "properties": {
        "process_key": {"type": "string", "example": "sop_gangguan_jaringan"},
        "business_key": {"type": "string", "description": "e.g. the request letter number"},
        "data": {"type": "object"}}},
    "StepResult": {"type": "object", "properties": {
        "instance_id": {"type": "integer"}, "status": {"enum": ["running", "completed", "cancelled"]},
        "ready_task_ids": {"type": "array", "items": {"type": "string"}}}},
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
        "roles": {"type": "array", "items": {"type": "string"}}}},
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
    "/tasks/{task_id}/complete": {"post": {
        "operationId": "completeTask", "summary": "Complete a task with form data", "parameters": [_TASK_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("CompleteTask")}}},
        "responses": {"200": _json(_ref("StepResult"), "Completed; the case ran on"),
                      **_errors(403, 404, 409, 422)}}},
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
        "operationId": "getCase", "summary": "A case: steps against mutu baku, documents, diagram marks",
        "parameters": [_INSTANCE_ID], "responses": {"200": _json(_ref("Case"), "The case"), **_errors(403, 404)}}},
    "/documents": {"post": {
        "operationId": "uploadDocument", "summary": "Upload a document; use its sha256 in form data",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "contentMediaType": "application/octet-stream"},
                "accept": {"type": "string", "description": "allowed extensions, e.g. .pdf,.png"}}}}}},
        "responses": {"201": _json(_ref("Document"), "Stored (content-addressed)"), **_errors(422)}}},
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
