"""Search and saved-filter latency with many task rows: the inbox and the case list narrowed by
reference (nomor surat), OPD, performer, free text over step data, dates and sort orders.

The data: ROWS task rows in cases of TASKS_PER_CASE steps; RUNNING_SHARE of the cases are running
with their last task open (half ready for a role, half claimed by a user), the others completed: at
1,000,000 rows, 100,000 cases and 5,000 open tasks, of which the searching user's roles hold a quarter
(an office of this size has a few hundred open at a time). What a search costs grows with those open
tasks and with the cases of its rarest term (engine.reading.search_statements), not with the rows.
Every step's data is made of words from a vocabulary of VOCABULARY words drawn with Zipf's law (a
few words in most cases, most words in few), and each case's search terms are what the engine files
for that data (engine.runtime.search_terms), written straight into the tables.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from bench.common import PASSWORD, open_bench_alur, summarize, timed
from engine.bootstrap import Alur
from engine.modeling.forms import SearchFields
from engine.persistence.models import CaseTerm, HumanTask, ProcessDefinition, ProcessInstance, UserRole
from engine.reading.search import Search
from engine.runtime.search_terms import start_terms, step_terms

TASKS_PER_CASE = 10
RUNNING_SHARE = 0.05
VOCABULARY = 20_000
WORDS_PER_STEP = 6
ROLES = ["pengelola_ti", "pemeriksa_ti", "tim", "pengawas"]
USERS = [f"user{n}" for n in range(50)]
PROCESSES = ["uji_loop", "uji_a", "uji_b", "uji_c", "uji_d"]
OPDS = [f"{kind} {topic} Provinsi" for kind in ("Dinas", "Badan", "Biro", "UPTD")
        for topic in ("Kesehatan", "Pendidikan", "Perhubungan", "Pariwisata", "Kehutanan", "Perikanan",
                      "Pertanian", "Sosial", "Keuangan", "Kepegawaian")]
FIELDS = SearchFields(opd=("opd_pemohon",), nomor=("nomor_surat",))
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def letter_number(case_id: int) -> str:
    return f"{case_id:06d}/TIK/{2020 + case_id % 7}"


class _Words:
    """Zipf-distributed words: ``kata0`` in most steps, ``kata19999`` rarely."""

    def __init__(self, rng: random.Random) -> None:
        weights = [1 / (n + 1) for n in range(VOCABULARY)]
        self._rng = rng
        self._words = [f"kata{n}" for n in range(VOCABULARY)]
        self._cumulative = list(_accumulate(weights))

    def text(self, count: int) -> str:
        return " ".join(self._rng.choices(self._words, cum_weights=self._cumulative, k=count))


def _accumulate(values: list[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def _case_rows(case_id: int, rng: random.Random, vocabulary: _Words,
               running_share: float) -> tuple[dict, list[dict], list[str]]:
    started = NOW - timedelta(minutes=rng.randrange(0, 1_000_000))
    running = rng.random() < running_share
    process_key = rng.choice(PROCESSES)
    opd = rng.choice(OPDS)
    starter = rng.choice(USERS)
    terms = dict.fromkeys(start_terms(starter, None, {}))
    tasks = []
    for step in range(TASKS_PER_CASE):
        created = started + timedelta(hours=step * 5)
        last_open = running and step == TASKS_PER_CASE - 1
        state = rng.choice(["ready", "claimed"]) if last_open else "completed"
        who = rng.choice(USERS)
        data: dict[str, Any] = {"uraian": vocabulary.text(WORDS_PER_STEP) + (f" srv{case_id}" if step == 3 else "")}
        if step == 0:
            data.update(opd_pemohon=opd, nomor_surat=letter_number(case_id))
        if state == "completed":
            terms.update(dict.fromkeys(step_terms(data, FIELDS, who).terms))
        n = case_id * TASKS_PER_CASE + step
        tasks.append(dict(
            id=f"{n:08x}-0000-4000-8000-{n:012x}", instance_id=case_id, process_key=process_key, process_name="Uji",
            business_key=None, element_id=f"s{step}", name=f"Langkah {step}", role=rng.choice(ROLES),
            form_key="uji_isi", state=state, assignee=who if state != "ready" else None, created_at=created,
            claimed_at=created if state == "claimed" else None, completed_at=created if state == "completed" else None,
            completed_by=who if state == "completed" else None,
            due_at=created + timedelta(hours=rng.randrange(1, 200)),
            data_json=json.dumps(data) if state == "completed" else None, version=1))
    case = dict(id=case_id, definition_id=1, process_key=process_key, status="running" if running else "completed",
                state_json="{}", data_json="{}", started_by=starter, started_at=started,
                ended_at=None if running else started + timedelta(days=2), due_at=started + timedelta(days=3),
                opd=opd, letter_number=letter_number(case_id), search_terms="[]", version=1)
    return case, tasks, list(terms)


def fill(alur: Alur, rows: int, running_share: float = RUNNING_SHARE, seed: int = 11) -> None:
    rng = random.Random(seed)
    vocabulary = _Words(rng)
    with alur.sessions.begin() as session:
        session.add(ProcessDefinition(id=1, process_key="uji_loop", version=1, name="Uji", bpmn_xml="",
                                      sha256="0" * 64, source_file="uji_loop.bpmn", deployed_by="bench",
                                      deployed_at=NOW))
    cases: list[dict] = []
    tasks: list[dict] = []
    terms: list[dict] = []
    for case_id in range(1, rows // TASKS_PER_CASE + 1):
        case, case_tasks, case_terms = _case_rows(case_id, rng, vocabulary, running_share)
        cases.append(case)
        tasks += case_tasks
        terms += [{"term": t, "instance_id": case_id} for t in case_terms]
        if len(tasks) >= 20_000:
            _write(alur, cases, tasks, terms)
            cases, tasks, terms = [], [], []
    _write(alur, cases, tasks, terms)
    postgres = alur.db.dialect.name == "postgresql"
    with alur.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if postgres else "ANALYZE")


def _write(alur: Alur, cases: list[dict], tasks: list[dict], terms: list[dict]) -> None:
    if not cases:
        return
    # Core inserts: the ORM's bulk insert spends more on each row than the database does.
    with alur.db.begin() as connection:
        connection.execute(insert(ProcessInstance.__table__), cases)
        connection.execute(insert(HumanTask.__table__), tasks)
        connection.execute(insert(CaseTerm.__table__), terms)


def _queries(alur: Alur, rows: int) -> dict[str, Callable[[], Any]]:
    """The searches timed, by the name the summary shows."""
    cases = rows // TASKS_PER_CASE
    some_case = cases // 2 + 7
    inbox, listed = alur.queries.inbox_overview, alur.queries.visible_cases
    saved = [("available", Search(opd="kesehatan", process_key="uji_a")), ("mine", Search(text="kata3")),
             ("overdue", Search(performer="user7"))]
    return {
        "inbox: nomor surat": lambda: inbox("user1", "available", search=Search(reference=letter_number(some_case))),
        "inbox: rare word": lambda: inbox("user1", "available", search=Search(text=f"srv{some_case}")),
        "inbox: OPD": lambda: inbox("user1", "available", search=Search(opd="kesehatan")),
        "inbox: OPD and a word": lambda: inbox("user1", "available", search=Search(opd="kesehatan", text="kata5")),
        "inbox: common word": lambda: inbox("user1", "available", search=Search(text="kata0")),
        "inbox: performer": lambda: inbox("user1", "available", search=Search(performer="user7")),
        "inbox: due this week": lambda: inbox("user1", "available", search=Search(
            date_from=(NOW - timedelta(days=7)).date(), date_to=NOW.date())),
        "inbox: newest first": lambda: inbox("user1", "available", search=Search(sort="-created")),
        "inbox: mine, by case": lambda: inbox("user1", "mine", search=Search(sort="case")),
        "inbox: 3 saved filters' counts": lambda: alur.queries.inbox_search_counts("user1", saved),
        "cases: nomor surat": lambda: listed("auditor", search=Search(reference=letter_number(some_case))),
        "cases: word": lambda: listed("auditor", search=Search(text=f"srv{some_case}")),
        "cases: OPD, started first": lambda: listed("auditor", search=Search(opd="kesehatan", sort="started")),
        "cases: common word, by due date": lambda: listed("auditor", search=Search(text="kata1", sort="-due")),
        "cases: running, newest": lambda: listed("auditor", search=Search(state="running")),
        "cases: a user's, word": lambda: listed("user1", search=Search(text="kata2")),
    }


def search_latency(url: str, rows: int, running_share: float = RUNNING_SHARE,
                   queries: int = 200) -> dict[str, dict[str, float]]:
    alur = open_bench_alur(url)
    try:
        alur.users.add_user("user1", "Bench", PASSWORD, {"pengelola_ti"})
        auditor = alur.users.add_user("auditor", "Auditor", PASSWORD)
        with alur.sessions.begin() as session:  # the bench's role catalogue has no oversight roles
            session.add(UserRole(user_id=auditor.user_id, role_key="auditor"))
        fill(alur, rows, running_share)
        result = {}
        for name, query in _queries(alur, rows).items():
            for _ in range(10):
                query()
            result[name] = summarize([timed(query) for _ in range(queries)])
            print(f"  {name}: median {result[name]['median_ms']:.2f} ms, p95 {result[name]['p95_ms']:.2f} ms",
                  flush=True)
        return result
    finally:
        alur.close()
