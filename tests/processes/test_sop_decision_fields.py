"""Fields that look like decisions act (processes/README.md, "Fields that act"), and a step's output
document is required only on the branch that produces it.

The form checks run through ``FormRegistry.validate``, the check the runner makes before storing a
step; the fields that reach beyond the form (a notice, the requester's end notice, a refusal that
stores nothing) are walked through the engine.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
import test_sop_backup_restore_db as brd
import test_sop_gangguan_database as gdb
from process_helpers import CAST, ROOT, SOP_WALK, Case, FillContext, deploy, form_data

from engine.errors import FormInvalid
from engine.modeling.forms import FormRegistry

FORMS = FormRegistry(ROOT / "forms")
NOW = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)
TICK = "Harus dicentang."


def valid(key: str, **answers: Any) -> dict[str, Any]:
    """Valid data for the form (required and conditionally required fields), with ``answers``."""
    users = {role: next(u for u, roles in CAST.items() if role in roles) for roles in CAST.values() for role in roles}
    ctx = FillContext(tag="uji", now=NOW, user_for=lambda role: users.get(role, "pengelola"),
                      document=lambda label: f"{abs(hash(label)):064x}"[-64:], full=False)
    return form_data(FORMS.get(key).schema, ctx, answers)


def changed(data: dict[str, Any], **answers: Any) -> dict[str, Any]:
    """Valid data with answers the form refuses (``form_data`` only builds valid data)."""
    return {**data, **answers}


def refusal(key: str, data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(FormInvalid) as info:
        FORMS.validate(key, data)
    return info.value.errors


# --- documents only where the branch produces them -------------------------------------------------

# form, decision field, the answer that produces the document, the other answer, the document
BRANCH_DOCUMENTS = [
    ("gdb_07_verifikasi_gangguan", "gangguan_selesai", True, False, "dokumen_laporan_penyelesaian_gangguan"),
    ("gdb_08_cek_laporan_penyelesaian", "laporan_diterima", True, False, "dokumen_laporan_penyelesaian_pekerjaan"),
    ("pdt_07_cek_pejabat_administrator", "disetujui", True, False, "dokumen_laporan_penyelesaian_data"),
    ("tar_02_setujui_tinjauan_aset_register", "tinjauan_disetujui", True, False, "dokumen_berita_acara_tinjauan"),
    ("pdt_06_cek_pengelolaan_data", "pengelolaan_selesai", False, True, "dokumen_perbaikan_laporan_pengelolaan_data"),
    ("pdt_02_surat_pendataan", "mode", "permintaan_data_ke_opd", "penerimaan_data_masuk", "dokumen_surat_pendataan"),
]


@pytest.mark.parametrize(("key", "field", "producing", "other", "document"), BRANCH_DOCUMENTS,
                         ids=[row[0][:6] for row in BRANCH_DOCUMENTS])
def test_a_document_is_required_only_on_the_branch_that_produces_it(key, field, producing, other, document):
    with_it = valid(key, **{field: producing})
    assert document in with_it
    del with_it[document]
    assert refusal(key, with_it) == {document: "Wajib diisi."}
    without = valid(key, **{field: other})
    assert document not in without
    FORMS.validate(key, without)  # e.g. "Tidak" at gdb_07: no completion report exists yet


# --- required checkboxes: ticked, everywhere ----------------------------------------------------------

@pytest.mark.parametrize(("key", "field"), [
    ("gjr_09_terima_laporan_selesai", "konfirmasi_selesai"),  # reached only through a Ya branch
    ("brd_01_surat_permohonan", "persetujuan_risiko"),
    ("brd_03_perencanaan", "informasi_ke_pemohon_terkirim"),  # SOP-05 step 3: inform the requester
])
def test_a_required_checkbox_must_be_ticked(key, field):
    assert refusal(key, changed(valid(key), **{field: False})) == {field: TICK}
    FORMS.validate(key, valid(key, **{field: True}))


def test_every_required_boolean_is_a_ya_tidak_question_or_a_tick():
    """A plain checkbox sends "not ticked" for "not answered": required, it is asked as Ya/Tidak or
    must be ticked."""
    for key in sorted(p.stem for p in (ROOT / "forms").glob("*.json")):
        schema = FORMS.get(key).schema
        for name in schema["required"]:
            prop = schema["properties"][name]
            if prop.get("type") == "boolean":
                assert prop.get("x-widget") == "yesno" or prop.get("const") is True, (key, name)


def test_the_confirmed_result_follows_the_checks():
    key = "brd_05_konfirmasi_hasil"
    message = "Checksum tidak cocok atau uji gagal: hasil harus dikonfirmasi gagal."
    agreeing = valid(key, checksum_cocok=True, uji_restore_atau_aplikasi="berhasil", hasil_dikonfirmasi="berhasil")
    assert refusal(key, changed(agreeing, checksum_cocok=False)) == {"hasil_dikonfirmasi": message}
    assert refusal(key, changed(agreeing, uji_restore_atau_aplikasi="gagal")) == {"hasil_dikonfirmasi": message}
    failed = valid(key, checksum_cocok=False, hasil_dikonfirmasi="gagal")
    assert failed["tindak_lanjut_kegagalan"]
    del failed["tindak_lanjut_kegagalan"]
    assert refusal(key, failed) == {"tindak_lanjut_kegagalan": "Wajib diisi."}
    FORMS.validate(key, valid(key, checksum_cocok=True, uji_restore_atau_aplikasi="tidak diuji",
                              hasil_dikonfirmasi="berhasil"))


# --- through the engine ------------------------------------------------------------------------------

@pytest.fixture
def brd_case(sop, clock):
    deploy(sop, brd.KEY)
    case = Case(sop, clock, brd.KEY, brd.STEPS, starter="opd", business_key="BRD/2026/040")
    case.run("brd_01", "brd_02a", "brd_02b")
    return case


@SOP_WALK
def test_brd_03_refuses_a_plan_the_requester_was_not_told_of(sop, brd_case):
    task = brd_case.ready("brd_03")
    data = changed(brd_case.fill(task.form_key, "brd_03.x", "pengelola", False, {}),
                   informasi_ke_pemohon_terkirim=False)
    with pytest.raises(FormInvalid) as info:
        sop.runner.complete_task(task.task_id, "pengelola", data)
    assert info.value.errors == {"informasi_ke_pemohon_terkirim": TICK}
    assert brd_case.ready("brd_03").version == task.version  # nothing was stored
    brd_case.do("brd_03")


@SOP_WALK
def test_a_failed_back_up_is_confirmed_as_failed_and_the_requester_told(sop, brd_case):
    brd_case.run("brd_03", "brd_04")
    task = brd_case.ready("brd_05")
    contradicting = changed(brd_case.fill(task.form_key, "brd_05.x", "pemeriksa", False,
                                          {"hasil_dikonfirmasi": "berhasil"}), checksum_cocok=False)
    with pytest.raises(FormInvalid) as info:
        sop.runner.complete_task(task.task_id, "pemeriksa", contradicting)
    assert set(info.value.errors) == {"hasil_dikonfirmasi"}
    brd_case.documents.remove(contradicting["dokumen_laporan_terkonfirmasi"])  # uploaded, never part of the case
    brd_case.do("brd_05", checksum_cocok=False, hasil_dikonfirmasi="gagal",
                tindak_lanjut_kegagalan="Back-up diulang setelah ruang penyimpanan ditambah.")
    instance = brd_case.finish()
    assert instance.data["hasil_dikonfirmasi"] == "gagal"
    sop.scheduling.announce_new(brd_case.clock())
    [notice] = [n for n in sop.notifications.list("opd") if n.kind == "case_finished"]
    assert "Hasil dikonfirmasi: gagal." in notice.body
    assert "Back-up diulang setelah ruang penyimpanan ditambah." in notice.body


@SOP_WALK
@pytest.mark.parametrize("tell", [True, False], ids=["ticked", "not_ticked"])
def test_gdb_08_tells_the_kepala_dinas_only_when_ticked(sop, clock, tell):
    deploy(sop, gdb.KEY)
    case = Case(sop, clock, gdb.KEY, gdb.STEPS, starter="pengelola")
    case.run("gdb_01", "gdb_02", "gdb_03", "gdb_04", "gdb_05", "gdb_06", "gdb_07")
    case.do("gdb_08", informasikan_kepala_dinas=tell)
    task = [t for t in sop.queries.case_tasks(case.id) if t.element_id == "gdb_08"][0]
    sop.scheduling.announce_new(clock())
    told = [n for n in sop.notifications.list("kadis") if n.kind == "step_notice"]
    assert [n.task_id for n in told] == ([task.task_id] if tell else [])
    if tell:
        assert "Melakukan pengecekan laporan penyelesaian" in told[0].body
    events = [e.payload for e in sop.queries.audit_trail(case.id) if e.event_type == "step_notice"]
    assert events == ([{"task_id": task.task_id, "name": task.name, "field": "informasikan_kepala_dinas",
                        "role": "kepala_dinas"}] if tell else [])
    case.run("gdb_09")
    case.finish()
