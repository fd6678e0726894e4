"""Through Debian's Chromium (Playwright, headless): one network-trouble case from the request letter
to the completion letter, each step by its own role, with one "Tidak" loop and document uploads; and
every SOP diagram in the bpmn-js viewer without import warnings.

Screenshots go to tests/web/screenshots/ (ignored by git).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from web_helpers import BROWSER_MARKS, chromium, watched_tab, PDF, add_test_server, copy_db, make_settings, served

from engine.bootstrap import open_alur
from web import create_app
from web.demo import demo_password

SHOTS = Path(__file__).parent / "screenshots"
FORMS = Path(__file__).resolve().parents[2] / "forms"
SOPS = ("sop_gangguan_database", "sop_pengelolaan_data", "sop_gangguan_jaringan", "sop_pemeliharaan_akses_dc",
        "sop_backup_restore_db", "tinjau_aset_register_server")

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def served_alur(template: tuple[Path, dict[int, Any]],
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The app (CSRF on, real clock) on a free loopback port, in a thread, and its Alur. Two more
    Pengelola TI (``staf_a``, ``staf_b``, demo passwords) for the dispositions that name one of them."""
    folder = tmp_path_factory.mktemp("browser")
    copy_db(template[0], folder / "alur.db")
    alur = open_alur(make_settings(folder, f"sqlite:///{folder / 'alur.db'}"))
    alur.definitions.adopt(template[1])
    for username, name in (("staf_a", "Staf A"), ("staf_b", "Staf B")):
        alur.users.add_user(username, name, demo_password(username), {"pengelola_ti"})
    add_test_server(alur)
    app = create_app({"SECRET_KEY": "browser-test", "ALUR": alur})
    with served(app) as url:
        yield url, alur
    alur.close()


@pytest.fixture(scope="module")
def server(served_alur: tuple[str, Any]) -> str:
    return served_alur[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    tab = watched_tab(browser)
    yield tab
    tab.context.close()


class Desks:
    """One logged-in browser context per person, as if each sat at their own desk."""

    def __init__(self, browser: Any, base: str) -> None:
        self.browser, self.base, self.pages = browser, base, {}

    def of(self, username: str) -> Any:
        if username not in self.pages:
            self.pages[username] = watched_tab(self.browser)
            login(self.pages[username], self.base, username)
        return self.pages[username]

    def console_errors(self) -> list[str]:
        return [e for tab in self.pages.values() for e in tab.console_errors]

    def close(self) -> None:
        for tab in self.pages.values():
            tab.context.close()


@pytest.fixture
def desks(browser: Any, server: str) -> Iterator[Desks]:
    desks = Desks(browser, server)
    yield desks
    desks.close()


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/masuk")
    page.fill("#username", username)
    page.fill("#password", demo_password(username))
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/kotak-masuk")


def open_from_inbox(page: Any, base: str, task_name: str, tab: str | None = None) -> None:
    """Open a task from the inbox: from ``tab``, or from the user's own tasks (a disposition named
    them) and else from those available to their role."""
    link = f"table.list a:has-text('{task_name}')"
    for each in (tab,) if tab else ("mine", "available"):
        page.goto(f"{base}/kotak-masuk?tab={each}")
        if tab or page.locator(link).count():
            break
    page.click(link)
    page.wait_for_selector("form.task-form")


def fill_form(page: Any, form_key: str, tmp: Path, decisions: dict[str, bool] | None = None,
              skip: tuple[str, ...] = ()) -> None:
    """Fill every field of the task form the way a person would, widget by widget."""
    schema = json.loads((FORMS / f"{form_key}.json").read_text())
    required = set(schema.get("required", ()))
    for key, prop in schema["properties"].items():
        if key in skip:
            continue
        if prop.get("x-widget") == "table":
            for column, cprop in prop["items"]["properties"].items():
                _fill(page, f"{key}-0-{column}", cprop, tmp, required=True)
        elif prop.get("x-widget") == "yesno":
            answer = (decisions or {}).get(key, True)
            page.check(f"#f-{key}-{'ya' if answer else 'tidak'}")
        else:
            _fill(page, key, prop, tmp, required=key in required)


def _fill(page: Any, name: str, prop: dict[str, Any], tmp: Path, required: bool) -> None:
    selector = f"[name='{name}']"
    widget, kind, fmt = prop.get("x-widget"), prop.get("type"), prop.get("format")
    if fmt == "alur-dokumen":
        if required and not page.query_selector(f"[name='{name}__current']"):
            document = tmp / f"{name}.pdf"
            document.write_bytes(PDF + f"% {name}\n".encode())  # distinct content: stored by its hash
            page.set_input_files(selector, str(document))
    elif kind == "array":
        page.check(f"{selector} >> nth=0")
    elif kind == "boolean" and widget == "yesno":  # a Ya/Tidak column of a table
        page.select_option(selector, "ya")
    elif kind == "boolean":
        if prop.get("const") is True:  # a statement that must hold: tick it ("Harus dicentang." otherwise)
            page.check(selector)
        # else an unticked box is a plain "no"; ticking would ask for a reason in some forms
    elif widget == "radio":
        page.check(f"{selector} >> nth=0")
    elif "enum" in prop or widget in ("user", "server"):
        page.select_option(selector, index=1)
    elif fmt == "date":
        page.fill(selector, "2026-11-23")
    elif fmt == "date-time":
        page.fill(selector, "2026-11-23T09:30")
    elif kind in ("integer", "number"):
        page.fill(selector, str(max(prop.get("minimum", 1), 1)))
    elif fmt == "email":
        page.fill(selector, "tik@kaltimprov.go.id")
    elif fmt == "uri":
        page.fill(selector, "https://diskominfo.kaltimprov.go.id")
    else:
        page.fill(selector, f"Uji: {prop.get('title', name)}"[:60])


def submit(page: Any) -> None:
    page.click("form.task-form button:has-text('Selesaikan langkah')")
    page.wait_for_load_state("load")
    assert page.query_selector(".form-errors") is None, page.inner_text(".form-errors")
    assert "selesai." in page.inner_text(".flashes")


def do_step(desks: Desks, tmp: Path, username: str, task_name: str, form_key: str,
            decisions: dict[str, bool] | None = None) -> None:
    page = desks.of(username)
    open_from_inbox(page, desks.base, task_name)
    fill_form(page, form_key, tmp, decisions)
    submit(page)


def wait_for_diagram(page: Any, timeout: float = 30.0) -> dict[str, Any]:
    """Poll with ``evaluate`` (the DevTools protocol): ``wait_for_function`` with a string predicate
    uses ``eval`` in the page, which the app's Content-Security-Policy rightly refuses."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = page.evaluate("() => window.alurDiagram || null")
        if state and state["ready"]:
            return state
        page.wait_for_timeout(100)
    raise AssertionError(f"the diagram did not load within {timeout} s: {state}")


def test_network_case_from_letter_to_completion_with_a_loop(desks: Desks, tmp_path: Path) -> None:
    SHOTS.mkdir(exist_ok=True)
    base = desks.base

    # GJR-01: the network user starts the case and writes the request letter
    page = desks.of("pengguna_jaringan")
    page.click("a:has-text('Mulai kasus baru')")
    card = page.locator("form.start-card", has_text="Penanganan Gangguan Jaringan")
    card.locator("input[name=business_key]").fill("045/123/DISDIK/2026")
    card.locator("button:has-text('Mulai')").click()
    page.wait_for_selector("form.task-form")
    case_url = page.get_attribute("nav.crumbs a:has-text('Kasus')", "href")
    fill_form(page, "gjr_01_surat_permohonan", tmp_path, skip=("opd_pengirim",))
    page.fill("[name='jumlah_pengguna_terdampak']", "")
    page.click("form.task-form button:has-text('Selesaikan langkah')")
    page.wait_for_selector(".form-errors")
    assert "Wajib diisi." in page.inner_text("#f-opd_pengirim-error")
    assert page.input_value("[name='lokasi']").startswith("Uji")  # entered values are kept
    assert page.query_selector("[name='dokumen_surat_permohonan__current']")  # so is the uploaded letter
    page.screenshot(path=str(SHOTS / "task-form-validation-error.png"), full_page=True)
    page.fill("[name='opd_pengirim']", "Dinas Pendidikan dan Kebudayaan")
    submit(page)

    do_step(desks, tmp_path, "kasubag_tu", "Menerima, mengagendakan", "gjr_02a_agenda_surat")
    do_step(desks, tmp_path, "kepala_dinas", "Mendisposisikan surat", "gjr_02b_disposisi_kepala_dinas")
    do_step(desks, tmp_path, "pejabat_administrator_tik", "Menindaklanjuti disposisi kepada Kasi",
            "gjr_03a_teruskan_disposisi")
    # The Kasi names the technical team: three members, the second and third rows added with "Tambah baris"
    kasi = desks.of("pengawas_infrastruktur_tik")
    open_from_inbox(kasi, base, "menugaskan Tim Teknis", tab="mine")  # disposed to this Kasi by name
    fill_form(kasi, "gjr_03b_tugaskan_tim_teknis", tmp_path)
    for row, member in enumerate(("administrator_jaringan_server", "pemeriksa_ti", "pengelola_ti")):
        if row:
            kasi.click(".row-add[data-table=anggota_tim_teknis]")
        kasi.select_option(f"[name='anggota_tim_teknis-{row}-pengguna']", member)
    submit(kasi)

    # The technical team: first pass ends with "Tidak" twice, back to GJR-04 ("kembali pada proses 4")
    team = desks.of("administrator_jaringan_server")
    team.goto(f"{base}/kotak-masuk?tab=available")
    team.screenshot(path=str(SHOTS / "inbox.png"), full_page=True)
    for decide_connected in (False, True):
        if decide_connected:
            do_step(desks, tmp_path, "administrator_jaringan_server", "pengecekan fisik perangkat",
                    "gjr_04_cek_fisik_perangkat")
        else:  # two devices: the second row comes from the "Tambah baris" button (JavaScript)
            team = desks.of("administrator_jaringan_server")
            open_from_inbox(team, base, "pengecekan fisik perangkat")
            fill_form(team, "gjr_04_cek_fisik_perangkat", tmp_path)
            team.click(".row-add[data-table=perangkat_diperiksa]")
            assert team.locator("#table-perangkat_diperiksa tbody tr").count() == 2
            team.fill("[name='perangkat_diperiksa-1-nama_aset']", "SW-CORE-02")
            team.select_option("[name='perangkat_diperiksa-1-jenis']", "core switch")
            team.fill("[name='perangkat_diperiksa-1-lokasi']", "Ruang server lt. 3")
            team.select_option("[name='perangkat_diperiksa-1-status']", "bermasalah")
            submit(team)
        do_step(desks, tmp_path, "pemeriksa_ti", "Memonitor jaringan", "gjr_05_monitoring_jaringan")
        do_step(desks, tmp_path, "pengelola_ti", "pengecekan server DNS", "gjr_06_cek_server_dns")
        do_step(desks, tmp_path, "administrator_jaringan_server", "pengecekan konektivitas",
                "gjr_07_cek_konektivitas", {"jaringan_terkoneksi": decide_connected})
        if not decide_connected:
            do_step(desks, tmp_path, "pengawas_infrastruktur_tik", "berkoordinasi dengan pihak ISP",
                    "gjr_08_koordinasi_isp", {"jaringan_terhubung": False})

    do_step(desks, tmp_path, "pejabat_administrator_tik", "Menerima laporan gangguan selesai",
            "gjr_09_terima_laporan_selesai")
    do_step(desks, tmp_path, "pengelola_ti", "Membuat laporan penyelesaian gangguan",
            "gjr_10_surat_laporan_penyelesaian")

    # The case file, read by the Kepala Dinas (the requester reads status and outcome only:
    # tests/web/test_registrar_browser.py)
    page = desks.of("kepala_dinas")
    page.goto(base + case_url)
    diagram = wait_for_diagram(page)
    assert diagram["error"] is None and diagram["warnings"] == [] and diagram["marked"] >= 12
    text = page.inner_text("main")
    assert "Selesai" in text and "045/123/DISDIK/2026" in text
    assert "Jaringan terhubung? Tidak" in text and "Jaringan terkoneksi? Ya" in text
    assert page.locator("section[aria-labelledby=steps-title] table.list tr", has_text="GJR-04").count() == 2
    assert page.locator(".djs-element.alur-done").count() >= 12
    assert page.locator(".alur-pass").count() >= 4  # GJR-04 to GJR-07 ran twice
    assert "Surat Laporan Penyelesaian Gangguan" in text
    assert "SW-CORE-02" in page.inner_html("main")  # the row added in the browser was stored
    page.screenshot(path=str(SHOTS / "case-page.png"), full_page=True)
    with page.expect_download() as download:
        page.click("section:has(h2:has-text('Dokumen')) a >> nth=0")
    assert Path(download.value.path()).read_bytes().startswith(PDF)
    # nothing failed in the browser (CSP, scripts) but the deliberate 422 of the invalid form
    assert [e for e in desks.console_errors() if "status of 422" not in e] == []


def test_sop05_the_kasi_names_one_pengelola_and_reassigns_with_a_reason(desks: Desks, tmp_path: Path) -> None:
    """SOP-05: the Kasi picks staf_a at BRD-02b; staf_b, also a Pengelola TI, never sees BRD-03, staf_a
    does and completes it; the Kasi then hands BRD-04 to staf_b with a reason, which the case page and
    the audit log show."""
    SHOTS.mkdir(exist_ok=True)
    base = desks.base
    page = desks.of("opd_pemohon")
    page.click("a:has-text('Mulai kasus baru')")
    card = page.locator("form.start-card", has_text="Back-up dan Restore Database Server")
    card.locator("input[name=business_key]").fill("BRD/77/2026")
    card.locator("button:has-text('Mulai')").click()
    page.wait_for_selector("form.task-form")
    case_url = page.get_attribute("nav.crumbs a:has-text('Kasus')", "href")
    fill_form(page, "brd_01_surat_permohonan", tmp_path)
    page.check("[name='persetujuan_risiko']")
    submit(page)
    do_step(desks, tmp_path, "pejabat_administrator_tik", "Memverifikasi permohonan", "brd_02a_verifikasi_disposisi")

    kasi = desks.of("pengawas_infrastruktur_tik")
    open_from_inbox(kasi, base, "Meneruskan disposisi", tab="mine")  # the Kabid disposed it to this Kasi
    fill_form(kasi, "brd_02b_teruskan_personil_dc", tmp_path)
    kasi.select_option("[name='pelaksana_pengelola']", "staf_a")
    kasi.select_option("[name='pelaksana_pemeriksa']", "pemeriksa_ti")
    submit(kasi)

    step_name = "Merencanakan back-up/restore"
    other = desks.of("staf_b")
    for tab in ("available", "mine"):
        other.goto(f"{base}/kotak-masuk?tab={tab}")
        assert step_name not in other.inner_text("main"), tab
    staf_a = desks.of("staf_a")
    open_from_inbox(staf_a, base, step_name, tab="mine")
    assert "Staf A" in staf_a.inner_text(".meta-line")
    fill_form(staf_a, "brd_03_perencanaan", tmp_path)
    submit(staf_a)

    # BRD-04 went to staf_a as well; the Kasi hands it to staf_b from the case page
    kasi.goto(base + case_url)
    kasi.click("section.highlight a:has-text('Melaksanakan proses back-up/restore')")
    kasi.wait_for_selector("form.reassign-form")
    kasi.select_option("#reassign-to", "staf_b")
    kasi.fill("#reassign-reason", "Staf A dinas luar ke Balikpapan")
    kasi.screenshot(path=str(SHOTS / "task-reassign.png"), full_page=True)
    kasi.click("form.reassign-form button:has-text('Alihkan')")
    kasi.wait_for_load_state("load")
    assert "Tugas dialihkan kepada staf_b." in kasi.inner_text(".flashes")
    open_from_inbox(other, base, "Melaksanakan proses back-up/restore", tab="mine")  # now staf_b's

    kasi.goto(base + case_url)
    audit = kasi.inner_text("section[aria-labelledby=audit-title]")
    assert "Tugas dialihkan: Melaksanakan proses back-up/restore database sesuai perencanaan → Staf B" in audit
    assert "alasan: Staf A dinas luar ke Balikpapan" in audit
    kasi.screenshot(path=str(SHOTS / "case-page-reassigned.png"), full_page=True)
    instance_id = case_url.rstrip("/").rsplit("/", 1)[-1]
    auditor = desks.of("auditor")
    auditor.goto(f"{base}/audit?kasus={instance_id}&jenis=task_reassigned")
    log = auditor.inner_text("#audit-log")
    assert "task_reassigned" in log and "Staf A dinas luar ke Balikpapan" in log and "pengawas_infrastruktur_tik" in log
    assert desks.console_errors() == []


def test_every_sop_diagram_imports_without_warnings(server: str, page: Any) -> None:
    login(page, server, "auditor")
    for key in SOPS:
        page.goto(f"{server}/proses/{key}")
        diagram = wait_for_diagram(page)
        assert diagram["error"] is None, key
        assert diagram["warnings"] == [], (key, diagram["warnings"])
        assert page.locator("#diagram .djs-element").count() > 10, key
    page.screenshot(path=str(SHOTS / "sop-page.png"), full_page=True)
    assert page.console_errors == []
