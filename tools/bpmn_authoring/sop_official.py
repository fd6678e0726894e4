"""The five SOPs as issued: what the official SOP document prints, kept apart from the model.

``sops.py`` describes the executable models (cleaned wording, split steps, added checks). This
module holds the SOP texts of shared/sop/ as written: the identity fields, the narrative sections
(A. Pengantar … G. Diagram Alir, where the SOP has them), each SOP step's own sentence, number and
mutu baku, and which model tasks draw that step. ``generate.py`` writes it into the BPMN as
``sop_resmi_*`` process properties and ``sop_*`` task properties, so every deployed version carries
the SOP text it was deployed against and its document never changes afterwards.

Wording is copied from the SOP text; only whitespace differs (tests/processes/test_sop_official.py
compares every string with tests/processes/sop_texts/). Where the text copy is garbled, the reading
is listed in ``perbaikan_salinan`` and shown, with every other modelling note, in the document's
"Catatan pemodelan" appendix, never in the official part.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    langkah: int  # the SOP's step, and the number in its symbol(s)
    uraian: str  # the SOP's own sentence (Uraian Kegiatan / Aktivitas)
    tasks: tuple[str, ...]  # the model tasks drawn in this row; two when the model splits the step
    kelengkapan: str = ""
    waktu: str = ""
    output: str = ""
    nomor: str = ""  # the No. column as printed, when it is not ``langkah``
    catatan: str = ""  # modelling note for the appendix


@dataclass(frozen=True)
class Section:
    judul: str  # "A. PENGANTAR"
    isi: tuple[str | tuple[str, ...], ...]  # a paragraph, or the items of a numbered list


@dataclass(frozen=True)
class OfficialSop:
    process_key: str
    file: str  # the SOP text in shared/sop/ (copied under tests/processes/sop_texts/)
    nama_sop: str
    dasar_hukum: tuple[str, ...]
    kualifikasi_pelaksana: tuple[str, ...]
    keterkaitan: tuple[str, ...]
    peralatan_perlengkapan: tuple[str, ...]
    peringatan: tuple[str, ...]
    pencatatan_pendataan: tuple[str, ...]
    steps: tuple[Step, ...]
    sections: tuple[Section, ...] = ()
    nomor_sop: str = ""
    tanggal_pembuatan: str = ""
    tanggal_revisi: str = ""
    tanggal_efektif: str = ""
    disahkan_jabatan: str = ""
    disahkan_nama: str = ""
    disahkan_nip: str = ""
    catatan: tuple[str, ...] = ()  # modelling notes about the whole SOP
    perbaikan_salinan: tuple[tuple[str, str], ...] = field(default=())  # (as in the text copy, as read)


DH_5 = (
    "1. Undang-undang Nomor 14 tahun 2008 tentang Keterbukaan Informasi Publik",
    "2. Undang-undang Nomor 25 Tahun 2009 tentang pelayanan Publik",
    "3. Peraturan Pemerintah Nomor 82 Tahun 2012 tentang Penyelenggaraan Sistem dan Transaksi Elektronik",
    "4. Peraturan Menteri Komunikasi dan Informatika Nomor 7 Tahun 2013 tentang Pedoman Penerapan "
    "Interoperabilitas Dokumen Perkantoran",
    "5. Peraturan Menteri Komunikasi dan Informatika Nomor 14 tahun 2016 tentang Pedoman Nomenklatur Perangkat "
    "Daerah Bidang Komunikasi dan Informatika Nomenkaltur",
)
DH_C = (
    "Undang-Undang 14 tahun 2008 tentang Keterbukaan Informasi Publik.",
    "Undang-Undang Nomor 25 Tahun 2009 tentang pelayanan Publik.",
    "Peraturan Pemerintah Nomor 82 Tahun 2012 tentang Penyelenggaraan Sistem dan Transaksi Elektronik",
    "Peraturan Menteri Komunikasi dan Informatika Nomor 7 Tahun 2013 tentang Pedoman Penerapan "
    "Interoperabilitas Dokumen Perkantoran",
    "Peraturan Menteri Komunikasi dan Informatika Nomor 14 tahun 2016 tentang Pedoman Nomenklatur Perangkat "
    "Daerah Bidang Komunikasi dan Informatika Nomenkaltur",
)
DH_4_PSE = (
    "1. Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik",
    "2. Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik",
    "3. Peraturan Pemerintah Nomor 82 Tahun 2012 tentang Penyelenggaraan Sistem dan Transaksi Elektronik",
    "4. Peraturan Menteri Komunikasi dan Informatika Nomor 7 Tahun 2013 tentang Pedoman Penerapan "
    "Interoperabilitas Dokumen Perkantoran Bagi Penyelenggara Sistem Elektronik Untuk Pelayanan Publik",
)
DH_4_PSE_BRD = (  # as SOP-05 punctuates them
    "1. Undang-Undang Nomor 14 Tahun 2008 tentang Keterbukaan Informasi Publik;",
    "2. Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik",
    "3. Peraturan Pemerintah Nomor 82 Tahun 2012 tentang Penyelenggaraan Sistem dan Transaksi Elektronik;",
    "4. Peraturan Menteri Komunikasi dan Informatika Nomor 7 Tahun 2013 tentang Pedoman Penerapan "
    "Interoperabilitas Dokumen Perkantoran Bagi Penyelenggara Sistem Elektronik Untuk Pelayanan Publik.",
)
KUALIFIKASI_PDI = "Kualifikasi Pelaksana untuk melaksanakan kegiatan ini, yaitu:"
PERALATAN_PDI = "Peralatan/perlengkapan yang diperlukan antara lain:"
PJ_2006 = ("Penanggung Jawab ditulis 'Permenkominfo Nomor 14 Tahun 2006' pada SOP (Permenkominfo tentang nomenklatur "
           "bernomor 14 Tahun 2016); dicetak sebagaimana tertulis. Model memakai 2016; perbaikan pada SOP "
           "dilakukan sebagai revisi dengan catatan revisi.")

GDB = OfficialSop(
    process_key="sop_gangguan_database", file="000_a1837b23d07bdb6b.txt",
    nama_sop="PENGELOLAAN GANGGUAN DATABASE",
    dasar_hukum=DH_5,
    kualifikasi_pelaksana=(
        "1. Administrator mendapat Surat Tugas dari Pimpinan;",
        "2. Memiliki Pengetahuan yang memadai dalam mengoperasikan Aplikasi, Jaringan;",
        "3. Bertanggung jawab terhadap kerahasiaan, pengamanan terhadap data dan informasi yang dikelola"),
    keterkaitan=("1. SOP – INTEGRASI SISTEM INFORMASI", "2. SOP- CO LOCATION DAN HOSTING SERVER"),
    peralatan_perlengkapan=("1. Permohonan dan Disposisi", "2. Server, Database Aplikasi",
                            "3. ATKPersonal Komputer, UPS, dll", "4. Media Komunikasi dll"),
    peringatan=("Apabila Penyelesaian pengelolaan dan gangguan Database terganggu maka Aplikasi akan terganggu dan "
                "akan menghambat kegiatan Operasioan pekerjaan",),
    pencatatan_pendataan=("Sebagai pengendali akses terhadap data dan informasi milik Pemerintah",),
    sections=(
        Section("A. PENGANTAR", (
            "Pengelolaan Gangguan Database di Lingkungan Pemerintah Provinsi Kalimantan Timur merupakan kegiatan yang "
            "dilaksanakan Bidang Teknologi Informasi dan Komunikasi yang bertujuan untuk sebagai pengendali akses "
            "terhadap data dan informasi milik Pemerintah. Dengan adanya Pengelolaan Gangguan Database apabila "
            "Penyelesaian pengelolaan dan gangguan Database terganggu maka Aplikasi akan terganggu dan akan "
            "menghambat kegiatan Operasional pekerjaan.",)),
        Section("B. PROSEDUR", ((
            "Pemeriksa dan pengelola Teknologi Informasi Laporan ke dalam form isian laporan dan melaporkan kepada "
            "Administrator",
            "Pejabat Administrator Bidang TIK menyampaikan form laporan, mendisposisi laporan kepada pejabat pengawas "
            "Seksi Pengelolaan Data dan Integrasi SI",
            "pengawas Seksi Pengelolaan Data dan Integrasi SI memberikan arahan penyelesaian gangguan Database",
            "pemeriksa dan Pengelola Teknologi Informasi menindaklanjuti disposisi untuk penyelesaian gangguan "
            "Database bersama dengan Administrator jaringan",
            "Administrator jaringan memeriksa gangguan Database pada server dan melaporkan hasil pengecekan terhadap "
            "gangguan",
            "Pengelola Teknologi Informasi melaporkan hasil pengecekan gangguan kepada pejabat pengawas",
            "Pejabat pengawas melakukan pengecekan terhadap gangguan dan memberikan arahan, jika telah selesai makan "
            "dilaporkan pada pejabat administrator jika tidak akan dilakukan pemeriksaan Database server kembali oleh "
            "Administrator Jaringan",
            "Jika telah selesai pejabat pengawas seksi pengelolaan data dan Integrasi SI melakukan pengecekan laporan, "
            "jika telah selesai makan dilaporkan pada Administrator jika tidak akan disampaikan pada pejabat pengawas "
            "untuk dapat dilakukan pengecekan kembali",
            "Pemeriksadan pengelola Timembuat laporan penyelesaian pekerjaan dan disampaikan pada instansi terkait"),)),
        Section("C. DASAR HUKUM", (DH_C,)),
        Section("D. PENANGGUNG JAWAB", (
            "Penanggung Jawab dari kegiatan ini adalah Bidang Teknologi Informasi dan Komunikasi dibawah seksi "
            "Pengelolaan data dan Integrasi Sistem Informasi berdasarkan Permenkominfo Nomor 14 Tahun 2006.",)),
        Section("E. WAKTU PELAKSANAAN", (
            "Waktu pelaksanaan untuk penyelesaian pengelolaan Database dilakukan selama 3 (tiga) hari kerja.",)),
        Section("F. FASILITAS PENUNJANG", (
            KUALIFIKASI_PDI,
            ("Administrator dan Pelaksana Pengawas Seksi Pengelolaan Data dan Integrasi Sistem Informasi mendapat "
             "Surat Tugas dari Pimpinan;",
             "Memiliki Pengetahuan yang memadai dalam mengoperasikan Aplikasi, Jaringan;",
             "Pemeriksa dan Pengelola Teknologi Informasi bertanggungjawab terhadap kerahasiaan, pengamanan terhadap "
             "data dan informasi yang dikelola"),
            PERALATAN_PDI,
            ("Permohonan dan Disposisi", "Server, Database Aplikasi", "ATKPersonal Komputer, UPS, dll",
             "Media Komunikasi dll"))),
        Section("G. DIAGRAM ALIR", (
            "Diagram alir ini menjelaskan tentang tata cara dan aturan dalam melaksanakan Pengelolaan Gangguan "
            "Database",)),
    ),
    steps=(
        Step(1, "Menerima dan mencatat Laporan ke dalam form isian laporan", ("gdb_01",),
             "Form Laporan", "30 menit", "Form Laporan"),
        Step(2, "Menerima dan mengecek laporan", ("gdb_02",), "Disposisi", "1 jam", "Form Pengecekan"),
        Step(3, "Memberikan arahan penyelesaian gangguan Database", ("gdb_03",),
             "Form Pengecekan", "1 Jam", "Catatan Disposisi"),
        Step(4, "Menindaklanjuti disposisi untuk penyelesaian gangguan Database, melakukan pengecekan", ("gdb_04",),
             "Catatan Disposisi", "1-2 hari", "Catatan Gangguan"),
        Step(5, "Memeriksa gangguan Database pada Server, melaporkan hasil pengecekan terhadap gangguan", ("gdb_05",),
             "Catatan Gangguan", "15 menit", "Laporan gangguan"),
        Step(6, "melaporkan hasil pengecekan gangguan", ("gdb_06",), "Laporan gangguan", "1 Jam", "laporan gangguan"),
        Step(7, "Melakukan pengecekan terhadap gangguan dan memberikan arahan, jika telah selesai makan dilaporkan "
                "pada pejabat administrator jika tidak akan dilakukan pemeriksaan Database server", ("gdb_07",),
             "laporan gangguan", "1 jam", "laporan penyelesaian gangguan"),
        Step(8, "Melakukan pengecekan laporan, jika telah selesai makan dilaporkan pada Administrator jika tidak akan "
                "disampaikan pada pejabat pengawas", ("gdb_08",),
             "laporan penyelesaian gangguan", "15 menit", "laporan penyelesaian pekerjaan"),
        Step(9, "Membuat laporan penyelesaian pekerjaan dan disampaikan pada instansi terkait", ("gdb_09",),
             "laporan pemyelesaian pekerjaan", "15 menit", "surat laporan penyelesaian gangguan"),
    ),
    catatan=(PJ_2006,
             "Kolom Kepala Dinas digambar pada SOP tetapi tidak mempunyai kegiatan; kolom tetap dicetak."),
)

PDT = OfficialSop(
    process_key="sop_pengelolaan_data", file="001_4c479ca0fe41a3c8.txt",
    nama_sop="PENGELOLAAN DATA",
    dasar_hukum=DH_5,
    kualifikasi_pelaksana=(
        "1. Administrator mendapat Surat Tugas dari Pimpinan;",
        "2. Memiliki Pengetahuan yang memadai dalam mengoperasikan Aplikasi, dan Jaringan;",
        "3. Bertanggung jawab terhadap kerahasiaan, pengamanan terhadap data dan informasi yang dikelola"),
    keterkaitan=("1. SOP – PENGELOLAAN DATABASE", "2. SOP – BACKUP DAN RESTORE DATABASE"),
    peralatan_perlengkapan=("1. Surat Permohonan, Disposisi",
                            "2. PC, notebook, flashdisk, server, UPS, dll ATK, Media Komunikasi, Formulir- formulir"),
    peringatan=(),
    pencatatan_pendataan=("Disimpan sebagai data elektronik dan manual",),
    sections=(
        Section("A. PENGANTAR", (
            "Pengelolaan Data di Lingkungan Pemerintah Provinsi Kalimantan Timur merupakan kegiatan yang dilaksanakan "
            "Bidang Teknologi Informasi dan Komunikasi yang bertujuan mengelola data sektoral untuk disimpan sebagai "
            "data elektronik dan manual. Jika tidak sesuai dengan standar Operasional, maka akan terjadi kerusakan "
            "data atau informasi.",)),
        Section("B. PROSEDUR", ((
            "Pejabat Administrator menyampaikan untuk melakukan pendataan yang berkaitan dengan data sektoral",
            "Pejabat Pengawas seksi pengelolaan Data dan Integrasi membuat surat untuk melakukan pendataan atau "
            "menerima untuk pengelolaan data",
            "Pengelola Teknologi Informasi menerima data untuk dikelola disimpan atau di update",
            "Administrator Server menindaklanjuti untuk pengelolaan data harus disimpan atau dilakukan recovery data",
            "Pengelola Teknologi informasi membuat laporan penyelesaian pengelolaan data",
            "Pejabat pengawas Seksi Pengelolaan Data dan Integrasi SI melakukan pengecekan pengelolaan data jika "
            "telah selesai maka dilaporkan pada pejabat Administrator dan jika belum selesai maka pejabat pengawas "
            "bersama administrator memeriksa kembali",
            "Administrator melakukan pengecekan pengelolaan data jika telah selesai maka membuat laporan jika belum "
            "maka dikembalikan kepada pengawas untuk pengecekan",
            "Pejabat Pengawas menyelesaikan laporan pengelolaan data akhir",
            "Pengelolaan teknologi Informasi menyampaikan kepada walidata"),)),
        Section("C. DASAR HUKUM", (DH_C,)),
        Section("D. PENANGGUNG JAWAB", (
            "Penanggung Jawab dari kegiatan ini adalah Bidang Teknologi Informasi dan Komunikasi dibawah seksi "
            "Pengelolaan data dan Integrasi Sistem Informasi berdasarkan Permenkominfo Nomor 14 Tahun 2006.",)),
        Section("E. WAKTU PELAKSANAAN", ("Waktu pelaksanaan untuk pengelolaan data ini adalah 3 (tiga) hari kerja",)),
        Section("F. FASILITAS PENUNJANG", (
            KUALIFIKASI_PDI,
            ("Administrator mendapat Surat Tugas dari Pimpinan;",
             "Memiliki Pengetahuan yang memadai dalam mengoperasikan Aplikasi, dan Jaringan;",
             "Bertanggung jawab terhadap kerahasiaan, pengamanan terhadap data dan informasi yang dikelola"),
            PERALATAN_PDI,
            ("Surat Permohonan, Disposisi", "PC, notebook, flashdisk, server, UPS, dll",
             "ATK, Media Komunikasi, Formulir- formulir ATK", "Media Komunikasi"))),
        Section("G. DIAGRAM ALIR", (
            "Diagram alir ini menjelaskan tentang tata cara dan aturan dalam melaksanakan Pengelolaan Data di "
            "lingkungan Pemerintah Provinsi Kalimantan Timur.",)),
    ),
    steps=(
        Step(1, "menyampaikan untuk melakukan pendataan yang berkaitan dengan data sektoral", ("pdt_01",),
             "Nota Dinas", "30 menit", "Nota Dinas"),
        Step(2, "membuat surat untuk melakukan pendataan atau menerima untuk pengelolaan data", ("pdt_02",),
             "Nota Dinas", "1 Jam", "Surat Pendataan"),
        Step(3, "Menerima data untuk dikelola disimpan atau di update", ("pdt_03",),
             "Surat Pendataan dan Data", "1 hari", "Data Sektoral"),
        Step(4, "Menindaklanjuti untuk pengeloaan data harus disimpan atau dilakukan recovery data", ("pdt_04",),
             "Data Sektoral", "1 hari", "Catatan program penyimpanan data, recovery, update data"),
        Step(5, "membuat laporan penyelesaian pengelolaan data", ("pdt_05",),
             "Catatan program penyimpanan data, recovery, update data", "1-2 Jam", "Laporan Pengelolaan Data"),
        Step(6, "melakukan pengecekan pengelolaan data telah selesai atau belum selesai", ("pdt_06",),
             "Laporan Pengelolaan Data", "1 jam", "Perbaikan Laporan Pengelolaan data"),
        Step(7, "melakukan pengecekan pengeleloaan data jika telah selesai maka membuat laporan jika belum maka "
                "dikembalikan kepada pengawas untuk pengecekan", ("pdt_07",),
             "Laporan penyelesaian data", "1 jam", "Laporan Penyelesaian data"),
        Step(8, "menyelesaikan laporan pengelolaan data akhir", ("pdt_08",),
             "laporan penyelesaian data", "1 Jam", "Konsep laporan akhir penyelesaian pekerjaan"),
        Step(9, "menyampaikan kepada walidata", ("pdt_09",),
             "konsep laporan akhir penyelesaian Pekerjaan", "1 Jam", "Laporan akhir Penyelesain Pekerjaan"),
    ),
    catatan=(PJ_2006,
             "Kotak Peringatan kosong pada SOP; model memakai kalimat Pengantar ('Jika tidak sesuai dengan standar "
             "Operasional, maka akan terjadi kerusakan data atau informasi')."),
)

GJR = OfficialSop(
    process_key="sop_gangguan_jaringan", file="002_b430650bd4e9a762.txt",
    nama_sop="PENANGANAN GANGGUAN JARINGAN",
    dasar_hukum=DH_5,
    kualifikasi_pelaksana=("1. Kemampuan Teknis untuk konfigurasi sistem",
                           "2. Kemampuan mengetik laporan dengan aplikasi Microsoft Word",
                           "3. Kemampuan Administrator jaringan"),
    keterkaitan=("1. SOP SURAT MASUK", "2. SOP MANAJEMEN DAN AKSES JARIINGAN"),
    peralatan_perlengkapan=("1. Surat Permohonan, Disposisi", "2. PC, notebook, flashdisk, server, UPS, dll",
                            "3. ATK, Media Komunikasi, Formulir- formulir"),
    peringatan=("Jika tidak dilaksanakan maka jaringan akan mengalami gangguan",),
    pencatatan_pendataan=("Ditetapkan sebagai panduan untuk memastikan bahwa penangana gangguan jaringan dapat "
                          "ditangani dengan cepat",),
    sections=(
        Section("A. PENGANTAR", (
            "Penangangan gangguan Jaringan di Lingkungan Pemerintah Provinsi Kalimantan Timur merupakan kegiatan yang "
            "dilaksanakan Bidang Teknologi Informasi dan Komunikasi. Kegiatan ini dilaksanakan untuk mengatasi "
            "gangguan jaringan sebagai kebutuhan efisiensi dan efektivitas suatu proses kerja, jika tidak "
            "dilaksanakan maka jaringan akan mengalami gangguan.",)),
        Section("B. PROSEDUR", ((
            "Pengguna Jaringan berkoordinasi dan bersurat kepada DinasKominfo",
            "Kasubag TU menyampaikan surat dan dilakukan disposisi oleh Kepala Dinas",
            "Pejabat Administrator Bidang TIK dan pejabat pengawas/Kasi Infrastruktur TIK Menindaklanjuti disposisi "
            "untuk dilakukan pengecekan",
            "Tim Teknis, Pengelola dan Pemeriksa Teknologi informasi melakukan pengecekan secara fisik terhadap "
            "perangkat aktif jaringan utama",
            "Tim Teknis, Pengelola dan Pemeriksa Teknologi informasi memonitor jaringan pada sistem monitoring",
            "Tim Teknis, Pengelola dan Pemeriksa Teknologi informasi melakukan pengecekan server DNS",
            "Tim Teknis, Pengelola dan Pemeriksa Teknologi informasi melakukan pengecekan konektivitas pada pengguna "
            "jaringan dan pada server, jika jaringan tidak terkoneksi maka Pengawas Infrastruktur TIK menghubungi "
            "pihak ISP, jika terkoneksi maka proses selesai dan dilaporkan pada pengguna jaringan",
            "Jika tidak terkoneksi Pejabat Pengawas Infrastruktur TIK menghubungi dan berkoordinasi pihak ISP mengenai "
            "masalah tersebut, Jika jaringan terhubung maka segera dilaporkan pada pejabat Administrator, jika "
            "jaringan tidak terhubung maka kembali pada proses 4 untuk dilakukan pengecekan oleh Tim Teknis",
            "Jika penanganan gangguan telah selesai maka dilaporkan kepada Pejabat Administrator untuk segera meminta "
            "Tim Teknisdan pengelola Teknologi Informasi membuat laporan bahwa gangguan telah selesai",
            "Pengelola Teknologi Informasi melaporan gangguan telah selesai diteruskan kepada pengguna"),)),
        Section("C. DASAR HUKUM", (DH_C,)),
        Section("D. PENANGGUNG JAWAB", (
            "Penanggung Jawab dari kegiatan ini adalah Bidang Teknologi Informasi dan Komunikasi dibawah seksi "
            "infrastruktur TIK berdasarkan Permenkominfo Nomor 14 Tahun 2006.",)),
        Section("E. WAKTU PELAKSANAAN", (
            "Waktu pelaksanaan untuk penangangan gangguan Jaringan adalah 3 (tiga) hari sampai 14 (empat belas) hari "
            "kerja",)),
        Section("F. FASILITAS PENUNJANG", (
            KUALIFIKASI_PDI,
            ("Kemampuan Teknis untuk konfigurasi sistem", "Kemampuan mengetik laporan dengan aplikasi Microsoft Word",
             "Kemampuan Administrator jaringan"),
            PERALATAN_PDI,
            ("Surat Permohonan, Disposisi", "PC, notebook, flashdisk, server, UPS, dll",
             "ATK, Media Komunikasi, Formulir- formulir Data Center Dinas Kominfo Prov.Kaltim"))),
        Section("G. DIAGRAM ALIR", (
            "Diagram alir ini menjelaskan tentang tata cara dan aturan dalam melaksanakan penanganan Gangguan "
            "Jaringan di lingkungan Pemerintah Provinsi Kalimantan Timur",)),
    ),
    steps=(
        Step(1, "Surat dari pengguna Jaringan", ("gjr_01",),
             "Surat Permohonan Penggunaan Jaringan", "1 hari", "Surat Permohonan Penggunaan Jaringan"),
        Step(2, "Menyampaikan surat untuk mendapatkan disposisi", ("gjr_02a", "gjr_02b"),
             "Surat Permohonan Penggunaan Jaringan", "1 hari", "Disposisi Surat Permohonan",
             catatan="Model memecah langkah 2: GJR-02a (Kasubag TU mengagendakan) dan GJR-02b (Kepala Dinas "
                     "mendisposisikan, dari B. Prosedur butir 2); keduanya memakai 1 hari bersama."),
        Step(3, "Menindaklanjuti disposisi untuk dilakukan pengecekan", ("gjr_03a", "gjr_03b"),
             "Disposisi Surat Permohonan", "2 hari", "Disposisi Surat Permohonan",
             catatan="Model memecah langkah 3: GJR-03a (Pejabat Administrator) dan GJR-03b (Pejabat Pengawas), "
                     "sesuai B. Prosedur butir 3; keduanya memakai 2 hari bersama."),
        Step(4, "melakukan pengecekan secara fisik terhadap perangkat aktif jaringan utama", ("gjr_04",),
             "Disposisi Surat Permohonan", "1-2 hari", "Form laporan pengecekan jaringan",
             catatan="Waktu tertulis '12 hari' pada salinan SOP (tanda hubung hilang); dibaca 1-2 hari."),
        Step(5, "memonitor jaringan pada sistem monitoring", ("gjr_05",),
             "Form laporan pengecekan jaringan", "2 hari", "Laporan Monitoring jaringan"),
        Step(6, "melakukan pengecekan server DNS", ("gjr_06",),
             "Laporan Monitoring jaringan", "3 hari", "Laporan Monitoring jaringan"),
        Step(7, "melakukan pengecekan konektivitas pada pengguna jaringan dan pada server, jika jaringan tidak "
                "terkoneksi maka Pengawas Infrastruktur TIK menghubungi pihak ISP, jika terkoneksi maka proses selesai "
                "dan dilaporkan pada pengguna jaringan", ("gjr_07",),
             "Laporan Monitoring jaringan", "3 hari", "Laporan Monitoring jaringan",
             catatan="Baris tabel 7 pada salinan SOP tidak terbaca utuh; kalimat diambil dari B. Prosedur butir 7."),
        Step(8, "menghubungi dan berkoordinasi pihak ISP mengenai masalah tersebut, Jika jaringan terhubung maka "
                "segera dilaporkan pada pejabat Administrator, jika jaringan tidak terhubung maka kembali pada proses "
                "4 untuk dilakukan pengecekan oleh Tim Teknis", ("gjr_08",),
             "Laporan Monitoring jaringan", "1 hari", "Laporan Monitoring jaringan",
             catatan="Baris tabel 8 pada salinan SOP tidak terbaca utuh; kalimat diambil dari B. Prosedur butir 8."),
        Step(9, "melaporan gangguan telah selesai", ("gjr_09",),
             "Laporan Monitoring jaringan", "15 menit", "Laporan Monitoring jaringan"),
        Step(10, "Membuat laporan gangguan jaringan", ("gjr_10",),
             "Laporan Monitoring jaringan", "15 menit", "Surat laporan penyelesaian gangguan",
             catatan="Waktu langkah 10 tidak terbaca pada salinan SOP ('mz%it'); dibaca 15 menit seperti langkah 9."),
    ),
    catatan=(PJ_2006,
             "Butir 1-8 B. Prosedur kehilangan nomornya pada salinan SOP dan huruf judul bagian C-F terpotong; "
             "nomor dan huruf dicetak menurut urutannya.",
             "Kolom Kepala Dinas ditambahkan model untuk disposisi (B. Prosedur butir 2); SOP tidak mempunyai "
             "kolom itu."),
    perbaikan_salinan=(("Provinsi Kalimantan Timu\n", "Provinsi Kalimantan Timur\n"),),
)

PDC = OfficialSop(
    process_key="sop_pemeliharaan_akses_dc", file="003_bbfd4c60f70aa3e8.txt",
    nama_sop="PEMELIHARAAN DAN AKSES DATA CENTER",
    nomor_sop="065.2/519/Diskominfo", tanggal_pembuatan="03 Agustus 2018",
    disahkan_jabatan="Kepala Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur",
    disahkan_nama="DIDDY RUSDIANSYAH ANAN DANI, SE.,MM", disahkan_nip="19640627 199003 1 006",
    dasar_hukum=DH_4_PSE,
    kualifikasi_pelaksana=(
        "1. Personil Data Center (Pengelola & Pemeriksa TIK), mendapat Surat Tugas dari Pimpinan",
        "2. Memiliki pengetahuan yang memadai dalam melakukan kegiatan pengelolaan sarana pendukung, pemeliharaan "
        "perangkat TIK ruang Data Center, serta pengelolaan suhu dan kelembaban ruang Data Center"),
    keterkaitan=("1. SOP - BACKUP DAN RESTORE DATABASE",
                 "2. SOP - CO-LOCATION SERVER DAN HOSTING APLIKASI DI DINAS KOMINFO PROV KALTIM",
                 "3. SOP - PENGENDALIAN HAK AKSES DATA"),
    peralatan_perlengkapan=("UPS, genset, pendingin, sistem pemadam api, atau server harus ditempatkan di lokasi yang "
                            "aman dan dipantau secara berkesinambungan",),
    peringatan=("Kegiatan harus dilakukan secara rutin tanpa kecuali karena apabila tidak dilaksanakan akan "
                "mengakibatkan kerusakan dan kehilangan data – data dan informasi-informasi penting",),
    pencatatan_pendataan=("harus dikendalikan dan dipantau menggunakan pengendalian akses yang memadai",),
    steps=(
        Step(1, "Pengawas Infrastruktur TIK Menugaskan kepada Personil DC (Pengelola TIK dan Pemeriksa TIK untuk "
                "pemeliharaan peralatan dan membatasi akses bagi yang tidak berkepentingan pada room Data Center",
             ("pdc_01",), "Agenda kerja", "15 menit", "Surat tugas"),
        Step(2, "Pengelola TIK Membuat rencana dan jadwal pemeliharaan perangkat data center", ("pdc_02",),
             "Surat tugas", "1 hari", "Rencana kerja"),
        Step(3, "Pemeriksa TIK Melakukan pemeliharaan sesuai dengan rencana dan jadwal", ("pdc_03",),
             "Rencana kerja", "1 hari", "laporan"),
        Step(4, "Melaporkan hasil pemeliharaan peralatan data center", ("pdc_04",),
             catatan="Kelengkapan, waktu dan output langkah 4 kosong pada SOP; model memakai Laporan dan 15 menit."),
        Step(5, "Mereview hasil pemeliharaan peralatan data center", ("pdc_05",), "Laporan", "1 jam", "Catatan",
             nomor="6",
             catatan="Kolom No. mencetak '6' untuk langkah ini (simbolnya bernomor 5); dicetak sebagaimana tertulis."),
        Step(6, "Pengelola TIK Menyimpan laporan pemeliharaan data center sebagai bukti", ("pdc_06",),
             "Catatan", "15 menit", "Laporan"),
    ),
    catatan=("SOP tidak memuat Penanggung Jawab dan Waktu Pelaksanaan; nilai model (Seksi Infrastruktur TIK, "
             "jumlah waktu langkah) hanya tercantum di lampiran ini.",),
)

BRD = OfficialSop(
    process_key="sop_backup_restore_db", file="004_6078412008111155.txt",
    nama_sop="BACK-UP DAN RESTORE DATABASE SERVER DI DINAS KOMINFO PROV. KALTIM",
    dasar_hukum=DH_4_PSE_BRD,
    kualifikasi_pelaksana=("1. Pelaksana, sesuai dengan tupoksinya",
                           "2. Ketersediaan waktu pelaksanaan backup/Restore;",
                           "3. Ketersediaan Personil dan Fasilitas yang melaksanakan backup/Restore;"),
    keterkaitan=("1. SOP - PEMELIHARAAN DAN AKSES DATA CENTER",
                 "2. SOP - CO-LOCATION SERVER DAN HOSTING APLIKASI DI DINAS KOMINFO PROV. KALTIM"),
    peralatan_perlengkapan=("1. Surat Permohonan, Disposisi", "2. PC, notebook, flashdisk, server, UPS, dll",
                            "2. ATK, Media Komunikasi, Formulir-formulir"),
    peringatan=(),
    pencatatan_pendataan=(
        "1. Server yang telah dipasang dan telah beroperasi harus didaftarkan ke dalam aset register Dinas "
        "Komunikasi dan Informatika Provinsi Kalimantan Timur.",
        "2. Daftar aset register server harus ditinjau setidaknya satu kali dalam setahun untuk memastikan "
        "kesesuaiannya."),
    steps=(
        Step(1, "OPD Mengajukan surat permohonan Back-up / Restore database server di Diskominfo Prov. Kaltim, dengan "
                "memberikan daftar spesifikasi server / aplikasi/dan data-data lainnya yang akan di back-up dan di "
                "Restore", ("brd_01",), "Surat permohonan",
             catatan="Waktu dan output langkah 1 kosong pada SOP: langkah di OPD, di luar waktu yang dihitung."),
        Step(2, "Administrator Memverifikasi dan mendisposisikan ke Pengawas Infrastruktur TIK dilanjutkan kepada Tim "
                "Personil data Center (Pengelola & Pemeriksa TIK) untuk proses Back-up / Restore database",
             ("brd_02a", "brd_02b"), "Surat permohonan", "15 menit", "disposisi",
             catatan="Model memecah langkah 2: BRD-02a (Administrator memverifikasi dan mendisposisikan) dan BRD-02b "
                     "(Pengawas meneruskan); keduanya memakai 15 menit bersama."),
        Step(3, "Pengelola TIK Merencanakan pelaksanaan Back-up / Restore Database server sesuai ketersediaan "
                "kapasitas dan Menginformasikan kepada pemohon", ("brd_03",),
             "Surat permohonan dan disposisi", "1 jam", "perencanaan"),
        Step(4, "Pengelola TIK Melaksanakan proses Back-up / Restore Database sesuai perencanaan", ("brd_04",),
             "Surat permohonan dan disposisi", "1 hari", "Laporan"),
        Step(5, "Pemeriksa TIK Mengkonfirmasi hasil pelaksanaan proses Back-up/ Restore Database", ("brd_05",),
             "Laporan", "15 menit", "laporan"),
    ),
    catatan=("Kotak Peringatan tidak berisi; dua butir di bawah judul 'Peringatan : Pencatatan dan Pendataan' "
             "dibaca sebagai Pencatatan dan Pendataan.",
             "Peralatan/Perlengkapan bernomor 1, 2, 2 pada SOP; dicetak sebagaimana tertulis.",
             "SOP tidak memuat Penanggung Jawab dan Waktu Pelaksanaan; nilai model hanya tercantum di lampiran ini."),
)

OFFICIAL: dict[str, OfficialSop] = {sop.process_key: sop for sop in (GDB, PDT, GJR, PDC, BRD)}
IDENTITY_LISTS = ("dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan_perlengkapan", "peringatan",
                  "pencatatan_pendataan")
IDENTITY_TEXTS = ("nama_sop", "nomor_sop", "tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif",
                  "disahkan_jabatan", "disahkan_nama", "disahkan_nip")


def process_properties(process_key: str) -> dict[str, str]:
    """``sop_resmi_*`` properties of the process: identity as written, narrative (JSON), notes."""
    sop = OFFICIAL.get(process_key)
    if sop is None:
        return {}
    props = {f"sop_resmi_{key}": getattr(sop, key) for key in IDENTITY_TEXTS}
    props.update({f"sop_resmi_{key}": "\n".join(getattr(sop, key)) for key in IDENTITY_LISTS})
    if sop.sections:
        props["sop_resmi_bagian"] = json.dumps(
            [{"judul": s.judul, "isi": [list(b) if isinstance(b, tuple) else b for b in s.isi]}
             for s in sop.sections], ensure_ascii=False)
    notes = list(sop.catatan) + [f"Salinan SOP terbaca '{a.strip()}'; dibaca '{b.strip()}'."
                                 for a, b in sop.perbaikan_salinan]
    if notes:
        props["sop_resmi_catatan"] = "\n".join(notes)
    return props


def task_properties(process_key: str, task_id: str, model: dict[str, str]) -> dict[str, str]:
    """``sop_langkah`` on every task of an SOP step; the step's sentence on its first task, and each mutu
    baku value of the SOP where the model (``model``: its kelengkapan, waktu, output) words it otherwise.
    Where they agree the document prints the model's value, so a process owner's edit of the model's
    mutu baku reaches the document; where they differ the SOP's wording stays."""
    sop = OFFICIAL.get(process_key)
    step = next((s for s in sop.steps if task_id in s.tasks), None) if sop else None
    if step is None:
        return {}
    props = {"sop_langkah": str(step.langkah)}
    if task_id == step.tasks[0]:
        props.update({"sop_nomor": step.nomor or str(step.langkah), "sop_uraian": step.uraian})
        for key in ("kelengkapan", "waktu", "output"):
            if _same(getattr(step, key), model.get(key, "")):
                continue
            props[f"sop_{key}"] = getattr(step, key)
        if step.catatan:
            props["sop_catatan"] = step.catatan
    return props


def _same(official: str, model: str) -> bool:
    return " ".join(official.split()).casefold() == " ".join(model.split()).casefold()
