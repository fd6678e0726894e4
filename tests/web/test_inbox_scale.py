"""The inbox page stays fast with 100,000 open tasks (the engine's index-range query; the page adds
counts, the SOP list and working time left for one page of rows)."""
from __future__ import annotations

import random
import time
import uuid
from datetime import timedelta

from sqlalchemy import insert
from web_helpers import login, start_network_case

from engine.persistence.models import HumanTask

ROLES = ("tim_teknis", "pengelola_ti", "kasubag_tu", "pejabat_administrator_tik", "pemeriksa_ti", "personil_dc")


def test_inbox_pages_with_100k_open_tasks(alur, client):
    case = start_network_case(alur)
    now, rng = alur.clock(), random.Random(4)
    rows = [{"id": str(uuid.UUID(int=rng.getrandbits(128))), "instance_id": case,
             "process_key": "sop_gangguan_jaringan", "process_name": "Penanganan Gangguan Jaringan",
             "business_key": f"B{i}", "element_id": "gjr_04", "name": "Cek fisik", "role": rng.choice(ROLES),
             "form_key": "gjr_04_cek_fisik_perangkat", "state": "ready", "assignee": None, "created_at": now,
             "due_at": now + timedelta(hours=rng.randint(-300, 300)), "version": 1} for i in range(100_000)]
    for row in rows[::3]:
        row["state"], row["assignee"] = "claimed", rng.choice(("pengelola_ti", "orang_lain"))
    with alur.db.begin() as connection:  # one executemany; the ORM would send row by row
        connection.execute(insert(HumanTask.__table__), rows)
    login(client, "pengelola_ti")
    for url in ("/kotak-masuk?tab=mine", "/kotak-masuk?tab=available&hal=40", "/kotak-masuk?tab=overdue&status=ready"):
        client.get(url)  # warm the caches (parsed definitions, calendar)
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200 and '<span class="count">1000+</span>' in response.text, url
        assert elapsed < 1.0, (url, elapsed)
