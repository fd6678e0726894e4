"""The registers in Chromium: Personil DC register a server, the Pengawas lets a visitor into the data
center and sees them among the open visits until "Keluar"."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from test_browser import Desks, browser  # noqa: F401 - browser is a fixture
from web_helpers import BROWSER_MARKS, copy_db, make_settings, served

from engine.bootstrap import open_alur
from web import create_app

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def office(template: tuple[Path, dict[int, Any]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app (CSRF on, real clock) on a free loopback port; yields (base URL, the engine)."""
    folder = tmp_path_factory.mktemp("registers-browser")
    copy_db(template[0], folder / "alur.db")
    alur = open_alur(make_settings(folder, f"sqlite:///{folder / 'alur.db'}"))
    alur.definitions.adopt(template[1])
    app = create_app({"SECRET_KEY": "browser-test", "ALUR": alur})
    with served(app) as url:
        yield url, alur
    alur.close()


@pytest.fixture
def desks(browser: Any, office: tuple[str, Any]) -> Iterator[Desks]:  # noqa: F811 - the fixture above
    desks = Desks(browser, office[0])
    yield desks
    desks.close()


def test_personil_dc_register_a_server_and_a_refusal_keeps_what_was_typed(desks, office):
    base, alur = office
    page = desks.of("pengelola_ti")
    page.goto(f"{base}/register/server")
    values = {"asset_number": "SRV-BAPPEDA-01", "hostname": "db-sipd", "ip_address": "10.30.0.9",
              "operating_system": "Debian 12", "dbms": "MySQL 8.0", "owner_opd": "Bappeda",
              "location": "Rak C4", "backup_schedule": "Harian 22:00 WITA"}
    for key, value in {**values, "ip_address": "sepuluh"}.items():
        page.fill(f"#srv-{key}", value)
    page.click("button:has-text('Daftarkan')")
    assert "Alamat IP tidak valid" in page.inner_text(".form-errors")
    assert page.input_value("#srv-hostname") == "db-sipd"
    page.fill("#srv-ip_address", values["ip_address"])
    page.click("button:has-text('Daftarkan')")
    assert "Server SRV-BAPPEDA-01 didaftarkan." in page.inner_text(".flashes")
    assert "db-sipd" in page.inner_text("tr[data-asset='SRV-BAPPEDA-01']")
    assert alur.server_assets.get("SRV-BAPPEDA-01").owner_opd == "Bappeda"
    assert [e for e in desks.console_errors() if "422" not in e] == []  # only the refused submission


def test_the_pengawas_sees_a_visitor_inside_until_keluar(desks, office):
    base, alur = office
    page = desks.of("pengawas_infrastruktur_tik")
    page.goto(f"{base}/register/dc")
    page.fill("#v-visitor", "Rudi Vendor")
    page.fill("#v-organisation", "PT UPS Borneo")
    page.fill("#v-purpose", "Ganti modul baterai UPS")
    page.fill("#v-escort", "pengelola_ti")
    page.click("button:has-text('Catat masuk')")
    assert "Rudi Vendor" in page.inner_text("#open-visits")
    page.click("#open-visits tr:has-text('Rudi Vendor') button:has-text('Keluar')")
    assert "Rudi Vendor dicatat keluar." in page.inner_text(".flashes")
    assert "Rudi Vendor" not in page.inner_text("#open-visits")
    assert alur.dc_access.visits(only_open=True) == []
    assert desks.console_errors() == []
