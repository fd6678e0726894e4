"""``alur backup DEST`` and ``alur restore ARCHIVE``: Alur's own backup (SOP-05, Back-up dan Restore)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from engine import (Alur, BackupSummary, KEY_FILE_ENV, key_id, public_key_text, RestoreRefused, signing_key,
                    trusted_keys_from_env)


def _backup(alur: Alur, args: argparse.Namespace) -> int:
    if args.with_key:
        print("WARNING: the archive will hold the PRIVATE audit key; whoever holds it can sign forged audit "
              "checkpoints. Keep it apart from the ordinary backups, encrypted and locked away.", file=sys.stderr)
    destination = Path(args.destination)
    if args.destination.endswith(("/", os.sep)):  # a folder that may not exist yet
        destination.mkdir(parents=True, exist_ok=True)
    summary = alur.backups.make_backup(destination, args.actor, with_key=args.with_key)
    _print_backup(summary)
    return 1 if summary.missing_documents or summary.changed_documents else 0


def _print_backup(summary: BackupSummary) -> None:
    print(f"backup written: {summary.path} ({summary.size} bytes, sha256 {summary.sha256})")
    print(f"  database ({summary.backend}): {summary.cases} case(s), {summary.audit_events} audit event(s); "
          f"{summary.documents} document(s); {summary.checkpoints} checkpoint file(s); "
          f"private audit key {'INCLUDED' if summary.with_key else 'not included'}")
    for item in summary.missing_documents:
        print(f"WARNING document missing from the documents folder, not in the archive: {item}", file=sys.stderr)
    for item in summary.changed_documents:
        print(f"WARNING document no longer hashes to its name (changed in the store): {item}", file=sys.stderr)


def _restore(alur: Alur, args: argparse.Namespace) -> int:
    keys = trusted_keys_from_env(os.environ, args.public_keys or (), alur.settings.audit_key_file)
    try:
        summary = alur.backups.restore(Path(args.archive), args.actor, keys)
    except RestoreRefused as exc:
        print(f"error [{exc.code}]: {exc.message}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    print(f"restored {summary.archive.name} (made {summary.created_at}) into {summary.backend}: {summary.cases} "
          f"case(s), {summary.documents} document(s), {summary.checkpoints} checkpoint file(s)"
          + ("; private audit key restored" if summary.key_restored else ""))
    if summary.schema_upgraded_from:
        print(f"schema upgraded from revision {summary.schema_upgraded_from} to this version's")
    for line in summary.report.lines():
        print(line)
    own = signing_key(os.environ, alur.settings.audit_key_file)
    own_id = key_id(public_key_text(own.public_key())) if own is not None else None
    if summary.checkpoint_key_id and own_id != summary.checkpoint_key_id:
        print(f"WARNING the checkpoints were signed with key {summary.checkpoint_key_id}, and this instance's audit "
              f"key is {own_id or 'missing'}: put the original key file back ({KEY_FILE_ENV}) before the worker "
              "signs new checkpoints, or keep trusting the old public key (ALUR_AUDIT_PUBLIC_KEY)")
    return 0


def add_backup_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("backup", help="write one consistent archive: database, documents, checkpoints, manifest")
    p.add_argument("destination", help="the archive file, or a folder to write alur-backup-<time>.tar.gz in")
    p.add_argument("--with-key", action="store_true", help="also include the PRIVATE audit signing key (warned)")
    p.set_defaults(handler=_backup)

    p = sub.add_parser("restore", help="restore an archive into an empty database and instance folder, then "
                       "verify the audit log and every document")
    p.add_argument("archive")
    p.add_argument("--public-key", dest="public_keys", action="append",
                   help="a trusted public key (text or file) to check the restored checkpoints against "
                   "(also ALUR_AUDIT_PUBLIC_KEY)")
    p.set_defaults(handler=_restore)
