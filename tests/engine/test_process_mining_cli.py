"""``alur export-log`` over a case with its loop taken, run from the command line (in-process)."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from alur_testing import cli_in_process
from engine import WITA

DATA = Path(__file__).resolve().parents[2] / "tests" / "engine" / "data"


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    run = cli_in_process(monkeypatch, capsys, {
        "ALUR_INSTANCE_DIR": str(tmp_path), "ALUR_PROCESSES_DIR": str(DATA), "ALUR_FORMS_DIR": str(DATA / "forms"),
        "ALUR_NEW_PASSWORD": "rahasia-uji-123"})
    run("init", "--deploy")
    run("user", "add", "budi", "--role", "pengelola_ti")
    run("user", "add", "sari", "--role", "pengawas")
    started = json.loads(run("start", "uji_loop", "--user", "budi", "--business-key", "045/1/2026"))
    report = started["ready_tasks"][0]
    review = json.loads(run("complete", report, "--user", "budi", "--data", '{"uraian": "ok"}'))["ready_tasks"][0]
    again = json.loads(run("complete", review, "--user", "sari", "--data", '{"disetujui": false}'))["ready_tasks"][0]
    review = json.loads(run("complete", again, "--user", "budi", "--data", '{"uraian": "lagi"}'))["ready_tasks"][0]
    run("complete", review, "--user", "sari", "--data", '{"disetujui": true}')
    return run


def _days() -> tuple[str, str]:
    today = datetime.now(WITA).date()
    return (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()


def test_export_log_writes_each_format_and_pseudonymises_unless_asked(cli, tmp_path):
    first, last = _days()
    out = tmp_path / "uji.csv"
    said = cli("export-log", "--sop", "uji_loop", "--from", first, "--to", last, "--format", "csv", "-o", str(out))
    assert "1 case(s)" in said and "pseudonymised" in said
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 4 and all(r["resource"].startswith("p-") for r in rows)  # the loop: four steps
    assert len({r["resource"] for r in rows}) == 2  # budi twice, sari twice: two pseudonyms
    named = cli("export-log", "--sop", "uji_loop", "--from", first, "--to", last, "--format", "csv", "--names")
    assert "budi" in named and "sari" in named and "performers named" in named
    xes = cli("export-log", "--sop", "uji_loop", "--from", first, "--to", last, "--format", "xes")
    assert xes.count("<event>") == 8 and 'xes.version="1849-2016"' in xes
    ocel = cli("export-log", "--sop", "uji_loop", "--from", first, "--to", last, "--format", "ocel",
               "-o", str(tmp_path / "uji.jsonocel"))
    assert "1 case(s)" in ocel
    assert len(json.loads((tmp_path / "uji.jsonocel").read_text(encoding="utf-8"))["events"]) == 8


def test_export_log_refuses_bad_input_with_a_code_and_writes_no_file(cli, tmp_path):
    first, last = _days()
    out = tmp_path / "x.xes"
    assert "invalid_period" in cli("export-log", "--sop", "uji_loop", "--from", last, "--to", first,
                                   "--format", "xes", "-o", str(out), expect=2)
    assert "invalid_period" in cli("export-log", "--sop", "uji_loop", "--from", "2026-02-30", "--to", last,
                                   "--format", "xes", "-o", str(out), expect=2)
    assert "definition_not_found" in cli("export-log", "--sop", "tidak_ada", "--from", first, "--to", last,
                                         "--format", "xes", "-o", str(out), expect=2)
    assert "invalid choice" in cli("export-log", "--sop", "uji_loop", "--from", first, "--to", last,
                                   "--format", "xlsx", expect=2)
    assert not out.exists()
