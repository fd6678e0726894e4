"""Compact descriptions of the five SOPs of Bidang TIK and the yearly asset-register review.

Source: shared/notes/domain.md §1.1–1.5 (steps, lanes, decisions, every [DEC] resolution), §4.6
(form fields), and the SOP texts in shared/sop/ (Indonesian wording, identity sections).
``generate.py`` turns this into processes/*.bpmn and forms/*.json.
"""
from __future__ import annotations

from formdsl import (accept, area, boolean, catatan, date, doc, dt, email, enum, form, integer, multi,
                     number, table, text, url, user, when, when_row, yesno)
from generate import Flow, Lane, Message, Node, Process

# --- shared identity texts (domain.md §1.0, OCR cleaned) -------------------------------------------

DH_UU_KIP = "Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik"
DH_UU_YANLIK = "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik"
DH_PP_PSTE = "Peraturan Pemerintah Nomor 82 Tahun 2012 tentang Penyelenggaraan Sistem dan Transaksi Elektronik"
DH_PERMEN_7 = ("Peraturan Menteri Komunikasi dan Informatika Nomor 7 Tahun 2013 tentang Pedoman Penerapan "
               "Interoperabilitas Dokumen Perkantoran")
DH_PERMEN_7_PSE = DH_PERMEN_7 + " Bagi Penyelenggara Sistem Elektronik Untuk Pelayanan Publik"
DH_PERMEN_14 = ("Peraturan Menteri Komunikasi dan Informatika Nomor 14 Tahun 2016 tentang Pedoman Nomenklatur "
                "Perangkat Daerah Bidang Komunikasi dan Informatika")
DASAR_HUKUM_5 = [DH_UU_KIP, DH_UU_YANLIK, DH_PP_PSTE, DH_PERMEN_7, DH_PERMEN_14]
DASAR_HUKUM_4_PSE = [DH_UU_KIP, DH_UU_YANLIK, DH_PP_PSTE, DH_PERMEN_7_PSE]

UNIT_KERJA = "Bidang Teknologi Informasi dan Komunikasi, Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur"
KEPALA_DINAS = "Kepala Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur"

INSTRUKSI = ["tindak lanjuti", "koordinasikan", "laporkan hasilnya", "untuk diketahui"]
DIKIRIM_VIA = ["SRIKANDI", "email", "fisik"]


def lines(items: list[str]) -> str:
    return "\n".join(items)


def identity(*, nama_sop: str, penanggung_jawab: str, waktu: str, waktu_iso: str,
             dasar_hukum: list[str], kualifikasi: list[str], keterkaitan: list[str], peralatan: list[str],
             peringatan: list[str], pencatatan: list[str], nomor_sop: str = "", tanggal_pembuatan: str = "",
             tanggal_revisi: str = "", tanggal_efektif: str = "", disahkan_oleh: str = "",
             waktu_peringatan_iso: str = "") -> dict[str, str]:
    props = {"waktu_pelaksanaan": waktu, "waktu_pelaksanaan_iso": waktu_iso}
    if waktu_peringatan_iso:
        props["waktu_peringatan_iso"] = waktu_peringatan_iso
    props.update({
        "nomor_sop": nomor_sop, "tanggal_pembuatan": tanggal_pembuatan, "tanggal_revisi": tanggal_revisi,
        "tanggal_efektif": tanggal_efektif, "disahkan_oleh": disahkan_oleh, "nama_sop": nama_sop,
        "unit_kerja": UNIT_KERJA, "penanggung_jawab": penanggung_jawab,
        "dasar_hukum": lines(dasar_hukum), "kualifikasi_pelaksana": lines(kualifikasi),
        "keterkaitan": lines(keterkaitan), "peralatan_perlengkapan": lines(peralatan),
        "peringatan": lines(peringatan), "pencatatan_pendataan": lines(pencatatan),
    })
    return props


def task(id: str, lane: str, name: str, documentation: str, *, kelengkapan: str, waktu: str, waktu_iso: str,
         output: str, form_key: str, form_schema: dict, waktu_min_iso: str = "", keterangan: str = "",
         candidate: str = "") -> Node:
    return Node(id=id, kind="task", lane=lane, name=name, langkah=id.upper().replace("_", "-"),
                documentation=documentation, kelengkapan=kelengkapan, waktu=waktu, waktu_iso=waktu_iso,
                waktu_min_iso=waktu_min_iso, output=output, keterangan=keterangan, form_key=form_key,
                form=form_schema, candidate=candidate)


def xor(id: str, lane: str, question: str, label_below: bool = False, gap_after: int = 0) -> Node:
    return Node(id=id, kind="xor", lane=lane, name=question, label_below=label_below, gap_after=gap_after)


def merge(id: str, lane: str) -> Node:
    return Node(id=id, kind="merge", lane=lane)


def ya(src: str, tgt: str, field: str, **kw) -> Flow:
    return Flow(src, tgt, name="Ya", condition=f"{field} == true", **kw)


def tidak(src: str, tgt: str, **kw) -> Flow:
    return Flow(src, tgt, name="Tidak", default=True, **kw)


# =============================================================================================
# SOP-01 Pengelolaan Gangguan Database (domain.md §1.1)
# =============================================================================================

ADM = "administrator_jaringan_server"
PPTI = "pemeriksa_pengelola_ti"
PDI = "pengawas_data_integrasi"
KABID = "pejabat_administrator_tik"
KADIS = "kepala_dinas"

GDB = Process(
    key="sop_gangguan_database",
    name="Pengelolaan Gangguan Database",
    participant_name="SOP Pengelolaan Gangguan Database",
    documentation=(
        "Pengelolaan Gangguan Database di Lingkungan Pemerintah Provinsi Kalimantan Timur merupakan kegiatan "
        "yang dilaksanakan Bidang Teknologi Informasi dan Komunikasi yang bertujuan sebagai pengendali akses "
        "terhadap data dan informasi milik Pemerintah. Apabila penyelesaian pengelolaan dan gangguan database "
        "terganggu maka aplikasi akan terganggu dan akan menghambat kegiatan operasional pekerjaan."),
    properties=identity(
        nama_sop="PENGELOLAAN GANGGUAN DATABASE",
        penanggung_jawab=("Bidang Teknologi Informasi dan Komunikasi, di bawah Seksi Pengelolaan Data dan "
                          "Integrasi Sistem Informasi, berdasarkan Permenkominfo Nomor 14 Tahun 2016"),
        waktu="3 (tiga) hari kerja", waktu_iso="P3D",
        dasar_hukum=DASAR_HUKUM_5,
        kualifikasi=[
            "Administrator dan Pelaksana Pengawas Seksi Pengelolaan Data dan Integrasi Sistem Informasi "
            "mendapat Surat Tugas dari Pimpinan",
            "Memiliki pengetahuan yang memadai dalam mengoperasikan aplikasi dan jaringan",
            "Pemeriksa dan Pengelola Teknologi Informasi bertanggung jawab terhadap kerahasiaan dan pengamanan "
            "data dan informasi yang dikelola",
        ],
        keterkaitan=["SOP Integrasi Sistem Informasi", "SOP Co-location dan Hosting Server"],
        peralatan=["Permohonan dan Disposisi", "Server, Database Aplikasi", "ATK, Personal Komputer, UPS, dll",
                   "Media Komunikasi, dll"],
        peringatan=["Apabila penyelesaian pengelolaan dan gangguan database terganggu maka aplikasi akan "
                    "terganggu dan akan menghambat kegiatan operasional pekerjaan."],
        pencatatan=["Sebagai pengendali akses terhadap data dan informasi milik Pemerintah."],
    ),
    lanes=[
        Lane(ADM, "Administrator Jaringan dan Server"),
        Lane(PPTI, "Pemeriksa dan Pengelola Teknologi Informasi"),
        Lane(PDI, "Pejabat Pengawas Seksi Pengelolaan Data dan Integrasi SI"),
        Lane(KABID, "Pejabat Administrator Bidang TIK"),
        Lane(KADIS, "Kepala Dinas"),
    ],
    nodes=[
        Node("start_gdb", "start", PPTI, "Laporan gangguan database diterima"),
        task("gdb_01", PPTI, "Menerima dan mencatat laporan ke form isian laporan",
             "Menerima dan mencatat laporan gangguan database ke dalam form isian laporan, lalu melaporkannya "
             "kepada Pejabat Administrator Bidang TIK.",
             kelengkapan="Form Laporan", waktu="30 menit", waktu_iso="PT30M", output="Form Laporan",
             form_key="gdb_01_catat_laporan", form_schema=form("Catat laporan gangguan database", [
                 dt("tanggal_laporan", "Tanggal dan jam laporan"),
                 enum("saluran_laporan", "Saluran laporan",
                      ["surat", "SRIKANDI", "telepon", "email", "helpdesk", "langsung"]),
                 text("ref_srikandi", "Nomor surat / referensi SRIKANDI", req=False,
                      desc="Wajib bila laporan masuk melalui surat atau SRIKANDI."),
                 text("pelapor_nama", "Nama pelapor"),
                 text("pelapor_kontak", "Kontak pelapor (telepon/email)"),
                 text("instansi_pelapor", "Instansi pelapor (instansi terkait)"),
                 text("nama_aplikasi", "Aplikasi terdampak"),
                 text("server_hostname", "Hostname server"),
                 text("alamat_ip", "Alamat IP server", req=False),
                 enum("dbms", "DBMS", ["MySQL/MariaDB", "PostgreSQL", "SQL Server", "Oracle", "MongoDB",
                                       "lainnya"]),
                 text("nama_database", "Nama database"),
                 enum("jenis_gangguan", "Jenis gangguan",
                      ["tidak dapat terhubung", "lambat/kinerja", "error query/aplikasi", "data rusak/hilang",
                       "penyimpanan penuh", "akses/otorisasi", "replikasi/backup gagal", "lainnya"]),
                 area("deskripsi_gangguan", "Uraian gangguan"),
                 dt("waktu_mulai_gangguan", "Gangguan terjadi sejak", req=False),
                 enum("dampak", "Dampak", ["rendah", "sedang", "tinggi", "kritis"], radio=True),
                 integer("jumlah_pengguna_terdampak", "Jumlah pengguna terdampak"),
                 doc("lampiran_bukti", "Bukti pendukung (tangkapan layar/log)", req=False),
                 doc("dokumen_form_laporan", "Form Laporan"),
                 catatan(),
             ], [when("saluran_laporan", ["surat", "SRIKANDI"], ["ref_srikandi"])])),
        task("gdb_02", KABID, "Menerima dan mengecek laporan, lalu mendisposisikan",
             "Menerima dan mengecek laporan, lalu mendisposisikan laporan kepada Pejabat Pengawas Seksi "
             "Pengelolaan Data dan Integrasi SI.",
             kelengkapan="Form Laporan dan lembar disposisi", waktu="1 jam", waktu_iso="PT1H",
             output="Form Pengecekan",
             keterangan="Kelengkapan tertulis 'Disposisi' pada SOP; dibaca sebagai Form Laporan dari langkah 1.",
             form_key="gdb_02_cek_laporan_disposisi", form_schema=form("Cek laporan dan disposisi", [
                 enum("hasil_cek_laporan", "Hasil pengecekan laporan", ["lengkap", "perlu dilengkapi"],
                      radio=True, desc="Informatif; SOP tidak mempunyai percabangan di langkah ini."),
                 enum("prioritas", "Prioritas", ["biasa", "segera", "sangat segera"], radio=True),
                 user("diteruskan_kepada", "Didisposisikan kepada", PDI),
                 multi("instruksi_disposisi", "Instruksi disposisi", INSTRUKSI),
                 area("catatan_disposisi", "Catatan disposisi", req=False),
                 doc("dokumen_form_pengecekan", "Form Pengecekan"),
                 catatan(),
             ])),
        task("gdb_03", PDI, "Memberikan arahan penyelesaian gangguan database",
             "Memberikan arahan penyelesaian gangguan database kepada Pemeriksa dan Pengelola Teknologi "
             "Informasi serta Administrator Jaringan dan Server.",
             kelengkapan="Form Pengecekan", waktu="1 jam", waktu_iso="PT1H", output="Catatan Disposisi",
             form_key="gdb_03_arahan_penyelesaian", form_schema=form("Arahan penyelesaian gangguan database", [
                 area("arahan_penyelesaian", "Arahan penyelesaian"),
                 table("petugas_ti", "Petugas TI yang ditugaskan", [
                     user("pengguna", "Petugas (Pemeriksa/Pengelola TI)", PPTI),
                 ]),
                 user("administrator_ditugaskan", "Administrator Jaringan dan Server yang ditugaskan", ADM),
                 dt("target_selesai", "Target selesai (internal)", req=False),
                 doc("dokumen_catatan_disposisi", "Catatan Disposisi"),
                 catatan(),
             ])),
        task("gdb_04", PPTI, "Menindaklanjuti disposisi dan melakukan pengecekan",
             "Menindaklanjuti disposisi untuk penyelesaian gangguan database bersama Administrator Jaringan dan "
             "Server, dan melakukan pengecekan.",
             kelengkapan="Catatan Disposisi", waktu="1-2 hari", waktu_iso="P2D", waktu_min_iso="P1D",
             output="Catatan Gangguan",
             form_key="gdb_04_tindak_lanjut_pengecekan", form_schema=form("Tindak lanjut dan pengecekan awal", [
                 area("hasil_pengecekan_awal", "Hasil pengecekan awal"),
                 area("gejala", "Gejala yang teramati"),
                 area("dugaan_penyebab", "Dugaan penyebab", req=False),
                 area("tindakan_awal", "Tindakan awal yang dilakukan", req=False),
                 doc("lampiran_log", "Log pendukung", req=False),
                 doc("dokumen_catatan_gangguan", "Catatan Gangguan"),
                 catatan(),
             ])),
        merge("merge_gdb_05", ADM),
        task("gdb_05", ADM, "Memeriksa gangguan database pada server dan melaporkan hasilnya",
             "Memeriksa gangguan database pada server dan melaporkan hasil pengecekan terhadap gangguan. "
             "Langkah ini diulang bila Pejabat Pengawas menyatakan gangguan belum selesai (langkah 7).",
             kelengkapan="Catatan Gangguan", waktu="15 menit", waktu_iso="PT15M", output="Laporan Gangguan",
             form_key="gdb_05_periksa_database_server", form_schema=form("Pemeriksaan database pada server", [
                 enum("status_layanan_db", "Status layanan database", ["berjalan", "terdegradasi", "berhenti"],
                      radio=True),
                 area("penyebab_gangguan", "Penyebab gangguan yang ditemukan"),
                 area("tindakan_perbaikan", "Tindakan perbaikan"),
                 boolean("perlu_restore", "Perlu restore database?",
                         desc="Jika Ya, ajukan melalui SOP Back-up dan Restore Database Server."),
                 dt("waktu_pulih", "Waktu layanan pulih", req=False,
                    desc="Wajib bila status layanan 'berjalan'."),
                 doc("dokumen_laporan_gangguan", "Laporan Gangguan"),
                 catatan(),
             ], [when("status_layanan_db", "berjalan", ["waktu_pulih"])])),
        task("gdb_06", PPTI, "Melaporkan hasil pengecekan gangguan",
             "Pengelola Teknologi Informasi melaporkan hasil pengecekan gangguan kepada Pejabat Pengawas Seksi "
             "Pengelolaan Data dan Integrasi SI.",
             kelengkapan="Laporan Gangguan", waktu="1 jam", waktu_iso="PT1H", output="Laporan Gangguan",
             candidate="pengelola_ti",
             form_key="gdb_06_lapor_hasil_pengecekan", form_schema=form("Laporkan hasil pengecekan gangguan", [
                 area("ringkasan_hasil", "Ringkasan hasil untuk Pejabat Pengawas"),
                 doc("dokumen_laporan_gangguan", "Laporan Gangguan"),
                 catatan(),
             ])),
        merge("merge_gdb_07", PDI),
        task("gdb_07", PDI, "Melakukan pengecekan terhadap gangguan dan memberikan arahan",
             "Melakukan pengecekan terhadap gangguan dan memberikan arahan. Jika gangguan telah selesai, "
             "dilaporkan kepada Pejabat Administrator Bidang TIK; jika tidak, dilakukan pemeriksaan database "
             "server kembali oleh Administrator Jaringan dan Server.",
             kelengkapan="Laporan Gangguan", waktu="1 jam", waktu_iso="PT1H",
             output="Laporan Penyelesaian Gangguan",
             form_key="gdb_07_verifikasi_gangguan", form_schema=form("Pengecekan gangguan oleh Pejabat Pengawas", [
                 yesno("gangguan_selesai", "Gangguan telah selesai?"),
                 area("arahan_lanjutan", "Arahan lanjutan", req=False, desc="Wajib bila gangguan belum selesai."),
                 area("catatan_verifikasi", "Catatan pengecekan", req=False),
                 doc("dokumen_laporan_penyelesaian_gangguan", "Laporan Penyelesaian Gangguan",
                     desc="Bila gangguan belum selesai, unggah catatan pengecekan sebagai dokumen."),
                 catatan(),
             ], [when("gangguan_selesai", False, ["arahan_lanjutan"])])),
        xor("gw_gdb_07", PDI, "Gangguan telah selesai?"),
        task("gdb_08", KABID, "Melakukan pengecekan laporan penyelesaian",
             "Melakukan pengecekan laporan penyelesaian gangguan. Jika laporan telah selesai/sesuai, dilanjutkan "
             "dengan pembuatan laporan penyelesaian pekerjaan; jika tidak, laporan disampaikan kembali kepada "
             "Pejabat Pengawas untuk dilakukan pengecekan kembali.",
             kelengkapan="Laporan Penyelesaian Gangguan", waktu="15 menit", waktu_iso="PT15M",
             output="Laporan Penyelesaian Pekerjaan",
             form_key="gdb_08_cek_laporan_penyelesaian", form_schema=form("Pengecekan laporan penyelesaian", [
                 yesno("laporan_diterima", "Laporan telah selesai/sesuai?"),
                 area("catatan_pengembalian", "Alasan pengembalian", req=False,
                      desc="Wajib bila laporan dikembalikan kepada Pejabat Pengawas."),
                 boolean("informasikan_kepala_dinas", "Informasikan kepada Kepala Dinas?", req=False),
                 doc("dokumen_laporan_penyelesaian_pekerjaan", "Laporan Penyelesaian Pekerjaan"),
                 catatan(),
             ], [when("laporan_diterima", False, ["catatan_pengembalian"])])),
        xor("gw_gdb_08", KABID, "Laporan telah selesai/sesuai?"),
        task("gdb_09", PPTI, "Membuat laporan penyelesaian pekerjaan dan menyampaikannya",
             "Membuat laporan penyelesaian pekerjaan dan menyampaikannya kepada instansi terkait.",
             kelengkapan="Laporan Penyelesaian Pekerjaan", waktu="15 menit", waktu_iso="PT15M",
             output="Surat Laporan Penyelesaian Gangguan",
             form_key="gdb_09_surat_laporan_penyelesaian", form_schema=form("Surat laporan penyelesaian gangguan", [
                 text("nomor_surat", "Nomor surat"),
                 date("tanggal_surat", "Tanggal surat"),
                 text("tujuan", "Instansi tujuan (instansi terkait)"),
                 area("ringkasan_penyelesaian", "Ringkasan penyelesaian"),
                 area("akar_masalah", "Akar masalah"),
                 area("rekomendasi", "Rekomendasi pencegahan", req=False),
                 enum("penandatangan", "Penandatangan surat", ["kepala_dinas", "pejabat_administrator_tik"],
                      labels=["Kepala Dinas", "Pejabat Administrator Bidang TIK (a.n. Kepala Dinas)"], radio=True),
                 enum("dikirim_via", "Dikirim melalui", DIKIRIM_VIA, radio=True),
                 doc("dokumen_surat_laporan_penyelesaian_gangguan", "Surat Laporan Penyelesaian Gangguan"),
                 catatan(),
             ])),
        Node("end_gdb", "end", PPTI, "Laporan penyelesaian disampaikan kepada instansi terkait"),
    ],
    flows=[
        Flow("start_gdb", "gdb_01"),
        Flow("gdb_01", "gdb_02"),
        Flow("gdb_02", "gdb_03"),
        Flow("gdb_03", "gdb_04"),
        Flow("gdb_04", "merge_gdb_05"),
        Flow("merge_gdb_05", "gdb_05"),
        Flow("gdb_05", "gdb_06"),
        Flow("gdb_06", "merge_gdb_07"),
        Flow("merge_gdb_07", "gdb_07"),
        Flow("gdb_07", "gw_gdb_07"),
        ya("gw_gdb_07", "gdb_08", "gangguan_selesai"),
        tidak("gw_gdb_07", "merge_gdb_05"),
        Flow("gdb_08", "gw_gdb_08"),
        ya("gw_gdb_08", "gdb_09", "laporan_diterima"),
        tidak("gw_gdb_08", "merge_gdb_07"),
        Flow("gdb_09", "end_gdb"),
    ],
)

# =============================================================================================
# SOP-02 Pengelolaan Data (domain.md §1.2)
# =============================================================================================

ADS = "administrator_jaringan_server"   # "Administrator Server"
PTI = "pengelola_ti"

PDT = Process(
    key="sop_pengelolaan_data",
    name="Pengelolaan Data",
    participant_name="SOP Pengelolaan Data",
    documentation=(
        "Pengelolaan Data di Lingkungan Pemerintah Provinsi Kalimantan Timur merupakan kegiatan yang "
        "dilaksanakan Bidang Teknologi Informasi dan Komunikasi yang bertujuan mengelola data sektoral untuk "
        "disimpan sebagai data elektronik dan manual. Jika tidak sesuai dengan standar operasional, maka akan "
        "terjadi kerusakan data atau informasi."),
    properties=identity(
        nama_sop="PENGELOLAAN DATA",
        penanggung_jawab=("Bidang Teknologi Informasi dan Komunikasi, di bawah Seksi Pengelolaan Data dan "
                          "Integrasi Sistem Informasi, berdasarkan Permenkominfo Nomor 14 Tahun 2016"),
        waktu="3 (tiga) hari kerja", waktu_iso="P3D",
        dasar_hukum=DASAR_HUKUM_5,
        kualifikasi=[
            "Administrator mendapat Surat Tugas dari Pimpinan",
            "Memiliki pengetahuan yang memadai dalam mengoperasikan aplikasi dan jaringan",
            "Bertanggung jawab atas kerahasiaan dan pengamanan data dan informasi yang dikelola",
        ],
        keterkaitan=["SOP Pengelolaan Database", "SOP Backup dan Restore Database"],
        peralatan=["Surat Permohonan, Disposisi", "PC, notebook, flashdisk, server, UPS, dll",
                   "ATK, Media Komunikasi, Formulir-formulir"],
        peringatan=["Jika tidak sesuai dengan standar operasional, maka akan terjadi kerusakan data atau "
                    "informasi."],
        pencatatan=["Disimpan sebagai data elektronik dan manual."],
    ),
    lanes=[
        Lane(ADS, "Administrator Server"),
        Lane(PTI, "Pengelola Teknologi Informasi"),
        Lane(PDI, "Pejabat Pengawas/Kasi Pengelolaan Data dan Integrasi"),
        Lane(KABID, "Pejabat Administrator"),
    ],
    nodes=[
        Node("start_pdt", "start", KABID, "Pendataan data sektoral diperlukan"),
        task("pdt_01", KABID, "Menyampaikan perintah pendataan data sektoral",
             "Pejabat Administrator menyampaikan (dengan Nota Dinas) perintah untuk melakukan pendataan yang "
             "berkaitan dengan data sektoral.",
             kelengkapan="Nota Dinas", waktu="30 menit", waktu_iso="PT30M", output="Nota Dinas",
             form_key="pdt_01_nota_dinas_pendataan", form_schema=form("Nota dinas pendataan data sektoral", [
                 text("nomor_nota_dinas", "Nomor nota dinas"),
                 date("tanggal_nota_dinas", "Tanggal nota dinas"),
                 user("kepada", "Kepada", PDI),
                 text("hal", "Hal"),
                 text("topik_data_sektoral", "Data sektoral yang didata"),
                 table("opd_produsen_data", "OPD produsen data", [text("nama_opd", "Nama OPD")]),
                 text("periode_data", "Periode data", desc="Misalnya 'Tahun 2025' atau 'Semester I 2026'."),
                 date("tenggat", "Tenggat", req=False),
                 doc("dokumen_nota_dinas", "Nota Dinas"),
                 catatan(),
             ])),
        task("pdt_02", PDI, "Membuat surat pendataan atau menerima data untuk pengelolaan",
             "Pejabat Pengawas Seksi Pengelolaan Data dan Integrasi membuat surat untuk melakukan pendataan "
             "kepada OPD produsen data, atau menerima data yang sudah masuk untuk pengelolaan data.",
             kelengkapan="Nota Dinas", waktu="1 jam", waktu_iso="PT1H", output="Surat Pendataan",
             keterangan=("Mode permintaan: proses menunggu data dari OPD (peristiwa 'Data diterima dari OPD') "
                         "sebelum langkah 3."),
             form_key="pdt_02_surat_pendataan", form_schema=form("Surat pendataan / penerimaan data", [
                 enum("mode", "Mode pendataan", ["permintaan_data_ke_opd", "penerimaan_data_masuk"],
                      labels=["Permintaan data kepada OPD (surat pendataan)", "Penerimaan data yang sudah masuk"],
                      radio=True),
                 text("nomor_surat", "Nomor surat pendataan", req=False),
                 date("tanggal_surat", "Tanggal surat pendataan", req=False),
                 table("tujuan_opd", "OPD tujuan surat", [text("nama_opd", "Nama OPD")], req=False),
                 table("daftar_data_diminta", "Daftar data yang diminta", [
                     text("nama_data", "Nama data"), text("satuan", "Satuan", req=False),
                     text("periode", "Periode"), text("format", "Format", req=False)], req=False),
                 multi("format_data", "Format data yang diterima",
                       ["CSV", "XLSX", "JSON", "API", "SQL dump", "lainnya"]),
                 date("batas_penyampaian", "Batas penyampaian data", req=False),
                 doc("dokumen_surat_pendataan", "Surat Pendataan",
                     desc="Surat pendataan yang ditandatangani, atau tanda terima data yang sudah masuk."),
                 catatan(),
             ], [when("mode", "permintaan_data_ke_opd",
                      ["nomor_surat", "tanggal_surat", "tujuan_opd", "daftar_data_diminta", "batas_penyampaian"])])),
        xor("gw_pdt_02_mode", PDI, "Mode pendataan?", gap_after=80),
        Node("catch_pdt_data_opd", "catch", PDI, "Data diterima dari OPD", message="msg_data_diterima_dari_opd"),
        merge("merge_pdt_03", PDI),
        task("pdt_03", PTI, "Menerima data untuk dikelola (disimpan atau di-update)",
             "Pengelola Teknologi Informasi menerima data untuk dikelola: disimpan atau di-update.",
             kelengkapan="Surat Pendataan dan Data", waktu="1 hari", waktu_iso="P1D", output="Data Sektoral",
             form_key="pdt_03_terima_data", form_schema=form("Penerimaan data sektoral", [
                 text("opd_sumber", "OPD sumber data"),
                 dt("tanggal_terima", "Tanggal dan jam diterima"),
                 text("nama_dataset", "Nama dataset"),
                 area("deskripsi_dataset", "Deskripsi dataset"),
                 url("tautan_data", "Tautan data (bila data diserahkan melalui tautan/API)"),
                 integer("jumlah_record", "Jumlah record"),
                 table("metadata_sdi", "Metadata Satu Data Indonesia", [
                     text("produsen", "Produsen data"), text("periode", "Periode"),
                     text("frekuensi", "Frekuensi"), text("satuan", "Satuan", req=False),
                     text("sumber", "Sumber")]),
                 enum("tindakan_diminta", "Tindakan yang diminta", ["simpan_baru", "update", "recovery"],
                      labels=["Simpan baru", "Update", "Recovery"], radio=True),
                 enum("klasifikasi_informasi", "Klasifikasi informasi (UU 14/2008)",
                      ["terbuka", "terbatas", "dikecualikan"], radio=True),
                 boolean("mengandung_data_pribadi", "Mengandung data pribadi?"),
                 doc("dokumen_data_sektoral", "Data Sektoral"),
                 catatan(),
             ])),
        merge("merge_pdt_04", ADS),
        task("pdt_04", ADS, "Menindaklanjuti pengelolaan data: simpan, update atau recovery",
             "Administrator Server menindaklanjuti pengelolaan data: data disimpan, diperbarui (update) atau "
             "dilakukan recovery data. Langkah ini diulang bila Pejabat Pengawas menyatakan pengelolaan data "
             "belum selesai (langkah 6).",
             kelengkapan="Data Sektoral", waktu="1 hari", waktu_iso="P1D",
             output="Catatan program penyimpanan data, recovery, update data",
             form_key="pdt_04_simpan_update_recovery", form_schema=form("Penyimpanan / update / recovery data", [
                 enum("jenis_tindakan", "Jenis tindakan", ["simpan", "update", "recovery"], radio=True),
                 text("lokasi_penyimpanan", "Lokasi penyimpanan (server/database/skema/path)"),
                 text("versi_dataset", "Versi dataset", req=False),
                 boolean("backup_sebelum_perubahan", "Backup diambil sebelum perubahan?"),
                 text("checksum", "Checksum (misalnya SHA-256)"),
                 enum("hasil_pengelolaan", "Hasil", ["berhasil", "gagal"], radio=True),
                 area("catatan_program", "Catatan program yang dijalankan"),
                 boolean("panggil_sop_restore", "Perlu SOP Back-up dan Restore Database Server?", req=False),
                 doc("dokumen_catatan_program", "Catatan program penyimpanan data, recovery, update data"),
                 catatan(),
             ])),
        task("pdt_05", PTI, "Membuat laporan penyelesaian pengelolaan data",
             "Pengelola Teknologi Informasi membuat laporan penyelesaian pengelolaan data.",
             kelengkapan="Catatan program penyimpanan data, recovery, update data", waktu="1-2 jam",
             waktu_iso="PT2H", waktu_min_iso="PT1H", output="Laporan Pengelolaan Data",
             form_key="pdt_05_laporan_pengelolaan_data", form_schema=form("Laporan pengelolaan data", [
                 area("ringkasan_pengelolaan", "Ringkasan pengelolaan data"),
                 table("dataset_diproses", "Dataset yang diproses", [
                     text("nama", "Nama dataset"),
                     enum("tindakan", "Tindakan", ["simpan", "update", "recovery"]),
                     enum("hasil", "Hasil", ["berhasil", "gagal"])]),
                 doc("dokumen_laporan_pengelolaan_data", "Laporan Pengelolaan Data"),
                 catatan(),
             ])),
        merge("merge_pdt_06", PDI),
        task("pdt_06", PDI, "Melakukan pengecekan pengelolaan data telah selesai atau belum",
             "Pejabat Pengawas Seksi Pengelolaan Data dan Integrasi SI melakukan pengecekan pengelolaan data. "
             "Jika telah selesai, dilaporkan kepada Pejabat Administrator; jika belum selesai, Pejabat Pengawas "
             "bersama Administrator Server memeriksa kembali (kembali ke langkah 4).",
             kelengkapan="Laporan Pengelolaan Data", waktu="1 jam", waktu_iso="PT1H",
             output="Perbaikan Laporan Pengelolaan Data",
             form_key="pdt_06_cek_pengelolaan_data", form_schema=form("Pengecekan pengelolaan data", [
                 yesno("pengelolaan_selesai", "Pengelolaan data telah selesai?"),
                 area("catatan_perbaikan", "Yang harus diperbaiki", req=False,
                      desc="Wajib bila pengelolaan data belum selesai."),
                 doc("dokumen_perbaikan_laporan_pengelolaan_data", "Perbaikan Laporan Pengelolaan Data"),
                 catatan(),
             ], [when("pengelolaan_selesai", False, ["catatan_perbaikan"])])),
        xor("gw_pdt_06", PDI, "Pengelolaan data telah selesai?"),
        task("pdt_07", KABID, "Melakukan pengecekan pengelolaan data",
             "Pejabat Administrator melakukan pengecekan pengelolaan data. Jika telah selesai, dibuat laporan; "
             "jika belum, dikembalikan kepada Pejabat Pengawas untuk pengecekan.",
             kelengkapan="Laporan Penyelesaian Data", waktu="1 jam", waktu_iso="PT1H",
             output="Laporan Penyelesaian Data",
             form_key="pdt_07_cek_pejabat_administrator", form_schema=form("Pengecekan oleh Pejabat Administrator", [
                 yesno("disetujui", "Pengelolaan data disetujui/selesai?"),
                 area("catatan_pengembalian", "Alasan pengembalian", req=False,
                      desc="Wajib bila dikembalikan kepada Pejabat Pengawas."),
                 doc("dokumen_laporan_penyelesaian_data", "Laporan Penyelesaian Data"),
                 catatan(),
             ], [when("disetujui", False, ["catatan_pengembalian"])])),
        xor("gw_pdt_07", KABID, "Pengelolaan data disetujui/selesai?"),
        task("pdt_08", PDI, "Menyelesaikan laporan akhir pengelolaan data",
             "Pejabat Pengawas menyelesaikan laporan akhir pengelolaan data.",
             kelengkapan="Laporan Penyelesaian Data", waktu="1 jam", waktu_iso="PT1H",
             output="Konsep Laporan Akhir Penyelesaian Pekerjaan",
             form_key="pdt_08_konsep_laporan_akhir", form_schema=form("Konsep laporan akhir pengelolaan data", [
                 area("ringkasan_eksekutif", "Ringkasan eksekutif"),
                 doc("dokumen_konsep_laporan_akhir", "Konsep Laporan Akhir Penyelesaian Pekerjaan"),
                 catatan(),
             ])),
        task("pdt_09", PTI, "Menyampaikan laporan kepada Walidata",
             "Pengelola Teknologi Informasi menyampaikan laporan akhir penyelesaian pekerjaan kepada Walidata.",
             kelengkapan="Konsep Laporan Akhir Penyelesaian Pekerjaan", waktu="1 jam", waktu_iso="PT1H",
             output="Laporan Akhir Penyelesaian Pekerjaan",
             form_key="pdt_09_sampaikan_ke_walidata", form_schema=form("Penyampaian laporan kepada Walidata", [
                 text("penerima_walidata", "Unit Walidata penerima"),
                 text("nomor_surat_pengantar", "Nomor surat pengantar"),
                 dt("tanggal_kirim", "Tanggal dan jam dikirim"),
                 url("tautan_portal_data", "Tautan di portal Satu Data (bila dipublikasikan)"),
                 doc("bukti_kirim", "Bukti pengiriman"),
                 doc("dokumen_laporan_akhir", "Laporan Akhir Penyelesaian Pekerjaan"),
                 catatan(),
             ])),
        Node("end_pdt", "end", PTI, "Laporan akhir disampaikan kepada Walidata"),
    ],
    flows=[
        Flow("start_pdt", "pdt_01"),
        Flow("pdt_01", "pdt_02"),
        Flow("pdt_02", "gw_pdt_02_mode"),
        Flow("gw_pdt_02_mode", "catch_pdt_data_opd", name="Permintaan ke OPD",
             condition='mode == "permintaan_data_ke_opd"'),
        Flow("gw_pdt_02_mode", "merge_pdt_03", name="Data sudah masuk", default=True,
             exit="bottom", enter="bottom"),
        Flow("catch_pdt_data_opd", "merge_pdt_03"),
        Flow("merge_pdt_03", "pdt_03"),
        Flow("pdt_03", "merge_pdt_04"),
        Flow("merge_pdt_04", "pdt_04"),
        Flow("pdt_04", "pdt_05"),
        Flow("pdt_05", "merge_pdt_06"),
        Flow("merge_pdt_06", "pdt_06"),
        Flow("pdt_06", "gw_pdt_06"),
        ya("gw_pdt_06", "pdt_07", "pengelolaan_selesai"),
        tidak("gw_pdt_06", "merge_pdt_04"),
        Flow("pdt_07", "gw_pdt_07"),
        ya("gw_pdt_07", "pdt_08", "disetujui"),
        tidak("gw_pdt_07", "merge_pdt_06"),
        Flow("pdt_08", "pdt_09"),
        Flow("pdt_09", "end_pdt"),
    ],
    messages=[Message("msg_data_diterima_dari_opd", "data_diterima_dari_opd")],
)

# =============================================================================================
# SOP-03 Penanganan Gangguan Jaringan (domain.md §1.3)
# =============================================================================================

PJ = "pengguna_jaringan"
TU = "kasubag_tu"
TT = "tim_teknis"
PIT = "pengawas_infrastruktur_tik"
LMJ = "Laporan Monitoring Jaringan"


def dok_lmj() -> tuple:
    return doc("dokumen_laporan_monitoring_jaringan", LMJ,
               desc="Laporan monitoring jaringan yang diperbarui pada langkah ini.")


GJR = Process(
    key="sop_gangguan_jaringan",
    name="Penanganan Gangguan Jaringan",
    participant_name="SOP Penanganan Gangguan Jaringan",
    documentation=(
        "Penanganan gangguan jaringan di Lingkungan Pemerintah Provinsi Kalimantan Timur merupakan kegiatan yang "
        "dilaksanakan Bidang Teknologi Informasi dan Komunikasi. Kegiatan ini dilaksanakan untuk mengatasi "
        "gangguan jaringan sebagai kebutuhan efisiensi dan efektivitas suatu proses kerja; jika tidak "
        "dilaksanakan maka jaringan akan mengalami gangguan."),
    properties=identity(
        nama_sop="PENANGANAN GANGGUAN JARINGAN",
        penanggung_jawab=("Bidang Teknologi Informasi dan Komunikasi, di bawah Seksi Infrastruktur TIK, "
                          "berdasarkan Permenkominfo Nomor 14 Tahun 2016"),
        waktu="3 (tiga) hari sampai 14 (empat belas) hari kerja", waktu_iso="P14D", waktu_peringatan_iso="P3D",
        dasar_hukum=DASAR_HUKUM_5,
        kualifikasi=["Kemampuan teknis untuk konfigurasi sistem",
                     "Kemampuan mengetik laporan dengan aplikasi Microsoft Word",
                     "Kemampuan administrator jaringan"],
        keterkaitan=["SOP Surat Masuk", "SOP Manajemen dan Akses Jaringan"],
        peralatan=["Surat Permohonan, Disposisi", "PC, notebook, flashdisk, server, UPS, dll",
                   "ATK, Media Komunikasi, Formulir-formulir Data Center Dinas Kominfo Prov. Kaltim"],
        peringatan=["Jika tidak dilaksanakan maka jaringan akan mengalami gangguan."],
        pencatatan=["Ditetapkan sebagai panduan untuk memastikan bahwa penanganan gangguan jaringan dapat "
                    "ditangani dengan cepat."],
    ),
    lanes=[
        Lane(PJ, "Pengguna Jaringan"),
        Lane(TU, "Kasubag TU"),
        Lane(TT, "Tim Teknis (Administrator Server Jaringan, Pengelola dan Pemeriksa TI)"),
        Lane(PIT, "Pejabat Pengawas/Kasi Infrastruktur TIK"),
        Lane(KABID, "Pejabat Administrator Bidang TIK"),
        Lane(KADIS, "Kepala Dinas"),
    ],
    nodes=[
        Node("start_gjr", "start", PJ, "Gangguan jaringan dialami pengguna"),
        task("gjr_01", PJ, "Berkoordinasi dan bersurat kepada Dinas Kominfo",
             "Pengguna jaringan berkoordinasi dan bersurat (surat permohonan penanganan gangguan jaringan) "
             "kepada Dinas Kominfo.",
             kelengkapan="Surat Permohonan Penggunaan Jaringan", waktu="1 hari", waktu_iso="P1D",
             output="Surat Permohonan Penggunaan Jaringan",
             keterangan="Pada formulir dokumen ini disebut 'Surat permohonan penanganan gangguan jaringan'.",
             form_key="gjr_01_surat_permohonan", form_schema=form("Surat permohonan penanganan gangguan jaringan", [
                 text("opd_pengirim", "Unit/OPD pengirim"),
                 text("nomor_surat_permohonan", "Nomor surat"),
                 date("tanggal_surat_permohonan", "Tanggal surat"),
                 text("hal", "Hal"),
                 text("lokasi", "Lokasi (gedung/alamat/lantai/ruang)"),
                 enum("jenis_gangguan", "Jenis gangguan",
                      ["tidak ada koneksi", "lambat", "terputus-putus", "DNS/tidak bisa akses situs", "Wi-Fi",
                       "perangkat rusak", "lainnya"]),
                 dt("sejak", "Gangguan terjadi sejak"),
                 text("perangkat_ip_ssid", "Perangkat / IP / SSID / ID link terdampak", req=False),
                 integer("jumlah_pengguna_terdampak", "Jumlah pengguna terdampak"),
                 area("upaya_yang_dilakukan", "Upaya yang sudah dilakukan", req=False),
                 text("pic_nama", "Nama narahubung"),
                 text("pic_telepon", "Telepon narahubung"),
                 enum("urgensi", "Urgensi", ["biasa", "segera", "amat segera"], radio=True),
                 doc("dokumen_surat_permohonan", "Surat permohonan penanganan gangguan jaringan"),
                 catatan(),
             ])),
        task("gjr_02a", TU, "Menerima, mengagendakan dan menyampaikan surat untuk disposisi",
             "Kasubag TU menerima dan mengagendakan surat, lalu menyampaikannya kepada Kepala Dinas untuk "
             "mendapatkan disposisi.",
             kelengkapan="Surat Permohonan Penggunaan Jaringan", waktu="1 hari", waktu_iso="P1D",
             output="Surat teragenda", keterangan="Waktu 1 hari dipakai bersama langkah 2a dan 2b.",
             form_key="gjr_02a_agenda_surat", form_schema=form("Agenda surat masuk", [
                 text("nomor_agenda", "Nomor agenda"),
                 dt("tanggal_terima", "Tanggal dan jam surat diterima"),
                 enum("sifat", "Sifat surat", ["biasa", "terbatas", "rahasia", "sangat rahasia"], radio=True),
                 text("kode_klasifikasi_arsip", "Kode klasifikasi arsip"),
                 text("ref_srikandi", "Nomor naskah SRIKANDI", req=False),
                 user("diteruskan_ke_kepala_dinas", "Disampaikan kepada (Kepala Dinas)", KADIS),
                 doc("dokumen_surat_teragenda", "Surat teragenda"),
                 catatan(),
             ])),
        task("gjr_02b", KADIS, "Mendisposisikan surat kepada Pejabat Administrator Bidang TIK",
             "Kepala Dinas mendisposisikan surat permohonan kepada Pejabat Administrator Bidang TIK.",
             kelengkapan="Surat Permohonan Penggunaan Jaringan", waktu="1 hari (bersama langkah 2a)",
             waktu_iso="P1D", output="Disposisi Surat Permohonan",
             keterangan=("Langkah ditambahkan dari narasi SOP ('dilakukan disposisi oleh Kepala Dinas'); "
                         "waktu 1 hari dipakai bersama langkah 2a."),
             form_key="gjr_02b_disposisi_kepala_dinas", form_schema=form("Disposisi Kepala Dinas", [
                 user("didisposisikan_ke_kabid", "Didisposisikan kepada", KABID),
                 multi("instruksi_kepala_dinas", "Instruksi", INSTRUKSI),
                 date("batas_waktu_disposisi", "Batas waktu disposisi", req=False),
                 doc("dokumen_disposisi_surat_permohonan", "Disposisi Surat Permohonan"),
                 catatan(),
             ])),
        task("gjr_03a", KABID, "Menindaklanjuti disposisi kepada Kasi Infrastruktur TIK",
             "Pejabat Administrator Bidang TIK menindaklanjuti disposisi dan meneruskannya kepada Pejabat "
             "Pengawas/Kasi Infrastruktur TIK untuk dilakukan pengecekan.",
             kelengkapan="Disposisi Surat Permohonan", waktu="2 hari", waktu_iso="P2D",
             output="Disposisi Surat Permohonan (lanjutan)",
             keterangan="Waktu 2 hari dipakai bersama langkah 3a dan 3b.",
             form_key="gjr_03a_teruskan_disposisi", form_schema=form("Teruskan disposisi", [
                 user("diteruskan_ke_kasi", "Diteruskan kepada", PIT),
                 multi("instruksi_kabid", "Instruksi", INSTRUKSI),
                 doc("dokumen_disposisi_lanjutan", "Disposisi Surat Permohonan (lanjutan)"),
                 catatan(),
             ])),
        task("gjr_03b", PIT, "Menindaklanjuti disposisi: menugaskan Tim Teknis melakukan pengecekan",
             "Pejabat Pengawas/Kasi Infrastruktur TIK menindaklanjuti disposisi dengan menugaskan Tim Teknis "
             "melakukan pengecekan.",
             kelengkapan="Disposisi Surat Permohonan", waktu="2 hari (bersama langkah 3a)", waktu_iso="P2D",
             output="Disposisi Surat Permohonan (penugasan Tim Teknis)",
             keterangan="Waktu 2 hari dipakai bersama langkah 3a dan 3b.",
             form_key="gjr_03b_tugaskan_tim_teknis", form_schema=form("Penugasan Tim Teknis", [
                 table("anggota_tim_teknis", "Anggota Tim Teknis", [
                     user("pengguna", "Anggota (Administrator Server Jaringan, Pengelola atau Pemeriksa TI)", TT),
                 ]),
                 area("arahan", "Arahan"),
                 text("nomor_surat_tugas", "Nomor surat tugas", req=False),
                 doc("dokumen_disposisi_penugasan", "Disposisi Surat Permohonan (penugasan)"),
                 catatan(),
             ])),
        merge("merge_gjr_04", TT),
        task("gjr_04", TT, "Melakukan pengecekan fisik perangkat aktif jaringan utama",
             "Tim Teknis (Pengelola dan Pemeriksa Teknologi Informasi) melakukan pengecekan secara fisik terhadap "
             "perangkat aktif jaringan utama. Bila setelah koordinasi dengan ISP jaringan belum terhubung, "
             "proses kembali ke langkah ini.",
             kelengkapan="Disposisi Surat Permohonan", waktu="1-2 hari", waktu_iso="P2D", waktu_min_iso="P1D",
             output="Form Laporan Pengecekan Jaringan",
             keterangan="Tertulis '12 hari' pada salinan SOP (tanda hubung hilang); dibaca 1-2 hari.",
             form_key="gjr_04_cek_fisik_perangkat", form_schema=form("Pengecekan fisik perangkat aktif jaringan", [
                 dt("tanggal_pengecekan", "Tanggal dan jam pengecekan"),
                 table("perangkat_diperiksa", "Perangkat yang diperiksa", [
                     text("nama_aset", "Nama/nomor aset"),
                     enum("jenis", "Jenis", ["router", "core switch", "distribution switch", "firewall",
                                            "access point", "modem/ONT", "lainnya"]),
                     text("lokasi", "Lokasi"),
                     enum("status", "Status", ["normal", "bermasalah", "mati"]),
                     text("indikator", "Indikator (power/link/port)", req=False),
                     text("catatan", "Catatan", req=False),
                 ]),
                 area("temuan_fisik", "Temuan"),
                 doc("lampiran_foto", "Foto perangkat", req=False),
                 doc("dokumen_form_laporan_pengecekan_jaringan", "Form Laporan Pengecekan Jaringan"),
                 catatan(),
             ])),
        task("gjr_05", TT, "Memonitor jaringan pada sistem monitoring",
             "Tim Teknis (Pengelola dan Pemeriksa Teknologi Informasi) memonitor jaringan pada sistem monitoring.",
             kelengkapan="Form Laporan Pengecekan Jaringan", waktu="2 hari", waktu_iso="P2D", output=LMJ,
             form_key="gjr_05_monitoring_jaringan", form_schema=form("Monitoring jaringan", [
                 text("sistem_monitoring", "Sistem monitoring", desc="Misalnya Zabbix, PRTG atau LibreNMS."),
                 dt("pemantauan_mulai", "Pemantauan mulai"),
                 dt("pemantauan_selesai", "Pemantauan selesai"),
                 number("latency_ms", "Latency (ms)", minimum=0),
                 number("packet_loss_pct", "Packet loss (%)", minimum=0, maximum=100),
                 number("utilisasi_bandwidth_pct", "Utilisasi bandwidth (%)", minimum=0, maximum=100),
                 area("alert_tercatat", "Alert yang tercatat", req=False),
                 area("temuan_monitoring", "Temuan"),
                 doc("lampiran_grafik", "Grafik monitoring", req=False),
                 boolean("monitoring_tidak_diulang", "Monitoring tidak perlu diulang pada putaran ini?", req=False,
                         desc="Hanya pada pengulangan setelah koordinasi ISP; isi alasannya."),
                 area("alasan_monitoring_tidak_diulang", "Alasan tidak diulang", req=False),
                 dok_lmj(),
                 catatan(),
             ], [when("monitoring_tidak_diulang", True, ["alasan_monitoring_tidak_diulang"])])),
        task("gjr_06", TT, "Melakukan pengecekan server DNS",
             "Tim Teknis (Pengelola dan Pemeriksa Teknologi Informasi) melakukan pengecekan server DNS.",
             kelengkapan=LMJ, waktu="3 hari", waktu_iso="P3D", output=LMJ,
             form_key="gjr_06_cek_server_dns", form_schema=form("Pengecekan server DNS", [
                 table("server_dns", "Server DNS yang diperiksa", [text("server", "Hostname / alamat IP")]),
                 enum("status_layanan_dns", "Status layanan DNS", ["normal", "lambat", "gagal"], radio=True),
                 area("hasil_uji_resolusi", "Hasil uji resolusi (nslookup/dig)"),
                 area("temuan_dns", "Temuan"),
                 boolean("dns_tidak_diulang", "Pengecekan DNS tidak perlu diulang pada putaran ini?", req=False,
                         desc="Hanya pada pengulangan setelah koordinasi ISP; isi alasannya."),
                 area("alasan_dns_tidak_diulang", "Alasan tidak diulang", req=False),
                 dok_lmj(),
                 catatan(),
             ], [when("dns_tidak_diulang", True, ["alasan_dns_tidak_diulang"])])),
        task("gjr_07", TT, "Melakukan pengecekan konektivitas pada pengguna jaringan dan server",
             "Tim Teknis (Pengelola dan Pemeriksa Teknologi Informasi) melakukan pengecekan konektivitas pada "
             "pengguna jaringan dan pada server. Jika jaringan terkoneksi, proses selesai dan dilaporkan; jika "
             "tidak terkoneksi, Pengawas Infrastruktur TIK menghubungi pihak ISP.",
             kelengkapan=LMJ, waktu="3 hari", waktu_iso="P3D", output=LMJ,
             form_key="gjr_07_cek_konektivitas", form_schema=form("Pengecekan konektivitas", [
                 multi("titik_uji", "Titik uji", ["sisi pengguna", "sisi server"]),
                 area("hasil_ping_traceroute", "Hasil ping/traceroute"),
                 yesno("jaringan_terkoneksi", "Jaringan terkoneksi?"),
                 dok_lmj(),
                 catatan(),
             ])),
        xor("gw_gjr_07", TT, "Jaringan terkoneksi?"),
        task("gjr_08", PIT, "Menghubungi dan berkoordinasi dengan pihak ISP",
             "Pejabat Pengawas Infrastruktur TIK menghubungi dan berkoordinasi dengan pihak ISP mengenai masalah "
             "tersebut. Jika jaringan terhubung, segera dilaporkan kepada Pejabat Administrator; jika jaringan "
             "tidak terhubung, kembali pada proses 4 untuk dilakukan pengecekan oleh Tim Teknis.",
             kelengkapan=LMJ, waktu="1 hari", waktu_iso="P1D", output=LMJ,
             keterangan="Nama ISP dan nomor tiket ISP dicatat.",
             form_key="gjr_08_koordinasi_isp", form_schema=form("Koordinasi dengan ISP", [
                 text("nama_isp", "Nama ISP"),
                 text("nomor_tiket_isp", "Nomor tiket ISP"),
                 dt("waktu_lapor_isp", "Waktu melapor ke ISP"),
                 area("tanggapan_isp", "Tanggapan ISP"),
                 dt("perkiraan_pulih", "Perkiraan pulih", req=False),
                 yesno("jaringan_terhubung", "Jaringan terhubung?"),
                 dok_lmj(),
                 catatan(),
             ])),
        xor("gw_gjr_08", PIT, "Jaringan terhubung?"),
        merge("merge_gjr_09", KABID),
        task("gjr_09", KABID, "Menerima laporan gangguan selesai dan meminta laporan penyelesaian",
             "Pejabat Administrator Bidang TIK menerima laporan bahwa penanganan gangguan telah selesai dan segera "
             "meminta Tim Teknis dan Pengelola Teknologi Informasi membuat laporan bahwa gangguan telah selesai.",
             kelengkapan=LMJ, waktu="15 menit", waktu_iso="PT15M", output=LMJ,
             form_key="gjr_09_terima_laporan_selesai", form_schema=form("Terima laporan gangguan selesai", [
                 boolean("konfirmasi_selesai", "Gangguan dikonfirmasi telah selesai"),
                 area("instruksi_pelaporan", "Instruksi pembuatan laporan", req=False),
                 dok_lmj(),
                 catatan(),
             ])),
        task("gjr_10", TT, "Membuat laporan penyelesaian gangguan dan meneruskannya kepada pengguna",
             "Pengelola Teknologi Informasi membuat laporan (surat) bahwa gangguan jaringan telah selesai dan "
             "meneruskannya kepada pengguna jaringan.",
             kelengkapan=LMJ, waktu="15 menit", waktu_iso="PT15M", output="Surat Laporan Penyelesaian Gangguan",
             keterangan="Waktu tidak terbaca pada salinan SOP; ditetapkan 15 menit seperti langkah 9.",
             candidate="pengelola_ti",
             form_key="gjr_10_surat_laporan_penyelesaian", form_schema=form("Surat laporan penyelesaian gangguan", [
                 text("nomor_surat_laporan", "Nomor surat"),
                 date("tanggal_surat_laporan", "Tanggal surat"),
                 area("penyebab_gangguan", "Penyebab gangguan"),
                 area("tindakan_penanganan", "Tindakan penanganan"),
                 dt("waktu_mulai_gangguan", "Gangguan mulai"),
                 dt("waktu_pulih", "Jaringan pulih"),
                 area("rekomendasi", "Rekomendasi", req=False),
                 enum("dikirim_via", "Dikirim melalui", DIKIRIM_VIA, radio=True),
                 doc("dokumen_surat_laporan_penyelesaian_gangguan", "Surat Laporan Penyelesaian Gangguan"),
                 catatan(),
             ])),
        Node("end_gjr", "end", TT, "Laporan penyelesaian diteruskan kepada pengguna"),
    ],
    flows=[
        Flow("start_gjr", "gjr_01"),
        Flow("gjr_01", "gjr_02a"),
        Flow("gjr_02a", "gjr_02b"),
        Flow("gjr_02b", "gjr_03a"),
        Flow("gjr_03a", "gjr_03b"),
        Flow("gjr_03b", "merge_gjr_04"),
        Flow("merge_gjr_04", "gjr_04"),
        Flow("gjr_04", "gjr_05"),
        Flow("gjr_05", "gjr_06"),
        Flow("gjr_06", "gjr_07"),
        Flow("gjr_07", "gw_gjr_07"),
        tidak("gw_gjr_07", "gjr_08"),
        Flow("gjr_08", "gw_gjr_08"),
        tidak("gw_gjr_08", "merge_gjr_04"),
        ya("gw_gjr_07", "merge_gjr_09", "jaringan_terkoneksi", exit="bottom", enter="top", channel_lane=PIT),
        ya("gw_gjr_08", "merge_gjr_09", "jaringan_terhubung"),
        Flow("merge_gjr_09", "gjr_09"),
        Flow("gjr_09", "gjr_10"),
        Flow("gjr_10", "end_gjr"),
    ],
)

PROCESSES = [GDB, PDT, GJR]
