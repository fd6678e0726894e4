"""The management dashboard at scale: the SOP page rendered over 100,000 finished cases.

The cases are written straight into the tables the steps fill (``engine.runtime.figures``: a row per
case, per completed step with its working time, per gateway decision), spread over the five SOPs and
four years, with Core bulk inserts; the page is the one a Kabid opens (``/dasbor/sop/<key>``, a year),
rendered by the Flask app in process (the test client), charts, tables and the heatmap's data included.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.common import summarize, timed
from engine.bootstrap import Alur, open_alur
from engine.config import PROJECT_ROOT, Settings
from engine.persistence.db import make_engine
from engine.persistence.models import CaseFigure, FlowFigure, ProcessInstance, StepFigure
from engine.reading.ranks import back_edges

CASES = 100_000
CHUNK = 5_000


def fill_figures(alur: Alur, process_keys: Sequence[str], cases: int, first: datetime, days: int,
                 performers: Sequence[str], seed: int = 19, first_id: int = 1_000_000) -> int:
    """``cases`` finished cases of ``process_keys`` started within ``days`` from ``first``, each with every
    step of its SOP done by one of ``performers`` and its Ya/Tidak decisions, some looping back; returns
    the number of step rows written."""
    rng = random.Random(seed)
    models = {d.process_key: (definition_id, d) for definition_id, d in alur.figures.latest(process_keys)}
    shapes = {}
    for key, (definition_id, d) in models.items():
        loops = back_edges(d.flows)
        outgoing: dict[str, list[str]] = {}
        for (source, _), (flow_id, _) in d.flows.items():
            if source in d.gateways and flow_id:
                outgoing.setdefault(source, []).append(flow_id)
        decisions = [(g, flows) for g, flows in outgoing.items() if len(flows) > 1]
        shapes[key] = (definition_id, list(d.user_tasks), decisions, loops)
    steps_written = 0
    rows: dict[str, list[dict[str, Any]]] = {"cases": [], "figures": [], "steps": [], "flows": []}
    for n in range(cases):
        case_id = first_id + n
        key = process_keys[n % len(process_keys)]
        definition_id, elements, decisions, loops = shapes[key]
        started = first + timedelta(minutes=rng.randrange(days * 24 * 60))
        at = started
        for i, element in enumerate(elements):
            took = rng.choice((5, 20, 45, 90, 240, 600, 1500, 3000))
            worked = min(took, 510) * 60 if took < 1440 else rng.randrange(8, 30) * 1800
            done = at + timedelta(minutes=took)
            on_time = took <= rng.choice((60, 600, 3000))
            rows["steps"].append(dict(task_id=f"b{case_id:09d}-{i:03d}", instance_id=case_id, process_key=key,
                                      element_id=element, performer=rng.choice(performers), started_at=at,
                                      completed_at=done, work_seconds=worked, on_time=on_time))
            at = done
        for gateway, flows in decisions:
            flow = rng.choice(flows)
            rows["flows"].append(dict(instance_id=case_id, process_key=key, gateway_id=gateway, flow_id=flow,
                                      taken_at=at))
        rows["cases"].append(dict(id=case_id, definition_id=definition_id, process_key=key, status="completed",
                                  state_json="{}", data_json="{}", started_by=performers[0], started_at=started,
                                  ended_at=at, version=1))
        rows["figures"].append(dict(instance_id=case_id, process_key=key, status="completed", started_at=started,
                                    ended_at=at, work_seconds=int((at - started).total_seconds() / 3),
                                    on_time=rng.random() < 0.8))
        steps_written += len(elements)
        if len(rows["cases"]) >= CHUNK:
            _write(alur, rows)
    _write(alur, rows)
    return steps_written


def _write(alur: Alur, rows: dict[str, list[dict[str, Any]]]) -> None:
    if not rows["cases"]:
        return
    # Core inserts: the ORM's bulk insert spends more on each row than the database does.
    with alur.db.begin() as connection:
        connection.execute(insert(ProcessInstance.__table__), rows["cases"])
        connection.execute(insert(CaseFigure.__table__), rows["figures"])
        connection.execute(insert(StepFigure.__table__), rows["steps"])
        if rows["flows"]:
            connection.execute(insert(FlowFigure.__table__), rows["flows"])
    for part in rows.values():
        part.clear()


def dashboard_latency(url: str, cases: int = CASES, requests: int = 30) -> dict[str, Any]:
    """The SOP page (a year) and the overview, for the Kabid, over ``cases`` finished cases."""
    from web import create_app  # the bench's engine rows never load Flask
    from web.demo import demo_password
    from web.serve import prepare

    engine = make_engine(url)
    folder = Path(url.removeprefix("sqlite:///")).parent if url.startswith("sqlite") else Path("/tmp")
    settings = Settings(database_url=url, processes_dir=PROJECT_ROOT / "processes", forms_dir=PROJECT_ROOT / "forms",
                        attachments_dir=folder / "attachments", scrypt_n=2 ** 4)
    alur = open_alur(settings, db=engine)
    try:
        prepare(alur)
        keys = [d.process_key for _, d in alur.figures.latest()]
        staff = ["pengelola_ti", "pemeriksa_ti", "administrator_jaringan_server"]
        steps = fill_figures(alur, keys, cases, datetime(2023, 1, 1, tzinfo=UTC), 4 * 365, staff)
        postgres = alur.db.dialect.name == "postgresql"
        with alur.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE" if postgres else "ANALYZE")
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "ALUR": alur})
        client = app.test_client()
        kabid = "pejabat_administrator_tik"
        assert client.post("/masuk", data={"username": kabid, "password": demo_password(kabid)}).status_code == 302
        busiest = keys[0]
        pages = {"SOP page, a year": f"/dasbor/sop/{busiest}?periode=tahun&tahun=2025",
                 "SOP page, a semester": f"/dasbor/sop/{busiest}?periode=semester&tahun=2025&ke=2",
                 "overview, a year": "/dasbor?periode=tahun&tahun=2025"}
        result: dict[str, Any] = {"cases": cases, "steps": steps, "sops": len(keys)}
        for name, path in pages.items():
            def get(path: str = path) -> None:
                response = client.get(path)
                assert response.status_code == 200, response.status_code
            for _ in range(3):
                get()
            result[name] = summarize([timed(get) for _ in range(requests)])
            print(f"  dashboard {name}: median {result[name]['median_ms']:.1f} ms, "
                  f"p95 {result[name]['p95_ms']:.1f} ms", flush=True)
        return result
    finally:
        alur.close()
