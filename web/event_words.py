"""Audit events in words: a label for every event type the engine records, and payloads as labelled values.

Auditors read the log in Indonesian or English; the stored event keeps its key and exact JSON (the hash
covers it), this is only how a page shows it. ``tests/web/test_event_words.py`` finds every event type
recorded in ``engine/`` and fails when one has no label here.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import LazyString, lazy_gettext
from markupsafe import Markup, escape

from web.formatting import gettext, person_of, role_title, user_name, wita
from web.model_texts import model_text
from web.time_words import cycle_text, iso_duration_text, working_duration

EVENT_LABELS: dict[str, LazyString] = {
    # a case and its steps
    "instance_started": lazy_gettext("Kasus dimulai"),
    "case_created": lazy_gettext("Kasus tercatat di rantai sistem"),  # cases made before issue 21
    "cases_accounted": lazy_gettext("Kasus lama tercatat di rantai sistem"),
    "instance_completed": lazy_gettext("Kasus selesai"),
    "instance_cancelled": lazy_gettext("Kasus dibatalkan"),
    "instance_migrated": lazy_gettext("Kasus dipindahkan ke versi SOP lain"),
    "task_created": lazy_gettext("Langkah dibuka"),
    "task_claimed": lazy_gettext("Tugas diambil"),
    "task_unclaimed": lazy_gettext("Tugas dilepas"),
    "task_reassigned": lazy_gettext("Tugas dialihkan"),
    "task_completed": lazy_gettext("Langkah selesai"),
    "task_cancelled": lazy_gettext("Langkah ditarik oleh model"),
    "gateway_decided": lazy_gettext("Keputusan diambil"),
    "timer_fired": lazy_gettext("Pewaktu berjalan"),
    "timer_failed": lazy_gettext("Pewaktu gagal"),
    "task_escalated": lazy_gettext("Tugas terlambat: atasan diberi tahu"),
    "step_notice": lazy_gettext("Pemberitahuan dari langkah dikirim"),
    "case_warned": lazy_gettext("Peringatan batas waktu kasus"),
    "case_escalated": lazy_gettext("Kasus terlambat: atasan diberi tahu"),
    "comment_added": lazy_gettext("Komentar ditambahkan"),
    "attachment_uploaded": lazy_gettext("Dokumen diunggah"),
    "case_viewed": lazy_gettext("Kasus dibaca"),
    "performer_figures_viewed": lazy_gettext("Angka kinerja perorangan dibaca"),
    "attempt_refused": lazy_gettext("Percobaan ditolak"),
    "incident_opened": lazy_gettext("Insiden dibuka: langkah gagal dijalankan"),
    "start_failed": lazy_gettext("Kasus gagal dimulai: model SOP gagal dijalankan"),
    "incident_retry_failed": lazy_gettext("Insiden: percobaan ulang gagal"),
    "incident_resolved": lazy_gettext("Insiden diselesaikan"),
    "document_viewed": lazy_gettext("Dokumen diunduh"),
    "process_log_exported": lazy_gettext("Log proses diekspor (process mining)"),
    # routines and models
    "definition_deployed": lazy_gettext("SOP dideploy"),
    "sop_identity_changed": lazy_gettext("Identitas dokumen SOP diubah"),
    "model_draft_saved": lazy_gettext("Draf model disimpan"),
    "model_draft_deleted": lazy_gettext("Draf model dihapus"),
    "schedule_created": lazy_gettext("Jadwal rutin dibuat"),
    "schedule_changed": lazy_gettext("Jadwal rutin diubah"),
    "schedule_enabled": lazy_gettext("Jadwal rutin diaktifkan"),
    "schedule_disabled": lazy_gettext("Jadwal rutin dihentikan"),
    "routine_started": lazy_gettext("Kasus rutin dimulai"),
    "routine_skipped": lazy_gettext("Kasus rutin dilewati"),
    "routine_start_failed": lazy_gettext("Kasus rutin gagal dimulai"),
    # people, access and the office
    "login": lazy_gettext("Masuk"),
    "login_failed": lazy_gettext("Gagal masuk"),
    "login_locked": lazy_gettext("Akun dikunci sementara (terlalu banyak percobaan masuk gagal)"),
    "logout": lazy_gettext("Keluar"),
    "login_refused": lazy_gettext("Masuk ditolak (direktori, SSO atau aturan akun)"),
    "login_throttled": lazy_gettext("Percobaan masuk ditolak sebelum kata sandi diperiksa (terlalu banyak "
                                    "percobaan)"),
    "account_linked": lazy_gettext("Akun ditautkan ke direktori/SSO"),
    "account_bound": lazy_gettext("Akun terikat ke entri direktori/SSO"),
    "saved_filter_created": lazy_gettext("Filter pencarian disimpan"),
    "saved_filter_renamed": lazy_gettext("Filter pencarian diganti namanya"),
    "saved_filter_deleted": lazy_gettext("Filter pencarian dihapus"),
    "api_token_issued": lazy_gettext("Token API dibuat"),
    "api_token_revoked": lazy_gettext("Token API dicabut"),
    "user_added": lazy_gettext("Akun ditambahkan"),
    "user_activated": lazy_gettext("Akun diaktifkan"),
    "user_deactivated": lazy_gettext("Akun dinonaktifkan"),
    "user_roles_changed": lazy_gettext("Peran akun diubah"),
    "user_password_changed": lazy_gettext("Kata sandi akun diganti"),
    "user_opd_changed": lazy_gettext("OPD akun diubah"),
    "user_email_mode_changed": lazy_gettext("Pilihan e-mail notifikasi diubah"),
    "user_account_data_changed": lazy_gettext("Data akun diubah"),
    "opd_added": lazy_gettext("OPD ditambahkan"),
    "opd_changed": lazy_gettext("OPD diubah"),
    "mandate_created": lazy_gettext("Plh/Plt ditunjuk"),
    "mandate_ended": lazy_gettext("Plh/Plt diakhiri"),
    "mandate_expired": lazy_gettext("Masa Plh/Plt berakhir"),
    "leave_added": lazy_gettext("Cuti dicatat"),
    "leave_removed": lazy_gettext("Cuti dihapus"),
    "leave_reminder_sent": lazy_gettext("Pengingat cuti tanpa Plh/Plt dikirim"),
    "calendar_changed": lazy_gettext("Kalender kerja diubah"),
    "calendar_override_removed": lazy_gettext("Perubahan kalender kerja dihapus"),
    "sop_monitoring_drafted": lazy_gettext("Formulir monitoring pelaksanaan SOP disusun"),
    "sop_monitoring_edited": lazy_gettext("Formulir monitoring pelaksanaan SOP diubah"),
    "sop_monitoring_signed": lazy_gettext("Formulir monitoring pelaksanaan SOP disahkan penilai"),
    "sop_monitoring_revised": lazy_gettext("Versi baru formulir monitoring pelaksanaan SOP dibuat"),
    "sop_evaluasi_drafted": lazy_gettext("Formulir evaluasi penerapan SOP disusun"),
    "sop_evaluasi_edited": lazy_gettext("Formulir evaluasi penerapan SOP diubah"),
    "sop_evaluasi_signed": lazy_gettext("Formulir evaluasi penerapan SOP disahkan penilai"),
    "sop_evaluasi_revised": lazy_gettext("Versi baru formulir evaluasi penerapan SOP dibuat"),
    "sop_monitoring_linked": lazy_gettext("Temuan monitoring SOP ditautkan ke revisi SOP"),
    "sop_evaluasi_linked": lazy_gettext("Temuan evaluasi SOP ditautkan ke revisi SOP"),
    "server_registered": lazy_gettext("Server didaftarkan di aset register"),
    "server_changed": lazy_gettext("Data server di aset register diubah"),
    "server_job_reported": lazy_gettext("Back-up/restore server dilaporkan"),
    "server_job_confirmed": lazy_gettext("Hasil back-up/restore server dikonfirmasi"),
    "server_reviewed": lazy_gettext("Server ditinjau (tinjauan tahunan)"),
    "dc_visit_opened": lazy_gettext("Masuk ruang Data Center"),
    "dc_visit_closed": lazy_gettext("Keluar ruang Data Center"),
    # Alur's own backups and the audit log's verification
    "backup_created": lazy_gettext("Cadangan Alur dibuat"),
    "backup_restored": lazy_gettext("Alur dipulihkan dari cadangan"),
    "audit_verified": lazy_gettext("Log audit diverifikasi"),
    "retention_applied": lazy_gettext("Kasus dihapus sesuai jadwal retensi arsip (JRA)"),
}

KEY_LABELS: dict[str, LazyString] = {
    "username": lazy_gettext("Pengguna"), "full_name": lazy_gettext("Nama lengkap"), "nip": lazy_gettext("NIP"),
    "jabatan": lazy_gettext("Jabatan"), "unit_kerja": lazy_gettext("Unit kerja"), "email": lazy_gettext("Email"),
    "phone": lazy_gettext("Telepon"), "roles": lazy_gettext("Peran"), "role": lazy_gettext("Peran"),
    "opd_id": lazy_gettext("OPD"), "email_mode": lazy_gettext("E-mail notifikasi"),
    "name": lazy_gettext("Langkah"), "task_id": lazy_gettext("Tugas"), "element_id": lazy_gettext("Elemen"),
    "assignee": lazy_gettext("Pemegang"), "candidates": lazy_gettext("Calon pemegang"),
    "to": lazy_gettext("Kepada"), "from": lazy_gettext("Dari"), "reason": lazy_gettext("Alasan"),
    "data": lazy_gettext("Isian"), "version": lazy_gettext("Versi"), "business_key": lazy_gettext("Nomor urusan"),
    "process_key": lazy_gettext("SOP"), "question": lazy_gettext("Pertanyaan"), "answer": lazy_gettext("Jawaban"),
    "flow": lazy_gettext("Alur"), "gateway": lazy_gettext("Percabangan"), "target": lazy_gettext("Menuju"),
    "due_at": lazy_gettext("Batas waktu"), "warning_at": lazy_gettext("Waktu peringatan"),
    "notified": lazy_gettext("Diberi tahu"), "text": lazy_gettext("Teks"), "mentions": lazy_gettext("Menyebut"),
    "what": lazy_gettext("Yang dibaca"), "remote_addr": lazy_gettext("Alamat IP"),
    "sha256": lazy_gettext("SHA-256"), "filename": lazy_gettext("Nama berkas"), "size": lazy_gettext("Ukuran"),
    "media_type": lazy_gettext("Jenis berkas"), "file": lazy_gettext("Berkas"),
    "change_note": lazy_gettext("Catatan perubahan"), "cycle": lazy_gettext("Jadwal"),
    "next_run_at": lazy_gettext("Berikutnya"), "source": lazy_gettext("Sumber"),
    "scheduled_for": lazy_gettext("Jadwal untuk"), "instance_id": lazy_gettext("Kasus"),
    "token_id": lazy_gettext("Token"), "code": lazy_gettext("Kode"), "active": lazy_gettext("Aktif"),
    "kind": lazy_gettext("Jenis"), "basis": lazy_gettext("Dasar surat"), "absent": lazy_gettext("Pejabat definitif"),
    "stand_in": lazy_gettext("Plh/Plt"), "mandate_id": lazy_gettext("Mandat"), "leave_id": lazy_gettext("Cuti"),
    "day": lazy_gettext("Tanggal"), "working": lazy_gettext("Hari kerja"), "note": lazy_gettext("Keterangan"),
    "on_behalf_of": lazy_gettext("Atas nama"), "on_behalf": lazy_gettext("Didaftarkan untuk pemohon"),
    "registered_for": lazy_gettext("Pemohon"), "mandate": lazy_gettext("Mandat"),
    "from_version": lazy_gettext("Dari versi"), "to_version": lazy_gettext("Ke versi"),
    "error": lazy_gettext("Galat"), "previous_assignee": lazy_gettext("Pemegang sebelumnya"),
    "working_days": lazy_gettext("Hari kerja"), "confidential": lazy_gettext("Rahasia"),
    "format": lazy_gettext("Format"), "cases": lazy_gettext("Jumlah kasus"), "names": lazy_gettext("Dengan nama"),
    "named_people": lazy_gettext("Nama yang dibuka"), "names_asked": lazy_gettext("Nama diminta"),
    "via": lazy_gettext("Melalui"), "period_from": lazy_gettext("Periode dari"),
    "period_to": lazy_gettext("Periode sampai"),
    "subject": lazy_gettext("ID di direktori"), "previous_source": lazy_gettext("Sumber sebelumnya"),
    "roles_added": lazy_gettext("Peran ditambahkan"), "roles_removed": lazy_gettext("Peran dicabut"),
    "groups": lazy_gettext("Grup direktori"), "ignored": lazy_gettext("Nilai direktori yang diabaikan"),
    "as_of": lazy_gettext("Per tanggal"), "schedule_file": lazy_gettext("Berkas jadwal retensi"),
    "removed_cases": lazy_gettext("Kasus yang dihapus"), "retention": lazy_gettext("Masa retensi dan dasar JRA"),
    "documents_deleted": lazy_gettext("Dokumen yang dihapus"),
    "documents_kept": lazy_gettext("Dokumen yang tetap (dipakai kasus lain)"),
    "ended_at": lazy_gettext("Berakhir"), "status": lazy_gettext("Status"), "period": lazy_gettext("Masa retensi"),
    "years": lazy_gettext("Tahun"), "months": lazy_gettext("Bulan"), "documents": lazy_gettext("Dokumen"),
    "attempts": lazy_gettext("Jumlah percobaan"), "until": lazy_gettext("Sampai"),
    "refusals": lazy_gettext("Alasan penolakan"), "addresses": lazy_gettext("Alamat IP"),
    "usernames": lazy_gettext("Nama pengguna yang diketik"), "other_addresses": lazy_gettext("Alamat IP lain"),
    "other_usernames": lazy_gettext("Nama lain"),
    "account_wait": lazy_gettext("Akun harus menunggu atau terkunci"),
    "checks_busy": lazy_gettext("Pemeriksaan kata sandi sedang penuh"),
    "rate_limited": lazy_gettext("Batas per alamat IP atau per nama"),
}
PERSON_KEYS = frozenset({"username", "assignee", "to", "previous_assignee", "new_assignee", "on_behalf_of",
                         "stand_in", "absent", "created_by"})
PEOPLE_KEYS = frozenset({"candidates", "notified", "mentions", "named_people"})
ROLE_KEYS = frozenset({"role"})
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_WORDS: dict[str, dict[str, LazyString | str]] = {
          "email_mode": {"instant": lazy_gettext("setiap notifikasi"), "digest": lazy_gettext("ringkasan harian"),
                         "off": lazy_gettext("tidak dikirim")},
          "what": {"case": lazy_gettext("halaman kasus"), "tasks": lazy_gettext("tugas"),
                   "audit_trail": lazy_gettext("jejak audit"), "replay": lazy_gettext("replay"),
                   "verification": lazy_gettext("verifikasi"), "export": lazy_gettext("ekspor paket audit"),
                   "document": lazy_gettext("dokumen")},
          "kind": {"plh": "Plh.", "plt": "Plt."},
          "source": {"local": lazy_gettext("akun lokal"), "ldap": lazy_gettext("direktori (LDAP)"),
                     "oidc": lazy_gettext("SSO (OpenID Connect)")},
          "reason": {"disabled": lazy_gettext("dinonaktifkan di direktori"),
                     "inactive": lazy_gettext("akun nonaktif di Alur"),
                     "username_taken": lazy_gettext("nama dipakai akun lokal"),
                     "subject_mismatch": lazy_gettext("nama tertaut ke entri direktori lain"),
                     "local_passwords_off": lazy_gettext("kata sandi lokal dimatikan"),
                     "use_sso": lazy_gettext("akun SSO memakai kata sandi"),
                     "sso_failed": lazy_gettext("SSO gagal"),
                     "directory_unavailable": lazy_gettext("direktori/SSO tidak dapat dihubungi"),
                     # user_deactivated by the directory (at a sign-in or by the directory check)
                     "disabled in the directory": lazy_gettext("dinonaktifkan di direktori"),
                     "missing from the directory": lazy_gettext("tidak ada lagi di direktori")},
          "via": {"directory_check": lazy_gettext("pemeriksaan direktori berkala")}}


def event_label(event_type: str) -> str:
    """The event type in words; an unknown (newer) type as its key, so it is never hidden."""
    label = EVENT_LABELS.get(event_type)
    return str(label) if label is not None else event_type


def event_summary(event_type: str, payload: dict[str, Any], process_key: str | None = None) -> str:
    """One line of plain text for a timeline: the label and what it concerns (the step, the answer,
    the reason, the new holder), in the page's language; the model's words too where ``process_key``'s
    model has them in that language."""
    label = event_label(event_type)
    name = payload.get("name")
    if process_key and isinstance(name, str):
        name = str(model_text(process_key, payload.get("element_id"), name, plain=True))
    if event_type == "instance_started":
        detail = gettext("versi SOP %(version)s", version=payload.get("version", "–"))
    elif event_type == "task_reassigned":
        detail = gettext("%(step)s kepada %(person)s", step=name or "", person=person_name(payload.get("to")))
    elif event_type == "gateway_decided":
        question, answer = payload.get("question"), payload.get("answer")
        if process_key:
            question = model_text(process_key, payload.get("gateway"), question, plain=True)
            answer = model_text(process_key, payload.get("flow"), answer, plain=True)
        detail = " ".join(str(v) for v in (question, answer or payload.get("flow")) if v)
    elif event_type == "instance_cancelled":
        detail = str(payload.get("reason") or "")
    elif event_type == "instance_migrated":
        detail = gettext("ke versi %(version)s", version=payload.get("to_version", "–"))
    elif event_type == "comment_added":
        text = " ".join(str(payload.get("text", "")).split())
        detail = text if len(text) <= 120 else text[:120].rstrip() + "…"
    elif event_type == "timer_fired":
        detail = str(payload.get("element_id") or "")
    elif event_type == "retention_applied":
        detail = gettext("%(count)s kasus", count=len(payload.get("removed_cases") or ()))
    else:
        detail = str(name or "")
    line = f"{label}: {detail}" if detail else label
    if payload.get("on_behalf_of"):  # done by a stand-in (Plh/Plt) for the official
        line += " " + gettext("(atas nama %(person)s)", person=person_name(payload["on_behalf_of"]))
    return line


def person_name(username: Any) -> str:
    return person_of(str(username)).full_name if username else "–"


def payload_html(payload: dict[str, Any]) -> Markup:
    """The payload as a list of labelled values: people by name, roles by title, times in WITA,
    durations and schedules in words; keys without a label are shown as they are."""
    if not payload:
        return Markup('<span class="muted">–</span>')
    items = Markup("").join(
        Markup('<div><dt>{}</dt><dd>{}</dd></div>').format(key_label(key), value_html(key, value))
        for key, value in payload.items())
    return Markup('<dl class="payload-words">{}</dl>').format(items)


def key_label(key: str) -> str:
    label = KEY_LABELS.get(key)
    return str(label) if label is not None else key


# Payload keys holding the model's words as the engine recorded them (in Indonesian): the record is shown
# as it is, marked as Indonesian on an English page.
RECORDED_MODEL_WORDS = frozenset({"name", "question", "answer", "target", "mutu_baku", "prosedur"})


def value_html(key: str, value: Any) -> Markup | str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return gettext("Ya") if value else gettext("Tidak")
    if key in PERSON_KEYS and isinstance(value, str):
        return user_name(value)
    if key in PEOPLE_KEYS and isinstance(value, list):
        return Markup(", ").join(user_name(str(v)) for v in value)
    if key in ROLE_KEYS and isinstance(value, str):
        return role_title(value)
    if key in ("roles", "roles_added", "roles_removed") and isinstance(value, list):
        return "; ".join(role_title(str(v)) for v in value) or "–"
    if key == "cycle" and isinstance(value, str):
        return cycle_text(value)
    if key in _WORDS and isinstance(value, str):
        word = _WORDS[key].get(value)
        return str(word) if word is not None else value
    if isinstance(value, dict):
        return payload_html(value)
    if isinstance(value, list):
        return Markup(", ").join(value_html(key, v) for v in value)
    if key in RECORDED_MODEL_WORDS and isinstance(value, str):
        return Markup('<span lang="id">{}</span>').format(_text_html(value))
    if isinstance(value, str):
        return _text_html(value)
    return escape(str(value))


def _text_html(value: str) -> Markup | str:
    if _ISO_MOMENT.fullmatch(value):
        return wita(datetime.fromisoformat(value.replace("Z", "+00:00")))
    if _SHA256.fullmatch(value):
        return Markup('<code title="{}">{}…</code>').format(value, value[:12])
    if value.startswith("P") and (words := iso_duration_text(value)) is not None:
        return words
    return value


def register(app: Flask) -> None:
    app.jinja_env.filters.update(event_label=event_label, event_payload=payload_html,
                                 working_duration=working_duration, cycle_text=cycle_text)
