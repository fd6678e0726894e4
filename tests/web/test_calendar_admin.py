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


def test_a_year_outside_the_calendar_is_refused_in_words_with_this_years_page(alur, client):
    """Years a date cannot hold (0, 99999) or whose last day has no next (9999) were a 500."""
    login(client, "admin_sistem")
    this_year = alur.cases.now().year
    for year in ("99999", "10000", "9999", "0", "-3", "1899", "2201"):
        page = client.get(f"/admin/kalender?tahun={year}")
        assert page.status_code == 422, year
        assert "di luar rentang kalender (1900–2200)" in page.text, year
        assert f"tahun {this_year}" in text_of(page.text), year
    assert client.get("/admin/kalender?tahun=abc").status_code == 200  # not a number: this year, as before


def test_the_years_at_the_calendars_ends_link_no_further(client):
    login(client, "admin_sistem")
    last, first = client.get("/admin/kalender?tahun=2200"), client.get("/admin/kalender?tahun=1900")
    assert last.status_code == first.status_code == 200
    assert "tahun=2199" in last.text and "tahun=2201" not in last.text
    assert "tahun=1901" in first.text and "tahun=1899" not in first.text


def test_a_date_outside_the_calendar_is_not_stored(alur, client):
    """9999-12-31 was stored, then its year's page (the redirect) failed."""
    login(client, "admin_sistem")
    for day in ("9999-12-31", "1899-12-29", "0001-01-01"):
        refused = client.post("/admin/kalender", data={"tanggal": day, "jenis": "libur", "keterangan": "Z"})
        assert refused.status_code == 422, day
        assert "di luar rentang kalender (1900–2200)" in refused.text and 'value="Z"' in refused.text, day
    assert alur.calendar_admin.list_overrides() == []
