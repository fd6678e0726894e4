"""The SOP document (PermenPAN-RB 35/2012) generated from each deployed SOP: every step, pelaksana and
mutu baku value of the SOP texts is in it, in the right column, and its PDF renders."""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import html as lxml_html

from engine.modeling.roles import RoleCatalog
from engine.sop.document import build_document
from engine.sop.render import DocumentRenderError, SopDocuments, html_to_pdf, render_html

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Expected:
    code: str
    pelaksana: str  # the column header (lane label) the step's symbol is drawn under
    uraian: str  # a phrase of the activity as the SOP text words it
    kelengkapan: str
    waktu: str | None  # None: the SOP leaves it empty
    output: str
    question: str = ""


# The step tables of the SOP texts as cleaned in domain.md §1.1–1.5.
PPTI, PDI1, KABID = ("Pemeriksa dan Pengelola Teknologi Informasi",
                     "Pejabat Pengawas Seksi Pengelolaan Data dan Integrasi SI", "Pejabat Administrator Bidang TIK")
PDI2, PTI = "Pejabat Pengawas/Kasi Pengelolaan Data dan Integrasi", "Pengelola Teknologi Informasi"
TT, INFRA = ("Tim Teknis (Administrator Server Jaringan, Pengelola dan Pemeriksa TI)",
             "Pejabat Pengawas/Kasi Infrastruktur TIK")
DC, PIT = "Personil DC (Pengelola & Pemeriksa TIK)", "Pengawas Infrastruktur TIK"
LMJ = "Laporan Monitoring Jaringan"
SOPS: dict[str, tuple[list[str], list[Expected], list[tuple[str, str]]]] = {
    "sop_gangguan_database": (
        ["Administrator Jaringan dan Server", PPTI, PDI1, KABID, "Kepala Dinas"],
        [Expected("GDB-01", PPTI, "mencatat laporan", "Form Laporan", "30 menit", "Form Laporan"),
         Expected("GDB-02", KABID, "mendisposisikan laporan kepada Pejabat Pengawas", "Disposisi", "1 jam",
                  "Form Pengecekan"),
         Expected("GDB-03", PDI1, "arahan penyelesaian gangguan database", "Form Pengecekan", "1 jam",
                  "Catatan Disposisi"),
         Expected("GDB-04", PPTI, "Menindaklanjuti disposisi", "Catatan Disposisi", "1-2 hari", "Catatan Gangguan"),
         Expected("GDB-05", "Administrator Jaringan dan Server", "Memeriksa gangguan database pada server",
                  "Catatan Gangguan", "15 menit", "Laporan Gangguan"),
         Expected("GDB-06", PPTI, "melaporkan hasil pengecekan gangguan kepada Pejabat Pengawas", "Laporan Gangguan",
                  "1 jam", "Laporan Gangguan"),
         Expected("GDB-07", PDI1, "pengecekan terhadap gangguan dan memberikan arahan", "Laporan Gangguan", "1 jam",
                  "Laporan Penyelesaian Gangguan", "Gangguan telah selesai?"),
         Expected("GDB-08", KABID, "pengecekan laporan penyelesaian", "Laporan Penyelesaian Gangguan", "15 menit",
                  "Laporan Penyelesaian Pekerjaan", "Laporan telah selesai/sesuai?"),
         Expected("GDB-09", PPTI, "Membuat laporan penyelesaian pekerjaan", "Laporan Penyelesaian Pekerjaan",
                  "15 menit", "Surat Laporan Penyelesaian Gangguan")],
        [("dasar_hukum", "Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik"),
         ("dasar_hukum", "Nomor 14 Tahun 2016 tentang Pedoman Nomenklatur Perangkat Daerah"),
         ("kualifikasi_pelaksana", "mendapat Surat Tugas dari Pimpinan"),
         ("keterkaitan", "SOP Integrasi Sistem Informasi"), ("keterkaitan", "SOP Co-location dan Hosting Server"),
         ("peralatan_perlengkapan", "Server, Database Aplikasi"),
         ("peringatan", "aplikasi akan terganggu dan akan menghambat kegiatan operasional pekerjaan"),
         ("pencatatan_pendataan", "pengendali akses terhadap data dan informasi milik Pemerintah"),
         ("waktu_pelaksanaan", "3 (tiga) hari kerja")]),
    "sop_pengelolaan_data": (
        ["Administrator Server", PTI, PDI2, "Pejabat Administrator"],
        [Expected("PDT-01", "Pejabat Administrator", "pendataan yang berkaitan dengan data sektoral", "Nota Dinas",
                  "30 menit", "Nota Dinas"),
         Expected("PDT-02", PDI2, "membuat surat untuk melakukan pendataan", "Nota Dinas", "1 jam",
                  "Surat Pendataan"),
         Expected("PDT-03", PTI, "menerima data untuk dikelola", "Surat Pendataan dan Data", "1 hari",
                  "Data Sektoral"),
         Expected("PDT-04", "Administrator Server", "menindaklanjuti pengelolaan data", "Data Sektoral", "1 hari",
                  "Catatan program penyimpanan data, recovery, update data"),
         Expected("PDT-05", PTI, "laporan penyelesaian pengelolaan data",
                  "Catatan program penyimpanan data, recovery, update data", "1-2 jam", "Laporan Pengelolaan Data"),
         Expected("PDT-06", PDI2, "pengecekan pengelolaan data", "Laporan Pengelolaan Data", "1 jam",
                  "Laporan Pengelolaan Data", "Pengelolaan data telah selesai?"),
         Expected("PDT-07", "Pejabat Administrator", "pengecekan pengelolaan data", "Laporan Penyelesaian Data",
                  "1 jam", "Laporan Penyelesaian Data", "Pengelolaan data disetujui/selesai?"),
         Expected("PDT-08", PDI2, "laporan akhir pengelolaan data", "Laporan Penyelesaian Data", "1 jam",
                  "Konsep Laporan Akhir Penyelesaian Pekerjaan"),
         Expected("PDT-09", PTI, "kepada Walidata", "Konsep Laporan Akhir Penyelesaian Pekerjaan", "1 jam",
                  "Laporan Akhir Penyelesaian Pekerjaan")],
        [("kualifikasi_pelaksana", "kerahasiaan dan pengamanan data dan informasi"),
         ("keterkaitan", "SOP Pengelolaan Database"), ("keterkaitan", "SOP Backup dan Restore Database"),
         ("peralatan_perlengkapan", "PC, notebook, flashdisk, server, UPS, dll"),
         ("peringatan", "kerusakan data atau informasi"),
         ("pencatatan_pendataan", "Disimpan sebagai data elektronik dan manual"),
         ("waktu_pelaksanaan", "3 (tiga) hari kerja")]),
    "sop_gangguan_jaringan": (
        ["Pengguna Jaringan", "Kasubag TU", TT, INFRA, KABID, "Kepala Dinas"],
        [Expected("GJR-01", "Pengguna Jaringan", "berkoordinasi dan bersurat", "Surat Permohonan Penggunaan Jaringan",
                  "1 hari", "Surat Permohonan"),
         Expected("GJR-02a", "Kasubag TU", "mengagendakan surat", "Surat Permohonan", "1 hari", "Surat teragenda"),
         Expected("GJR-02b", "Kepala Dinas", "mendisposisikan surat", "Surat Permohonan", "1 hari",
                  "Disposisi Surat Permohonan"),
         Expected("GJR-03a", KABID, "menindaklanjuti disposisi", "Disposisi Surat Permohonan", "2 hari", "Disposisi"),
         Expected("GJR-03b", INFRA, "menugaskan Tim Teknis", "Disposisi Surat Permohonan", "2 hari",
                  "Disposisi Surat Permohonan"),
         Expected("GJR-04", TT, "pengecekan secara fisik terhadap perangkat aktif jaringan utama",
                  "Disposisi Surat Permohonan", "1-2 hari", "Form Laporan Pengecekan Jaringan"),
         Expected("GJR-05", TT, "memonitor jaringan pada sistem monitoring", "Form Laporan Pengecekan Jaringan",
                  "2 hari", LMJ),
         Expected("GJR-06", TT, "pengecekan server DNS", LMJ, "3 hari", LMJ),
         Expected("GJR-07", TT, "pengecekan konektivitas pada pengguna jaringan", LMJ, "3 hari", LMJ,
                  "Jaringan terkoneksi?"),
         Expected("GJR-08", INFRA, "berkoordinasi dengan pihak ISP", LMJ, "1 hari", LMJ, "Jaringan terhubung?"),
         Expected("GJR-09", KABID, "gangguan telah selesai", LMJ, "15 menit", LMJ),
         Expected("GJR-10", TT, "membuat laporan (surat)", LMJ, "15 menit", "Surat Laporan Penyelesaian Gangguan")],
        [("kualifikasi_pelaksana", "Kemampuan teknis untuk konfigurasi sistem"),
         ("kualifikasi_pelaksana", "Kemampuan administrator jaringan"),
         ("keterkaitan", "SOP Surat Masuk"), ("keterkaitan", "SOP Manajemen dan Akses Jaringan"),
         ("peralatan_perlengkapan", "Formulir-formulir Data Center"),
         ("peringatan", "jaringan akan mengalami gangguan"),
         ("pencatatan_pendataan", "penanganan gangguan jaringan dapat ditangani dengan cepat"),
         ("waktu_pelaksanaan", "14 (empat belas) hari kerja")]),
    "sop_pemeliharaan_akses_dc": (
        [DC, PIT],
        [Expected("PDC-01", PIT, "membatasi akses bagi yang tidak berkepentingan", "Agenda kerja", "15 menit",
                  "Surat Tugas"),
         Expected("PDC-02", DC, "rencana dan jadwal pemeliharaan perangkat data center", "Surat Tugas", "1 hari",
                  "Rencana Kerja"),
         Expected("PDC-03", DC, "pemeliharaan sesuai dengan rencana dan jadwal", "Rencana Kerja", "1 hari",
                  "Laporan"),
         Expected("PDC-04", PIT, "Melaporkan hasil pemeliharaan peralatan data center", "Laporan", None, "Laporan"),
         Expected("PDC-05", PIT, "review hasil pemeliharaan peralatan data center", "Laporan", "1 jam", "Catatan"),
         Expected("PDC-06", DC, "laporan pemeliharaan data center sebagai bukti", "Catatan", "15 menit", "Laporan")],
        [("nomor_sop", "065.2/519/Diskominfo"), ("tanggal_pembuatan", "03 Agustus 2018"),
         ("disahkan_oleh", "Kepala Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur"),
         ("disahkan_oleh", "DIDDY RUSDIANSYAH ANAN DANI"),
         ("dasar_hukum", "Interoperabilitas Dokumen Perkantoran"),
         ("kualifikasi_pelaksana", "pengelolaan suhu dan kelembaban ruang Data Center"),
         ("keterkaitan", "SOP Backup dan Restore Database"), ("keterkaitan", "SOP Pengendalian Hak Akses Data"),
         ("peralatan_perlengkapan", "UPS, genset, pendingin, sistem pemadam api"),
         ("peringatan", "dilakukan secara rutin tanpa kecuali"),
         ("pencatatan_pendataan", "dikendalikan dan dipantau menggunakan pengendalian akses yang memadai")]),
    "sop_backup_restore_db": (
        ["SKPD/OPD", "Administrator Bidang TIK", PIT, DC],
        [Expected("BRD-01", "SKPD/OPD", "surat permohonan back-up/restore database server", "Surat permohonan", None,
                  "Surat permohonan"),
         Expected("BRD-02a", "Administrator Bidang TIK", "memverifikasi permohonan", "Surat permohonan", "15 menit",
                  "Disposisi"),
         Expected("BRD-02b", PIT, "meneruskan disposisi", "Disposisi", "15 menit", "Disposisi"),
         Expected("BRD-03", DC, "sesuai ketersediaan kapasitas", "Surat permohonan dan disposisi", "1 jam",
                  "Perencanaan"),
         Expected("BRD-04", DC, "back-up/restore database sesuai perencanaan", "Surat permohonan dan disposisi",
                  "1 hari", "Laporan"),
         Expected("BRD-05", DC, "mengkonfirmasi hasil pelaksanaan", "Laporan", "15 menit", "Laporan")],
        [("kualifikasi_pelaksana", "Pelaksana, sesuai dengan tupoksinya"),
         ("kualifikasi_pelaksana", "Ketersediaan personil dan fasilitas"),
         ("keterkaitan", "SOP Pemeliharaan dan Akses Data Center"),
         ("peralatan_perlengkapan", "ATK, Media Komunikasi, Formulir-formulir"),
         ("pencatatan_pendataan", "harus didaftarkan ke dalam aset register"),
         ("pencatatan_pendataan", "ditinjau setidaknya satu kali dalam setahun")]),
}


def norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def text_of(element) -> str:
    return norm(element.text_content())


@pytest.fixture(scope="module")
def roles() -> RoleCatalog:
    return RoleCatalog.load(ROOT / "processes" / "roles.toml")


@pytest.mark.parametrize("process_key", list(SOPS))
def test_document_holds_every_step_pelaksana_and_mutu_baku_of_the_sop(sop_alur, process_key):
    sop_alur.deployer.deploy_file(ROOT / "processes" / f"{process_key}.bpmn", "pemilik", "versi awal")
    page = lxml_html.fromstring(SopDocuments(sop_alur.sessions, sop_alur.roles).html(process_key, 1))
    pelaksana, steps, identity = SOPS[process_key]
    headers = page.xpath("(//table[@class='flow'])[1]//th[@class='lane']")
    assert [norm(h.text_content()) for h in headers] == [norm(p) for p in pelaksana]
    lane_name = {h.get("data-lane"): norm(h.text_content()) for h in headers}
    rows = {norm(tr.xpath("./td[@class='kegiatan']/span[@class='code']")[0].text_content()): tr
            for tr in page.xpath("//tr[@class='step']") if tr.xpath("./td[@class='kegiatan']/span[@class='code']")}
    assert list(rows) == [norm(s.code) for s in steps]  # every step, once, in the SOP's order
    for step in steps:
        row = rows[norm(step.code)]
        cell = {name: text_of(row.xpath(f"./td[@class='{name}']")[0])
                for name in ("kegiatan", "kelengkapan", "waktu", "output", "keterangan")}
        assert lane_name[row.get("data-lane")] == norm(step.pelaksana), step.code
        assert norm(step.uraian) in cell["kegiatan"], step.code
        assert norm(step.kelengkapan) in cell["kelengkapan"] + " " + cell["keterangan"], step.code
        assert norm(step.output) in cell["output"], step.code
        if step.waktu is None:
            assert "tidak tercantum" in cell["waktu"], step.code
        else:
            assert cell["waktu"].startswith(norm(step.waktu)), step.code
        assert row.get("data-symbol") == ("decision" if step.question else "activity"), step.code
        if step.question:
            assert norm(step.question) in cell["kegiatan"], step.code
        assert row.xpath(".//svg[contains(@class, 'flow-svg')]"), step.code
    fields = {el.get("data-field"): text_of(el) for el in page.xpath("//*[@data-field]")}
    for key, phrase in identity:
        assert norm(phrase) in fields[key], (key, phrase)
    for key in ("nomor_sop", "tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif", "disahkan_oleh", "nama_sop",
                "dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan_perlengkapan", "peringatan",
                "pencatatan_pendataan"):
        assert key in fields, key


@pytest.mark.parametrize("process_key", list(SOPS))
def test_flowchart_uses_the_five_symbols(roles, process_key):
    document = build_document((ROOT / "processes" / f"{process_key}.bpmn").read_bytes(), roles, 1)
    page = lxml_html.fromstring(render_html(document))
    flow = page.xpath("//table[@class='flow']//svg")
    count = lambda cls: sum(len(svg.xpath(f".//*[contains(@class, 'symbol {cls}')]")) for svg in flow)  # noqa: E731
    steps = SOPS[process_key][1]
    assert count("terminator") == 2
    assert count("decision") == sum(1 for s in steps if s.question)
    assert count("activity") == sum(1 for s in steps if not s.question)
    arrows = sum(len(svg.xpath(".//*[@class='arrowhead']")) for svg in flow)
    assert arrows == len(document.edges)  # one arrowhead per arrow between symbols
    pages = page.xpath("//section[contains(@class, 'flow-page')]")
    connectors = sum(len(svg.xpath(".//*[contains(@class, 'connector')]")) for svg in flow)
    assert len(pages) >= 2 and connectors >= 2 * (len(pages) - 1)  # page breaks are joined by pentagons
    legend = page.xpath("//div[@class='legend']")[0]
    assert len(legend.xpath(".//svg")) == 5 and "segi lima" in text_of(legend)
    labels = [t.text for svg in flow for t in svg.xpath(".//*[@class='flow-label']")]
    assert labels.count("Ya") == labels.count("Tidak") == count("decision")


def test_missing_chromium_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("engine.sop.render.shutil.which", lambda _name: None)
    with pytest.raises(DocumentRenderError, match="Chromium tidak terpasang"):
        html_to_pdf("<html></html>")


def _require(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        message = f"{tool} is not installed (Debian: chromium, poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.mark.parametrize("process_key", list(SOPS))
def test_pdf_renders_and_its_pages_are_not_blank(roles, tmp_path, process_key):
    _require("chromium")
    pdftoppm = _require("pdftoppm")
    document = build_document((ROOT / "processes" / f"{process_key}.bpmn").read_bytes(), roles, 1)
    pdf = html_to_pdf(render_html(document))
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "sop.pdf"
    path.write_bytes(pdf)
    for page in (1, 2):  # the identity section, and the first page of the flowchart
        subprocess.run([pdftoppm, "-f", str(page), "-l", str(page), "-r", "40", "-gray", str(path),
                        str(tmp_path / f"p{page}")], check=True, timeout=60)
        image = next(tmp_path.glob(f"p{page}*.pgm"))
        width, height, pixels = read_pgm(image.read_bytes())
        assert width > height  # A4 landscape
        dark = sum(1 for value in pixels if value < 128) / len(pixels)
        assert 0.01 < dark < 0.5, (page, dark)


def read_pgm(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the 8-bit pixels of a binary PGM (P5) image."""
    fields, position = [], 0
    while len(fields) < 4:
        while data[position:position + 1].isspace():
            position += 1
        if data[position:position + 1] == b"#":
            position = data.index(b"\n", position)
            continue
        end = position
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    assert fields[0] == b"P5" and int(fields[3]) == 255
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[position + 1:position + 1 + width * height]
