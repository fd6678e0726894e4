"""Checking what the penilai SOP enters on a monitoring or evaluation form, and what a signed form must
hold. Everything is checked before anything is set: a refused edit stores nothing."""
from __future__ import annotations

from datetime import date
from typing import Any

from engine.errors import InvalidInput
from engine.sop import assessment_drafts as drafts

MAX_TEXT = 2000
MAX_UNIT = 300


def _text(value: object, field: str, longest: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise InvalidInput("Isian harus berupa teks", field=field)
    text = value.replace("\r\n", "\n").strip()
    if len(text) > longest:
        raise InvalidInput(f"Isian paling banyak {longest} karakter", field=field)
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise InvalidInput("Isian memuat karakter kendali", field=field)
    return text


def _choice(value: object, choices: dict[str, str], field: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or value not in choices:
        raise InvalidInput(f"Pilihan tidak sah; pilih salah satu: {', '.join(choices.values())}", field=field)
    return value


def _day(value: object, field: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InvalidInput("Tanggal tidak sah (TTTT-BB-HH)", field=field) from None


def apply_values(kind: str, content: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Check ``values`` whole, then set them on ``content``; return what changed (field -> new value).

    :raises InvalidInput: (nothing is set)
    """
    new: dict[str, Any] = {}
    unknown = set(values) - {"unit_kerja", "tanggal", "metode", "rows", "rekomendasi", "rencana_tanggal_revisi"}
    if kind == "monitoring":
        unknown |= set(values) & {"rekomendasi", "rencana_tanggal_revisi"}
    else:
        unknown |= set(values) & {"metode"}
    if unknown:
        raise InvalidInput(f"Isian tidak dikenal: {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    if "unit_kerja" in values:
        new["unit_kerja"] = _text(values["unit_kerja"], "unit_kerja", MAX_UNIT)
        if not new["unit_kerja"]:
            raise InvalidInput("Unit kerja wajib diisi", field="unit_kerja")
    if "tanggal" in values:
        new["tanggal"] = _day(values["tanggal"], "tanggal")
        if new["tanggal"] is None:
            raise InvalidInput("Tanggal wajib diisi", field="tanggal")
    if "metode" in values:
        methods = values["metode"]
        if not isinstance(methods, list) or any(m not in drafts.METODE for m in methods):
            raise InvalidInput("Metode monitoring tidak dikenal", field="metode")
        new["metode"] = [m for m in drafts.METODE if m in methods]
    if "rekomendasi" in values:
        new["rekomendasi"] = _choice(values["rekomendasi"], drafts.REKOMENDASI, "rekomendasi")
    if "rencana_tanggal_revisi" in values:
        new["rencana_tanggal_revisi"] = _day(values["rencana_tanggal_revisi"], "rencana_tanggal_revisi")
    rows = _rows(kind, content["rows"], values.get("rows"))
    changed = {key: value for key, value in new.items() if content.get(key) != value}
    if rows != content["rows"]:
        changed["rows"] = {str(i): {k: v for k, v in row.items() if content["rows"][i].get(k) != v}
                           for i, row in enumerate(rows) if row != content["rows"][i]}
    content.update(new)
    content["rows"] = rows
    return changed


def _rows(kind: str, rows: list[dict[str, Any]], given: object) -> list[dict[str, Any]]:
    if given is None:
        return rows
    if not isinstance(given, list) or len(given) != len(rows):
        raise InvalidInput(f"Formulir ini memiliki {len(rows)} baris", field="rows")
    answer, choices = ("penilaian", drafts.PENILAIAN) if kind == "monitoring" else ("jawaban", drafts.JAWABAN)
    result = []
    for index, (row, change) in enumerate(zip(rows, given, strict=True)):
        if not isinstance(change, dict) or set(change) - {answer, "catatan", "tindakan"}:
            raise InvalidInput(f"Baris {index + 1}: isian tidak dikenal", field=f"rows.{index}")
        updated = dict(row)
        if answer in change:
            updated[answer] = _choice(change[answer], choices, f"{answer}_{index}")
        for field in ("catatan", "tindakan"):
            if field in change:
                updated[field] = _text(change[field], f"{field}_{index}")
        result.append(updated)
    return result


def require_complete(kind: str, content: dict[str, Any]) -> None:
    """:raises InvalidInput: the first thing a signed form must have and this one lacks"""
    answer = "penilaian" if kind == "monitoring" else "jawaban"
    for index, row in enumerate(content["rows"]):
        if row[answer] is None:
            what = "Penilaian" if kind == "monitoring" else "Ya/Tidak"
            raise InvalidInput(f"Baris {index + 1} ({row.get('prosedur') or row.get('kriteria')}): {what} belum diisi",
                               field=f"{answer}_{index}")
        bad = row[answer] in ("tidak_baik", "tidak")
        if bad and not row["tindakan"]:
            raise InvalidInput(f"Baris {index + 1}: tindakan yang harus diambil wajib diisi untuk penilaian "
                               "yang tidak baik", field=f"tindakan_{index}")
    if kind == "monitoring" and not content.get("metode"):
        raise InvalidInput("Pilih paling sedikit satu metode monitoring", field="metode")
    if kind == "evaluasi" and not content.get("rekomendasi"):
        raise InvalidInput("Rekomendasi (tetap, revisi sebagian, revisi menyeluruh) wajib dipilih",
                           field="rekomendasi")
