"""The office's archive retention schedule (JRA, Jadwal Retensi Arsip): how long each SOP's finished
cases are kept, and the regulation that says so.

The office edits ``retention.toml`` beside the role catalogue (``processes/``; ``ALUR_RETENTION_FILE``
names another file). One table per SOP, by its process key::

    [sop.sop_gangguan_database]
    years = 5          # counted from the day the case ended (finished or cancelled), in WITA
    months = 0         # optional; years and months add up
    basis = "Peraturan Gubernur Kalimantan Timur Nomor ... tentang Jadwal Retensi Arsip ..."

An SOP without a table is never removed. A missing file is an empty schedule: nothing is removed.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from engine.errors import InvalidInput

_KEYS = frozenset({"years", "months", "basis"})
MAX_YEARS = 100


@dataclass(frozen=True)
class RetentionPeriod:
    process_key: str
    years: int
    months: int
    basis: str  # the JRA regulation, as the office names it

    def text(self) -> str:
        """Indonesian: "5 tahun", "1 tahun 6 bulan", "18 bulan" as written."""
        parts = ([f"{self.years} tahun"] if self.years else []) + ([f"{self.months} bulan"] if self.months else [])
        return " ".join(parts)

    def due_on(self, ended: date) -> date:
        """The first day the case may be removed: its end day plus the period (month ends clamp)."""
        return ended + relativedelta(years=self.years, months=self.months)


@dataclass(frozen=True)
class RetentionSchedule:
    periods: dict[str, RetentionPeriod]
    source: Path
    exists: bool

    @classmethod
    def load(cls, path: Path) -> RetentionSchedule:
        """:raises InvalidInput: the file is not TOML or a table is malformed (naming the file and key)"""
        if not path.is_file():
            return cls({}, path, False)
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{path}: jadwal retensi tidak dapat dibaca: {exc}", file=str(path)) from exc
        return cls.from_text(content, path)

    @classmethod
    def from_text(cls, content: str, path: Path) -> RetentionSchedule:
        """The schedule written in ``content`` (``path`` names it in errors).

        :raises InvalidInput: not TOML, or a table is malformed
        """
        try:
            document = tomllib.loads(content)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"{path}: jadwal retensi tidak dapat dibaca: {exc}", file=str(path)) from exc
        unknown = sorted(set(document) - {"sop"})
        if unknown:
            raise InvalidInput(f"{path}: bagian tidak dikenal: {', '.join(unknown)} (hanya [sop.<kunci proses>])",
                               file=str(path))
        sops = document.get("sop", {})
        if not isinstance(sops, dict):
            raise InvalidInput(f"{path}: 'sop' harus berupa tabel [sop.<kunci proses>]", file=str(path))
        return cls({key: _period(path, key, value) for key, value in sops.items()}, path, True)


def _period(path: Path, key: str, value: Any) -> RetentionPeriod:
    where = f"{path}: [sop.{key}]"
    if not isinstance(value, dict):
        raise InvalidInput(f"{where} harus berupa tabel", file=str(path), process_key=key)
    unknown = sorted(set(value) - _KEYS)
    if unknown:
        raise InvalidInput(f"{where}: kunci tidak dikenal: {', '.join(unknown)} (years, months, basis)",
                           file=str(path), process_key=key)
    years, months, basis = value.get("years", 0), value.get("months", 0), value.get("basis")
    for name, number in (("years", years), ("months", months)):
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= MAX_YEARS * 12:
            raise InvalidInput(f"{where}: {name} harus bilangan bulat 0..{MAX_YEARS * 12}, bukan {number!r}",
                               file=str(path), process_key=key)
    if years * 12 + months < 1 or years > MAX_YEARS:
        raise InvalidInput(f"{where}: masa retensi harus antara 1 bulan dan {MAX_YEARS} tahun", file=str(path),
                           process_key=key)
    if not isinstance(basis, str) or not basis.strip():
        raise InvalidInput(f"{where}: basis (dasar JRA, mis. nomor Peraturan Gubernur) wajib diisi",
                           file=str(path), process_key=key)
    return RetentionPeriod(key, years, months, basis.strip())
