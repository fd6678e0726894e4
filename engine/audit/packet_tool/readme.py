"""The README.txt of every audit packet: what is in it, the hash formula, how to check it (Indonesian, English)."""
from __future__ import annotations

README = """\
PAKET AUDIT ALUR / ALUR AUDIT PACKET
{title}
Dibuat / made: {generated_utc} (UTC) = {generated_wita} (WITA) oleh / by {generated_by}
Tanda tangan manifest / manifest signature: {signature}

======================================================================
BAHASA INDONESIA
======================================================================

Isi paket
  events.jsonl        setiap kejadian audit, satu objek JSON per baris (sumber yang diperiksa)
  events.csv          salinan events.jsonl untuk lembar kerja
  checkpoints.jsonl   titik periksa (checkpoint) bertanda tangan Ed25519 atas kepala rantai
  process/            setiap versi BPMN yang dijalankan{process_note}, dan process/index.json
  documents/          dokumen beserta documents/index.json (sha256 tiap dokumen)
  manifest.json       sha256 setiap berkas dalam paket; manifest.sig = tanda tangannya
  verify_packet.py    pemeriksa mandiri (hanya perlu Python 3 dan paket "cryptography")
{extra_id}
Zona waktu
  Kolom berakhiran _utc memakai UTC dan diakhiri huruf "Z". Kolom berakhiran _wita adalah waktu
  Indonesia Tengah (WITA, Asia/Makassar, UTC+08:00), ditulis dengan "+08:00".

Rumus hash kejadian
  hash = SHA-256 (heksadesimal huruf kecil) atas teks UTF-8 dari
         prev_hash + canonical_json([chain, seq, instance_id, event_type, actor, at, payload_json])
  - canonical_json: JSON dengan kunci terurut, tanpa spasi (pemisah "," dan ":"), huruf non-ASCII
    ditulis apa adanya (UTF-8), seperti json.dumps(v, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False) di Python.
  - at: nilai at_utc dengan akhiran "Z" ditulis "+00:00" (format isoformat Python), misalnya
    "2026-11-23T01:20:00+00:00".
  - payload_json: teks persis dari kolom payload_json (kolom payload hanya salinan yang mudah dibaca).
  - prev_hash kejadian pertama sebuah rantai (seq 1) adalah 64 angka nol; kejadian berikutnya memuat
    hash kejadian sebelumnya pada rantai yang sama. Setiap kasus punya rantai "instance:<id>";
    kejadian sistem (mis. pemasangan versi SOP) ada di rantai "system".
  Titik periksa: tanda tangan Ed25519 (base64) atas teks "body" (UTF-8); body memuat daftar
  "heads" [rantai, seq, hash] yang harus sama dengan hash kejadian pada seq itu.
  Manifest: manifest.sig berisi tanda tangan Ed25519 (base64) atas byte persis manifest.json,
  dengan kunci publik yang tertulis di manifest.json (bagian "signature").

Cara memeriksa
  1. Ekstrak ZIP ke sebuah folder.
  2. pip install cryptography
  3. python3 verify_packet.py --public-key <KUNCI_PUBLIK>
     (kunci publik Ed25519 yang diumumkan Diskominfo; tanpa --public-key, tanda tangan hanya
     dicocokkan dengan kunci yang tertulis di paket ini.)
  Status keluar 0 dan baris "OK: ..." berarti paket utuh. Status 1 dan baris "FAILED: ..." menyebut
  masalah pertama (kejadian, dokumen atau berkas yang berubah). Status 2: paket tidak dapat dibaca.

======================================================================
ENGLISH
======================================================================

Contents
  events.jsonl        every audit event, one JSON object a line (what is checked)
  events.csv          a copy of events.jsonl for spreadsheets
  checkpoints.jsonl   Ed25519-signed checkpoints of the chain heads
  process/            every BPMN version that ran{process_note_en}, and process/index.json
  documents/          the documents with documents/index.json (each document's sha256)
  manifest.json       the sha256 of every file in the packet; manifest.sig is its signature
  verify_packet.py    a stand-alone checker (needs only Python 3 and the "cryptography" package)
{extra_en}
Time zones
  Fields ending in _utc are UTC and end in "Z". Fields ending in _wita are Central Indonesia Time
  (WITA, Asia/Makassar, UTC+08:00), written with "+08:00".

Event hash formula
  hash = SHA-256 (lower-case hex) of the UTF-8 text
         prev_hash + canonical_json([chain, seq, instance_id, event_type, actor, at, payload_json])
  - canonical_json: JSON with sorted keys and no spaces (separators "," and ":"), non-ASCII
    characters written as they are (UTF-8): Python's json.dumps(v, sort_keys=True,
    separators=(",", ":"), ensure_ascii=False).
  - at: the at_utc value with its "Z" written "+00:00" (Python's isoformat), e.g.
    "2026-11-23T01:20:00+00:00".
  - payload_json: the exact text of the payload_json field (payload is a readable copy only).
  - prev_hash of a chain's first event (seq 1) is 64 zeros; each later event carries the hash of
    the event before it on the same chain. Each case has the chain "instance:<id>"; system events
    (e.g. deploying an SOP version) are on the chain "system".
  Checkpoints: an Ed25519 signature (base64) over the "body" text (UTF-8); the body lists "heads"
  [chain, seq, hash], each of which must equal the hash of the event at that seq.
  Manifest: manifest.sig holds an Ed25519 signature (base64) over the exact bytes of manifest.json,
  by the public key written in manifest.json ("signature").

How to check
  1. Unzip into a folder.
  2. pip install cryptography
  3. python3 verify_packet.py --public-key <PUBLIC_KEY>
     (the Ed25519 public key Diskominfo publishes; without --public-key the signatures are only
     checked against the key written in this packet.)
  Exit status 0 with a line "OK: ..." means the packet is intact. Exit status 1 with "FAILED: ..."
  names the first problem (the event, document or file that changed). Exit status 2: unreadable.
"""

CASE_EXTRA_ID = ("  verification.json   hasil verifikasi Alur saat paket dibuat (rantai, checkpoint, replay,\n"
                 "                      dokumen); verification.txt versi teksnya\n")
CASE_EXTRA_EN = ("  verification.json   Alur's verification when the packet was made (chain, checkpoints, replay,\n"
                 "                      documents); verification.txt is the same as text\n")
RANGE_EXTRA_ID = ("  range.json          rentang tanggal (hari WITA, keduanya termasuk) dan batasnya dalam UTC\n"
                  "                      Kejadian sebuah rantai dalam rentang dimulai di tengah rantai: hash kejadian\n"
                  "                      pertamanya dicek dari prev_hash-nya sendiri.\n")
RANGE_EXTRA_EN = ("  range.json          the date range (WITA days, both included) and its bounds in UTC\n"
                  "                      A chain's events in a range begin mid-chain: its first event is checked\n"
                  "                      from its own prev_hash.\n")


def readme_text(title: str, generated_utc: str, generated_wita: str, generated_by: str, signature: str,
                case: bool) -> str:
    return README.format(
        title=title, generated_utc=generated_utc, generated_wita=generated_wita, generated_by=generated_by,
        signature=signature,
        process_note=" kasus ini (termasuk versi sebelum pemindahan)" if case else " dalam rentang ini",
        process_note_en=" in this case (including versions before a migration)" if case else " in this range",
        extra_id=CASE_EXTRA_ID if case else RANGE_EXTRA_ID, extra_en=CASE_EXTRA_EN if case else RANGE_EXTRA_EN)
