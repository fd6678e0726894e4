"""Process-mining exports (XES, OCEL 2.0 JSON, CSV) of cases run through the real engine and SOP models.

The cases: SOP-01 (Gangguan Database) with its "Tidak" loop taken, a happy path, an open case and a
cancelled one, plus one started after the period; SOP-02 (Pengelolaan Data) with its loop. Counts are
taken from the database (tasks) and from the audit chain, independently of the exporter; pm4py reads
the XES, the OCEL JSON is validated against the OCEL 2.0 JSON schema vendored in tests/engine/standards.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, FormatChecker
from lxml import etree
from process_helpers import Case, add_cast, deploy
from sqlalchemy import func, select
from test_sop_gangguan_database import KEY as GDB, STEPS as GDB_STEPS
from test_sop_pengelolaan_data import KEY as PDT, STEPS as PDT_STEPS

from engine import parse_period, Requester
from engine.errors import (DefinitionNotFound, ExportNotAllowed, InvalidPeriod, NamesNotAllowed,
                           UnknownExportFormat)
from engine.persistence.models import AuditEvent, HumanTask, ProcessInstance
from engine.reading.mining_formats import CSV_COLUMNS, csv_time

SCHEMA = json.loads((Path(__file__).parent / "standards" / "ocel20-schema-json.json").read_text())
PERIOD = parse_period("2026-11-01", "2026-12-31")
OPERATOR = Requester("operator", None, via="cli")
PEOPLE = ("kadis", "kasubag_tu", "kabid", "kasi_infra", "kasi_pdi", "pengelola", "pemeriksa", "admin_server")


@pytest.fixture
def mined(sop_alur, clock):
    """Six cases in the period (two SOPs, loops, one open, one cancelled) and one after it."""
    alur = sop_alur
    add_cast(alur)
    alur.users.add_user("penilai", "Penilai", "rahasia-uji-123", {"penilai_sop"})
    alur.users.add_user("auditor", "Auditor", "rahasia-uji-123", {"auditor"})
    deploy(alur, GDB)
    deploy(alur, PDT)
    looped = Case(alur, clock, GDB, GDB_STEPS, starter="pengelola", business_key="GDB/2026/001")
    looped.run("gdb_01", "gdb_02", "gdb_03", "gdb_04", "gdb_05", "gdb_06")
    looped.do("gdb_07", gangguan_selesai=False)
    looped.run("gdb_05", "gdb_06")
    looped.do("gdb_07", gangguan_selesai=True)
    looped.run("gdb_08", "gdb_09")
    happy = Case(alur, clock, GDB, GDB_STEPS, starter="pengelola", business_key="=GDB/2026/002")
    happy.run(*GDB_STEPS)
    open_case = Case(alur, clock, GDB, GDB_STEPS, starter="pengelola", business_key="GDB/2026/003")
    open_case.run("gdb_01", "gdb_02")
    cancelled = Case(alur, clock, GDB, GDB_STEPS, starter="pengelola", business_key="GDB/2026/004")
    cancelled.run("gdb_01")
    clock.advance(minutes=5)
    alur.runner.cancel_case(cancelled.id, "pengelola", "laporan ganda")
    data = Case(alur, clock, PDT, PDT_STEPS, starter="kabid", business_key="PDT/2026/014")
    data.run("pdt_01", "pdt_02", "pdt_03", "pdt_04", "pdt_05")
    data.do("pdt_06", pengelolaan_selesai=False)
    data.do("pdt_04", jenis_tindakan="recovery")
    data.run("pdt_05", "pdt_06", "pdt_07", "pdt_08", "pdt_09")
    clock.now = clock.now.replace(year=2027, month=1, day=11)
    later = Case(alur, clock, GDB, GDB_STEPS, starter="pengelola", business_key="GDB/2027/001")
    later.run("gdb_01")
    return alur, {"looped": looped.id, "happy": happy.id, "open": open_case.id, "cancelled": cancelled.id,
                  "later": later.id}


def _export(alur, fmt, key=GDB, requester=OPERATOR, names=False, period=PERIOD) -> str:
    return "".join(alur.process_logs.export(key, period, fmt, requester, names=names).chunks)


def _tasks_in_period(alur, key):
    with alur.sessions() as session:
        return session.scalars(select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                               .where(ProcessInstance.process_key == key, ProcessInstance.started_at >= PERIOD.start,
                                      ProcessInstance.started_at < PERIOD.end)
                               .order_by(HumanTask.instance_id, HumanTask.created_at, HumanTask.id)).all()


def _audit_counts(alur, instance_ids):
    """Step activations, completions and withdrawals, as the audit chains record them."""
    with alur.sessions() as session:
        rows = session.execute(select(AuditEvent.event_type, AuditEvent.payload_json)
                               .where(AuditEvent.instance_id.in_(instance_ids))).all()
    created = sum(kind == "task_created" for kind, _ in rows)
    completed = sum(kind == "task_completed" for kind, _ in rows)
    withdrawn = sum(kind == "task_cancelled" for kind, _ in rows) + sum(
        len(json.loads(p).get("cancelled_tasks", [])) for kind, p in rows if kind == "instance_cancelled")
    return created, completed, withdrawn


def test_pm4py_reads_the_xes_with_the_cases_and_events_of_the_database(mined, tmp_path):
    pm4py = pytest.importorskip("pm4py")
    alur, ids = mined
    in_period = [i for name, i in ids.items() if name != "later"]
    created, completed, withdrawn = _audit_counts(alur, in_period)
    tasks = _tasks_in_period(alur, GDB)
    assert created == len(tasks) and completed == sum(t.state == "completed" for t in tasks)
    path = tmp_path / "gdb.xes"
    path.write_text(_export(alur, "xes"), encoding="utf-8")
    log = pm4py.read_xes(str(path))
    assert log["case:concept:name"].nunique() == len(in_period) == 4
    assert len(log) == created + completed + withdrawn
    assert sorted(log["case:concept:name"].unique()) == sorted(str(i) for i in in_period)
    assert set(log["lifecycle:transition"]) == {"start", "complete", "ate_abort"}
    # the loop: gdb_05 ran twice in the looped case, each a start and a complete
    looped = log[log["case:concept:name"] == str(ids["looped"])]
    name_05 = GDB_STEPS["gdb_05"].name
    assert (looped["concept:name"] == name_05).sum() == 4
    assert list(looped["time:timestamp"]) == sorted(looped["time:timestamp"])
    # every completion names its performer by pseudonym; no username anywhere in the file
    completes = log[log["lifecycle:transition"] == "complete"]
    assert completes["org:resource"].str.fullmatch(r"p-[0-9a-f]{16}").all()
    text = path.read_text(encoding="utf-8")
    assert not any(f'"{person}"' in text for person in PEOPLE)


def test_the_xes_declares_the_standard_extensions_and_names_each_trace_by_its_case(mined):
    alur, ids = mined
    root = etree.fromstring(_export(alur, "xes").encode("utf-8"))
    ns = {"x": "http://www.xes-standard.org/"}
    assert root.get("xes.version") == "1849-2016"
    assert {(e.get("prefix"), e.get("uri")) for e in root.findall("x:extension", ns)} >= {
        ("concept", "http://www.xes-standard.org/concept.xesext"),
        ("time", "http://www.xes-standard.org/time.xesext"),
        ("org", "http://www.xes-standard.org/org.xesext"),
        ("lifecycle", "http://www.xes-standard.org/lifecycle.xesext")}
    traces = root.findall("x:trace", ns)
    names = [t.find("x:string[@key='concept:name']", ns).get("value") for t in traces]
    assert names == [str(ids[k]) for k in ("looped", "happy", "open", "cancelled")]
    cancelled = traces[3]
    assert cancelled.find("x:string[@key='status']", ns).get("value") == "cancelled"
    transitions = [e.find("x:string[@key='lifecycle:transition']", ns).get("value")
                   for e in cancelled.findall("x:event", ns)]
    assert transitions == ["start", "complete", "start", "ate_abort"]  # gdb_01 done, gdb_02 withdrawn


def test_the_ocel_json_validates_against_the_ocel_2_schema(mined, tmp_path):
    alur, ids = mined
    text = _export(alur, "ocel")
    document = json.loads(text)
    errors = list(Draft7Validator(SCHEMA, format_checker=FormatChecker()).iter_errors(document))
    assert not errors, errors[:3]
    types = {o["type"] for o in document["objects"]}
    assert types == {"case", "task", "document"}
    tasks = _tasks_in_period(alur, GDB)
    assert sum(o["type"] == "task" for o in document["objects"]) == len(tasks)
    assert sum(o["type"] == "case" for o in document["objects"]) == 4
    objects = {o["id"] for o in document["objects"]}
    declared = {t["name"] for t in document["eventTypes"]}
    for event in document["events"]:
        assert event["type"] in declared
        assert {r["objectId"] for r in event["relationships"]} <= objects  # every relation names an object
    created, completed, withdrawn = _audit_counts(alur, [ids[k] for k in ("looped", "happy", "open", "cancelled")])
    assert len(document["events"]) == created + completed + withdrawn
    # documents: each completion relates to the documents its step sent, with no file names (pseudonymised)
    documents = [o for o in document["objects"] if o["type"] == "document"]
    assert documents and all("filename" not in {a["name"] for a in o["attributes"]} for o in documents)
    pm4py = pytest.importorskip("pm4py")
    path = tmp_path / "gdb.jsonocel"
    path.write_text(text, encoding="utf-8")
    ocel = pm4py.read_ocel2_json(str(path))
    assert len(ocel.events) == len(document["events"]) and len(ocel.objects) == len(document["objects"])


def test_the_csv_round_trips(mined):
    alur, ids = mined
    rows = list(csv.DictReader(io.StringIO(_export(alur, "csv", names=True))))
    tasks = _tasks_in_period(alur, GDB)
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(tasks)
    for row, task in zip(rows, tasks, strict=True):
        assert (int(row["case_id"]), row["activity"], row["element_id"], row["state"], row["role"]) == (
            task.instance_id, task.name, task.element_id, task.state, task.role)
        assert row["start"] == csv_time(task.created_at)
        if task.state == "completed":
            assert row["end"] == csv_time(task.completed_at) and row["resource"] == task.completed_by
        elif task.state in ("ready", "claimed"):
            assert row["end"] == ""
    # a business key that a spreadsheet would run as a formula is written as text
    happy = [r for r in rows if int(r["case_id"]) == ids["happy"]]
    assert {r["business_key"] for r in happy} == {"'=GDB/2026/002"}


def test_pseudonyms_hide_usernames_are_stable_within_an_export_and_differ_between_exports(mined):
    alur, _ids = mined
    first = list(csv.DictReader(io.StringIO(_export(alur, "csv"))))
    second = list(csv.DictReader(io.StringIO(_export(alur, "csv"))))
    tasks = _tasks_in_period(alur, GDB)
    by_person: dict[str, set[str]] = {}
    for row, task in zip(first, tasks, strict=True):
        if task.completed_by:
            by_person.setdefault(task.completed_by, set()).add(row["resource"])
    assert len(by_person) >= 3
    assert all(len(pseudonyms) == 1 for pseudonyms in by_person.values())  # one person, one pseudonym
    flat = [next(iter(p)) for p in by_person.values()]
    assert len(set(flat)) == len(flat)  # two people never share one
    assert not set(flat) & set(by_person) and all(re.fullmatch(r"p-[0-9a-f]{16}", p) for p in flat)
    assert not {r["resource"] for r in first if r["resource"]} & {r["resource"] for r in second if r["resource"]}


def test_the_period_chooses_the_cases_by_their_start(mined):
    alur, ids = mined
    rows = list(csv.DictReader(io.StringIO(_export(alur, "csv", period=parse_period("2027-01-01", "2027-01-31")))))
    assert {int(r["case_id"]) for r in rows} == {ids["later"]}
    pdt = list(csv.DictReader(io.StringIO(_export(alur, "csv", key=PDT))))
    assert {r["element_id"] for r in pdt} >= {"pdt_01", "pdt_09"}
    assert sum(r["element_id"] == "pdt_04" for r in pdt) == 2  # its loop, twice


def test_names_follow_the_requesters_roles_and_every_export_is_recorded(mined):
    alur, _ids = mined
    penilai = Requester("penilai", frozenset({"penilai_sop"}))
    with pytest.raises(NamesNotAllowed):
        alur.process_logs.export(GDB, PERIOD, "csv", penilai, names=True)
    plain = list(csv.DictReader(io.StringIO(_export(alur, "csv", requester=penilai))))
    assert all(not r["resource"] or r["resource"].startswith("p-") for r in plain)
    with pytest.raises(ExportNotAllowed):
        alur.process_logs.export(GDB, PERIOD, "csv", Requester("pengelola", frozenset({"pengelola_ti"})))
    # the Kepala Seksi PDI supervises the Pengelola TI and the Administrator: their names, pseudonyms else
    kasi = Requester("kasi_pdi", frozenset({"pengawas_data_integrasi"}))
    rows = list(csv.DictReader(io.StringIO(_export(alur, "csv", requester=kasi, names=True))))
    supervised = alur.permissions.supervised_roles({"pengawas_data_integrasi"})
    for row in rows:
        if row["resource"]:
            assert row["resource"].startswith("p-") == (row["role"] not in supervised), row
    auditor = Requester("auditor", frozenset({"auditor"}), remote_addr="10.0.0.9")
    everyone = list(csv.DictReader(io.StringIO(_export(alur, "csv", requester=auditor, names=True))))
    assert all(not r["resource"].startswith("p-") for r in everyone)
    with alur.sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.event_type == "process_log_exported")
                                 .order_by(AuditEvent.id)).all()
    last = json.loads(events[-1].payload_json)
    assert (events[-1].actor, last["names"], last["cases"], last["remote_addr"]) == ("auditor", True, 4, "10.0.0.9")
    assert set(last["named_people"]) >= {"pengelola", "kabid", "admin_server"}
    kasi_event = json.loads(events[-2].payload_json)
    assert kasi_event["names"] and "kabid" not in kasi_event["named_people"]
    assert json.loads(events[-3].payload_json)["named_people"] == []  # the penilai's pseudonymised export


def test_bad_requests_are_refused_with_their_codes(mined):
    alur, _ids = mined
    for first, last, field in (("2026-13-01", "2026-12-31", "from"), ("", "2026-12-31", "from"),
                               ("2026-12-31", "2026-01-01", "to"), ("1999-12-31", "2026-01-01", "from"),
                               ("2020-01-01", "2026-12-31", "to")):
        with pytest.raises(InvalidPeriod) as refused:
            parse_period(first, last)
        assert refused.value.code == "invalid_period" and refused.value.context["field"] == field
    with pytest.raises(UnknownExportFormat):
        alur.process_logs.export(GDB, PERIOD, "xlsx", OPERATOR)
    with pytest.raises(DefinitionNotFound):
        alur.process_logs.export("sop_tidak_ada", PERIOD, "xes", OPERATOR)
    with alur.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.event_type == "process_log_exported")) == 0


def test_an_empty_period_gives_valid_empty_files(mined):
    alur, _ids = mined
    empty = parse_period("2025-01-01", "2025-06-30")
    assert list(csv.reader(io.StringIO(_export(alur, "csv", period=empty)))) == [list(CSV_COLUMNS)]
    document = json.loads(_export(alur, "ocel", period=empty))
    assert not list(Draft7Validator(SCHEMA).iter_errors(document)) and document["events"] == []
    assert "<trace>" not in _export(alur, "xes", period=empty)


def test_the_export_reads_the_cases_in_batches_and_starts_before_reading_them_all(mined, monkeypatch):
    """Batches of two cases give the same file as one batch; the first chunk comes before the last case is read."""
    from engine.reading import mining_records

    alur, ids = mined
    whole = _export(alur, "csv", names=True)
    monkeypatch.setattr(mining_records, "BATCH", 2)
    assert _export(alur, "csv", names=True) == whole
    read: list[int] = []
    original = mining_records._steps

    def counting(connection, case_ids):
        read.extend(case_ids)
        return original(connection, case_ids)
    monkeypatch.setattr(mining_records, "_steps", counting)
    chunks = alur.process_logs.export(GDB, PERIOD, "xes", OPERATOR).chunks
    next(chunks)
    next(chunks)
    next(chunks)  # the head, the log's attributes, the first case
    assert read == [ids["looped"], ids["happy"]]  # the first batch only
    assert "</log>" in "".join(chunks) and read == [ids[k] for k in ("looped", "happy", "open", "cancelled")]
