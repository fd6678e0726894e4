"""The engine services the web layer calls, built once per app from one ``Alur``."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from engine.audit.login_log import LoginLog
from engine.runtime.attachments import AttachmentStore
from engine.reading.case_pages import CaseFiles
from engine.reading.catalog import ProcessCatalog
from engine.bootstrap import Alur
from engine.accounts.tokens import TokenService


@dataclass
class Services:
    alur: Alur
    cases: CaseFiles
    catalog: ProcessCatalog
    attachments: AttachmentStore
    tokens: TokenService
    access: LoginLog


def build_services(alur: Alur) -> Services:
    clock = alur.clock
    attachments = AttachmentStore(alur.sessions, alur.settings, clock)
    return Services(
        alur=alur,
        cases=CaseFiles(alur.sessions, alur.queries, alur.definitions, alur.forms, alur.roles, alur.users,
                        attachments, alur.calendar, clock),
        catalog=ProcessCatalog(alur.sessions, alur.definitions, alur.roles),
        attachments=attachments,
        tokens=TokenService(alur.sessions, alur.users, clock),
        access=LoginLog(alur.sessions, clock),
    )


def services() -> Services:
    return current_app.extensions["alur"]  # type: ignore[no-any-return]
