"""The working-calendar admin page: days off of a year, dates added or removed by the Admin Sistem."""
from __future__ import annotations

from datetime import date

from web_helpers import login, text_of


def test_calendar_page_is_for_the_admin_only(client):
    login(client, "pengelola_ti")
    assert client.get("/admin/kalender").status_code == 403
    assert client.post("/admin/kalender", data={"tanggal": "2026-12-28"}).status_code == 403


def test_admin_sees_the_years_days_off_and_adds_and_removes_a_date(alur, client):
    login(client, "admin_sistem")
    page = text_of(client.get("/admin/kalender?tahun=2026").text)
    assert "Cuti Bersama Hari Raya Idul Fitri" in page and "Hari Raya Natal" in page
    added = client.post("/admin/kalender", data={"tanggal": "2026-12-28", "jenis": "libur",
                                                  "keterangan": "SKB cuti bersama tambahan"})
    assert added.status_code == 302
    assert alur.calendar_admin.list_overrides() == [(date(2026, 12, 28), False, "SKB cuti bersama tambahan")]
    assert "SKB cuti bersama tambahan" in text_of(client.get("/admin/kalender?tahun=2026").text)
    removed = client.post("/admin/kalender/2026-12-28/hapus")
    assert removed.status_code == 302 and alur.calendar_admin.list_overrides() == []


def test_bad_dates_are_refused_with_the_form_kept(alur, client):
    login(client, "admin_sistem")
    bad = client.post("/admin/kalender", data={"tanggal": "28/12/2026", "jenis": "libur", "keterangan": "X"})
    assert bad.status_code == 422 and "Tanggal tidak valid" in bad.text
    weekend = client.post("/admin/kalender", data={"tanggal": "2026-12-26", "jenis": "kerja", "keterangan": "Y"})
    assert weekend.status_code == 422 and "Sabtu/Minggu" in weekend.text and 'value="Y"' in weekend.text
    no_reason = client.post("/admin/kalender", data={"tanggal": "2026-12-28", "jenis": "libur", "keterangan": " "})
    assert no_reason.status_code == 422 and "Keterangan tanggal wajib diisi" in no_reason.text
    assert alur.calendar_admin.list_overrides() == []
