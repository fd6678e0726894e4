"""The Monitoring Pelaksanaan SOP AP of SOP-03 for the first semester of 2026, and its Evaluasi Penerapan
for the year: drafted from cases run at known times, edited and signed off by the penilai SOP, versioned
and audited; bad input refused with nothing stored (domain.md §2.5-2.6)."""
from __future__ import annotations

import json

import pytest
from pdf_checks import dark_share, pdf_pages, require
from process_helpers import PASSWORD, ROOT, Case, deploy, wita
from sqlalchemy import func, select
from test_sop_gangguan_jaringan import KEY, STEPS, checks, intake

from engine.bootstrap import Alur
from engine.errors import Conflict, InvalidInput, PermissionDenied
from engine.persistence.models import AuditEvent, SopAssessment
from engine.reading.periods import period_of
from engine.sop.assessment_drafts import CRITERIA
from engine.sop.assessments import ASSESSMENT_CHAIN, AssessmentNotFound

PENILAI = frozenset({"penilai_sop"})


@pytest.fixture
def semester(sop, clock):
    """Three SOP-03 cases finished in the first semester of 2026 and one left open:
    A on time everywhere; B with GJR-09 (15 menit) done three hours late; C in March, back to step 4
    once after the ISP (the D2 Tidak loop); D started in May and still at GJR-04."""
    deploy(sop, KEY)
    sop.users.add_user("penilai", "Dra. Siti Penilai", PASSWORD, set(PENILAI))
    sop.users.add_user("pemeriksa_bpk", "Auditor BPK", PASSWORD, {"auditor"})
    clock.now = wita(2026, 1, 12, 8, 0)
    a = Case(sop, clock, KEY, STEPS, starter="pengguna", business_key="GJR/2026/001")
    intake(a)
    checks(a)
    a.do("gjr_07", jaringan_terkoneksi=True)
    a.run("gjr_09", "gjr_10")
    clock.now = wita(2026, 1, 19, 8, 0)
    b = Case(sop, clock, KEY, STEPS, starter="pengguna", business_key="GJR/2026/002")
    intake(b)
    checks(b)
    b.do("gjr_07", jaringan_terkoneksi=True)
    b.do("gjr_09", at=wita(2026, 1, 19, 14, 30))
    b.run("gjr_10")
    clock.now = wita(2026, 3, 2, 8, 0)
    c = Case(sop, clock, KEY, STEPS, starter="pengguna", business_key="GJR/2026/003")
    intake(c)
    checks(c)
    c.do("gjr_07", jaringan_terkoneksi=False)
    c.do("gjr_08", jaringan_terhubung=False)
    checks(c, repeat=True)
    c.do("gjr_07", jaringan_terkoneksi=True)
    c.run("gjr_09", "gjr_10")
    for case in (a, b, c):
        case.finish()
    clock.now = wita(2026, 5, 4, 8, 0)
    d = Case(sop, clock, KEY, STEPS, starter="pengguna", business_key="GJR/2026/004")
    intake(d)
    clock.now = wita(2026, 7, 6, 9, 0)  # monitoring is done after the semester
    return sop


def events(alur: Alur) -> list[tuple[str, str, dict]]:
    with alur.sessions() as session:
        return [(e.event_type, e.actor, json.loads(e.payload_json)) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.chain == ASSESSMENT_CHAIN).order_by(AuditEvent.seq))]


def stored(alur: Alur) -> int:
    with alur.sessions() as session:
        return session.scalar(select(func.count()).select_from(SopAssessment)) or 0


def test_monitoring_drafted_edited_and_signed_off(semester, clock):
    alur = semester
    form = alur.assessments.draft("monitoring", KEY, 2026, 1, "penilai", PENILAI)
    assert (form.period.key, form.version, form.status) == ("2026-S1", 1, "draft")
    # the evidence is the dashboard's figures of the semester, kept with the record
    figures = alur.figures.figures(KEY, period_of("semester", 2026, 1))
    cases = form.evidence["cases"]
    assert (cases["started"], cases["finished"], cases["open"]) == (4, 3, 1) == \
        (figures.cases.started, figures.cases.finished, figures.cases.open)
    steps = {s["element_id"]: s for s in form.evidence["steps"]}
    assert (steps["gjr_09"]["completed"], steps["gjr_09"]["on_time"]) == (3, 2)
    assert steps["gjr_04"]["completed"] == 4  # A, B, C twice (D waits at it)
    back = [f for f in form.evidence["flows"] if f["rework"]]
    assert [(f["gateway_id"], f["answer"], f["taken"]) for f in back] == [("gw_gjr_08", "Tidak", 1)]
    # Penilaian proposed: the whole SOP looped back at its one D2 decision; GJR-09 on time 2 of 3
    rows = {row["element_id"]: row for row in form.content["rows"]}
    assert rows[None]["penilaian"] == "tidak_baik" and "1 dari 1 (100%)" in rows[None]["catatan"]
    assert rows["gjr_09"]["penilaian"] == "tidak_baik" and "2 dari 3 (67%)" in rows["gjr_09"]["catatan"]
    assert rows["gjr_04"]["penilaian"] == "baik"
    assert rows["gjr_08"]["penilaian"] == "baik"  # done once, on time
    assert form.content["rows"][0]["element_id"] is None and len(form.content["rows"]) == 1 + len(STEPS)

    index = [row["element_id"] for row in form.content["rows"]].index("gjr_09")
    changes = [{} for _ in form.content["rows"]]
    changes[index] = {"catatan": "Laporan selesai terlambat pada satu kasus (GJR/2026/002).",
                      "tindakan": "Kabid menerima laporan melalui Alur pada hari yang sama."}
    changes[0] = {"penilaian": "baik", "catatan": "Pengulangan karena gangguan di sisi ISP, bukan SOP."}
    edited = alur.assessments.edit(form.assessment_id, 0, {"rows": changes, "metode": ["data_alur", "observasi"],
                                                           "tanggal": "2026-07-06"}, "penilai", PENILAI)
    assert edited.edits == 1 and edited.content["rows"][0]["penilaian"] == "baik"
    assert edited.content["rows"][0]["usulan"] == "tidak_baik"  # Alur's proposal stays visible
    assert edited.content["metode"] == ["observasi", "data_alur"]
    with pytest.raises(Conflict):  # a stale form
        alur.assessments.edit(form.assessment_id, 0, {"tanggal": "2026-07-07"}, "penilai", PENILAI)

    signed = alur.assessments.sign_off(form.assessment_id, 1, "penilai", PENILAI)
    assert (signed.status, signed.signed_name, signed.signed_at) == ("signed", "Dra. Siti Penilai", clock())
    with pytest.raises(Conflict, match="sudah disahkan"):
        alur.assessments.edit(form.assessment_id, 2, {"tanggal": "2026-07-07"}, "penilai", PENILAI)

    # a change after sign-off is a new version; the signed one stays as it was
    clock.advance(days=1)
    second = alur.assessments.new_version(form.assessment_id, "penilai", PENILAI)
    assert (second.version, second.status, second.latest) == (2, "draft", True)
    assert second.content["rows"][0]["catatan"] == "Pengulangan karena gangguan di sisi ISP, bukan SOP."
    assert alur.assessments.get(form.assessment_id, PENILAI).latest is False
    assert alur.assessments.get(form.assessment_id, PENILAI).status == "signed"
    with pytest.raises(Conflict):
        alur.assessments.new_version(form.assessment_id, "penilai", PENILAI)

    kinds = [(kind, actor) for kind, actor, _ in events(alur)]
    assert kinds == [("sop_monitoring_drafted", "penilai"), ("sop_monitoring_edited", "penilai"),
                     ("sop_monitoring_signed", "penilai"), ("sop_monitoring_revised", "penilai")]
    edit_payload = events(alur)[1][2]
    assert edit_payload["changes"]["rows"][str(index)]["tindakan"].startswith("Kabid")
    report = alur.audit_verifier.verify()
    assert report.ok, report.lines()

    # who reads: supervisors of the SOP's steps, the Kepala Dinas, auditors; not a staff member
    for roles in ({"pejabat_administrator_tik"}, {"kepala_dinas"}, {"auditor"}):
        assert [v.version for v in alur.assessments.list_forms(frozenset(roles))] == [2, 1]
    assert alur.assessments.list_forms(frozenset({"pengguna_jaringan"})) == []
    with pytest.raises(PermissionDenied):
        alur.assessments.get(form.assessment_id, frozenset({"pengelola_ti"}))


def test_monitoring_pdf_has_the_columns_filled(semester, tmp_path):
    require("chromium")
    alur = semester
    form = alur.assessments.draft("monitoring", KEY, 2026, 1, "penilai", PENILAI)
    index = len(form.content["rows"]) - 1
    changes: list[dict] = [{} for _ in form.content["rows"]]
    changes[0] = {"tindakan": "Koordinasi dengan ISP dipercepat"}
    changes[index] = {"catatan": "Surat penyelesaian dikirim hari itu juga"}
    form = alur.assessments.edit(form.assessment_id, 0, {"rows": changes}, "penilai", PENILAI)
    form = alur.assessments.sign_off(form.assessment_id, 1, "penilai", PENILAI)
    path = tmp_path / "monitoring.pdf"
    path.write_bytes(alur.assessment_prints.pdf(form))
    pages = pdf_pages(path, layout=False)
    assert all(f"halaman {n} dari {len(pages)}" in page for n, page in enumerate(pages, start=1))
    text = " ".join(" ".join(pages).split())
    for heading in ("MONITORING PELAKSANAAN SOP AP", "No.", "Prosedur", "Penilaian terhadap penerapan",
                    "Catatan hasil penilaian", "Tindakan yang harus diambil", "Paraf penilai",
                    "Semester I Tahun 2026"):
        assert heading in text, heading
    assert "Koordinasi dengan ISP dipercepat" in text and "Surat penyelesaian dikirim hari itu juga" in text
    assert text.count("Dra. Siti Penilai") == len(form.content["rows"]) + 2  # each row's paraf, header, signature
    assert text.count("✓") == len(form.content["rows"])  # one Penilaian ticked in every row
    for row in form.content["rows"]:  # column (2) and (4) of every row
        assert " ".join(row["prosedur"].split()) in text and " ".join(row["catatan"].split())[:40] in text
    assert "Tidak berjalan dengan baik" in text and "GJR-09" in text
    assert "DRAF" not in text
    width, height, dark = dark_share(path, 1, tmp_path)
    assert width > height and 0.01 < dark < 0.5
    assert alur.assessment_prints.pdf(form) == path.read_bytes()  # printed once, kept


def test_evaluation_drafted_with_evidence_and_signed_off(semester, clock, tmp_path):
    alur = semester
    with pytest.raises(InvalidInput, match="belum dimulai"):
        alur.assessments.draft("evaluasi", KEY, 2027, None, "penilai", PENILAI)
    form = alur.assessments.draft("evaluasi", KEY, 2026, None, "penilai", PENILAI)
    assert [row["kriteria_key"] for row in form.content["rows"]] == [key for key, _ in CRITERIA]
    evidence = {row["kriteria_key"]: row["bukti"] for row in form.content["rows"]}
    assert "(2026-01)" in evidence["kinerja"] and "(2026-03)" in evidence["kinerja"]  # the trend of handling time
    assert "1 kali dari 1 keputusan" in evidence["sinergi"]
    assert all(row["jawaban"] is None for row in form.content["rows"])  # the answer is the penilai's
    with pytest.raises(InvalidInput, match="belum berakhir"):
        alur.assessments.sign_off(form.assessment_id, 0, "penilai", PENILAI)
    clock.now = wita(2027, 1, 4, 9, 0)
    with pytest.raises(InvalidInput, match="Ya/Tidak belum diisi"):
        alur.assessments.sign_off(form.assessment_id, 0, "penilai", PENILAI)
    answers = [{"jawaban": "ya"} for _ in CRITERIA]
    answers[6] = {"jawaban": "tidak", "catatan": "Pengembalian ke langkah 4 berulang",
                  "tindakan": "Tambahkan langkah koordinasi ISP sebelum pengecekan ulang"}
    form = alur.assessments.edit(form.assessment_id, 0, {"rows": answers, "rekomendasi": "revisi_sebagian",
                                                         "rencana_tanggal_revisi": "2027-03-01"}, "penilai", PENILAI)
    form = alur.assessments.sign_off(form.assessment_id, 1, "penilai", PENILAI)
    assert form.signed and form.content["rekomendasi"] == "revisi_sebagian"
    html = alur.assessment_prints.html(form)
    assert "EVALUASI PENERAPAN SOP AP".lower() in html.lower() and "1 Maret 2027" in html
    require("chromium")
    path = tmp_path / "evaluasi.pdf"
    path.write_bytes(alur.assessment_prints.pdf(form))
    text = " ".join(" ".join(pdf_pages(path, layout=False)).split())
    for words in ("Apakah SOP mampu mendorong peningkatan kinerja?", "Ya", "Tidak", "Catatan hasil penilaian",
                  "Tindakan yang harus diambil", "Tambahkan langkah koordinasi ISP", "Revisi sebagian",
                  "Tahun 2026", "Dra. Siti Penilai"):
        assert words in text, words
    assert text.count("✓") == len(CRITERIA) + 1  # a Ya or Tidak on every criterion, and the Rekomendasi
    for row in form.content["rows"]:  # the criterion and Alur's evidence printed in every row
        assert " ".join(row["kriteria"].split()) in text and " ".join(row["bukti"].split())[:40] in text
    assert "DRAF" not in text
    _width, _height, dark = dark_share(path, 1, tmp_path)  # the page rendered to an image carries the form
    assert 0.01 < dark < 0.5


def test_bad_input_is_refused_and_nothing_is_stored(semester):
    alur = semester
    with pytest.raises(PermissionDenied):
        alur.assessments.draft("monitoring", KEY, 2026, 1, "kabid", frozenset({"pejabat_administrator_tik"}))
    with pytest.raises(PermissionDenied):  # an auditor reads only, whatever else they hold
        alur.assessments.draft("monitoring", KEY, 2026, 1, "x", frozenset({"penilai_sop", "auditor"}))
    for kind, year, semester_no, message in (("bulanan", 2026, 1, "Jenis formulir"),
                                             ("monitoring", 2026, 3, "Semester"),
                                             ("monitoring", 1890, 1, "Tahun"),
                                             ("monitoring", 2027, 1, "belum dimulai")):
        with pytest.raises(InvalidInput, match=message):
            alur.assessments.draft(kind, KEY, year, semester_no, "penilai", PENILAI)
    assert stored(alur) == 0 and events(alur) == []
    form = alur.assessments.draft("monitoring", KEY, 2026, 1, "penilai", PENILAI)
    with pytest.raises(Conflict, match="sudah ada"):
        alur.assessments.draft("monitoring", KEY, 2026, 1, "penilai", PENILAI)
    rows = len(form.content["rows"])
    bad_values = [
        {"rows": [{"penilaian": "lumayan"}] + [{}] * (rows - 1)},
        {"rows": [{}] * (rows - 1)},
        {"rows": [{"paraf": "x"}] + [{}] * (rows - 1)},
        {"rows": [{"catatan": "x" * 2001}] + [{}] * (rows - 1)},
        {"rows": [{"catatan": "a\x00b"}] + [{}] * (rows - 1)},
        {"tanggal": "06/07/2026"},
        {"tanggal": ""},
        {"metode": ["telepati"]},
        {"rekomendasi": "tetap"},  # an evaluation's field on a monitoring form
        {"unit_kerja": "  "},
        {"nama_penilai": "x"},
    ]
    for values in bad_values:
        with pytest.raises(InvalidInput):
            alur.assessments.edit(form.assessment_id, 0, values, "penilai", PENILAI)
    with pytest.raises(PermissionDenied):
        alur.assessments.edit(form.assessment_id, 0, {"tanggal": "2026-07-06"}, "kadis", frozenset({"kepala_dinas"}))
    with pytest.raises(AssessmentNotFound):
        alur.assessments.edit(9999, 0, {"tanggal": "2026-07-06"}, "penilai", PENILAI)
    assert alur.assessments.get(form.assessment_id, PENILAI).edits == 0
    # a "tidak berjalan dengan baik" without Tindakan cannot be signed off
    changes: list[dict] = [{} for _ in range(rows)]
    changes[0] = {"tindakan": ""}
    alur.assessments.edit(form.assessment_id, 0, {"rows": changes}, "penilai", PENILAI)
    with pytest.raises(InvalidInput, match="tindakan yang harus diambil wajib"):
        alur.assessments.sign_off(form.assessment_id, 1, "penilai", PENILAI)
    changes[0] = {"penilaian": ""}
    alur.assessments.edit(form.assessment_id, 1, {"rows": changes}, "penilai", PENILAI)
    with pytest.raises(InvalidInput, match="Penilaian belum diisi"):
        alur.assessments.sign_off(form.assessment_id, 2, "penilai", PENILAI)
    assert [kind for kind, _, _ in events(alur)] == ["sop_monitoring_drafted"] + ["sop_monitoring_edited"] * 2


def test_a_finding_linked_to_the_revision_it_led_to_moves_tanggal_revisi(semester, clock):
    alur = semester
    form = alur.assessments.draft("monitoring", KEY, 2026, 1, "penilai", PENILAI)
    with pytest.raises(Conflict, match="setelah formulir disahkan"):
        alur.assessments.link_revision(form.assessment_id, 2, "penilai", PENILAI)
    form = alur.assessments.sign_off(form.assessment_id, 0, "penilai", PENILAI)
    assert alur.assessments.revisions(form.assessment_id, PENILAI) == []
    with pytest.raises(InvalidInput, match="bukan revisi"):
        alur.assessments.link_revision(form.assessment_id, 1, "penilai", PENILAI)
    clock.now = wita(2026, 7, 14, 10, 0)
    xml = (ROOT / "processes" / f"{KEY}.bpmn").read_text()
    alur.deployer.deploy_bytes(xml.replace("Memonitor jaringan pada sistem monitoring",
                                           "Memonitor jaringan pada sistem monitoring (NMS)").encode(),
                               f"{KEY}.bpmn", "pemilik_proses")  # deployed without a revision note
    assert alur.sop_identities.form_values(KEY)["tanggal_revisi"] == ""
    [choice] = alur.assessments.revisions(form.assessment_id, PENILAI)
    assert choice.version == 2
    with pytest.raises(PermissionDenied):
        alur.assessments.link_revision(form.assessment_id, 2, "kabid", frozenset({"pejabat_administrator_tik"}))
    clock.advance(days=1)
    linked = alur.assessments.link_revision(form.assessment_id, 2, "pemilik_proses", frozenset({"pemilik_proses"}))
    assert linked.revision_version == 2 and linked.status == "signed"
    assert alur.sop_identities.form_values(KEY)["tanggal_revisi"] == "2026-07-14"  # the deploy day
    header = {f.key: f.value for f in alur.sop_documents.document(KEY, 2).header}
    assert header["tanggal_revisi"] == "14 Juli 2026"  # the SOP document prints it
    assert events(alur)[-1][0] == "sop_monitoring_linked"
    assert "revisi SOP versi 2" in alur.assessment_prints.html(linked)
