"""What ``alur audit verify`` adds to the chains and checkpoints: the case tables people read and
the stored document files, each checked against the audit log."""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from engine.audit.document_check import check_documents
from engine.audit.table_check import check_tables

if TYPE_CHECKING:
    from engine.audit.verify import AuditReport

_CASE_CHAIN = "instance:"


def check_records(session: Session, report: AuditReport, attachments_dir: Path | None,
                  chains: Sequence[str] | None) -> AuditReport:
    """``report`` with the differences of the case tables, and of the documents when the store is
    known, for the cases of ``chains`` (every case when None; the system chain has none)."""
    cases = None if chains is None else [int(c.removeprefix(_CASE_CHAIN)) for c in chains
                                         if c.startswith(_CASE_CHAIN) and c.removeprefix(_CASE_CHAIN).isdigit()]
    tables = check_tables(session, cases)
    documents = check_documents(session, attachments_dir, cases) if attachments_dir is not None else []
    return dataclasses.replace(report, table_problems=tables, document_problems=documents)
