"""The register pages and API: Personil DC keep the server asset register, the Pengawas the data-center
visits; auditors read both (and their CSV) and change nothing; bad input gets a clear message."""
from __future__ import annotations

import csv
import io

import pytest
from web_helpers import login, text_of

from engine.accounts.tokens import TokenService

SERVER = {"asset_number": "SRV-DINKES-01", "hostname": "db-sikda", "ip_address": "10.20.1.5",
          "operating_system": "Ubuntu 22.04", "dbms": "PostgreSQL 15", "owner_opd": "Dinas Kesehatan",
          "location": "Rak A1", "backup_schedule": "Harian 23:00 WITA"}
VISITOR = {"visitor": "Andi Vendor", "organisation": "PT Genset Kaltim", "purpose": "Uji beban genset",
           "escort": "pengelola_ti"}


@pytest.fixture
def bearer(alur):
    def issue(username: str) -> dict[str, str]:
        secret = TokenService(alur.sessions, alur.users).issue(username, "uji", actor=username).token
        return {"Authorization": f"Bearer {secret}"}
    return issue


def test_personil_dc_register_a_server_and_a_malformed_one_is_refused_with_a_message(alur, client):
    login(client, "pengelola_ti")
    refused = client.post("/register/server", data={**SERVER, "ip_address": "bukan ip"})
    assert refused.status_code == 422
    assert "Alamat IP tidak valid" in text_of(refused.text)
    assert 'value="db-sikda"' in refused.text  # what was typed is kept
    assert alur.server_assets.list() == []
    assert client.post("/register/server", data=SERVER).status_code == 302
    duplicate = client.post("/register/server", data=SERVER)
    assert duplicate.status_code == 409 and "sudah terdaftar" in text_of(duplicate.text)
    assert client.post("/register/server/ubah", data={"asset_number": SERVER["asset_number"], "status": "nonaktif",
                                                      "backup_schedule": ""}).status_code == 302
    assert alur.server_assets.get(SERVER["asset_number"]).status == "nonaktif"
    assert client.post("/register/server/ubah", data={"asset_number": "SRV-X", "status": "aktif"}).status_code == 404
    page = text_of(client.get("/register/server").text)
    assert "db-sikda" in page and "Daftarkan server" in page


def test_auditors_read_the_registers_and_their_csv_but_change_nothing(alur, client):
    alur.server_assets.add(SERVER, "pengelola_ti")
    alur.dc_access.add_walk_in(VISITOR, "pengawas_infrastruktur_tik")
    login(client, "auditor")
    servers = client.get("/register/server")
    assert servers.status_code == 200 and "db-sikda" in servers.text and "Daftarkan server" not in servers.text
    visits = client.get("/register/dc")
    assert "Andi Vendor" in visits.text and "Catat kunjungan" not in visits.text
    assert client.post("/register/server", data=SERVER).status_code == 403
    assert client.post("/register/dc", data=VISITOR).status_code == 403
    exported = client.get("/register/server.csv")
    assert exported.mimetype == "text/csv"
    assert [r["hostname"] for r in csv.DictReader(io.StringIO(exported.text))] == ["db-sikda"]
    visits_csv = list(csv.DictReader(io.StringIO(client.get("/register/dc.csv").text)))
    assert [(r["visitor"], r["time_out"]) for r in visits_csv] == [("Andi Vendor", "")]


def test_a_requester_may_not_read_the_registers(client):
    login(client, "opd_pemohon")
    assert client.get("/register/server").status_code == 403
    assert client.get("/register/dc").status_code == 403


def test_the_pengawas_lets_a_visitor_in_and_records_keluar(alur, client):
    login(client, "pengawas_infrastruktur_tik")
    refused = client.post("/register/dc", data={**VISITOR, "escort": ""})
    assert refused.status_code == 422 and "Pendamping wajib diisi" in text_of(refused.text)
    assert alur.dc_access.visits() == []
    assert client.post("/register/dc", data=VISITOR).status_code == 302
    [visit] = alur.dc_access.visits(only_open=True)
    open_section = client.get("/register/dc").text.split('id="open-visits"')[1].split("</section>")[0]
    assert "Andi Vendor" in open_section
    assert client.post(f"/register/dc/{visit.visit_id}/keluar").status_code == 302
    assert alur.dc_access.visits(only_open=True) == []
    again = client.post(f"/register/dc/{visit.visit_id}/keluar")
    assert again.status_code == 409 and "sudah ditutup" in text_of(again.text)


def test_personil_dc_may_record_keluar_but_not_let_visitors_in(alur, client):
    visit = alur.dc_access.add_walk_in(VISITOR, "pengawas_infrastruktur_tik")
    login(client, "pemeriksa_ti")
    assert client.post("/register/dc", data=VISITOR).status_code == 403
    assert client.post(f"/register/dc/{visit.visit_id}/keluar").status_code == 302


def test_the_yearly_review_task_shows_the_register_and_its_rows_come_from_it(alur, client):
    alur.server_assets.add(SERVER, "pengelola_ti")
    alur.server_assets.add(dict(SERVER, asset_number="SRV-BKD-02", hostname="db-simpeg"), "pengelola_ti")
    case = alur.runner.start_case("tinjau_aset_register_server", "pengelola_ti")
    login(client, "pengelola_ti")
    page = client.get(f"/tugas/{case.ready_task_ids[0]}").text
    register = page.split('id="server-register"')[1].split("</section>")[0]
    assert "db-sikda" in register and "db-simpeg" in register
    assert '<option value="SRV-BKD-02" selected>SRV-BKD-02 — db-simpeg (10.20.1.5)</option>' in page
    assert '<option value="SRV-DINKES-01" selected>' in page


def test_the_api_keeps_the_registers_with_stable_errors(alur, client, bearer):
    keeper, pengawas, auditor = bearer("pengelola_ti"), bearer("pengawas_infrastruktur_tik"), bearer("auditor")
    bad = client.post("/api/v1/registers/servers", json={**SERVER, "asset_number": "a b"}, headers=keeper)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid_input"
    assert bad.json["error"]["field"] == "asset_number"
    assert client.post("/api/v1/registers/servers", json=[SERVER], headers=keeper).status_code == 422
    assert client.post("/api/v1/registers/servers", json=SERVER, headers=auditor).json["error"]["code"] == \
        "forbidden"
    assert client.post("/api/v1/registers/servers", json=SERVER, headers=keeper).status_code == 201
    changed = client.patch(f"/api/v1/registers/servers/{SERVER['asset_number']}", json={"status": "dihapus"},
                           headers=keeper)
    assert changed.status_code == 200 and changed.json["status"] == "dihapus"
    missing = client.patch("/api/v1/registers/servers/SRV-X", json={"status": "aktif"}, headers=keeper)
    assert (missing.status_code, missing.json["error"]["code"]) == (404, "server_not_found")
    assert [s["asset_number"] for s in client.get("/api/v1/registers/servers", headers=auditor).json["items"]] == [
        SERVER["asset_number"]]
    added = client.post("/api/v1/registers/dc-visits", json=VISITOR, headers=pengawas)
    assert added.status_code == 201 and added.json["time_out"] is None
    assert client.post("/api/v1/registers/dc-visits", json=VISITOR, headers=keeper).status_code == 403
    assert len(client.get("/api/v1/registers/dc-visits?open=1", headers=auditor).json["items"]) == 1
    closed = client.post(f"/api/v1/registers/dc-visits/{added.json['visit_id']}/keluar", headers=pengawas)
    assert closed.status_code == 200 and closed.json["closed_by"] == "pengawas_infrastruktur_tik"
    assert client.get("/api/v1/registers/dc-visits?open=1", headers=auditor).json["items"] == []
    unknown = client.post("/api/v1/registers/dc-visits/999/keluar", headers=pengawas)
    assert (unknown.status_code, unknown.json["error"]["code"]) == (404, "visit_not_found")
