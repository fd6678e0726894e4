"""What a new password must be: long enough, not a common or leaked password, not the username.

The list of common passwords is Django's ``common-passwords.txt.gz`` (BSD licence): 20,000 leaked
passwords compiled by Royce Williams (https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce),
lowercased. Alur adds a few that reach 12 characters by padding a common one (``password123456``).
"""
from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from engine.errors import InvalidInput

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # scrypt reads the whole password; a megabyte one is only a cost
_COMMON_FILE = Path(__file__).with_name("common-passwords.txt.gz")
# Common passwords padded to the minimum length: what people type when told "at least 12".
_PADDED = ("password", "passw0rd", "qwerty", "abc", "admin", "letmein", "welcome", "iloveyou", "rahasia",
           "bismillah", "indonesia", "kaltim", "diskominfo", "alur", "sandi", "katasandi")
_SUFFIXES = ("123456", "1234567", "12345678", "123456789", "1234567890", "2024", "2025", "2026", "!@#$", "123!",
             "1234", "12345")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Lowercased common and leaked passwords (read once)."""
    listed = gzip.decompress(_COMMON_FILE.read_bytes()).decode("utf-8").split()
    padded = {word + suffix for word in _PADDED for suffix in _SUFFIXES}
    repeated = {word * 2 for word in _PADDED} | {word * 3 for word in _PADDED}
    digits = {"1234567890"[:n] + "1234567890"[:m] for n in range(1, 11) for m in range(1, 11)}
    return frozenset(listed) | padded | repeated | digits


def check_password(password: str, username: str) -> None:
    """Refuse a password nobody should use.

    :raises InvalidInput: too short or too long, only whitespace, the username, or a common password
    """
    if not password.strip():
        raise InvalidInput("Kata sandi tidak boleh kosong atau hanya spasi", field="password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"Kata sandi maksimal {MAX_PASSWORD_LENGTH} karakter", field="password")
    lowered = password.strip().lower()
    name = username.strip().lower()
    if name and (lowered == name or name in lowered and len(lowered) - len(name) < 4):
        raise InvalidInput("Kata sandi tidak boleh sama dengan (atau hampir sama dengan) nama pengguna",
                           field="password")
    if lowered in common_passwords() or len(set(lowered)) < 4:
        raise InvalidInput("Kata sandi ini terlalu umum atau pernah bocor; pilih kata sandi lain", field="password")
