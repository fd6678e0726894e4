"""The pages each kind of user opens, for the walks over every page (browser and language)."""
from __future__ import annotations

from dataclasses import dataclass
import io
from typing import Any

from audit_web_helpers import REVIEW_STEPS, finished_review
from web_helpers import PNG, add_test_server, start_network_case

from engine.runtime.attachments import AttachmentStore

# The endpoints that answer with a file or a redirect, not a page a person reads.
NOT_PAGES = {"static", "processes.vendor", "processes.definition_xml", "auth.language", "inbox.home",
             "audit.packet", "audit.document", "cases.document", "cases.document_inline", "modeler.download",
             "modeler.draft_xml", "modeler.document_pdf", "registers.servers_csv", "registers.visits_csv",
             "dashboard.index_csv", "dashboard.sop_csv", "dashboard.vendor", "auth.sso", "auth.sso_return",
             "health.healthz", "health.readyz", "metrics.scrape", "model_forms.outline", "assessments.print_pdf"}


@dataclass
class Walk:
    base: str
    alur: Any
    network_case: int
    review_case: int
    task_id: str  # the review's second pass of its first step (a loop, with carried values)
    document: str  # a PDF of the review case
    image: str  # a PNG of the network case (its letter, with a long file name)
    assessment: int = 1  # a drafted Monitoring Pelaksanaan SOP AP of the network SOP

    def pages(self, username: str) -> list[tuple[str, str]]:
        """(endpoint, path) of the pages ``username`` opens in the walk."""
        network, review = self.network_case, self.review_case
        everyone = [("inbox.index", "/kotak-masuk"), ("cases.index", "/kasus"), ("processes.index", "/proses"),
                    ("account.index", "/akun"), ("notifications.index", "/notifikasi")]
        return everyone + {
            "pengguna_jaringan": [
                ("cases.new", "/kasus/baru"), ("cases.show", f"/kasus/{network}"),
                ("cases.preview", f"/kasus/{network}/dokumen/{self.image}/lihat")],
            "pengelola_ti": [
                ("inbox.index", "/kotak-masuk?tab=available"), ("cases.show", f"/kasus/{review}"),
                ("dashboard.index", "/dasbor"), ("tasks.show", f"/tugas/{self.task_id}"),
                ("processes.show", "/proses/sop_gangguan_jaringan"),
                ("registers.servers", "/register/server"), ("registers.visits", "/register/dc"),
                ("cases.preview", f"/kasus/{review}/dokumen/{self.document}/lihat")],
            "pencatat_surat": [("cases.register_form", "/kasus/daftar")],
            "pejabat_administrator_tik": [
                ("mandates.index", "/mandat"), ("cases.show", f"/kasus/{review}"), ("dashboard.index", "/dasbor"),
                ("dashboard.sop", "/dasbor/sop/sop_gangguan_jaringan"),
                ("process_logs.export", "/proses/sop_gangguan_jaringan/log"),
                ("assessments.index", "/dasbor/penilaian"),
                ("assessments.show", f"/dasbor/penilaian/{self.assessment}"),
                ("assessments.print_html", f"/dasbor/penilaian/{self.assessment}/cetak")],
            "auditor": [
                ("audit.log", "/audit"), ("audit.cases", "/audit/kasus"), ("audit.replay", f"/audit/kasus/{review}"),
                ("audit.case_verification", f"/audit/kasus/{review}/verifikasi"),
                ("audit.verification", "/audit/verifikasi"), ("audit.export", "/audit/ekspor")],
            "admin_sistem": [
                ("admin.users", "/admin/pengguna"), ("admin.user", "/admin/pengguna/pengelola_ti"),
                ("admin.opds", "/admin/opd"), ("calendar_admin.index", "/admin/kalender"),
                ("leave_admin.index", "/admin/cuti"), ("incidents.index", "/insiden"),
                ("admin.retention", "/admin/retensi")],
            "pemilik_proses": [
                ("modeler.index", "/pemodel"), ("modeler.editor", "/pemodel/sop_gangguan_jaringan"),
                ("modeler.versions", "/pemodel/sop_gangguan_jaringan/versi"),
                ("modeler.document", "/pemodel/sop_gangguan_jaringan/versi/1/dokumen"),
                ("modeler.identity", "/pemodel/sop_gangguan_jaringan/identitas")],
        }[username]


USERS = ("pengguna_jaringan", "pengelola_ti", "pencatat_surat", "pejabat_administrator_tik", "auditor",
         "admin_sistem", "pemilik_proses")


def prepare_walk(alur: Any, clock: Any, base: str) -> Walk:
    """A network case past its letter (a PNG with a long name) and a yearly review sent back once (PDFs)."""
    add_test_server(alur)
    network = start_network_case(alur)
    [task] = alur.queries.open_tasks(network)
    store = AttachmentStore(alur.sessions, alur.settings)
    image = store.store(io.BytesIO(PNG), "foto perangkat dengan nama berkas yang sangat panjang sekali.png",
                        "pengguna_jaringan").sha256
    letter = {"opd_pengirim": "Dinas Pendidikan", "nomor_surat_permohonan": "045/1/2026",
              "tanggal_surat_permohonan": "2026-11-23", "hal": "Gangguan jaringan di gedung A lantai 2",
              "lokasi": "Gedung A", "jenis_gangguan": "lambat", "sejak": "2026-11-23T07:45:00+08:00",
              "pic_nama": "Budi", "pic_telepon": "0812", "urgensi": "biasa", "dokumen_surat_permohonan": image}
    alur.runner.complete_task(task.task_id, "pengguna_jaringan", letter)
    review = finished_review_sent_back(alur, clock)
    [again] = alur.queries.open_tasks(review)
    [first, _] = [t for t in alur.queries.case_tasks(review) if t.data]
    document = first.data["dokumen_daftar_aset_register_server"]
    assessment = alur.assessments.draft("monitoring", "sop_gangguan_jaringan", 2026, 1, "penilai_sop",
                                        frozenset({"penilai_sop"})).assessment_id
    return Walk(base, alur, network, review, again.task_id, document, image, assessment)


def finished_review_sent_back(alur: Any, clock: Any) -> int:
    """The yearly review after its first two steps: sent back, its first step open a second time."""
    steps = list(REVIEW_STEPS)
    REVIEW_STEPS[:] = steps[:2]
    try:
        return finished_review(alur, clock)
    finally:
        REVIEW_STEPS[:] = steps
