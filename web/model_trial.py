""""Uji jalan" (the trial run before deploy) as JSON for the modeler: each path a list of steps with their
roles and due times, in the reader's language; a path that cannot finish is marked with why."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext, lazy_gettext

from engine import RoleCatalog, TrialPath, TrialReport, TrialStep
from web.formatting import wita, wita_iso, language_code


def trial_json(report: TrialReport, roles: RoleCatalog) -> dict[str, Any]:
    language = language_code()
    stranded = len(report.stranded)
    if report.ok:
        message = gettext("Uji jalan: %(count)s jalur dicoba, semuanya sampai selesai.", count=len(report.paths))
    elif stranded:
        message = gettext("Uji jalan: %(stranded)s dari %(count)s jalur tidak dapat selesai. Model ini belum dapat "
                          "di-deploy.", stranded=stranded, count=len(report.paths))
    else:
        message = gettext("Uji jalan: tidak ada jalur yang sampai selesai. Model ini belum dapat di-deploy.")
    return {
        "ok": report.ok, "message": message, "started_at": wita(report.started_at),
        "cut_at_loop_bound": report.cut_at_loop_bound,
        "notes": [note.render(language) for note in report.notes],
        "problems": [{"element_id": element_id, "message": text.render(language)}
                     for element_id, text in report.problems()],
        "paths": [_path(number, path, roles, language) for number, path in enumerate(report.paths, start=1)],
    }


def _path(number: int, path: TrialPath, roles: RoleCatalog, language: str) -> dict[str, Any]:
    return {"number": number, "finished": path.finished, "loops": path.loops,
            "problem": path.problem.render(language) if path.problem is not None else None,
            "element_id": path.element_id, "detail": path.detail,
            "steps": [_step(step, roles, language) for step in path.steps]}


def _step(step: TrialStep, roles: RoleCatalog, language: str) -> dict[str, Any]:
    return {"kind": step.kind, "element_id": step.element_id, "name": step.name, "role": step.role,
            "role_title": roles.title(step.role, language), "waktu": step.waktu, "waktu_iso": step.waktu_iso,
            "due_at": wita(step.due_at) if step.due_at else "", "due_at_iso": wita_iso(step.due_at),
            "question": step.question, "flow_id": step.flow_id, "performer_field": step.performer_field,
            "answers": [{"field": field, "value": _value(value)} for field, value in step.answers]}


def _value(value: object) -> str:
    if value is None:
        return gettext("(dikosongkan)")
    if isinstance(value, bool):
        return gettext("Ya") if value else gettext("Tidak")
    return str(value)


def modeler_words() -> dict[str, str]:
    """The modeler script's words, in the page's language (the script itself holds no text)."""
    return {
        "trial_heading": gettext("Uji jalan"),
        "trial_intro": gettext("Setiap jalur dijalankan di memori dengan data contoh dari formulirnya, seolah kasus "
                               "dimulai %(start)s dan setiap langkah memakai seluruh waktunya; setiap putaran diambil "
                               "sekali dan dua kali (%(cut)s kelanjutan berhenti di batas putaran)."),
        "finished": gettext("Selesai"),
        "stranded": gettext("Macet"),
        "path": gettext("Jalur %(number)s"),
        "steps": gettext("%(count)s langkah"),
        "loops": gettext("%(count)s kali kembali ke langkah sebelumnya"),
        "due": gettext("batas %(due)s"),
        "performer": gettext("pelaksana dari isian %(field)s"),
        "answers": gettext("Isian keputusan:"),
        "show_on_diagram": gettext("Tunjukkan di diagram"),
        "cannot_open": gettext("Model tidak dapat dibuka: %(error)s"),
        "check_ok": gettext("Model lolos pemeriksaan: siap di-deploy."),
        "check_failed": gettext("Ditemukan %(count)s masalah yang menghalangi deploy."),
        "note_missing": gettext("Tulis catatan perubahan: apa yang diubah dan mengapa."),
        "deploy_refused": gettext("Deploy ditolak: perbaiki masalah di bawah lalu coba lagi."),
        "see_versions": gettext("Lihat versi dan perubahannya"),
        "see_document": gettext("Dokumen SOP versi ini"),
        "failed": gettext("Gagal: %(error)s"),
        "problems": gettext("Masalah (%(count)s)"),
        "no_problems": gettext("Tidak ada masalah"),
        "source_deploy": gettext("Deploy"),
        "line": gettext("(baris %(line)s)"),
        **form_panel_words(),
    }


def form_panel_words() -> dict[str, str]:
    return {
        "form_heading": gettext("Formulir langkah \u201c%(step)s\u201d"),
        "form_none": gettext("Langkah ini belum memiliki formulir."),
        "form_new": gettext("Buat formulir baru"),
        "form_change": gettext("Ubah formulir (sebagai formulir baru)"),
        "form_existing": gettext("Formulir %(key)s dipakai versi yang sudah di-deploy: kasus yang berjalan tetap "
                                 "memakainya. Perubahan disimpan sebagai formulir baru bersama versi model "
                                 "berikutnya."),
        "form_pending": gettext("Formulir baru %(key)s: disimpan saat model di-deploy."),
        "form_title": gettext("Judul formulir"),
        "field_add": gettext("Tambah isian"),
        "field_remove": gettext("Hapus isian"),
        "field_number": gettext("Isian %(number)s"),
        "field_label": gettext("Label"),
        "field_name": gettext("Nama isian (dipakai di kondisi)"),
        "field_kind": gettext("Jenis"),
        "field_required": gettext("Wajib diisi"),
        "field_help": gettext("Teks bantuan"),
        "field_choices": gettext("Pilihan (satu per baris)"),
        "field_role": gettext("Peran orang yang dipilih"),
        "field_columns": gettext("Kolom tabel (satu per baris: nama | label | jenis | * bila wajib)"),
        "field_required_if": gettext("Wajib hanya bila"),
        "field_required_value": gettext("bernilai"),
        "field_always": gettext("— selalu (sesuai centang Wajib) —"),
        "yes": gettext("Ya"), "no": gettext("Tidak"),
        "kind_text": gettext("Teks"), "kind_longtext": gettext("Teks panjang"), "kind_number": gettext("Angka"),
        "kind_date": gettext("Tanggal"), "kind_yesno": gettext("Ya/Tidak"), "kind_choice": gettext("Pilihan"),
        "kind_person": gettext("Orang dengan peran"), "kind_document": gettext("Dokumen"),
        "kind_table": gettext("Tabel"), "kind_other": gettext("Lainnya (tidak diubah di sini)"),
    }


LINT_NOTES = {  # engine.modeling.checks.BpmnLint says why bpmnlint did not run, in Indonesian
    "bpmnlint tidak dijalankan: Node.js (npx) tidak terpasang di server.":
        lazy_gettext("bpmnlint tidak dijalankan: Node.js (npx) tidak terpasang di server."),
    "bpmnlint tidak dijalankan: paket npm belum terpasang (jalankan `npm ci`).":
        lazy_gettext("bpmnlint tidak dijalankan: paket npm belum terpasang (jalankan `npm ci`)."),
}
_LINT_FAILED = "bpmnlint gagal dijalankan: "


def lint_words(note: str) -> str:
    """Why bpmnlint did not run, in the reader's language (a tool's own text stays as it is)."""
    if note in LINT_NOTES:
        return str(LINT_NOTES[note])
    if note.startswith(_LINT_FAILED):
        return gettext("bpmnlint gagal dijalankan: %(detail)s", detail=note.removeprefix(_LINT_FAILED))
    return note
