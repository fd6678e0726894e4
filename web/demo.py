"""Demo data for the embedded default: one account per role a person holds (group roles come from
members), and a few requesting units (OPD) of the Pemprov Kaltim with the demo requesters in them.

Username = the role key (``pengelola_ti``), password = ``demo-`` + the role key (``demo-pengelola_ti``),
with ``-kaltim`` added when that is shorter than the password policy's minimum (``demo-isp-kaltim``).
"""
from __future__ import annotations

from engine import MIN_PASSWORD_LENGTH, Alur, RoleCatalog

DEMO_PASSWORD_PREFIX = "demo-"


def demo_password(username: str) -> str:
    """The demo account's password, long enough for the password policy."""
    password = DEMO_PASSWORD_PREFIX + username
    return password if len(password) >= MIN_PASSWORD_LENGTH else password + "-kaltim"
# Short names as colleagues say them; the full titles are in roles.toml.
SHORT_TITLES = {
    "kepala_dinas": "Kepala Dinas", "kasubag_tu": "Kasubag TU", "pejabat_administrator_tik": "Kabid TIK",
    "pengawas_infrastruktur_tik": "Kasi Infrastruktur TIK", "pengawas_data_integrasi": "Kasi Data dan Integrasi",
    "pengelola_ti": "Pengelola TI", "pemeriksa_ti": "Pemeriksa TI",
    "administrator_jaringan_server": "Admin Jaringan dan Server", "pencatat_surat": "Pencatat Surat",
    "opd_pemohon": "OPD Pemohon", "pengguna_jaringan": "Pengguna Jaringan", "walidata": "Walidata",
    "isp": "ISP", "admin_sistem": "Admin Sistem", "auditor": "Auditor", "pemilik_proses": "Pemilik Proses",
    "penilai_sop": "Penilai SOP",
}


# What the demo people do, so auditors see a jabatan and NIP next to each name.
DEMO_JABATAN = {
    "kepala_dinas": "Kepala Dinas Komunikasi dan Informatika", "kasubag_tu": "Kepala Subbagian Tata Usaha",
    "pejabat_administrator_tik": "Kepala Bidang Teknologi Informasi dan Komunikasi",
    "pengawas_infrastruktur_tik": "Kepala Seksi Infrastruktur TIK",
    "pengawas_data_integrasi": "Kepala Seksi Data dan Integrasi", "pengelola_ti": "Pranata Komputer Ahli Pertama",
    "pemeriksa_ti": "Pranata Komputer Ahli Muda", "administrator_jaringan_server": "Pranata Komputer Terampil",
    "pencatat_surat": "Pengadministrasi Umum", "opd_pemohon": "Analis Sistem Informasi",
    "pengguna_jaringan": "Pengelola Data", "walidata": "Statistisi Ahli Muda",
    "isp": "Mitra penyedia jasa internet", "admin_sistem": "Pranata Komputer Ahli Madya",
    "auditor": "Auditor Ahli Muda", "pemilik_proses": "Analis Kebijakan Ahli Muda",
    "penilai_sop": "Analis Organisasi Ahli Muda",
}
DEMO_UNIT = "Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur"
NOT_CIVIL_SERVANTS = frozenset({"isp"})  # a partner company's staff have no NIP


def demo_nip(index: int) -> str:
    """A plausible NIP: born 1970–2001, appointed at 25 (TMT), sex digit 1 or 2, serial ``index + 1``."""
    born_year, month, day = 1970 + (index * 2) % 32, index % 12 + 1, (index * 7) % 28 + 1
    return f"{born_year:04d}{month:02d}{day:02d}{born_year + 25:04d}{(index * 5) % 12 + 1:02d}{index % 2 + 1}" \
           f"{index + 1:03d}"


def demo_accounts(roles: RoleCatalog) -> list[tuple[str, str, str]]:
    """(username, full name, password) for every base role of the catalogue."""
    return [(role.key, f"{SHORT_TITLES.get(role.key, role.title)} (demo)", demo_password(role.key))
            for role in roles.roles.values() if not role.is_group]


def ensure_demo_users(alur: Alur, actor: str = "system") -> list[str]:
    """Create the demo accounts that do not exist yet; return the usernames created."""
    created = []
    for index, (username, full_name, password) in enumerate(demo_accounts(alur.roles)):
        if alur.users.find(username) is None:
            civil_servant = username not in NOT_CIVIL_SERVANTS
            alur.users.add_user(username, full_name, password, {username}, actor=actor,
                                nip=demo_nip(index) if civil_servant else None,
                                jabatan=DEMO_JABATAN.get(username, full_name.removesuffix(" (demo)")),
                                unit_kerja=DEMO_UNIT if civil_servant else None)
            created.append(username)
    return created


# A few units of the Pemprov Kalimantan Timur, for trying registrations; real ones are kept by Admin Sistem.
DEMO_OPDS = (
    ("BAPENDA", "Badan Pendapatan Daerah Provinsi Kalimantan Timur"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah Provinsi Kalimantan Timur"),
    ("BKD", "Badan Kepegawaian Daerah Provinsi Kalimantan Timur"),
    ("DINKES", "Dinas Kesehatan Provinsi Kalimantan Timur"),
    ("DISDIKBUD", "Dinas Pendidikan dan Kebudayaan Provinsi Kalimantan Timur"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Provinsi Kalimantan Timur"),
)
# The demo requesters' units.
DEMO_REQUESTER_OPDS = {"opd_pemohon": "DINKES", "pengguna_jaringan": "BAPENDA"}


def ensure_demo_opds(alur: Alur, actor: str = "system") -> list[str]:
    """Add the demo units when the OPD list is empty, and put the demo requesters without a unit in
    theirs; return the codes added."""
    if alur.opds.list(include_inactive=True):
        return []
    added = {code: alur.opds.add(code, name, actor=actor) for code, name in DEMO_OPDS}
    for username, code in DEMO_REQUESTER_OPDS.items():
        user = alur.users.find(username)
        if user is not None and user.opd_id is None:
            alur.users.set_opd(username, added[code].opd_id, actor=actor)
    return sorted(added)
