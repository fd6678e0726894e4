"""Factories for the auditor tests: a finished case with a loop, a signing key, and database tampering
done the way someone with write access to the database (but not the signing key) would do it."""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from typing import Any, Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from engine_helpers import add_users, ready_task, start_loop_case
from sqlalchemy import text

from alur.cli import main
from engine.runtime.attachments import AttachmentStore, UploadTarget
from engine.audit.chain import GENESIS, event_hash, case_chain
from engine.bootstrap import Alur

FIRST = b"Laporan gangguan, versi pertama\n"
SECOND = b"Laporan gangguan, versi kedua dengan log\n"


def upload(alur: Alur, name: str, content: bytes, target: UploadTarget | None = None) -> str:
    """Store a document as ``pengelola``; with a ``target`` task, its upload event is on that case's chain."""
    return AttachmentStore(alur.sessions, alur.settings).store(io.BytesIO(content), name, "pengelola",
                                                               target=target).sha256


def finished_loop_case(alur: Alur, test_data: Any, clock: Any = None) -> int:
    """uji_loop: report with a document, rejected once (Tidak), report again with a new document,
    approved (Ya); a view of the case in between."""
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur)

    def step(actor: str, data: dict[str, Any]) -> None:
        if clock is not None:
            clock.advance(minutes=20)
        task = ready_task(alur, case)
        if task.state == "ready":
            alur.runner.claim_task(task.task_id, actor)
        alur.runner.complete_task(task.task_id, actor, data)

    step("pengelola", {"uraian": "Server basis data lambat", "dokumen_laporan": upload(alur, "laporan-1.txt", FIRST)})
    step("pengawas", {"disetujui": False, "catatan_periksa": "Lengkapi log"})
    alur.read_log.record_read("pengawas", case, "case")
    step("pengelola", {"uraian": "Server lambat; log terlampir",
                       "dokumen_laporan": upload(alur, "laporan-2.txt", SECOND)})
    step("pengawas", {"disetujui": True, "catatan_periksa": "Sesuai"})
    return case


def new_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def chain_events(alur: Alur, chain: str) -> list[dict[str, Any]]:
    with alur.db.connect() as conn:
        rows = conn.execute(text("select id, seq, event_type, payload_json, hash from audit_event "
                                 "where chain = :c order by seq"), {"c": chain}).mappings().all()
    return [dict(r) for r in rows]


def event_id(alur: Alur, case: int, event_type: str, index: int = 0) -> int:
    return [e["id"] for e in chain_events(alur, case_chain(case)) if e["event_type"] == event_type][index]


def rehash_chain(alur: Alur, chain: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> None:
    """Rewrite a chain: ``change`` may replace an event's payload; then hash every event again from the
    genesis and move the head row, so the chain alone verifies."""
    with alur.db.begin() as conn:
        rows = conn.execute(text("select * from audit_event where chain = :c order by seq"),
                            {"c": chain}).mappings().all()
        prev = GENESIS
        for row in rows:
            payload = json.loads(row["payload_json"])
            changed = change({**row, "payload": payload})
            payload_json = json.dumps(changed, sort_keys=True, separators=(",", ":"), ensure_ascii=False) \
                if changed is not None else row["payload_json"]
            at = aware(row["at"])
            digest = event_hash(prev, chain, row["seq"], row["instance_id"], row["event_type"], row["actor"], at,
                                payload_json)
            conn.execute(text("update audit_event set payload_json = :p, prev_hash = :prev, hash = :h where id = :i"),
                         {"p": payload_json, "prev": prev, "h": digest, "i": row["id"]})
            prev = digest
        conn.execute(text("update audit_chain_head set seq = :s, hash = :h where chain = :c"),
                     {"s": rows[-1]["seq"], "h": prev, "c": chain})


def aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def cli_runner(db_engine: Any, tmp_path: Any, test_data: Any, monkeypatch: Any, capsys: Any) -> Callable[..., str]:
    """`alur …` run in-process against the test database, with a signing key file (not yet written)."""
    monkeypatch.setenv("ALUR_DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ALUR_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("ALUR_PROCESSES_DIR", str(test_data))
    monkeypatch.setenv("ALUR_FORMS_DIR", str(test_data / "forms"))
    monkeypatch.setenv("ALUR_AUDIT_KEY_FILE", str(tmp_path / "keys" / "audit.key"))
    monkeypatch.delenv("ALUR_AUDIT_KEY", raising=False)
    monkeypatch.delenv("ALUR_AUDIT_PUBLIC_KEY", raising=False)
    (tmp_path / "keys").mkdir()

    def run(*args: str, expect: int = 0) -> str:
        code = main(list(args))
        out = capsys.readouterr()
        assert code == expect, (args, out.out, out.err)
        return out.out + out.err

    return run
