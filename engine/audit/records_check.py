"""What ``alur audit verify`` adds to the chains and checkpoints: the case tables people read, the
register tables (``engine.registers.register_check``) and the stored document files, each checked
against the audit log."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from engine.audit.document_check import DocumentProblem, check_documents
from engine.audit.table_check import TableProblem, check_tables
from engine.registers.register_check import check_registers, is_register_chain

_CASE_CHAIN = "instance:"


def check_records(session: Session, attachments_dir: Path | None, chains: Sequence[str] | None
                  ) -> tuple[list[TableProblem], list[DocumentProblem]]:
    """The differences of the case tables, and of the documents when the store is known, for the
    cases of ``chains`` (every case, and every stored file, when None; the system chain has no case)."""
    cases = None if chains is None else [int(c.removeprefix(_CASE_CHAIN)) for c in chains
                                         if c.startswith(_CASE_CHAIN) and c.removeprefix(_CASE_CHAIN).isdigit()]
    tables = check_tables(session, cases)
    if chains is None or any(is_register_chain(chain) for chain in chains):
        tables += check_registers(session)
    documents = check_documents(session, attachments_dir, cases) if attachments_dir is not None else []
    return tables, documents
