"""The inbox: tabs with counts, SOP and state filters, due time in WITA and working time left, pages."""
from __future__ import annotations

from web_helpers import gjr_01_data, login, open_task, start_network_case, text_of


def test_mine_tab_shows_due_time_in_wita_and_working_time_left(alur, client):
    case = start_network_case(alur)  # GJR-01 goes straight to its starter
    login(client, "pengguna_jaringan")
    page = client.get("/kotak-masuk")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Berkoordinasi dan bersurat kepada Dinas Kominfo" in text and f"#{case}" in text
    assert "Tugas saya 1" in text and "Tersedia untuk peran saya 0" in text and "Terlambat 0" in text
    # the fake clock starts Monday 23 Nov 2026 08:30 WITA; GJR-01's "1 hari" ends with Tuesday's hours
    assert "Sel, 24 Nov 2026 16.00 WITA" in text
    assert "sisa 16 jam" in text  # 7 h 30 min on Monday + 8 h 30 min on Tuesday


def test_available_tab_lists_tasks_of_my_roles_only(alur, client):
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    login(client, "kasubag_tu")
    text = text_of(client.get("/kotak-masuk?tab=available").text)
    assert "Menerima, mengagendakan dan menyampaikan surat" in text and "Tersedia untuk peran saya 1" in text
    client.post("/keluar")
    login(client, "kepala_dinas")
    assert "Tidak ada tugas yang menunggu peran Anda" in text_of(client.get("/kotak-masuk?tab=available").text)


def test_default_tab_is_available_when_i_hold_nothing(alur, client):
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    login(client, "kasubag_tu")
    html = client.get("/kotak-masuk").text
    assert 'href="/kotak-masuk?tab=available" class="tab" aria-current="page"' in html
    assert "Menerima, mengagendakan" in html
    text = text_of(client.get("/kotak-masuk?tab=mine").text)
    assert "Belum ada tugas yang Anda ambil" in text and "Lihat 1 tugas tersedia" in text


def test_filter_by_sop(alur, client):
    start_network_case(alur, starter="pengguna_jaringan")
    login(client, "pengguna_jaringan")
    assert "Berkoordinasi" in client.get("/kotak-masuk?proses=sop_gangguan_jaringan").text
    other = text_of(client.get("/kotak-masuk?proses=sop_backup_restore_db").text)
    assert "Berkoordinasi" not in other and "Tugas saya 0" in other and "Hapus filter" in other


def test_overdue_tab_first_with_state_filter(alur, client, clock):
    first = start_network_case(alur, business_key="A")
    clock.advance(hours=1)
    start_network_case(alur, business_key="B")
    clock.advance(days=3)  # both past due (1 working day each)
    login(client, "pengguna_jaringan")
    html = client.get("/kotak-masuk?tab=overdue").text
    text = text_of(html)
    assert "Terlambat 2" in text and "terlambat" in text and "row-overdue" in html
    assert text.index(f"#{first}") < text.index(f"#{first + 1}")  # the most overdue first
    assert 'name="status"' in html
    assert "Tidak ada tugas yang terlambat" in text_of(client.get("/kotak-masuk?tab=overdue&status=ready").text)
    assert f"#{first}" in text_of(client.get("/kotak-masuk?tab=overdue&status=claimed").text)


def test_pagination(alur, app_factory, clock):
    client = app_factory(PER_PAGE=2).test_client()
    for n in range(3):
        start_network_case(alur, business_key=f"K{n}")
        clock.advance(minutes=10)
    login(client, "pengguna_jaringan")
    first = text_of(client.get("/kotak-masuk").text)
    assert "Halaman 1 dari 2" in first and "K0" in first and "K2" not in first
    second = text_of(client.get("/kotak-masuk?hal=2").text)
    assert "Halaman 2 dari 2" in second and "K2" in second and "K0" not in second


def test_start_button_only_for_roles_that_start_an_sop(client):
    login(client, "pengguna_jaringan")
    assert "Mulai kasus baru" in client.get("/kotak-masuk").text
    client.post("/keluar")
    login(client, "kasubag_tu")
    assert "Mulai kasus baru" not in client.get("/kotak-masuk").text
