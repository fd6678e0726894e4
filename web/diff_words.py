"""A version diff in the reader's language: element kinds and property names (engine.modeling.diff gives
them in Indonesian for the command line; the page names them through the catalogue)."""
from __future__ import annotations

from flask_babel import LazyString, lazy_gettext

KINDS: dict[str, LazyString] = {
    "userTask": lazy_gettext("Langkah (user task)"), "exclusiveGateway": lazy_gettext("Keputusan (gateway)"),
    "parallelGateway": lazy_gettext("Gateway paralel"), "inclusiveGateway": lazy_gettext("Gateway inklusif"),
    "startEvent": lazy_gettext("Mulai"), "endEvent": lazy_gettext("Selesai"),
    "intermediateCatchEvent": lazy_gettext("Peristiwa antara"),
    "intermediateThrowEvent": lazy_gettext("Peristiwa antara"), "boundaryEvent": lazy_gettext("Peristiwa batas"),
    "sequenceFlow": lazy_gettext("Alur"), "lane": lazy_gettext("Lane (pelaksana)"),
    "serviceTask": lazy_gettext("Tugas layanan"), "task": lazy_gettext("Tugas"),
    "manualTask": lazy_gettext("Tugas manual"), "sendTask": lazy_gettext("Tugas kirim"),
    "receiveTask": lazy_gettext("Tugas terima"), "subProcess": lazy_gettext("Sub-proses"),
    "callActivity": lazy_gettext("Panggil proses"), "textAnnotation": lazy_gettext("Catatan"),
}
PROPERTIES: dict[str, LazyString] = {
    "name": lazy_gettext("Nama"), "documentation": lazy_gettext("Uraian"), "kind": lazy_gettext("Jenis elemen"),
    "lane": lazy_gettext("Lane"), "role": lazy_gettext("Peran (katalog)"), "formKey": lazy_gettext("Formulir"),
    "candidateGroups": lazy_gettext("Peran langkah (mempersempit lane)"), "default": lazy_gettext("Alur default"),
    "sourceRef": lazy_gettext("Dari"), "targetRef": lazy_gettext("Ke"), "condition": lazy_gettext("Kondisi"),
    "participant": lazy_gettext("Nama pool"), "timer": lazy_gettext("Timer"),
    "mutu:langkah": lazy_gettext("Mutu baku: langkah"), "mutu:kelengkapan": lazy_gettext("Mutu baku: kelengkapan"),
    "mutu:waktu": lazy_gettext("Mutu baku: waktu"), "mutu:waktu_iso": lazy_gettext("Mutu baku: waktu (ISO)"),
    "mutu:waktu_min_iso": lazy_gettext("Mutu baku: waktu minimum (ISO)"),
    "mutu:output": lazy_gettext("Mutu baku: output"), "mutu:keterangan": lazy_gettext("Mutu baku: keterangan"),
}
SOP_PROPERTIES: dict[str, LazyString] = {
    "nama_sop": lazy_gettext("Nama SOP"), "nomor_sop": lazy_gettext("Nomor SOP"),
    "tanggal_pembuatan": lazy_gettext("Tanggal pembuatan"), "tanggal_revisi": lazy_gettext("Tanggal revisi"),
    "tanggal_efektif": lazy_gettext("Tanggal efektif"), "disahkan_oleh": lazy_gettext("Disahkan oleh"),
    "unit_kerja": lazy_gettext("Unit kerja"), "penanggung_jawab": lazy_gettext("Penanggung jawab"),
    "dasar_hukum": lazy_gettext("Dasar hukum"), "kualifikasi_pelaksana": lazy_gettext("Kualifikasi pelaksana"),
    "keterkaitan": lazy_gettext("Keterkaitan"), "peralatan_perlengkapan": lazy_gettext("Peralatan/perlengkapan"),
    "peringatan": lazy_gettext("Peringatan"), "pencatatan_pendataan": lazy_gettext("Pencatatan dan pendataan"),
    "waktu_pelaksanaan": lazy_gettext("Waktu pelaksanaan"),
    "waktu_pelaksanaan_iso": lazy_gettext("Batas waktu pelaksanaan (ISO)"),
    "waktu_peringatan_iso": lazy_gettext("Waktu peringatan (ISO)"),
}
_PREFIXES = (("property:", lazy_gettext("Properti")), ("extension:", lazy_gettext("Ekstensi")),
             ("mutu:", lazy_gettext("Mutu baku")))


def kind_text(kind: str, indonesian: str) -> str:
    """The element kind's name; one the catalogue does not know keeps the engine's label."""
    return str(KINDS[kind]) if kind in KINDS else indonesian


def property_text(key: str, indonesian: str) -> str:
    """A changed property's name, following engine.modeling.diff.label_of."""
    if key in PROPERTIES:
        return str(PROPERTIES[key])
    if key.startswith("property:") and key[len("property:"):] in SOP_PROPERTIES:
        return str(SOP_PROPERTIES[key[len("property:"):]])
    for prefix, label in _PREFIXES:
        if key.startswith(prefix):
            return f"{label}: {key[len(prefix):].replace('_', ' ')}"
    return indonesian
