#!/usr/bin/env python3
"""Check an Alur audit packet without Alur: needs only Python 3 and the ``cryptography`` package.

    python3 verify_packet.py [PACKET_FOLDER_OR_ZIP] [--public-key KEY]

Without a folder it checks the folder this file is in. ``--public-key`` (the base64 Ed25519 key the
agency publishes, or a file holding it) makes the manifest and every checkpoint prove who signed them;
without it they are checked against the keys written in the packet, which proves only that the packet
agrees with itself.

It checks, in this order: the manifest's signature; every event's hash and its link to the event
before it (a case's chain whole, from seq 1 to its head at export); events.csv against events.jsonl;
the signed checkpoints against the events; every BPMN version against the sha256 its deployment
event recorded; every document against the sha256 its event recorded; Alur's own verdict at export
(verification.json); and last every file against the manifest (none missing, none added).
Exit status 0 and a short summary when all hold; otherwise 1 with the first problem on the first
line (the others follow); 2 when the packet cannot be read.

Bahasa Indonesia: skrip ini memeriksa paket audit Alur tanpa Alur. Status keluar 0 berarti utuh;
1 berarti ada masalah (masalah pertama disebut di baris pertama); 2 berarti paket tidak dapat dibaca.
"""
from __future__ import annotations

import argparse
import base64
import binascii
import csv
import hashlib
import io
import json
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any, Dict, List, Optional, Tuple

GENESIS = "0" * 64
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
WITA = timezone(timedelta(hours=8), "WITA")
IGNORED = ("__pycache__/", "__MACOSX/")  # made by Python or by unzipping, never by Alur
IGNORED_NAMES = (".DS_Store", "Thumbs.db", "desktop.ini")


def canonical_json(value: Any) -> str:
    """The JSON Alur hashes: keys sorted, no spaces, non-ASCII characters kept (UTF-8)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def hashed_time(at_utc: str) -> str:
    """The event time as hashed: the UTC time in Python's isoformat, '+00:00' where the packet writes 'Z'."""
    if not at_utc.endswith("Z"):
        raise ValueError(f"at_utc {at_utc!r} does not end in Z")
    return at_utc[:-1] + "+00:00"


def event_hash(event: Dict[str, Any]) -> str:
    """sha256(prev_hash + canonical_json([chain, seq, instance_id, event_type, actor, at, payload_json]))."""
    body = canonical_json([event["chain"], event["seq"], event["instance_id"], event["event_type"],
                           event["actor"], hashed_time(event["at_utc"]), event["payload_json"]])
    return hashlib.sha256((event["prev_hash"] + body).encode("utf-8")).hexdigest()


class Unreadable(Exception):
    """The packet cannot be read at all (exit status 2)."""


class Packet:
    """The packet's files by name, in a folder or a ZIP; documents are hashed in chunks, never read whole."""

    def __init__(self, path: Path) -> None:
        self.where = str(path)
        self._folder: Optional[Path] = None
        self._zip: Optional[zipfile.ZipFile] = None
        if path.is_dir():
            self._folder = path
            names = [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()]
        elif zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
            names = [n for n in self._zip.namelist() if not n.endswith("/")]
        else:
            raise Unreadable(f"{path} is neither a folder nor a ZIP file")
        self.names = {n for n in names if not n.startswith(IGNORED) and n.rsplit("/", 1)[-1] not in IGNORED_NAMES}

    @classmethod
    def open(cls, path: Path) -> Packet:
        return cls(path)

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def _open(self, name: str) -> IO[bytes]:
        if self._zip is not None:
            return self._zip.open(name)
        assert self._folder is not None
        return (self._folder / name).open("rb")

    def read(self, name: str) -> bytes:
        with self._open(name) as handle:
            return handle.read()

    def sha256(self, name: str) -> Optional[str]:
        """The file's sha256, or None when the packet has no such file."""
        if name not in self.names:
            return None
        digest = hashlib.sha256()
        with self._open(name) as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def json(self, name: str) -> Any:
        try:
            return json.loads(self.read(name).decode("utf-8"))
        except (KeyError, FileNotFoundError) as exc:
            raise Unreadable(f"{name} is missing from the packet") from exc
        except (UnicodeDecodeError, ValueError) as exc:
            raise Unreadable(f"{name} is not valid JSON: {exc}") from exc

    def json_lines(self, name: str) -> List[Dict[str, Any]]:
        if name not in self.names:
            return []
        rows = []
        for number, line in enumerate(self.read(name).decode("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise Unreadable(f"{name} line {number} is not valid JSON: {exc}") from exc
            if not isinstance(row, dict):
                raise Unreadable(f"{name} line {number} is not a JSON object")
            rows.append(row)
        return rows


@dataclass
class Findings:
    problems: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        self.problems.append(text)


# -- keys and signatures -----------------------------------------------------------------------------

def key_text(value: str) -> str:
    """A public key given as its base64 text or as a file holding it (``alur audit keygen`` writes ``.pub``)."""
    path = Path(value)
    text = path.read_text(encoding="ascii") if len(value) < 4096 and path.is_file() else value
    return text.strip()


def load_public_key(text: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))


def signature_holds(public_key: str, signature: str, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    try:
        key = load_public_key(public_key)
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError, TypeError, binascii.Error):
        return False
    return True


# -- the checks -------------------------------------------------------------------------------------

def check_manifest(packet: Packet, trusted: Optional[str], found: Findings) -> Dict[str, Any]:
    manifest = packet.json(MANIFEST)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise Unreadable(f"{MANIFEST} does not list the packet's files")
    signing = manifest.get("signature") or {}
    if signing.get("signed"):
        public_key = str(signing.get("public_key", ""))
        if SIGNATURE not in packet:
            found.problem(f"{SIGNATURE} is missing: the manifest says it is signed")
        elif not signature_holds(public_key, packet.read(SIGNATURE).decode("ascii", "replace").strip(),
                                 packet.read(MANIFEST)):
            found.problem(f"{MANIFEST}: the signature in {SIGNATURE} does not match (the manifest was changed)")
        elif trusted is not None and public_key != trusted:
            found.problem(f"{MANIFEST}: signed with key {signing.get('key_id')}, not with the trusted public key")
        else:
            found.notes.append(f"manifest signed with key {signing.get('key_id')}"
                               + ("" if trusted else " (as written in the packet; give --public-key to pin it)"))
    elif trusted is not None:
        found.problem(f"{MANIFEST} is not signed, but a trusted public key was given")
    else:
        found.notes.append("manifest NOT signed: " + str(signing.get("note", "no signing key was configured")))
    return manifest


def check_files(packet: Packet, manifest: Dict[str, Any], found: Findings) -> None:
    listed: Dict[str, Any] = manifest["files"]
    for name in sorted(listed):
        digest = packet.sha256(name)
        if digest is None:
            found.problem(f"{name}: listed in the manifest but missing from the packet")
        elif digest != listed[name].get("sha256"):
            found.problem(f"{name}: content does not match its sha256 in the manifest (the file was changed)")
    for name in sorted(packet.names - set(listed) - {MANIFEST, SIGNATURE}):
        found.problem(f"{name}: in the packet but not in the manifest (a file was added)")


def check_events(events: List[Dict[str, Any]], manifest: Dict[str, Any],
                 found: Findings) -> Dict[Tuple[str, int], str]:
    """Every event's hash from its content, every link to the event before it; complete chains from seq 1."""
    by_chain: Dict[str, List[Dict[str, Any]]] = {}
    for event in events:
        by_chain.setdefault(str(event.get("chain")), []).append(event)
    hashes: Dict[Tuple[str, int], str] = {}
    complete: Dict[str, Any] = manifest.get("chains") or {}
    for chain in sorted(by_chain):
        rows = sorted(by_chain[chain], key=lambda e: int(e.get("seq", 0)))
        previous: Optional[Dict[str, Any]] = None
        for event in rows:
            where = f"event id={event.get('id')} ({chain} seq {event.get('seq')})"
            problem = _event_problem(event, previous, chain in complete)
            if problem:
                found.problem(f"{where}: {problem}")
            hashes[(chain, int(event["seq"]))] = str(event.get("hash"))
            previous = event
        head = complete.get(chain)
        if head is not None and previous is not None and (int(head.get("seq", -1)) != int(previous["seq"])
                                                          or head.get("hash") != previous.get("hash")):
            found.problem(f"{chain}: the chain ends at seq {previous['seq']}, but its head at export was "
                          f"seq {head.get('seq')} (events removed from the end, or added)")
    for chain in sorted(set(complete) - set(by_chain)):
        found.problem(f"{chain}: the manifest names the chain, but the packet has none of its events")
    return hashes


def _event_problem(event: Dict[str, Any], previous: Optional[Dict[str, Any]], complete: bool) -> Optional[str]:
    try:
        recomputed = event_hash(event)
        payload = json.loads(event["payload_json"])
    except (KeyError, TypeError, ValueError) as exc:
        return f"cannot be read ({exc})"
    if recomputed != event.get("hash"):
        return "content does not match its hash (the event was changed)"
    if event.get("payload") != payload:
        return "'payload' differs from the hashed 'payload_json' (the readable copy was changed)"
    if "at_wita" in event and _wita_of(event["at_utc"]) != event["at_wita"]:
        return f"at_wita {event['at_wita']} is not the WITA time of at_utc {event['at_utc']}"
    seq = int(event["seq"])
    if previous is None:
        if complete and (seq != 1 or event.get("prev_hash") != GENESIS):
            return "the chain does not begin here (seq 1 linked to the genesis 000…0 was expected)"
        return None
    if int(previous["seq"]) + 1 != seq:  # also in a date range: a chain's events there follow one another
        return f"seq {previous['seq']} is followed by seq {seq} (events missing)"
    if event.get("prev_hash") != previous.get("hash"):
        return f"does not link to the event before it (id={previous.get('id')}): prev_hash differs"
    return None


def _wita_of(at_utc: str) -> str:
    return datetime.fromisoformat(hashed_time(at_utc)).astimezone(WITA).isoformat()


def check_csv(packet: Packet, events: List[Dict[str, Any]], found: Findings) -> None:
    """events.csv is a copy for spreadsheets: each row must say what events.jsonl says."""
    if "events.csv" not in packet:
        return
    rows = list(csv.DictReader(io.StringIO(packet.read("events.csv").decode("utf-8"))))
    if len(rows) != len(events):
        found.problem(f"events.csv has {len(rows)} rows but events.jsonl has {len(events)} events")
        return
    for index, row in enumerate(rows):
        event = events[index]
        for column in ("id", "chain", "seq", "event_type", "actor", "at_utc", "payload_json", "hash"):
            if row.get(column, "") != str(event.get(column, "")):
                found.problem(f"events.csv row of event id={event.get('id')}: column {column} differs from "
                              "events.jsonl")
                return


def check_checkpoints(checkpoints: List[Dict[str, Any]], hashes: Dict[Tuple[str, int], str],
                      manifest: Dict[str, Any], trusted: Optional[str], found: Findings) -> int:
    """Each checkpoint's signature, its link to the one before it, and every head it signs that the packet holds.

    Returns how many signed heads were compared with events.
    """
    bodies = {int(c.get("checkpoint_id", 0)): str(c.get("body", "")) for c in checkpoints}
    complete: Dict[str, Any] = manifest.get("chains") or {}
    compared = 0
    for checkpoint in checkpoints:
        cid, body_text = checkpoint.get("checkpoint_id"), str(checkpoint.get("body", ""))
        public_key = str(checkpoint.get("public_key", ""))
        if not signature_holds(public_key, str(checkpoint.get("signature", "")), body_text.encode("utf-8")):
            found.problem(f"checkpoint #{cid}: the signature does not match its text (the checkpoint was changed)")
            continue
        if trusted is not None and public_key != trusted:
            found.problem(f"checkpoint #{cid}: signed with key {checkpoint.get('key_id')}, not the trusted key")
            continue
        try:
            body = json.loads(body_text)
            heads = [(str(c), int(s), str(h)) for c, s, h in body["heads"]]
        except (ValueError, KeyError, TypeError):
            found.problem(f"checkpoint #{cid}: its text is not an Alur checkpoint")
            continue
        previous_id = body.get("previous_id")
        if previous_id is not None and int(previous_id) in bodies and "previous_sha256" in body and \
                body["previous_sha256"] != hashlib.sha256(bodies[int(previous_id)].encode("utf-8")).hexdigest():
            found.problem(f"checkpoint #{cid}: checkpoint #{previous_id} in the packet is not the one it follows")
        for chain, seq, digest in heads:
            held = hashes.get((chain, seq))
            if held is None:
                if chain in complete and seq > int(complete[chain].get("seq", 0)):
                    found.problem(f"checkpoint #{cid}: signed {chain} up to seq {seq}, but the chain in the "
                                  f"packet ends at seq {complete[chain].get('seq')} (signed events are missing)")
                continue
            compared += 1
            if held != digest:
                found.problem(f"checkpoint #{cid}: signed {chain} seq {seq} as {digest[:12]}…, but the event "
                              f"in the packet hashes to {held[:12]}… (the chain was rewritten)")
    return compared


def check_models(packet: Packet, events: List[Dict[str, Any]], found: Findings) -> int:
    """Every BPMN file against the sha256 its deployment event recorded."""
    if "process/index.json" not in packet:
        return 0
    deployed = {}
    for event in events:
        if event.get("event_type") == "definition_deployed" and isinstance(event.get("payload"), dict):
            payload = event["payload"]
            deployed[(payload.get("process_key"), payload.get("version"))] = payload.get("sha256")
    models = packet.json("process/index.json")
    for model in models:
        name, key, version = model.get("file"), model.get("process_key"), model.get("version")
        digest = packet.sha256(str(name))
        if digest is None:
            found.problem(f"{name}: the BPMN of {key} v{version} is missing")
            continue
        recorded = deployed.get((key, version))
        if recorded is None:
            found.problem(f"{name}: no deployment event of {key} v{version} in events.jsonl")
        elif digest != recorded:
            found.problem(f"{name}: the BPMN of {key} v{version} does not hash to the sha256 its deployment "
                          "event recorded (the model was changed)")
    return len(models)


def check_documents(packet: Packet, events: List[Dict[str, Any]], found: Findings) -> int:
    """Every document against the sha256 an event recorded for it."""
    if "documents/index.json" not in packet:
        return 0
    logged = "\n".join(str(e.get("payload_json", "")) for e in events)
    documents = packet.json("documents/index.json")
    for document in documents:
        sha, name = str(document.get("sha256")), document.get("file")
        label = f"document {document.get('field')} ({document.get('step')}) {sha[:12]}…"
        if f'"{sha}"' not in logged:
            found.problem(f"{label}: no event in events.jsonl records this sha256")
        if name is None:
            found.problem(f"{label}: the file was missing on the server when the packet was made")
            continue
        digest = packet.sha256(str(name))
        if digest is None:
            found.problem(f"{name}: the document file is missing from the packet")
        elif digest != sha:
            found.problem(f"{name}: the document's content does not hash to the sha256 its event recorded "
                          f"({label}; the document was changed)")
    return len(documents)


def check_report(packet: Packet, found: Findings) -> None:
    """A case packet carries Alur's own verification when it was made; a failed one is a problem here too."""
    if "verification.json" not in packet:
        return
    report = packet.json("verification.json")
    if isinstance(report, dict) and report.get("ok") is False:
        found.problem("verification.json: Alur's verification when the packet was made found problems "
                      "(see verification.txt)")


def verify(path: Path, trusted_key: Optional[str]) -> Tuple[Findings, str]:
    packet = Packet.open(path)
    trusted = None
    if trusted_key is not None:
        try:
            trusted = key_text(trusted_key)
            load_public_key(trusted)
        except (ValueError, TypeError, binascii.Error, OSError) as exc:
            raise Unreadable(f"--public-key cannot be read: {exc}") from exc
    found = Findings()
    manifest = check_manifest(packet, trusted, found)
    events = packet.json_lines("events.jsonl")
    hashes = check_events(events, manifest, found)
    check_csv(packet, events, found)
    checkpoints = packet.json_lines("checkpoints.jsonl")
    compared = check_checkpoints(checkpoints, hashes, manifest, trusted, found)
    models = check_models(packet, events, found)
    documents = check_documents(packet, events, found)
    check_report(packet, found)
    check_files(packet, manifest, found)  # last: a changed event or document is named by what it is first
    summary = (f"{len(manifest['files'])} files, {len(events)} events in {len({e.get('chain') for e in events})} "
               f"chain(s), {len(checkpoints)} checkpoint(s) ({compared} signed head(s) compared), "
               f"{models} BPMN version(s), {documents} document(s)")
    if not checkpoints:
        found.notes.append("no signed checkpoint in the packet: a chain rewritten and hashed again would not show")
    return found, summary


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Check an Alur audit packet (periksa paket audit Alur).")
    parser.add_argument("packet", nargs="?", default=str(Path(__file__).resolve().parent),
                        help="the unzipped packet folder or the ZIP (default: this file's folder)")
    parser.add_argument("--public-key", help="the trusted Ed25519 public key (base64) or a file holding it")
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):  # a Windows console cannot print every file name
        sys.stdout.reconfigure(errors="replace")
    try:
        found, summary = verify(Path(args.packet), args.public_key)
    except Unreadable as exc:
        print(f"UNREADABLE: {exc}")
        return 2
    except (ValueError, TypeError, KeyError, AttributeError, OSError) as exc:  # a field of the wrong kind
        print(f"UNREADABLE: the packet's content is not what Alur writes ({type(exc).__name__}: {exc})")
        return 2
    if found.problems:
        print(f"FAILED: {found.problems[0]}")
        for problem in found.problems[1:]:
            print(f"  also: {problem}")
        print(f"({len(found.problems)} problem(s); {summary})")
        return 1
    print(f"OK: {summary}")
    for note in found.notes:
        print(f"  note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
