"""The audit packet proves itself: verify_packet.py, run by a plain Python that has only ``cryptography``
(no Alur code importable), passes an intact packet and fails, naming the problem, one that was changed."""
from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import cryptography
import pytest
from audit_helpers import FIRST, SECOND, finished_loop_case, new_key, rehash_chain
from engine_helpers import add_users, ready_task, start_loop_case

from engine.audit.chain import case_chain
from engine.audit.checkpoints import public_key_text
from engine.audit.export import verify_packet_source

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "engine" / "audit" / "packet_tool" / "verify_packet.py"


@pytest.fixture(scope="session")
def plain_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment whose only extra package is ``cryptography`` (and the cffi it loads)."""
    folder = tmp_path_factory.mktemp("plain-python")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")], check=True)
    libs = folder / "libs"
    libs.mkdir()
    site = Path(cryptography.__file__).resolve().parents[1]
    for entry in site.iterdir():
        if entry.name in ("cryptography", "cffi") or entry.name.startswith("_cffi_backend"):
            (libs / entry.name).symlink_to(entry)
    [venv_site] = (folder / "venv" / "lib").glob("python3*/site-packages")
    (venv_site / "only_cryptography.pth").write_text(f"{libs}\n")
    python = folder / "venv" / "bin" / "python"
    probe = ("import importlib.util as u; import cryptography.hazmat.primitives.asymmetric.ed25519; "
             "print([m for m in ('engine', 'web', 'alur', 'sqlalchemy', 'flask') if u.find_spec(m)])")
    assert _run([str(python), "-I", "-c", probe], folder).stdout.strip() == "[]"
    return python


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                          capture_output=True, text=True, timeout=120)


def unzip(packet: bytes, folder: Path) -> Path:
    folder.mkdir()
    zipfile.ZipFile(io.BytesIO(packet)).extractall(folder)
    return folder


def check(python: Path, folder: Path, *args: str) -> tuple[int, str]:
    """``python -I verify_packet.py`` inside the unzipped packet, as an auditor would run it."""
    result = _run([str(python), "-I", "verify_packet.py", *args], folder)
    return result.returncode, result.stdout + result.stderr


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def signed_case(alur, test_data, clock):
    """A finished case with a loop and two documents, checkpointed; its packet signed by the checkpoint key."""
    case = finished_loop_case(alur, test_data, clock)
    key = new_key()
    alur.checkpoints.make_checkpoint(key)
    buffer = io.BytesIO()
    summary = alur.audit_export.export_case(case, "auditor1", buffer, [key.public_key()], key)
    assert summary.ok and summary.signed
    return case, key, buffer.getvalue()


def test_an_intact_packet_passes_and_each_change_fails_naming_it(signed_case, plain_python, tmp_path):
    case, key, packet = signed_case
    public = public_key_text(key.public_key())
    intact = unzip(packet, tmp_path / "utuh")
    code, out = check(plain_python, intact, "--public-key", public)
    assert code == 0, out
    assert out.startswith("OK: ") and "in 2 chain(s)" in out and "1 BPMN version(s), 2 document(s)" in out
    # the system chain in the packet is whole up to its signed head now that uploads are case events
    assert "1 checkpoint(s) (2 signed head(s) compared)" in out
    code, out = check(plain_python, intact)  # without the trusted key: passes, and says what that proves
    assert code == 0 and "give --public-key to pin it" in out
    (tmp_path / "paket.zip").write_bytes(packet)  # the ZIP itself may be named instead of a folder
    code, out = check(plain_python, intact, str(tmp_path / "paket.zip"), "--public-key", public)
    assert code == 0 and out.startswith("OK: ")
    code, out = check(plain_python, intact, str(intact / "README.txt"))
    assert code == 2 and out.startswith("UNREADABLE: ")

    edited = unzip(packet, tmp_path / "kejadian")  # one event's performer changed
    events = lines_of(edited / "events.jsonl")
    target = next(e for e in events if e["event_type"] == "task_completed")
    target["actor"] = "orang_lain"
    (edited / "events.jsonl").write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events),
                                         encoding="utf-8")
    code, out = check(plain_python, edited, "--public-key", public)
    assert code == 1
    assert out.splitlines()[0] == (f"FAILED: event id={target['id']} ({case_chain(case)} seq {target['seq']}): "
                                   "content does not match its hash (the event was changed)")
    assert "events.jsonl: content does not match its sha256 in the manifest" in out

    replaced = unzip(packet, tmp_path / "dokumen")  # one document's content replaced
    first = hashlib.sha256(FIRST).hexdigest()
    [document] = (replaced / "documents").glob(f"{first[:12]}-*")
    document.write_bytes(b"laporan palsu\n")
    code, out = check(plain_python, replaced, "--public-key", public)
    assert code == 1
    assert out.splitlines()[0].startswith(f"FAILED: documents/{document.name}: the document's content does not "
                                          "hash to the sha256 its event recorded (document dokumen_laporan")

    forged = unzip(packet, tmp_path / "manifest")  # the manifest changed to cover a changed file
    (forged / "events.csv").write_text("id\n", encoding="utf-8")
    manifest = json.loads((forged / "manifest.json").read_text())
    manifest["files"]["events.csv"]["sha256"] = hashlib.sha256(b"id\n").hexdigest()
    (forged / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    code, out = check(plain_python, forged, "--public-key", public)
    assert code == 1
    assert out.splitlines()[0] == ("FAILED: manifest.json: the signature in manifest.sig does not match (the "
                                   "manifest was changed)")

    garbled = unzip(packet, tmp_path / "rusak")  # an event whose seq is not a number: unreadable, exit 2
    events = lines_of(garbled / "events.jsonl")
    events[3]["seq"] = "empat"
    (garbled / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    code, out = check(plain_python, garbled)
    assert code == 2 and out.startswith("UNREADABLE: the packet's content is not what Alur writes (ValueError")

    code, out = check(plain_python, intact, "--public-key", public_key_text(new_key().public_key()))
    assert code == 1 and "not with the trusted public key" in out.splitlines()[0]


def test_a_chain_rewritten_after_its_checkpoint_fails_in_the_packet(alur, test_data, clock, plain_python, tmp_path):
    case = finished_loop_case(alur, test_data, clock)
    key = new_key()
    alur.checkpoints.make_checkpoint(key)
    rehash_chain(alur, case_chain(case), lambda e: {**e["payload"], "data": {"uraian": "diubah"}}
                 if e["event_type"] == "instance_started" else None)
    buffer = io.BytesIO()
    assert alur.audit_export.export_case(case, "auditor1", buffer, [key.public_key()], key).ok is False
    code, out = check(plain_python, unzip(buffer.getvalue(), tmp_path / "paket"))
    assert code == 1
    assert out.splitlines()[0].startswith(f"FAILED: checkpoint #1: signed {case_chain(case)} seq 18 as ")
    assert "(the chain was rewritten)" in out.splitlines()[0]
    assert "verification.json: Alur's verification when the packet was made found problems" in out


def test_an_unsigned_packet_says_so_and_still_checks_its_files(alur, test_data, plain_python, tmp_path):
    case = finished_loop_case(alur, test_data)
    buffer = io.BytesIO()
    summary = alur.audit_export.export_case(case, "auditor1", buffer)
    assert summary.signed is False
    packet = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    assert "manifest.sig" not in packet.namelist()
    manifest = json.loads(packet.read("manifest.json"))
    assert manifest["signature"]["signed"] is False and "UNSIGNED" in manifest["signature"]["note"]
    assert "UNSIGNED" in packet.read("README.txt").decode()
    folder = unzip(buffer.getvalue(), tmp_path / "paket")
    code, out = check(plain_python, folder)
    assert code == 0 and "manifest NOT signed" in out and "no signed checkpoint in the packet" in out
    code, out = check(plain_python, folder, "--public-key", public_key_text(new_key().public_key()))
    assert code == 1 and out.startswith("FAILED: manifest.json is not signed, but a trusted public key was given")

    (folder / ".DS_Store").write_bytes(b"\0")  # left by a file browser: not the packet's, not a problem
    assert check(plain_python, folder)[0] == 0
    (folder / "catatan.txt").write_text("tambahan")
    code, out = check(plain_python, folder)
    assert code == 1 and out.startswith("FAILED: catatan.txt: in the packet but not in the manifest")

    missing = unzip(buffer.getvalue(), tmp_path / "hilang")
    [document] = (missing / "documents").glob(f"{hashlib.sha256(SECOND).hexdigest()[:12]}-*")
    document.unlink()
    code, out = check(plain_python, missing)
    assert code == 1 and out.startswith(f"FAILED: documents/{document.name}: the document file is missing")


def test_a_migrated_case_packet_holds_both_bpmn_versions(alur, test_data, tmp_path, plain_python):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur)
    alur.runner.complete_task(ready_task(alur, case).task_id, "pengelola", {"uraian": "x"})
    v2 = tmp_path / "uji_loop.bpmn"
    v2.write_text((test_data / "uji_loop.bpmn").read_text().replace('name="Periksa laporan"', 'name="Periksa ulang"'))
    alur.deployer.deploy_file(v2, "pemilik")
    alur.migrator.migrate_case(case, "pemilik")
    buffer = io.BytesIO()
    assert alur.audit_export.export_case(case, "auditor1", buffer).ok
    packet = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    assert {"process/uji_loop_v1.bpmn", "process/uji_loop_v2.bpmn"} <= set(packet.namelist())
    assert "Periksa ulang" in packet.read("process/uji_loop_v2.bpmn").decode()
    assert "Periksa ulang" not in packet.read("process/uji_loop_v1.bpmn").decode()
    models = json.loads(packet.read("process/index.json"))
    assert [(m["version"], m["sha256"] == m["recorded_sha256"]) for m in models] == [(1, True), (2, True)]
    deployed = [json.loads(line)["payload"]["version"] for line in packet.read("events.jsonl").decode().splitlines()
                if json.loads(line)["event_type"] == "definition_deployed"]
    assert deployed == [1, 2]
    assert json.loads(packet.read("verification.json"))["versions_run"] == [1, 2]
    code, out = check(plain_python, unzip(buffer.getvalue(), tmp_path / "paket"))
    assert code == 0 and "2 BPMN version(s)" in out, out

    broken = unzip(buffer.getvalue(), tmp_path / "model")
    (broken / "process" / "uji_loop_v1.bpmn").write_text("<bpmn/>")
    code, out = check(plain_python, broken)
    assert code == 1 and out.splitlines()[0] == (
        "FAILED: process/uji_loop_v1.bpmn: the BPMN of uji_loop v1 does not hash to the sha256 its deployment "
        "event recorded (the model was changed)")


def test_a_date_range_export_proves_itself_and_says_its_time_zones(alur, test_data, clock, plain_python, tmp_path):
    finished_loop_case(alur, test_data, clock)  # Monday 23 November 2026 (WITA)
    key = new_key()
    alur.checkpoints.make_checkpoint(key)
    buffer = io.BytesIO()
    summary = alur.audit_export.export_log(date(2026, 11, 23), date(2026, 11, 23), buffer, "auditor1", key)
    assert summary.signed and summary.events > 0
    packet = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    span = json.loads(packet.read("range.json"))
    assert span["from_utc"] == "2026-11-22T16:00:00Z" and span["to_utc_exclusive"] == "2026-11-23T16:00:00Z"
    assert span["from_wita"] == "2026-11-23T00:00:00+08:00" and "WITA" in span["days"]
    event = json.loads(packet.read("events.jsonl").decode().splitlines()[0])
    assert event["at_utc"].endswith("Z") and event["at_wita"].endswith("+08:00")
    manifest = json.loads(packet.read("manifest.json"))
    assert manifest["generated_at_utc"].endswith("Z") and "_wita are WITA" in manifest["times"]
    assert "process/uji_loop_v1.bpmn" in manifest["files"]
    documents = json.loads(packet.read("documents/index.json"))
    assert {packet.read(d["file"]) for d in documents} == {FIRST, SECOND}
    code, out = check(plain_python, unzip(buffer.getvalue(), tmp_path / "log"),
                      "--public-key", public_key_text(key.public_key()))
    assert code == 0 and "1 BPMN version(s), 2 document(s)" in out, out


@pytest.mark.sqlite_only("the packet's files do not depend on the database")
def test_the_packet_carries_the_checker_kept_in_the_repository_and_a_bilingual_readme(alur, test_data):
    case = finished_loop_case(alur, test_data)
    buffer = io.BytesIO()
    alur.audit_export.export_case(case, "auditor1", buffer)
    packet = zipfile.ZipFile(buffer)
    assert packet.read("verify_packet.py") == CHECKER.read_bytes() == verify_packet_source()
    readme = packet.read("README.txt").decode()
    for words in ("Rumus hash kejadian", "Event hash formula", "canonical_json([chain, seq, instance_id, event_type, "
                  "actor, at, payload_json])", "64 angka nol", "64 zeros", "python3 verify_packet.py --public-key"):
        assert words in readme
