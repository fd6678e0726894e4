"""Compact descriptions of the five SOPs of Bidang TIK and the yearly asset-register review.

Source: shared/notes/domain.md §1.1–1.5 (steps, lanes, decisions, every [DEC] resolution), §4.6
(form fields), and the SOP texts in shared/sop/ (Indonesian wording, identity sections).
``generate.py`` turns this into processes/*.bpmn and forms/*.json.
"""
from __future__ import annotations

from formdsl import (accept, area, boolean, catatan, date, doc, dt, email, enum, form, integer, multi,
                     number, opd, review_table, server, sifat_surat, table, text, url, user, when, when_row,
                     yesno)
from generate import Flow, Lane, Node, Process

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


def step_code(task_id: str) -> str:
    """``gdb_01`` -> ``GDB-01``, ``brd_02a`` -> ``BRD-02a`` (the step ids of domain.md)."""
    prefix, number = task_id.split("_", 1)
    return f"{prefix.upper()}-{number}"


def task(id: str, lane: str, name: str, documentation: str, *, kelengkapan: str, waktu: str, waktu_iso: str,
         output: str, form_key: str, form_schema: dict, waktu_min_iso: str = "", keterangan: str = "",
         candidate: str = "", assignee: str = "", candidate_users: str = "", differs_from: str = "",
         time_rules: dict[str, str] | None = None, notice: dict[str, str] | None = None) -> Node:
    """A user task. ``assignee``/``candidate_users`` name the field of an earlier step's person picker
    that says who does it (disposisi); ``differs_from`` the steps whose performer may not do it;
    ``time_rules`` the SOP's time rules (:func:`shares_time_with`, :func:`waits_on`)."""
    return Node(id=id, kind="task", lane=lane, name=name, langkah=step_code(id),
                documentation=documentation, kelengkapan=kelengkapan, waktu=waktu, waktu_iso=waktu_iso,
                waktu_min_iso=waktu_min_iso, output=output, keterangan=keterangan, form_key=form_key,
                form=form_schema, candidate=candidate, assignee=assignee, candidate_users=candidate_users,
                differs_from=differs_from, time_rules={**(time_rules or {}), **(notice or {})})


def tell_role_when(field: str, role: str) -> dict[str, str]:
    """The holders of ``role`` are notified when the step completes with the checkbox ``field`` ticked."""
    return {"beritahu_bila": field, "beritahu_peran": role}


def shares_time_with(first: str) -> dict[str, str]:
    """The second task of a split SOP step: its due time is ``first``'s start plus the step's one time."""
    return {"waktu_bersama_dengan": first}


def waits_on(party: str, *, since: str = "", until: str = "") -> dict[str, str]:
    """The case waits on ``party`` outside the office while this step is open; the clock stops for the
    wait, from the date-time field ``since`` (default: the task's start) to ``until`` (default: its end)."""
    rules = {"menunggu_pihak_luar": party}
    if since:
        rules["menunggu_mulai"] = since
    if until:
        rules["menunggu_sampai"] = until
    return rules


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
                 text("instansi_pelapor", "Instansi pelapor (instansi terkait)", search="opd"),
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
             assignee="diteruskan_kepada",
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
             candidate_users="petugas_ti",
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
             assignee="administrator_ditugaskan",
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
             candidate_users="petugas_ti",
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
             assignee="diteruskan_kepada",
             form_key="gdb_07_verifikasi_gangguan", form_schema=form("Pengecekan gangguan oleh Pejabat Pengawas", [
                 yesno("gangguan_selesai", "Gangguan telah selesai?"),
                 area("arahan_lanjutan", "Arahan lanjutan", req=False, desc="Wajib bila gangguan belum selesai."),
                 area("catatan_verifikasi", "Catatan pengecekan", req=False),
                 doc("dokumen_laporan_penyelesaian_gangguan", "Laporan Penyelesaian Gangguan", req=False,
                     desc="Wajib bila gangguan telah selesai."),
                 catatan(),
             ], [when("gangguan_selesai", False, ["arahan_lanjutan"]),
                 when("gangguan_selesai", True, ["dokumen_laporan_penyelesaian_gangguan"])])),
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
                 boolean("informasikan_kepala_dinas", "Informasikan kepada Kepala Dinas?", req=False,
                         desc="Bila dicentang, Kepala Dinas menerima pemberitahuan."),
                 doc("dokumen_laporan_penyelesaian_pekerjaan", "Laporan Penyelesaian Pekerjaan", req=False,
                     desc="Wajib bila laporan telah selesai/sesuai."),
                 catatan(),
             ], [when("laporan_diterima", False, ["catatan_pengembalian"]),
                 when("laporan_diterima", True, ["dokumen_laporan_penyelesaian_pekerjaan"])]),
             notice=tell_role_when("informasikan_kepala_dinas", KADIS)),
        xor("gw_gdb_08", KABID, "Laporan telah selesai/sesuai?"),
        task("gdb_09", PPTI, "Membuat laporan penyelesaian pekerjaan dan menyampaikannya",
             "Membuat laporan penyelesaian pekerjaan dan menyampaikannya kepada instansi terkait.",
             kelengkapan="Laporan Penyelesaian Pekerjaan", waktu="15 menit", waktu_iso="PT15M",
             output="Surat Laporan Penyelesaian Gangguan",
             candidate_users="petugas_ti",
             form_key="gdb_09_surat_laporan_penyelesaian", form_schema=form("Surat laporan penyelesaian gangguan", [
                 text("nomor_surat", "Nomor surat", search="nomor"),
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
                 table("opd_produsen_data", "OPD produsen data", [text("nama_opd", "Nama OPD", search="opd")]),
                 text("periode_data", "Periode data", desc="Misalnya 'Tahun 2025' atau 'Semester I 2026'."),
                 date("tenggat", "Tenggat", req=False),
                 doc("dokumen_nota_dinas", "Nota Dinas"),
                 catatan(),
             ])),
        task("pdt_02", PDI, "Membuat surat pendataan atau menerima data untuk pengelolaan",
             "Pejabat Pengawas Seksi Pengelolaan Data dan Integrasi membuat surat untuk melakukan pendataan "
             "kepada OPD produsen data, atau menerima data yang sudah masuk untuk pengelolaan data.",
             kelengkapan="Nota Dinas", waktu="1 jam", waktu_iso="PT1H", output="Surat Pendataan",
             keterangan=("Mode permintaan: kasus berlanjut ke langkah 3; tugas penerimaan data tetap terbuka "
                         "sampai data dari OPD diterima."),
             assignee="kepada",
             form_key="pdt_02_surat_pendataan", form_schema=form("Surat pendataan / penerimaan data", [
                 enum("mode", "Mode pendataan", ["permintaan_data_ke_opd", "penerimaan_data_masuk"],
                      labels=["Permintaan data kepada OPD (surat pendataan)", "Penerimaan data yang sudah masuk"],
                      radio=True),
                 text("nomor_surat", "Nomor surat pendataan", req=False, search="nomor"),
                 date("tanggal_surat", "Tanggal surat pendataan", req=False),
                 table("tujuan_opd", "OPD tujuan surat", [text("nama_opd", "Nama OPD")], req=False),
                 table("daftar_data_diminta", "Daftar data yang diminta", [
                     text("nama_data", "Nama data"), text("satuan", "Satuan", req=False),
                     text("periode", "Periode"), text("format", "Format", req=False)], req=False),
                 multi("format_data", "Format data yang diterima",
                       ["CSV", "XLSX", "JSON", "API", "SQL dump", "lainnya"]),
                 date("batas_penyampaian", "Batas penyampaian data", req=False),
                 doc("dokumen_surat_pendataan", "Surat Pendataan", req=False,
                     desc="Wajib pada mode permintaan: surat pendataan yang ditandatangani. Pada penerimaan data "
                          "yang sudah masuk boleh diisi tanda terima data."),
                 catatan(),
             ], [when("mode", "permintaan_data_ke_opd",
                      ["nomor_surat", "tanggal_surat", "tujuan_opd", "daftar_data_diminta", "batas_penyampaian",
                       "dokumen_surat_pendataan"])])),
        task("pdt_03", PTI, "Menerima data untuk dikelola (disimpan atau di-update)",
             "Pengelola Teknologi Informasi menerima data untuk dikelola: disimpan atau di-update.",
             kelengkapan="Surat Pendataan dan Data", waktu="1 hari", waktu_iso="P1D", output="Data Sektoral",
             keterangan=("Bila langkah 2 mengirim surat pendataan, tugas ini menunggu sampai data dari OPD "
                         "diterima; waktu tunggu sampai tanggal diterima tidak dihitung dalam batas waktu langkah "
                         "dan kasus (jam kasus berhenti)."),
             time_rules=waits_on("OPD produsen data", until="tanggal_terima"),
             form_key="pdt_03_terima_data", form_schema=form("Penerimaan data sektoral", [
                 enum("asal_data", "Asal data", ["kiriman_atas_surat_pendataan", "data_sudah_tersedia"],
                      labels=["Dikirim OPD atas surat pendataan", "Sudah tersedia / masuk tanpa surat pendataan"],
                      radio=True),
                 text("nomor_surat_opd", "Nomor surat pengantar data dari OPD", req=False, search="nomor",
                      desc="Bila data dikirim OPD dengan surat."),
                 text("opd_sumber", "OPD sumber data", search="opd"),
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
             assignee="kepada",
             form_key="pdt_06_cek_pengelolaan_data", form_schema=form("Pengecekan pengelolaan data", [
                 yesno("pengelolaan_selesai", "Pengelolaan data telah selesai?"),
                 area("catatan_perbaikan", "Yang harus diperbaiki", req=False,
                      desc="Wajib bila pengelolaan data belum selesai."),
                 doc("dokumen_perbaikan_laporan_pengelolaan_data", "Perbaikan Laporan Pengelolaan Data", req=False,
                     desc="Wajib bila pengelolaan data belum selesai."),
                 catatan(),
             ], [when("pengelolaan_selesai", False, ["catatan_perbaikan",
                                                     "dokumen_perbaikan_laporan_pengelolaan_data"])])),
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
                 doc("dokumen_laporan_penyelesaian_data", "Laporan Penyelesaian Data", req=False,
                     desc="Wajib bila pengelolaan data disetujui/selesai."),
                 catatan(),
             ], [when("disetujui", False, ["catatan_pengembalian"]),
                 when("disetujui", True, ["dokumen_laporan_penyelesaian_data"])])),
        xor("gw_pdt_07", KABID, "Pengelolaan data disetujui/selesai?"),
        task("pdt_08", PDI, "Menyelesaikan laporan akhir pengelolaan data",
             "Pejabat Pengawas menyelesaikan laporan akhir pengelolaan data.",
             kelengkapan="Laporan Penyelesaian Data", waktu="1 jam", waktu_iso="PT1H",
             output="Konsep Laporan Akhir Penyelesaian Pekerjaan",
             assignee="kepada",
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
                 text("nomor_surat_pengantar", "Nomor surat pengantar", search="nomor"),
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
        Flow("pdt_02", "pdt_03"),
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
                 opd("opd_pengirim", "Unit/OPD pengirim"),
                 text("nomor_surat_permohonan", "Nomor surat", search="nomor"),
                 date("tanggal_surat_permohonan", "Tanggal surat"),
                 text("hal", "Hal"),
                 sifat_surat(),
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
             assignee="diteruskan_ke_kepala_dinas", time_rules=shares_time_with("gjr_02a"),
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
             assignee="didisposisikan_ke_kabid",
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
             assignee="diteruskan_ke_kasi", time_rules=shares_time_with("gjr_03a"),
             form_key="gjr_03b_tugaskan_tim_teknis", form_schema=form("Penugasan Tim Teknis", [
                 table("anggota_tim_teknis", "Anggota Tim Teknis", [
                     user("pengguna", "Anggota (Administrator Server Jaringan, Pengelola atau Pemeriksa TI)", TT),
                 ]),
                 area("arahan", "Arahan"),
                 text("nomor_surat_tugas", "Nomor surat tugas", req=False, search="nomor"),
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
             candidate_users="anggota_tim_teknis",
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
             candidate_users="anggota_tim_teknis",
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
             candidate_users="anggota_tim_teknis",
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
             candidate_users="anggota_tim_teknis",
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
             keterangan=("Nama ISP dan nomor tiket ISP dicatat. Waktu menunggu ISP (dari melapor sampai ISP "
                         "selesai menangani) tidak dihitung dalam batas waktu langkah dan kasus."),
             time_rules=waits_on("ISP", since="waktu_lapor_isp", until="waktu_isp_selesai"),
             assignee="diteruskan_ke_kasi",
             form_key="gjr_08_koordinasi_isp", form_schema=form("Koordinasi dengan ISP", [
                 text("nama_isp", "Nama ISP"),
                 text("nomor_tiket_isp", "Nomor tiket ISP"),
                 dt("waktu_lapor_isp", "Waktu melapor ke ISP"),
                 area("tanggapan_isp", "Tanggapan ISP"),
                 dt("waktu_isp_selesai", "Waktu ISP selesai menangani",
                    desc="Sampai saat ini, waktu menunggu ISP tidak dihitung dalam batas waktu."),
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
             assignee="didisposisikan_ke_kabid",
             form_key="gjr_09_terima_laporan_selesai", form_schema=form("Terima laporan gangguan selesai", [
                 accept("konfirmasi_selesai", "Gangguan dikonfirmasi telah selesai",
                        desc="Langkah ini hanya dicapai lewat jawaban Ya (jaringan terkoneksi/terhubung)."),
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
             candidate_users="anggota_tim_teknis",
             form_key="gjr_10_surat_laporan_penyelesaian", form_schema=form("Surat laporan penyelesaian gangguan", [
                 text("nomor_surat_laporan", "Nomor surat", search="nomor"),
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

# =============================================================================================
# SOP-04 Pemeliharaan dan Akses Data Center (domain.md §1.4); routine: timer start R/P1M (D5)
# =============================================================================================

DC = "personil_dc"

PDC = Process(
    key="sop_pemeliharaan_akses_dc",
    name="Pemeliharaan dan Akses Data Center",
    participant_name="SOP Pemeliharaan dan Akses Data Center",
    documentation=(
        "Pemeliharaan peralatan Data Center dan pembatasan akses ruang Data Center Dinas Kominfo Prov. Kaltim. "
        "Kegiatan harus dilakukan secara rutin tanpa kecuali: satu kasus dimulai otomatis setiap bulan "
        "(R/P1M; SOP tidak menyebut frekuensi, bulanan ditetapkan sebagai bawaan) dan kasus juga dapat dimulai "
        "manual untuk pemeliharaan di luar jadwal. Akses ruang Data Center dicatat dalam register akses ruang DC "
        "(bukan alur dalam SOP ini)."),
    properties=identity(
        nomor_sop="065.2/519/Diskominfo", tanggal_pembuatan="03 Agustus 2018",
        disahkan_oleh=f"{KEPALA_DINAS} (DIDDY RUSDIANSYAH ANAN DANI, SE., MM, NIP. 19640627 199003 1 006)",
        nama_sop="PEMELIHARAAN DAN AKSES DATA CENTER",
        penanggung_jawab="Bidang Teknologi Informasi dan Komunikasi, Seksi Infrastruktur TIK "
                         "(disimpulkan dari pelaksana; tidak tercantum dalam SOP)",
        waktu="Tidak tercantum dalam SOP; jumlah waktu langkah 2 hari kerja 1 jam 45 menit",
        waktu_iso="P2DT1H45M",
        dasar_hukum=DASAR_HUKUM_4_PSE,
        kualifikasi=[
            "Personil Data Center (Pengelola & Pemeriksa TIK) mendapat Surat Tugas dari Pimpinan",
            "Memiliki pengetahuan yang memadai dalam melakukan kegiatan pengelolaan sarana pendukung, "
            "pemeliharaan perangkat TIK ruang Data Center, serta pengelolaan suhu dan kelembaban ruang Data Center",
        ],
        keterkaitan=["SOP Backup dan Restore Database",
                     "SOP Co-location Server dan Hosting Aplikasi di Dinas Kominfo Prov. Kaltim",
                     "SOP Pengendalian Hak Akses Data"],
        peralatan=["UPS, genset, pendingin, sistem pemadam api, atau server harus ditempatkan di lokasi yang aman "
                   "dan dipantau secara berkesinambungan"],
        peringatan=["Kegiatan harus dilakukan secara rutin tanpa kecuali karena apabila tidak dilaksanakan akan "
                    "mengakibatkan kerusakan dan kehilangan data-data dan informasi-informasi penting."],
        pencatatan=["(Akses dan pemeliharaan) harus dikendalikan dan dipantau menggunakan pengendalian akses "
                    "yang memadai."],
    ),
    lanes=[
        Lane(DC, "Personil DC (Pengelola & Pemeriksa TIK)"),
        Lane(PIT, "Pengawas Infrastruktur TIK"),
    ],
    nodes=[
        Node("start_pdc", "timer_start", PIT, "Jadwal pemeliharaan rutin (setiap bulan)", time_cycle="R/P1M"),
        task("pdc_01", PIT, "Menugaskan Personil DC untuk pemeliharaan dan membatasi akses ruang DC",
             "Pengawas Infrastruktur TIK menugaskan Personil DC (Pengelola TIK dan Pemeriksa TIK) untuk "
             "pemeliharaan peralatan dan membatasi akses bagi yang tidak berkepentingan pada ruang Data Center.",
             kelengkapan="Agenda kerja", waktu="15 menit", waktu_iso="PT15M", output="Surat Tugas",
             form_key="pdc_01_surat_tugas_pemeliharaan", form_schema=form("Surat tugas pemeliharaan Data Center", [
                 text("nomor_surat_tugas", "Nomor surat tugas", search="nomor"),
                 date("tanggal_surat_tugas", "Tanggal surat tugas"),
                 text("dasar_agenda_kerja", "Dasar (agenda kerja / jadwal rutin)"),
                 table("personil_dc_ditugaskan", "Personil DC yang ditugaskan", [
                     user("pengguna", "Personil (Pengelola/Pemeriksa TIK)", DC),
                     enum("peran", "Peran", ["pengelola_ti", "pemeriksa_ti"],
                          labels=["Pengelola TIK", "Pemeriksa TIK"]),
                 ]),
                 date("periode_mulai", "Periode pemeliharaan mulai"),
                 date("periode_selesai", "Periode pemeliharaan selesai"),
                 multi("lingkup", "Lingkup pemeliharaan",
                       ["UPS", "genset", "pendingin/AC presisi", "sistem pemadam api", "server/rak",
                        "perangkat jaringan", "CCTV/kontrol akses", "sensor suhu & kelembaban", "kelistrikan/PDU"]),
                 area("instruksi_pembatasan_akses", "Instruksi pembatasan akses ruang DC"),
                 doc("dokumen_surat_tugas", "Surat Tugas"),
                 catatan(),
             ])),
        task("pdc_02", DC, "Membuat rencana dan jadwal pemeliharaan perangkat data center",
             "Pengelola TIK membuat rencana dan jadwal pemeliharaan perangkat data center.",
             kelengkapan="Surat Tugas", waktu="1 hari", waktu_iso="P1D", output="Rencana Kerja",
             candidate="pengelola_ti",
             candidate_users="personil_dc_ditugaskan",
             form_key="pdc_02_rencana_jadwal", form_schema=form("Rencana dan jadwal pemeliharaan", [
                 table("rencana", "Rencana pemeliharaan", [
                     text("aset", "Aset/perangkat"),
                     enum("jenis", "Jenis", ["preventif", "korektif", "inspeksi"]),
                     dt("jadwal", "Jadwal"),
                     text("pelaksana", "Pelaksana"),
                     boolean("butuh_downtime", "Butuh downtime?"),
                 ]),
                 dt("jendela_mulai", "Jendela pemeliharaan mulai"),
                 dt("jendela_selesai", "Jendela pemeliharaan selesai"),
                 area("risiko_mitigasi", "Risiko dan mitigasi", req=False),
                 boolean("pemberitahuan_downtime_ke_opd", "OPD terdampak sudah diberi tahu tentang downtime?",
                         req=False, desc="Wajib bila ada baris rencana yang butuh downtime."),
                 doc("dokumen_rencana_kerja", "Rencana Kerja"),
                 catatan(),
             ], [when_row("rencana", "butuh_downtime", True, ["pemberitahuan_downtime_ke_opd"])])),
        task("pdc_03", DC, "Melakukan pemeliharaan sesuai dengan rencana dan jadwal",
             "Pemeriksa TIK melakukan pemeliharaan sesuai dengan rencana dan jadwal.",
             kelengkapan="Rencana Kerja", waktu="1 hari", waktu_iso="P1D", output="Laporan",
             candidate="pemeriksa_ti",
             candidate_users="personil_dc_ditugaskan",
             form_key="pdc_03_pelaksanaan_pemeliharaan", form_schema=form("Pelaksanaan pemeliharaan", [
                 dt("tanggal_pelaksanaan", "Tanggal dan jam pelaksanaan"),
                 table("checklist", "Daftar periksa", [
                     text("aset", "Aset/perangkat"),
                     text("kondisi_sebelum", "Kondisi sebelum"),
                     text("tindakan", "Tindakan"),
                     enum("kondisi_sesudah", "Kondisi sesudah", ["baik", "perlu perbaikan", "rusak"]),
                     text("catatan", "Catatan", req=False),
                 ]),
                 number("suhu_ruang_c", "Suhu ruang (°C)", req=True),
                 number("kelembaban_pct", "Kelembaban (%)", req=True, minimum=0, maximum=100),
                 number("beban_ups_pct", "Beban UPS (%)", minimum=0, maximum=100),
                 number("runtime_baterai_menit", "Runtime baterai UPS (menit)", minimum=0),
                 number("level_bbm_genset_pct", "Level BBM genset (%)", minimum=0, maximum=100),
                 boolean("uji_genset", "Genset diuji?", req=False),
                 text("status_pemadam", "Status pemadam api (tekanan, tanggal kedaluwarsa)", req=False),
                 doc("lampiran_foto", "Foto pemeliharaan", req=False),
                 doc("dokumen_laporan_pemeliharaan", "Laporan pemeliharaan"),
                 catatan(),
             ])),
        task("pdc_04", PIT, "Melaporkan hasil pemeliharaan peralatan data center",
             "Melaporkan hasil pemeliharaan peralatan data center: Pemeriksa TIK menyerahkan laporan kepada "
             "Pengawas Infrastruktur TIK, yang menerima dan mencatatnya.",
             kelengkapan="Laporan", waktu="tidak tercantum", waktu_iso="PT15M", output="Laporan",
             keterangan=("Kelengkapan, waktu dan output tidak tercantum dalam SOP; simbol langkah 4 tercetak di "
                         "kolom Pengawas: Pengawas menerima dan mencatat laporan. Batas waktu 15 menit ditetapkan."),
             form_key="pdc_04_laporkan_hasil_pemeliharaan", form_schema=form("Terima laporan hasil pemeliharaan", [
                 dt("tanggal_laporan_diterima", "Tanggal dan jam laporan diterima"),
                 user("dilaporkan_oleh", "Dilaporkan oleh (Pemeriksa TIK)", "pemeriksa_ti"),
                 area("ringkasan_hasil_pemeliharaan", "Ringkasan hasil pemeliharaan"),
                 doc("dokumen_laporan_pemeliharaan", "Laporan pemeliharaan"),
                 catatan(),
             ])),
        task("pdc_05", PIT, "Mereview hasil pemeliharaan peralatan data center",
             "Pengawas Infrastruktur TIK mereview hasil pemeliharaan peralatan data center dan mencatat tindak "
             "lanjut yang diperlukan.",
             kelengkapan="Laporan", waktu="1 jam", waktu_iso="PT1H", output="Catatan",
             keterangan=("Nomor langkah tercetak '6' pada SOP (salah ketik untuk 5). SOP tidak mempunyai "
                         "percabangan penolakan; tindak lanjut dicatat."),
             form_key="pdc_05_review_hasil_pemeliharaan", form_schema=form("Review hasil pemeliharaan", [
                 enum("hasil_review", "Hasil review", ["diterima", "diterima dengan catatan"], radio=True),
                 area("catatan_review", "Catatan review"),
                 multi("tindak_lanjut", "Tindak lanjut", ["perbaikan korektif", "pengadaan", "tidak ada"],
                       req=False),
                 doc("dokumen_catatan_review", "Catatan"),
                 catatan(),
             ])),
        task("pdc_06", DC, "Menyimpan laporan pemeliharaan data center sebagai bukti",
             "Pengelola TIK menyimpan laporan pemeliharaan data center sebagai bukti.",
             kelengkapan="Catatan", waktu="15 menit", waktu_iso="PT15M", output="Laporan",
             candidate="pengelola_ti",
             candidate_users="personil_dc_ditugaskan",
             form_key="pdc_06_arsipkan_laporan", form_schema=form("Arsipkan laporan pemeliharaan", [
                 text("kode_klasifikasi_arsip", "Kode klasifikasi arsip"),
                 enum("lokasi_arsip", "Lokasi arsip", ["SRIKANDI", "berkas fisik", "keduanya"], radio=True),
                 text("keterangan_lokasi_arsip", "Keterangan lokasi arsip", req=False),
                 doc("dokumen_laporan_arsip", "Laporan (arsip)"),
                 catatan(),
             ])),
        Node("end_pdc", "end", DC, "Laporan pemeliharaan tersimpan sebagai bukti"),
    ],
    flows=[
        Flow("start_pdc", "pdc_01"),
        Flow("pdc_01", "pdc_02"),
        Flow("pdc_02", "pdc_03"),
        Flow("pdc_03", "pdc_04"),
        Flow("pdc_04", "pdc_05"),
        Flow("pdc_05", "pdc_06"),
        Flow("pdc_06", "end_pdc"),
    ],
)

# =============================================================================================
# SOP-05 Back-up dan Restore Database Server (domain.md §1.5)
# =============================================================================================

OPD = "opd_pemohon"

BRD = Process(
    key="sop_backup_restore_db",
    name="Back-up dan Restore Database Server",
    participant_name="SOP Back-up dan Restore Database Server di Dinas Kominfo Prov. Kaltim",
    documentation=(
        "Prosedur Back-up / Restore Database server di Dinas Kominfo Prov. Kaltim atas permohonan OPD. "
        "Langkah 4 (Pengelola TIK melaksanakan) dan langkah 5 (Pemeriksa TIK mengkonfirmasi) dikerjakan oleh "
        "orang yang berbeda. Server yang telah dipasang dan beroperasi harus terdaftar di aset register; "
        "tinjauan tahunan aset register dijalankan oleh proses tinjau_aset_register_server."),
    properties=identity(
        nama_sop="BACK-UP DAN RESTORE DATABASE SERVER DI DINAS KOMINFO PROV. KALTIM",
        penanggung_jawab="Bidang Teknologi Informasi dan Komunikasi, Seksi Infrastruktur TIK "
                         "(disimpulkan dari pelaksana; tidak tercantum dalam SOP)",
        waktu="Tidak tercantum dalam SOP; jumlah waktu langkah 2 sampai 5: 1 hari kerja 1 jam 30 menit",
        waktu_iso="P1DT1H30M",
        dasar_hukum=DASAR_HUKUM_4_PSE,
        kualifikasi=["Pelaksana, sesuai dengan tupoksinya", "Ketersediaan waktu pelaksanaan backup/restore",
                     "Ketersediaan personil dan fasilitas yang melaksanakan backup/restore"],
        keterkaitan=["SOP Pemeliharaan dan Akses Data Center",
                     "SOP Co-location Server dan Hosting Aplikasi di Dinas Kominfo Prov. Kaltim"],
        peralatan=["Surat Permohonan, Disposisi", "PC, notebook, flashdisk, server, UPS, dll",
                   "ATK, Media Komunikasi, Formulir-formulir"],
        peringatan=[],
        pencatatan=[
            "Server yang telah dipasang dan telah beroperasi harus didaftarkan ke dalam aset register Dinas "
            "Komunikasi dan Informatika Provinsi Kalimantan Timur.",
            "Daftar aset register server harus ditinjau setidaknya satu kali dalam setahun untuk memastikan "
            "kesesuaiannya.",
        ],
    ) | {"waktu_pelaksanaan_mulai": "brd_02a",  # counted from Diskominfo's receipt (E4), not from brd_01
         "hasil_untuk_pemohon": "jenis_layanan,hasil_dikonfirmasi,tindak_lanjut_kegagalan"},  # told at the end
    lanes=[
        Lane(OPD, "SKPD/OPD"),
        Lane(KABID, "Administrator Bidang TIK"),
        Lane(PIT, "Pengawas Infrastruktur TIK"),
        Lane(DC, "Personil DC (Pengelola & Pemeriksa TIK)"),
    ],
    nodes=[
        Node("start_brd", "start", OPD, "Kebutuhan back-up/restore database"),
        task("brd_01", OPD, "Mengajukan surat permohonan back-up/restore database server",
             "OPD mengajukan surat permohonan back-up/restore database server di Diskominfo Prov. Kaltim, dengan "
             "memberikan daftar spesifikasi server/aplikasi dan data-data lainnya yang akan di-back-up dan "
             "di-restore.",
             kelengkapan="Surat permohonan dan daftar spesifikasi server/aplikasi/data", waktu="tidak tercantum",
             waktu_iso="P1D", output="Surat permohonan",
             keterangan=("Waktu tidak tercantum dalam SOP: langkah di OPD, di luar waktu pelaksanaan yang dihitung "
                         "sejak surat diterima Diskominfo. Batas 1 hari ditetapkan sebagai pengingat."),
             form_key="brd_01_surat_permohonan", form_schema=form("Surat permohonan back-up/restore database server", [
                 enum("jenis_layanan", "Jenis layanan", ["backup", "restore"], labels=["Back-up", "Restore"],
                      radio=True),
                 opd("opd_pemohon", "OPD pemohon"),
                 text("nomor_surat", "Nomor surat", search="nomor"),
                 date("tanggal_surat", "Tanggal surat"),
                 text("hal", "Hal"),
                 sifat_surat(),
                 table("daftar_spesifikasi", "Daftar spesifikasi server/aplikasi/data", [
                     text("nama_aplikasi", "Aplikasi"),
                     text("hostname", "Hostname"),
                     text("ip", "Alamat IP", req=False),
                     text("lokasi", "Lokasi (rak/VM)", req=False),
                     text("os", "Sistem operasi", req=False),
                     text("dbms_versi", "DBMS dan versi"),
                     text("nama_database", "Nama database"),
                     number("ukuran_gb", "Ukuran (GB)", minimum=0),
                 ]),
                 enum("cakupan", "Cakupan", ["full", "incremental", "diferensial", "tabel tertentu"], radio=True),
                 text("titik_pemulihan", "Titik pemulihan (back-up yang dipulihkan)", req=False,
                      desc="Wajib untuk restore."),
                 enum("target_restore", "Target restore", ["server sama", "server baru"], req=False,
                      desc="Wajib untuk restore."),
                 text("keterangan_target_restore", "Keterangan server target", req=False),
                 area("alasan", "Alasan permohonan"),
                 dt("jadwal_diinginkan_mulai", "Jadwal yang diinginkan mulai", req=False),
                 dt("jadwal_diinginkan_selesai", "Jadwal yang diinginkan selesai", req=False),
                 text("toleransi_downtime", "Toleransi downtime", req=False),
                 text("pic_teknis_nama", "Nama narahubung teknis"),
                 text("pic_teknis_telepon", "Telepon narahubung teknis"),
                 email("pic_teknis_email", "Email narahubung teknis"),
                 accept("persetujuan_risiko", "Pemohon menerima risiko dan downtime yang mungkin terjadi"),
                 doc("dokumen_surat_permohonan", "Surat permohonan"),
                 catatan(),
             ], [when("jenis_layanan", "restore", ["titik_pemulihan", "target_restore"])])),
        task("brd_02a", KABID, "Memverifikasi permohonan dan mendisposisikan ke Pengawas Infrastruktur TIK",
             "Administrator Bidang TIK memverifikasi permohonan dan mendisposisikannya ke Pengawas Infrastruktur "
             "TIK.",
             kelengkapan="Surat permohonan", waktu="15 menit", waktu_iso="PT15M", output="Disposisi",
             keterangan="Waktu 15 menit dipakai bersama langkah 2a dan 2b.",
             form_key="brd_02a_verifikasi_disposisi", form_schema=form("Verifikasi dan disposisi permohonan", [
                 enum("hasil_verifikasi", "Hasil verifikasi", ["lengkap", "tidak lengkap"], radio=True,
                      desc="Informatif; SOP tidak mempunyai percabangan di langkah ini."),
                 user("diteruskan_kepada", "Didisposisikan kepada", PIT),
                 multi("instruksi", "Instruksi", INSTRUKSI),
                 doc("dokumen_disposisi", "Disposisi"),
                 catatan(),
             ])),
        task("brd_02b", PIT, "Meneruskan disposisi kepada Tim Personil Data Center",
             "Pengawas Infrastruktur TIK meneruskan disposisi kepada Tim Personil Data Center (Pengelola & "
             "Pemeriksa TIK) untuk proses back-up/restore database.",
             kelengkapan="Disposisi", waktu="15 menit (bersama langkah 2a)", waktu_iso="PT15M", output="Disposisi",
             keterangan="Waktu 15 menit dipakai bersama langkah 2a dan 2b.",
             assignee="diteruskan_kepada", time_rules=shares_time_with("brd_02a"),
             form_key="brd_02b_teruskan_personil_dc", form_schema=form("Teruskan kepada Personil Data Center", [
                 user("pelaksana_pengelola", "Pelaksana (Pengelola TIK)", "pengelola_ti"),
                 user("pelaksana_pemeriksa", "Pemeriksa (Pemeriksa TIK)", "pemeriksa_ti",
                      desc="Harus orang yang berbeda dari pelaksana.", differs_from="pelaksana_pengelola"),
                 doc("dokumen_disposisi_lanjutan", "Disposisi (diteruskan)"),
                 catatan(),
             ])),
        task("brd_03", DC, "Merencanakan back-up/restore sesuai kapasitas dan menginformasikan pemohon",
             "Pengelola TIK merencanakan pelaksanaan back-up/restore database server sesuai ketersediaan "
             "kapasitas dan menginformasikannya kepada pemohon.",
             kelengkapan="Surat permohonan dan disposisi", waktu="1 jam", waktu_iso="PT1H", output="Perencanaan",
             candidate="pengelola_ti",
             assignee="pelaksana_pengelola",
             form_key="brd_03_perencanaan", form_schema=form("Perencanaan back-up/restore", [
                 number("kapasitas_tersedia_gb", "Kapasitas tersedia (GB)", req=True, minimum=0),
                 boolean("kapasitas_cukup", "Kapasitas cukup?"),
                 dt("jadwal_pelaksanaan", "Jadwal pelaksanaan"),
                 enum("metode", "Metode", ["dump logis", "snapshot VM/storage", "replika", "lainnya"],
                      labels=["Dump logis (mysqldump/pg_dump/…)", "Snapshot VM/storage", "Replika", "Lainnya"]),
                 text("alat", "Alat/perintah yang dipakai", req=False),
                 text("lokasi_media_backup", "Lokasi media back-up"),
                 area("rencana_rollback", "Rencana rollback", req=False),
                 accept("informasi_ke_pemohon_terkirim", "Pemohon sudah diinformasikan",
                        desc="Langkah 3 SOP: rencana diinformasikan kepada pemohon."),
                 dt("waktu_informasi_ke_pemohon", "Waktu pemohon diinformasikan"),
                 doc("dokumen_perencanaan", "Perencanaan"),
                 catatan(),
             ])),
        task("brd_04", DC, "Melaksanakan proses back-up/restore database sesuai perencanaan",
             "Pengelola TIK melaksanakan proses back-up/restore database sesuai perencanaan.",
             kelengkapan="Surat permohonan dan disposisi; Perencanaan", waktu="1 hari", waktu_iso="P1D",
             output="Laporan", candidate="pengelola_ti",
             assignee="pelaksana_pengelola",
             form_key="brd_04_pelaksanaan", form_schema=form("Pelaksanaan back-up/restore", [
                 server("server_aset", "Server (dari aset register)",
                        desc="Aturan pencatatan: server yang beroperasi harus terdaftar di aset register; hasil "
                             "langkah ini dan konfirmasinya dicatat pada server ini."),
                 dt("waktu_mulai_job", "Job mulai"),
                 dt("waktu_selesai_job", "Job selesai"),
                 enum("hasil_pelaksanaan", "Hasil", ["berhasil", "gagal", "sebagian"], radio=True),
                 number("ukuran_backup_gb", "Ukuran back-up (GB)", minimum=0),
                 text("lokasi_file_backup", "Lokasi/ID berkas back-up"),
                 text("checksum", "Checksum"),
                 doc("lampiran_log_job", "Log job", req=False),
                 area("catatan_pelaksanaan", "Catatan pelaksanaan"),
                 doc("dokumen_laporan_pelaksanaan", "Laporan"),
                 catatan(),
             ])),
        task("brd_05", DC, "Mengkonfirmasi hasil pelaksanaan back-up/restore database",
             "Pemeriksa TIK mengkonfirmasi hasil pelaksanaan proses back-up/restore database, dan memastikan "
             "server terdaftar di aset register.",
             kelengkapan="Laporan", waktu="15 menit", waktu_iso="PT15M", output="Laporan",
             candidate="pemeriksa_ti",
             keterangan="Dikerjakan oleh Pemeriksa TIK yang berbeda dari pelaksana langkah 4.",
             assignee="pelaksana_pemeriksa", differs_from="brd_04",
             form_key="brd_05_konfirmasi_hasil", form_schema=form("Konfirmasi hasil back-up/restore", [
                 boolean("checksum_cocok", "Checksum cocok?"),
                 enum("uji_restore_atau_aplikasi", "Uji restore / aplikasi", ["berhasil", "gagal", "tidak diuji"],
                      radio=True),
                 enum("hasil_dikonfirmasi", "Hasil yang dikonfirmasi", ["berhasil", "gagal"],
                      labels=["Berhasil", "Gagal"], radio=True,
                      desc="Berhasil hanya bila checksum cocok dan uji tidak gagal. Hasil ini disampaikan kepada "
                           "pemohon."),
                 area("tindak_lanjut_kegagalan", "Tindak lanjut kegagalan", req=False,
                      desc="Wajib bila hasil gagal; disampaikan kepada pemohon."),
                 boolean("konfirmasi_pemohon", "Pemohon sudah mengkonfirmasi?", req=False),
                 doc("dokumen_laporan_terkonfirmasi", "Laporan (terkonfirmasi)"),
                 catatan(),
             ], [
                 # "berhasil" only when the checks agree: a mismatched checksum or a failed test is a failure
                 {"if": {"anyOf": [{"properties": {"checksum_cocok": {"const": False}}, "required": ["checksum_cocok"]},
                                   {"properties": {"uji_restore_atau_aplikasi": {"const": "gagal"}},
                                    "required": ["uji_restore_atau_aplikasi"]}]},
                  "then": {"properties": {"hasil_dikonfirmasi": {
                      "const": "gagal",
                      "x-message": "Checksum tidak cocok atau uji gagal: hasil harus dikonfirmasi gagal."}}}},
                 when("hasil_dikonfirmasi", "gagal", ["tindak_lanjut_kegagalan"]),
             ])),
        Node("end_brd", "end", DC, "Hasil back-up/restore dikonfirmasi"),
    ],
    flows=[
        Flow("start_brd", "brd_01"),
        Flow("brd_01", "brd_02a"),
        Flow("brd_02a", "brd_02b"),
        Flow("brd_02b", "brd_03"),
        Flow("brd_03", "brd_04"),
        Flow("brd_04", "brd_05"),
        Flow("brd_05", "end_brd"),
    ],
)

# =============================================================================================
# Yearly review of the server asset register (SOP-05 Pencatatan dan Pendataan 2; domain.md E8)
# =============================================================================================

TAR = Process(
    key="tinjau_aset_register_server",
    name="Tinjauan Daftar Aset Register Server",
    participant_name="Tinjauan Tahunan Daftar Aset Register Server",
    documentation=(
        "Daftar aset register server harus ditinjau setidaknya satu kali dalam setahun untuk memastikan "
        "kesesuaiannya (SOP Back-up dan Restore Database Server, Pencatatan dan Pendataan butir 2). Satu kasus "
        "dimulai otomatis setiap tahun (R/P1Y); Personil DC menyiapkan tinjauan, Pengawas Infrastruktur TIK "
        "menyetujui atau mengembalikannya untuk diperbaiki."),
    properties=identity(
        nama_sop="TINJAUAN DAFTAR ASET REGISTER SERVER",
        penanggung_jawab="Bidang Teknologi Informasi dan Komunikasi, Seksi Infrastruktur TIK",
        waktu="6 hari kerja (tidak tercantum dalam SOP; ditetapkan)", waktu_iso="P6D",
        dasar_hukum=DASAR_HUKUM_4_PSE,
        kualifikasi=["Personil Data Center (Pengelola & Pemeriksa TIK) mendapat Surat Tugas dari Pimpinan"],
        keterkaitan=["SOP Back-up dan Restore Database Server di Dinas Kominfo Prov. Kaltim",
                     "SOP Pemeliharaan dan Akses Data Center"],
        peralatan=["Daftar aset register server", "PC, notebook, server"],
        peringatan=[],
        pencatatan=[
            "Server yang telah dipasang dan telah beroperasi harus didaftarkan ke dalam aset register Dinas "
            "Komunikasi dan Informatika Provinsi Kalimantan Timur.",
            "Daftar aset register server harus ditinjau setidaknya satu kali dalam setahun untuk memastikan "
            "kesesuaiannya.",
        ],
    ),
    lanes=[
        Lane(DC, "Personil DC (Pengelola & Pemeriksa TIK)"),
        Lane(PIT, "Pengawas Infrastruktur TIK"),
    ],
    nodes=[
        Node("start_tar", "timer_start", DC, "Jadwal tinjauan tahunan", time_cycle="R/P1Y"),
        merge("merge_tar_01", DC),
        task("tar_01", DC, "Menyiapkan tinjauan daftar aset register server",
             "Personil DC menyiapkan tinjauan daftar aset register server: mencocokkan setiap server yang "
             "terpasang dan beroperasi dengan daftar aset register dan mencatat ketidaksesuaian.",
             kelengkapan="Daftar aset register server", waktu="5 hari (ditetapkan)", waktu_iso="P5D",
             output="Daftar Aset Register Server (hasil tinjauan)",
             keterangan="Waktu tidak tercantum dalam SOP; 5 hari kerja ditetapkan.",
             form_key="tar_01_siapkan_tinjauan_aset_register",
             form_schema=form("Tinjauan daftar aset register server", [
                 date("tanggal_tinjau", "Tanggal tinjauan"),
                 review_table("daftar_server_ditinjau", "Server yang ditinjau (seluruh aset register)", [
                     server("server_aset", "Server"),
                     enum("status", "Status", ["aktif", "nonaktif", "dihapus"]),
                     boolean("sesuai", "Sesuai kenyataan?"),
                     text("catatan", "Catatan", req=False),
                 ]),
                 area("ketidaksesuaian", "Ketidaksesuaian yang ditemukan", req=False,
                      desc="Wajib bila ada server yang tidak sesuai register."),
                 doc("dokumen_daftar_aset_register_server", "Daftar Aset Register Server (hasil tinjauan)",
                     desc="Daftar lengkap (termasuk OS, DBMS, spesifikasi dan tanggal operasi)."),
                 catatan(),
             ], [when_row("daftar_server_ditinjau", "sesuai", False, ["ketidaksesuaian"])])),
        task("tar_02", PIT, "Meninjau dan menyetujui daftar aset register server",
             "Pengawas Infrastruktur TIK meninjau hasil tinjauan daftar aset register server dan menyetujuinya, "
             "atau mengembalikannya kepada Personil DC untuk diperbaiki.",
             kelengkapan="Daftar Aset Register Server (hasil tinjauan)", waktu="1 hari (ditetapkan)",
             waktu_iso="P1D", output="Berita Acara Tinjauan Aset Register Server",
             keterangan="Waktu tidak tercantum dalam SOP; 1 hari kerja ditetapkan.",
             form_key="tar_02_setujui_tinjauan_aset_register", form_schema=form("Persetujuan tinjauan aset register", [
                 yesno("tinjauan_disetujui", "Daftar aset register sesuai dan disetujui?"),
                 area("catatan_pengembalian", "Yang harus diperbaiki", req=False,
                      desc="Wajib bila tinjauan dikembalikan."),
                 doc("dokumen_berita_acara_tinjauan", "Berita Acara Tinjauan Aset Register Server", req=False,
                     desc="Wajib bila tinjauan disetujui."),
                 catatan(),
             ], [when("tinjauan_disetujui", False, ["catatan_pengembalian"]),
                 when("tinjauan_disetujui", True, ["dokumen_berita_acara_tinjauan"])])),
        xor("gw_tar_02", PIT, "Daftar aset register sesuai dan disetujui?"),
        Node("end_tar", "end", PIT, "Daftar aset register server telah ditinjau"),
    ],
    flows=[
        Flow("start_tar", "merge_tar_01"),
        Flow("merge_tar_01", "tar_01"),
        Flow("tar_01", "tar_02"),
        Flow("tar_02", "gw_tar_02"),
        ya("gw_tar_02", "end_tar", "tinjauan_disetujui"),
        tidak("gw_tar_02", "merge_tar_01"),
    ],
)

PROCESSES = [GDB, PDT, GJR, PDC, BRD, TAR]
