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


def xor(id: str, lane: str, question: str, label_below: bool = False) -> Node:
    return Node(id=id, kind="xor", lane=lane, name=question, label_below=label_below)


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

PROCESSES = [GDB]
