"""The dashboard pages: who sees which SOP and whose figures, the tables and CSV downloads, bad periods."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bench.dashboard import fill_figures
from engine import period_of
from engine.persistence.models import AuditEvent
from web_helpers import login

NETWORK = "sop_gangguan_jaringan"
STAFF = ["pengelola_ti", "pemeriksa_ti", "administrator_jaringan_server"]
YEAR = "?periode=tahun&tahun=2026"


@pytest.fixture
def seeded(alur):
    keys = [d.process_key for _, d in alur.figures.latest()]
    fill_figures(alur, keys, 60, datetime(2026, 1, 5, tzinfo=UTC), 300, STAFF)
    return alur


def _figures_events(alur):
    with alur.sessions() as session:
        return [(e.actor, json.loads(e.payload_json)) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "performer_figures_viewed").order_by(AuditEvent.id))]


def test_the_kabid_s_download_of_people_is_logged(seeded, client):
    login(client, "pejabat_administrator_tik")
    rows = list(csv.reader(io.StringIO(client.get(f"/dasbor/sop/{NETWORK}/pelaksana.csv" + YEAR)
                                       .text.lstrip("\ufeff"))))
    assert sorted(r[0] for r in rows[1:]) == sorted(STAFF)
    assert [people["people"] for _, people in _figures_events(seeded)] == [sorted(STAFF)]


def test_the_kabid_sees_the_sops_and_the_people_under_them(seeded, client):
    login(client, "pejabat_administrator_tik")
    home = client.get("/dasbor" + YEAR)
    assert home.status_code == 200
    assert "Gangguan" in home.text and 'data-chart=' in home.text
    page = client.get(f"/dasbor/sop/{NETWORK}" + YEAR)
    assert page.status_code == 200
    figures = seeded.figures.figures(NETWORK, period_of("year", 2026))
    for step in figures.steps:
        assert step.name in page.text
    assert 'id="pelaksana-table"' in page.text
    for username in STAFF:
        assert seeded.users.get(username).full_name in page.text
    assert _figures_events(seeded)[-1] == ("pejabat_administrator_tik", {
        "process_key": NETWORK, "period": "2026", "people": sorted(STAFF), "remote_addr": "127.0.0.1"})


def test_staff_see_only_their_own_figures(seeded, client):
    login(client, "pengelola_ti")
    home = client.get("/dasbor" + YEAR)
    assert home.status_code == 200
    assert 'id="ringkasan-table"' not in home.text and 'id="milik-saya-table"' in home.text
    assert client.get(f"/dasbor/sop/{NETWORK}" + YEAR).status_code == 403
    assert client.get(f"/dasbor/sop/{NETWORK}/pelaksana.csv" + YEAR).status_code == 403
    rows = list(csv.reader(io.StringIO(client.get("/dasbor/milik-saya.csv" + YEAR).text.lstrip("\ufeff"))))
    mine = seeded.figures.own("pengelola_ti", period_of("year", 2026))
    assert [r[0] for r in rows[1:]] == [s.process_key for s, _ in mine]
    assert [int(r[1]) for r in rows[1:]] == [p.completed for _, p in mine]
    assert _figures_events(seeded) == []


def test_an_assessor_sees_the_sop_but_nobody_s_figures(seeded, client):
    login(client, "penilai_sop")
    page = client.get(f"/dasbor/sop/{NETWORK}" + YEAR)
    assert page.status_code == 200 and 'id="pelaksana-table"' not in page.text
    assert _figures_events(seeded) == []


def test_the_csv_equals_the_figures(seeded, client):
    login(client, "kepala_dinas")
    response = client.get(f"/dasbor/sop/{NETWORK}/langkah.csv" + YEAR)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="dasbor-sop_gangguan_jaringan-langkah-2026.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    figures = seeded.figures.figures(NETWORK, period_of("year", 2026))
    assert [(r[1], int(r[5])) for r in rows[1:]] == [(s.element_id, s.completed) for s in figures.steps]
    assert [float(r[7]) if r[7] else None for r in rows[1:]] == [s.median_seconds for s in figures.steps]
    flows = list(csv.reader(io.StringIO(client.get(f"/dasbor/sop/{NETWORK}/alur.csv" + YEAR).text.lstrip("\ufeff"))))
    assert sum(int(r[5]) for r in flows[1:]) == sum(f.taken for f in figures.flows) > 0
    assert _figures_events(seeded) == []  # no one's own figures in these
    people = client.get(f"/dasbor/sop/{NETWORK}/pelaksana.csv" + YEAR)
    assert [r[0] for r in list(csv.reader(io.StringIO(people.text.lstrip("\ufeff"))))[1:]] == []  # supervises none


@pytest.mark.parametrize("query", ["?periode=minggu", "?periode=bulan&ke=13", "?periode=tahun&tahun=abc",
                                   "?periode=khusus&dari=2026-05-01", "?periode=khusus&dari=2026-05-01&sampai=x",
                                   "?periode=semester&ke=3"])
def test_a_bad_period_is_a_clear_error(seeded, client, query):
    login(client, "kepala_dinas")
    response = client.get("/dasbor" + query)
    assert response.status_code == 422
    assert "periode" in response.text.lower() or "tanggal" in response.text.lower()


def test_an_unknown_sop_or_table(seeded, client):
    login(client, "kepala_dinas")
    assert client.get("/dasbor/sop/tidak_ada").status_code == 404
    assert client.get(f"/dasbor/sop/{NETWORK}/rahasia.csv").status_code == 404


def test_the_dashboard_in_english(seeded, client):
    login(client, "kepala_dinas")
    page = client.get(f"/dasbor/sop/{NETWORK}{YEAR}&lang=en")
    assert page.status_code == 200
    assert "Heatmap on the diagram" in page.text and "Download CSV" in page.text


def test_a_name_is_never_a_formula_in_the_csv(seeded, client):
    seeded.users.add_user("rumus", "=HYPERLINK(\"http://x\")", "kata-sandi-panjang-1", {"pengelola_ti"})
    fill_figures(seeded, [NETWORK], 3, datetime(2026, 3, 2, tzinfo=UTC), 20, ["rumus"], first_id=2_000_000)
    login(client, "pejabat_administrator_tik")
    rows = list(csv.reader(io.StringIO(client.get(f"/dasbor/sop/{NETWORK}/pelaksana.csv" + YEAR)
                                       .text.lstrip("\ufeff"))))
    assert ["rumus", "'=HYPERLINK(\"http://x\")"] == [r[:2] for r in rows if r[0] == "rumus"][0]


@pytest.mark.parametrize("query, period", [
    ("?periode=bulan&tahun=2026&ke=6", period_of("month", 2026, 6)),
    ("?periode=semester&tahun=2026&ke=2", period_of("semester", 2026, 2)),
    ("?periode=tahun&tahun=2026", period_of("year", 2026)),
    ("?periode=khusus&dari=2026-02-10&sampai=2026-05-20",
     period_of("custom", first_day=date(2026, 2, 10), last_day=date(2026, 5, 20)))],
    ids=["month", "semester", "year", "custom"])
def test_each_kind_of_period_counts_its_own_cases(seeded, client, query, period):
    login(client, "kepala_dinas")
    rows = list(csv.reader(io.StringIO(client.get(f"/dasbor/sop/{NETWORK}/langkah.csv{query}").text.lstrip("\ufeff"))))
    figures = seeded.figures.figures(NETWORK, period)
    assert [int(r[5]) for r in rows[1:]] == [s.completed for s in figures.steps]
    trend = list(csv.reader(io.StringIO(client.get(f"/dasbor/sop/{NETWORK}/tren.csv{query}").text.lstrip("\ufeff"))))
    assert [r[0] for r in trend[1:]] == [f"{m:%Y-%m}" for m in period.months()]
    year = seeded.figures.figures(NETWORK, period_of("year", 2026))
    assert 0 < sum(s.completed for s in figures.steps) <= sum(s.completed for s in year.steps)
    assert client.get(f"/dasbor/sop/{NETWORK}{query}").status_code == 200
