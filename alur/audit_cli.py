"""``alur audit …``: keys, checkpoints, verification, replay and exports for auditors."""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from alur.arguments import record_id
from engine import (
    Alur,
    AnchorSet,
    CaseRemoved,
    checkpoint_file_name,
    generate_key_file,
    KEY_FILE_ENV,
    key_id,
    PUBLIC_KEY_ENV,
    public_key_text,
    load_anchors,
    signing_key,
    signing_key_from_env,
    trusted_keys_from_env,
)


def _keygen(alur: Alur, args: argparse.Namespace) -> int:
    path = Path(args.output or os.environ.get(KEY_FILE_ENV) or alur.settings.audit_key_file or "")
    if not str(path) or path == Path("."):
        print(f"error [audit_key_error]: name the key file with -o or {KEY_FILE_ENV}")
        return 2
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_key_file(path, overwrite=args.force)
    public = public_key_text(key.public_key())
    print(f"private key written to {path} (mode 0600); keep it outside the database and its backups")
    print(f"public key (publish it; verifiers set {PUBLIC_KEY_ENV}): {public}")
    print(f"key id {key_id(public)}; public key also in {path}.pub")
    return 0


def _trusted(alur: Alur, extra: list[str] | None) -> list[Any]:
    """Trusted public keys: configured, given on the command line, and the key file ``alur init`` made."""
    return trusted_keys_from_env(os.environ, extra or (), alur.settings.audit_key_file)


def _checkpoint(alur: Alur, args: argparse.Namespace) -> int:
    key = signing_key(os.environ, alur.settings.audit_key_file) or signing_key_from_env(os.environ)  # raises
    checkpoint = alur.checkpoints.make_checkpoint(key, args.actor, force=args.full)
    if checkpoint is None:
        latest = alur.checkpoints.latest()
        print(f"no chain moved since checkpoint #{latest.checkpoint_id if latest else '-'}; nothing signed "
              "(use --full to sign every head again)")
        checkpoint = latest
    else:
        print(f"checkpoint #{checkpoint.checkpoint_id}: {len(checkpoint.heads)} chain head(s) signed "
              f"with key {checkpoint.key_id} at {checkpoint.created_at.isoformat()}")
    if alur.checkpoints.directory is not None and checkpoint is not None:
        print(f"kept outside the database: {alur.checkpoints.directory / checkpoint_file_name(checkpoint.number)}")
    if args.output and checkpoint is not None:
        Path(args.output).write_text(json.dumps(checkpoint.to_dict(), indent=2) + "\n", encoding="utf-8")
        print(f"written to {args.output}")
    return 0


def _anchors(alur: Alur, given: str | None) -> AnchorSet | None:
    """The checkpoint files to check the database against: ``--anchor``, else the checkpoint folder if it exists."""
    if given:
        return load_anchors(Path(given))
    folder = alur.settings.checkpoint_dir
    return load_anchors(folder) if folder is not None and folder.is_dir() else None


def _verify(alur: Alur, args: argparse.Namespace) -> int:
    try:
        anchors = _anchors(alur, args.anchor)
    except FileNotFoundError:
        print(f"error [anchor_not_found]: no checkpoint file or folder at {args.anchor}", file=sys.stderr)
        return 2
    keys = _trusted(alur, args.public_keys)
    if args.case is not None:  # one case: its chain, its rows, its documents, and its replay with --replay
        report = alur.audit_verifier.verify_case(args.case, keys)
        if report.events == 0:
            alur.queries.case(args.case)  # CaseNotFound: neither in the log nor in the tables
        try:
            replays = [alur.replay.verify_replay(args.case)] if args.replay else []
        except CaseRemoved as exc:  # its chain is verified above; there is no case left to re-execute against
            print(f"REPLAY NOT POSSIBLE: {exc.message}", file=sys.stderr)
            replays = []
    else:
        report = alur.audit_verifier.verify(keys, anchors=anchors)
        replays = alur.replay.verify_all() if args.replay else []
    ok = report.ok and all(r.ok for r in replays)
    if args.case is None:
        alur.audit_verifier.record_run(report, args.actor, alur.clock())
    if args.json:
        print(json.dumps({"ok": ok, "audit": report.to_dict(), "replay": [r.to_dict() for r in replays]},
                         indent=2, default=str))
        return 0 if ok else 1
    for line in report.lines():
        print(line)
    for replay in replays:
        if not replay.ok or args.verbose:
            print("\n".join(replay.lines()))
    if args.replay:
        failed = sum(not r.ok for r in replays)
        print(f"{'OK' if not failed else 'FAILED'}: {len(replays) - failed} of {len(replays)} case(s) replay "
              "the same")
    return 0 if ok else 1


def _replay(alur: Alur, args: argparse.Namespace) -> int:
    report = alur.replay.verify_replay(args.instance_id)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def _export_case(alur: Alur, args: argparse.Namespace) -> int:
    keys = _trusted(alur, args.public_keys)
    summary = alur.audit_export.export_case(args.instance_id, args.actor, args.output, keys,
                                            signing_key(os.environ, alur.settings.audit_key_file))
    verdict = "verification OK" if summary.ok else "PROBLEMS FOUND (see verification.txt)"
    print(f"case {args.instance_id}: {summary.events} events, {len(summary.files)} files -> {args.output}; {verdict}")
    print(_signed_line(summary.signed))
    return 0


def _export_log(alur: Alur, args: argparse.Namespace) -> int:
    summary = alur.audit_export.export_log(args.date_from, args.date_to, args.output, args.actor,
                                           signing_key(os.environ, alur.settings.audit_key_file))
    print(f"{summary.events} events from {args.date_from} to {args.date_to} (WITA) -> {args.output}")
    print(_signed_line(summary.signed))
    return 0


def _signed_line(signed: bool) -> str:
    if signed:
        return "manifest signed with the audit key; check it with: python3 verify_packet.py --public-key KEY"
    return f"manifest UNSIGNED: no audit key configured ({KEY_FILE_ENV}); check it with: python3 verify_packet.py"


def add_audit_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help="audit log: verify, checkpoints, replay, export")
    commands = audit.add_subparsers(dest="audit_command", required=True)

    p = commands.add_parser("verify", help="check every hash chain and signed checkpoint")
    p.add_argument("--public-key", dest="public_keys", action="append",
                   help=f"a trusted public key or key file (also {PUBLIC_KEY_ENV})")
    p.add_argument("--case", type=record_id, metavar="ID", help="verify one case only")
    p.add_argument("--anchor", help="checkpoint file or folder kept outside the database to check against "
                   "(default: the checkpoint folder, ALUR_CHECKPOINT_DIR, if it exists)")
    p.add_argument("--replay", action="store_true", help="also re-execute every case and compare")
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="list every case replayed")
    p.set_defaults(handler=_verify)

    p = commands.add_parser("keygen", help="write a new Ed25519 signing key file (mode 0600)")
    p.add_argument("-o", "--output", help=f"key file (default: {KEY_FILE_ENV})")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(handler=_keygen)

    p = commands.add_parser("checkpoint", help="sign the current chain heads now")
    p.add_argument("--full", action="store_true", help="sign every head, not only those that moved")
    p.add_argument("-o", "--output", help="also write the signed checkpoint to this JSON file")
    p.set_defaults(handler=_checkpoint)

    p = commands.add_parser("replay", help="re-execute one case from its recorded inputs and compare")
    p.add_argument("instance_id", type=record_id)
    p.set_defaults(handler=_replay)

    p = commands.add_parser("export-case", help="write a case's audit packet (ZIP)")
    p.add_argument("instance_id", type=record_id)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--public-key", dest="public_keys", action="append")
    p.set_defaults(handler=_export_case)

    p = commands.add_parser("export", help="write the whole log for a date range (ZIP: JSONL + CSV)")
    p.add_argument("--from", dest="date_from", type=date.fromisoformat, required=True, help="YYYY-MM-DD (WITA)")
    p.add_argument("--to", dest="date_to", type=date.fromisoformat, required=True, help="YYYY-MM-DD, included")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(handler=_export_log)
