"""A person's account data as the office records it: NIP, jabatan, unit kerja, e-mail and phone.

The NIP (Nomor Induk Pegawai) of a civil servant is 18 digits: birth date (YYYYMMDD), the month the
person became a civil servant (TMT, YYYYMM), sex (1 digit) and a serial number (3 digits). A typo
usually breaks one of the two dates, so both are checked for plausibility, not only the length.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidInput
from engine.persistence.models import UserAccount
from engine.values import Person

NIP_LENGTH = 18
OLDEST_BIRTH_YEAR = 1940
YOUNGEST_AGE_AT_TMT = 17  # the youngest age at which anyone is appointed
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{5,24}")
TEXT_LIMIT = 200
ACCOUNT_FIELDS = ("full_name", "nip", "jabatan", "unit_kerja", "email", "phone")  # AccountData's fields


@dataclass(frozen=True)
class AccountData:
    """The editable parts of an account besides roles, unit and password; None clears a value."""

    full_name: str
    nip: str | None = None
    jabatan: str | None = None
    unit_kerja: str | None = None
    email: str | None = None
    phone: str | None = None


def clean_nip(raw: str | None, today: date) -> str | None:
    """The NIP without spaces (written ``19850312 201001 1 003`` on letters), or None when empty.

    :raises InvalidInput: not 18 digits, or its birth date or TMT is impossible
    """
    nip = "".join((raw or "").split())
    if not nip:
        return None
    if not nip.isdigit() or len(nip) != NIP_LENGTH:
        raise InvalidInput(f"NIP harus {NIP_LENGTH} angka (tanpa huruf atau tanda baca); tertulis {len(nip)} "
                           "karakter", field="nip")
    try:
        born = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        raise InvalidInput(f"NIP tidak sah: 8 angka pertama ({nip[0:8]}) bukan tanggal lahir TTTTBBHH yang ada",
                           field="nip") from None
    if not OLDEST_BIRTH_YEAR <= born.year <= today.year - YOUNGEST_AGE_AT_TMT:
        raise InvalidInput(f"NIP tidak sah: tahun lahir {born.year} tidak mungkin untuk pegawai", field="nip")
    tmt_year, tmt_month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= tmt_month <= 12:
        raise InvalidInput(f"NIP tidak sah: angka 9–14 ({nip[8:14]}) bukan TMT TTTTBB; bulan {tmt_month:02d} "
                           "tidak ada", field="nip")
    if tmt_year < born.year + YOUNGEST_AGE_AT_TMT or (tmt_year, tmt_month) > (today.year, today.month):
        raise InvalidInput(f"NIP tidak sah: TMT {tmt_month:02d}/{tmt_year} tidak mungkin untuk pegawai yang lahir "
                           f"{born.day:02d}-{born.month:02d}-{born.year}", field="nip")
    return nip


def clean_account_data(data: AccountData, username: str, today: date) -> AccountData:
    """Trimmed values, empty ones as None.

    :raises InvalidInput: a bad NIP, e-mail or phone number, or a text too long
    """
    def text(value: str | None, field: str, label: str) -> str | None:
        value = " ".join((value or "").split())
        if len(value) > TEXT_LIMIT:
            raise InvalidInput(f"{label} paling panjang {TEXT_LIMIT} karakter", field=field)
        return value or None

    email = (data.email or "").strip() or None
    if email is not None and not _EMAIL.fullmatch(email):
        raise InvalidInput(f"Alamat e-mail '{email}' tidak sah (contoh: nama@kaltimprov.go.id)", field="email")
    phone = (data.phone or "").strip() or None
    if phone is not None and not _PHONE.fullmatch(phone):
        raise InvalidInput(f"Nomor telepon '{phone}' tidak sah: hanya angka, spasi, tanda minus dan + di depan "
                           "(contoh: +62 812 3456 7890)", field="phone")
    return AccountData(full_name=text(data.full_name, "full_name", "Nama lengkap") or username,
                       nip=clean_nip(data.nip, today), jabatan=text(data.jabatan, "jabatan", "Jabatan"),
                       unit_kerja=text(data.unit_kerja, "unit_kerja", "Unit kerja"), email=email, phone=phone)


def people(session: Session) -> dict[str, Person]:
    """Every account as auditors name people, by username (accounts are few: one query for a whole log)."""
    rows = session.execute(select(UserAccount.username, UserAccount.full_name, UserAccount.nip,
                                  UserAccount.jabatan))
    return {r.username: Person(r.username, r.full_name, r.nip, r.jabatan) for r in rows}


def person_of(known: Mapping[str, Person], username: str) -> Person:
    """The person behind an actor; "system", the worker or a removed account as a bare name."""
    return known.get(username) or Person(username, username, known=False)
