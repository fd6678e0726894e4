"""Letters registered on a requester's behalf, the requester's view, confidential cases, comments and
the notices of new tasks and finished requests, over the real SOP-03 and SOP-05 (issue 13)."""
from __future__ import annotations

from typing import Any

import pytest
from process_helpers import register_for, WITA, FillContext, deploy, form_data, person_for, upload
from sqlalchemy import select, update

from engine.errors import Conflict, FormInvalid, InvalidInput, NotFound, PermissionDenied
from engine.permissions import Access
from engine.reading import search_statements
from engine.reading.search import parse_search
from engine.persistence.models import AuditEvent, Notification
from engine.reading.case_pages import CasePage, RequesterCasePage
from engine.runtime.comments import MAX_COMMENT_LENGTH
from engine.worker.scheduler import build_worker

SOP05, SOP03 = "sop_backup_restore_db", "sop_gangguan_jaringan"
AGENDA = "005/1187/DKI-TU/2026"


@pytest.fixture
def office(sop, clock):
    """SOP-03 and SOP-05 deployed, two units, requesters in each, a second Kabid."""
    deploy(sop, SOP05)
    deploy(sop, SOP03)
    sop.dinkes = sop.opds.add("DINKES", "Dinas Kesehatan Provinsi Kalimantan Timur", actor="admin")
    sop.bapenda = sop.opds.add("BAPENDA", "Badan Pendapatan Daerah Provinsi Kalimantan Timur", actor="admin")
    sop.users.set_opd("opd", sop.dinkes.opd_id, actor="admin")
    sop.users.add_user("opd_bapenda", "OPD Bapenda", "rahasia-uji-123", {"opd_pemohon"}, opd_id=sop.bapenda.opd_id)
    sop.users.add_user("pengguna2", "Pengguna Dua", "rahasia-uji-123", {"pengguna_jaringan"},
                       opd_id=sop.bapenda.opd_id)
    sop.users.add_user("kabid2", "Kabid Dua", "rahasia-uji-123", {"pejabat_administrator_tik"})
    for username, role in (("auditor", "auditor"), ("admin", "admin_sistem"), ("pemilik", "pemilik_proses")):
        sop.users.add_user(username, username.title(), "rahasia-uji-123", {role})
    return sop


def fill(alur: Any, clock: Any, form_key: str, actor: str, tag: str, **answers: Any) -> dict[str, Any]:
    ctx = FillContext(tag=tag, now=clock(), user_for=lambda role: person_for(alur, role),
                      document=lambda label: upload(alur, clock, actor, f"{tag}/{label}"), full=False)
    register_for(alur, alur.forms.get(form_key).schema)
    return form_data(alur.forms.get(form_key).schema, ctx, answers)


def letter(alur: Any, clock: Any, tag: str = "surat", **answers: Any) -> dict[str, Any]:
    """BRD-01 as the registrar fills it from the paper letter (the unit's name is filled in for them)."""
    data = fill(alur, clock, "brd_01_surat_permohonan", "kasubag_tu", tag, jenis_layanan="backup", **answers)
    del data["opd_pemohon"]
    return data


def register(alur: Any, clock: Any, opd_id: int, agenda: str = AGENDA, **answers: Any) -> int:
    return alur.runner.register_case(SOP05, "kasubag_tu", opd_id, agenda, letter(alur, clock, agenda, **answers)
                                     ).instance_id


def do(alur: Any, clock: Any, instance_id: int, element_id: str, actor: str | None = None, **answers: Any) -> None:
    task = next(t for t in alur.queries.open_tasks(instance_id) if t.element_id == element_id)
    actor = actor or task.assignee or person_for(alur, task.role)
    clock.advance(minutes=10)
    data = fill(alur, clock, task.form_key, actor, f"{instance_id}/{element_id}", **answers)
    alur.runner.complete_task(task.task_id, actor, data)


def finish_sop05(alur: Any, clock: Any, instance_id: int) -> None:
    for element_id in ("brd_02a", "brd_02b", "brd_03", "brd_04", "brd_05"):
        do(alur, clock, instance_id, element_id)


def events(alur: Any, instance_id: int, kind: str) -> list[Any]:
    return [e for e in alur.queries.audit_trail(instance_id) if e.event_type == kind]


def notices(alur: Any, username: str, kind: str | None = None) -> list[Any]:
    return [n for n in alur.notifications.list(username, limit=200) if kind in (None, n.kind)]


def readers(alur: Any, instance_id: int, people: list[str]) -> dict[str, str | None]:
    """What each person reads of the case, checked three ways: the page, the list, and a document."""
    seen = {}
    for person in people:
        try:
            page = alur.cases.case_page(instance_id, person)
        except PermissionDenied:
            seen[person] = None
        else:
            seen[person] = "requester" if isinstance(page, RequesterCasePage) else "full"
        listed = instance_id in [c.instance_id for c in alur.queries.visible_cases(person, per_page=100).items]
        assert listed == (seen[person] is not None), f"{person}: the case list disagrees with the case page"
    return seen


# -- registering on behalf ------------------------------------------------------------------------------

def test_registrar_starts_sop05_for_an_opd_with_the_agenda_number_as_business_key(office, clock):
    case = register(office, clock, office.dinkes.opd_id)
    view = office.queries.case(case)
    assert (view.business_key, view.started_by, view.opd_id) == (AGENDA, "kasubag_tu", office.dinkes.opd_id)
    first, second = office.queries.case_tasks(case)
    assert (first.element_id, first.state, first.completed_by, first.role) == (
        "brd_01", "completed", "kasubag_tu", "opd_pemohon")
    assert first.data["opd_pemohon"] == "Dinas Kesehatan Provinsi Kalimantan Timur"  # the unit, not typed
    assert first.data["dokumen_surat_permohonan"]  # the scan of the letter
    assert (second.element_id, second.state, second.role) == ("brd_02a", "ready", "pejabat_administrator_tik")
    registered_for = {"opd_id": office.dinkes.opd_id, "code": "DINKES",
                      "name": "Dinas Kesehatan Provinsi Kalimantan Timur"}
    started, = events(office, case, "instance_started")
    assert started.actor == "kasubag_tu" and started.payload["business_key"] == AGENDA
    assert started.payload["on_behalf"] is True and started.payload["registered_for"] == registered_for
    done, = events(office, case, "task_completed")
    assert done.actor == "kasubag_tu" and done.payload["element_id"] == "brd_01"
    assert done.payload["on_behalf"] is True and done.payload["registered_for"] == registered_for
    # the chain and a fresh re-execution of the case agree with what was stored
    assert office.audit_verifier.verify().chain_problems == []
    assert office.replay.verify_replay(case).ok
    finish_sop05(office, clock, case)
    assert office.queries.case(case).status == "completed"
    assert office.replay.verify_replay(case).ok


def test_a_registration_refused_stores_nothing(office, clock):
    dinkes = office.dinkes.opd_id
    with pytest.raises(PermissionDenied):  # the Kabid registers no letters
        office.runner.register_case(SOP05, "kabid", dinkes, AGENDA, letter(office, clock))
    with pytest.raises(PermissionDenied):  # nor does the requester register their own
        office.runner.register_case(SOP05, "opd", dinkes, AGENDA, letter(office, clock))
    deploy(office, "sop_pengelolaan_data")
    with pytest.raises(PermissionDenied):  # SOP-02 is not started by a requester
        office.runner.register_case("sop_pengelolaan_data", "kasubag_tu", dinkes, AGENDA, {})
    with pytest.raises(InvalidInput) as no_unit:
        office.runner.register_case(SOP05, "kasubag_tu", None, AGENDA, letter(office, clock))
    assert no_unit.value.context["field"] == "opd_id"
    with pytest.raises(NotFound):
        office.runner.register_case(SOP05, "kasubag_tu", 999, AGENDA, letter(office, clock))
    for agenda in ("", "   ", None, "x" * 201):
        with pytest.raises(InvalidInput) as no_agenda:
            office.runner.register_case(SOP05, "kasubag_tu", dinkes, agenda, letter(office, clock))
        assert no_agenda.value.context["field"] == "business_key"
    with pytest.raises(FormInvalid) as invalid:
        office.runner.register_case(SOP05, "kasubag_tu", dinkes, AGENDA, {**letter(office, clock), "cakupan": "semua"})
    assert "cakupan" in invalid.value.errors
    office.opds.update(office.bapenda.opd_id, "admin", active=False)
    with pytest.raises(InvalidInput):
        office.runner.register_case(SOP05, "kasubag_tu", office.bapenda.opd_id, AGENDA, letter(office, clock))
    assert office.queries.cases().total == 0
    register(office, clock, dinkes)
    with pytest.raises(Conflict) as twice:  # one agenda number, one case
        register(office, clock, dinkes)
    assert twice.value.context == {"field": "business_key", "instance_id": 1}
    assert office.queries.cases().total == 1


def test_the_registration_form_is_the_requesters_first_step_without_the_unit_field(office):
    assert office.registrations.processes("kasubag_tu") == [
        (SOP05, "Back-up dan Restore Database Server"), (SOP03, "Penanganan Gangguan Jaringan")]
    assert office.registrations.processes("kabid") == [] and office.registrations.processes("opd") == []
    form = office.registrations.form(SOP03, "kasubag_tu")
    assert form.step_name == "Berkoordinasi dan bersurat kepada Dinas Kominfo"
    assert "opd_pengirim" not in form.schema["properties"] and "opd_pengirim" not in form.schema["required"]
    assert "sifat_surat" in form.schema["properties"] and "dokumen_surat_permohonan" in form.schema["required"]
    assert [o.code for o in form.opds] == ["BAPENDA", "DINKES"]
    with pytest.raises(PermissionDenied):
        office.registrations.form(SOP03, "pengguna")


# -- what requesters read -------------------------------------------------------------------------------

def test_the_requester_sees_status_and_outcome_only_and_is_notified_when_it_finishes(office, clock):
    case = register(office, clock, office.dinkes.opd_id)
    worker = build_worker(office)
    page = office.cases.case_page(case, "opd")  # the unit's requester, who did not start it
    assert isinstance(page, RequesterCasePage)
    assert (page.status, page.business_key, page.opd_name, page.registered) == (
        "running", AGENDA, "Dinas Kesehatan Provinsi Kalimantan Timur", True)
    assert [s.name for s in page.submitted] == ["Mengajukan surat permohonan back-up/restore database server"]
    assert page.outcome is None and [d.field for d in page.documents] == ["dokumen_surat_permohonan"]
    assert not hasattr(page, "steps") and not hasattr(page, "audit") and page.comments == []
    assert office.queries.inbox("opd", "mine").items == [] and office.queries.inbox("opd", "available").items == []
    with pytest.raises(PermissionDenied):  # an internal step's page is not theirs to read
        office.cases.task_page(office.queries.open_tasks(case)[0].task_id, "opd")
    worker.run_once()
    assert notices(office, "opd") == []  # nothing finished yet
    finish_sop05(office, clock, case)
    page = office.cases.case_page(case, "opd")
    assert page.status == "completed" and page.ended_at is not None
    assert page.outcome.name == "Mengkonfirmasi hasil pelaksanaan back-up/restore database"
    fields = {d.field for d in page.documents}
    assert fields == {"dokumen_surat_permohonan", "dokumen_laporan_terkonfirmasi"}  # the letter and the result
    sha = next(d.sha256 for d in page.documents if d.field == "dokumen_laporan_terkonfirmasi")
    assert office.cases.case_document(case, sha, "opd")[0].sha256 == sha
    brd_04 = next(t for t in office.queries.case_tasks(case) if t.element_id == "brd_04")
    internal = brd_04.data["dokumen_laporan_pelaksanaan"]  # an internal report
    with pytest.raises(NotFound):
        office.cases.case_document(case, internal, "opd")
    worker.run_once()
    finished = notices(office, "opd", "case_finished")
    assert len(finished) == 1 and finished[0].instance_id == case and AGENDA in finished[0].title
    worker.run_once()
    clock.advance(hours=1)
    worker.run_once()
    assert len(notices(office, "opd", "case_finished")) == 1  # once
    assert notices(office, "opd_bapenda") == [] and notices(office, "kasubag_tu", "case_finished") == []


def test_a_requester_of_another_opd_cannot_list_open_or_download_the_case(office, clock):
    case = register(office, clock, office.dinkes.opd_id)
    letter_sha = office.queries.case_tasks(case)[0].data["dokumen_surat_permohonan"]
    assert readers(office, case, ["opd", "opd_bapenda", "pengguna", "kasubag_tu"]) == {
        "opd": "requester", "opd_bapenda": None, "pengguna": None, "kasubag_tu": "full"}
    with pytest.raises(PermissionDenied):
        office.cases.case_document(case, letter_sha, "opd_bapenda")
    with pytest.raises(PermissionDenied):
        office.cases.task_page(office.queries.case_tasks(case)[0].task_id, "opd_bapenda")
    with pytest.raises(PermissionDenied):
        office.comments.list(case, "opd_bapenda")
    # a requester's own case is not readable by another holder of the same role either
    own = office.runner.start_case(SOP03, "pengguna", "045/9/2026").instance_id
    assert office.queries.case(own).opd_id is None  # "pengguna" belongs to no unit
    assert readers(office, own, ["pengguna", "pengguna2"]) == {"pengguna": "requester", "pengguna2": None}
    first = office.queries.open_tasks(own)[0]
    assert first.assignee == "pengguna" and office.cases.task_page(first.task_id, "pengguna").can_act
    with pytest.raises(PermissionDenied):
        office.cases.task_page(first.task_id, "pengguna2")
    with pytest.raises(PermissionDenied):  # a requester's step never goes to a pool
        office.runner.unclaim_task(first.task_id, "pengguna")
    assert first.task_id not in {t.task_id for t in office.queries.inbox("pengguna2", "available").items}
    # a colleague of the same unit reads the letters registered for the unit, not one a requester sent
    office.users.add_user("opd_dinkes2", "OPD Dinkes Dua", "rahasia-uji-123", {"opd_pemohon"},
                          opd_id=office.dinkes.opd_id)
    sent = office.runner.start_case(SOP05, "opd", "BRD/7").instance_id
    assert office.queries.case(sent).opd_id == office.dinkes.opd_id  # linked to the unit all the same
    assert readers(office, sent, ["opd", "opd_dinkes2"]) == {"opd": "requester", "opd_dinkes2": None}
    assert readers(office, case, ["opd", "opd_dinkes2"]) == {"opd": "requester", "opd_dinkes2": "requester"}


# -- search: never a case the user may not read -----------------------------------------------------------

SEARCHES = [{"q": "simrs"}, {"reference": "005/"}, {"opd": "kesehatan"}, {"opd": "pendapatan"},
            {"performer": "kasubag_tu"}, {"performer": "opd"}, {"reference": "BRD"}, {"sort": "-started"}]


@pytest.mark.parametrize("way", ["cases_first", "rows_first"])
def test_a_search_never_finds_a_case_its_user_may_not_read(office, clock, monkeypatch, way):
    """Every kind of criterion finds, for each person, exactly the matching cases that person may read
    (the case page's rule, engine.reading.access): never a confidential letter of someone who takes no
    part, another unit's letter, or another requester's own case; both ways a search runs."""
    if way == "rows_first":
        monkeypatch.setattr(search_statements, "CASES_FIRST_MAX", -1)
    office.users.add_user("opd_dinkes2", "OPD Dinkes Dua", "rahasia-uji-123", {"opd_pemohon"},
                          opd_id=office.dinkes.opd_id)
    about = "Cadangan basis data SIMRS"
    cases = [register(office, clock, office.dinkes.opd_id, agenda="005/1/2026", hal=about),
             register(office, clock, office.dinkes.opd_id, agenda="005/2/2026", hal=about, sifat_surat="rahasia"),
             register(office, clock, office.bapenda.opd_id, agenda="005/3/2026", hal=about),
             office.runner.start_case(SOP05, "opd", "BRD/7").instance_id]
    people = [*PEOPLE, "pengguna", "pengguna2", "opd_dinkes2"]
    readable = {person: {case for case in cases if _reads(office, case, person)} for person in people}
    # the unit's letters (confidential too, as the requester's view), never another unit's or requester's
    assert readable["opd_bapenda"] == {cases[2]} and readable["opd_dinkes2"] == {cases[0], cases[1]}
    assert cases[1] not in readable["pemilik"] | readable["pengelola"] and cases[3] in readable["opd"]
    for params in SEARCHES:
        matching = {c.instance_id for c in office.queries.visible_cases(
            "auditor", search=parse_search(params, "cases"), per_page=100).items}
        assert matching, params  # every search finds something for the auditor, who reads every case
        for person in people:
            found = {c.instance_id for c in office.queries.visible_cases(
                person, search=parse_search(params, "cases"), per_page=100).items}
            assert found == matching & readable[person], (person, params)


def _reads(alur: Any, instance_id: int, person: str) -> bool:
    try:
        alur.cases.case_page(instance_id, person)
    except PermissionDenied:
        return False
    return True


# -- sifat surat: rahasia --------------------------------------------------------------------------------

PEOPLE = ["kasubag_tu", "kabid", "kabid2", "kadis", "kasi_infra", "kasi_pdi", "pengelola", "pemeriksa",
          "auditor", "admin", "pemilik", "opd", "opd_bapenda", "walidata"]


def test_a_confidential_letter_is_read_by_its_participants_supervisors_and_auditors_only(office, clock):
    plain = register(office, clock, office.dinkes.opd_id, agenda="005/1/2026")
    secret = register(office, clock, office.dinkes.opd_id, agenda="005/2/2026", sifat_surat="rahasia")
    assert (office.queries.case(plain).confidential, office.queries.case(secret).confidential) == (False, True)
    assert readers(office, plain, PEOPLE) == {
        "kasubag_tu": "full", "kabid": "full", "kabid2": "full", "kadis": "full", "kasi_infra": None,
        "kasi_pdi": None, "pengelola": None, "pemeriksa": None, "auditor": "full", "admin": "full",
        "pemilik": "full", "opd": "requester", "opd_bapenda": None, "walidata": None}
    # rahasia: the registrar (a participant), the holders of the open step's role, their supervisor
    # (Kepala Dinas supervises the Kabid), those who read the audit trail (Auditor, Admin Sistem);
    # no longer the process owner
    assert readers(office, secret, PEOPLE) == {
        "kasubag_tu": "full", "kabid": "full", "kabid2": "full", "kadis": "full", "kasi_infra": None,
        "kasi_pdi": None, "pengelola": None, "pemeriksa": None, "auditor": "full", "admin": "full",
        "pemilik": None, "opd": "requester", "opd_bapenda": None, "walidata": None}
    office.users.add_user("pengelola2", "Pengelola Dua", "rahasia-uji-123", {"pengelola_ti"})
    for element_id in ("brd_02a", "brd_02b", "brd_03"):
        do(office, clock, secret, element_id)
    # BRD-04 is open for every Pengelola TI: both read the case while it waits for one of them
    assert readers(office, secret, ["pengelola", "pengelola2", "kasi_infra", "pemeriksa"]) == {
        "pengelola": "full", "pengelola2": "full", "kasi_infra": "full", "pemeriksa": None}
    do(office, clock, secret, "brd_04", actor="pengelola")
    # the work moved on to the Pemeriksa: the other Pengelola TI took no part, and no longer reads it
    assert readers(office, secret, ["pengelola", "pengelola2", "pemeriksa"]) == {
        "pengelola": "full", "pengelola2": None, "pemeriksa": "full"}
    done = next(t for t in office.queries.case_tasks(secret) if t.element_id == "brd_04")
    with pytest.raises(PermissionDenied):
        office.cases.task_page(done.task_id, "pengelola2")
    assert office.cases.task_page(done.task_id, "pengelola").task.completed_by == "pengelola"
    plain_task = next(t for t in office.queries.case_tasks(plain) if t.element_id == "brd_02a")
    assert office.cases.task_page(plain_task.task_id, "kabid2").task.task_id == plain_task.task_id


def test_the_agenda_step_marks_a_requesters_own_letter_confidential(office, clock):
    case = office.runner.start_case(SOP03, "pengguna", "045/10/2026").instance_id
    do(office, clock, case, "gjr_01", actor="pengguna")
    assert office.queries.case(case).confidential is False
    do(office, clock, case, "gjr_02a", actor="kasubag_tu", sifat="sangat rahasia")
    assert office.queries.case(case).confidential is True
    do(office, clock, case, "gjr_02b", actor="kadis", )
    assert office.queries.case(case).confidential is True  # kept once set
    assert readers(office, case, ["pemilik", "kasubag_tu", "pengguna"]) == {
        "pemilik": None, "kasubag_tu": "full", "pengguna": "requester"}


# -- comments -------------------------------------------------------------------------------------------

def test_a_comment_is_an_audit_event_that_notifies_the_mentioned_readers_and_is_never_edited(office, clock):
    case = register(office, clock, office.dinkes.opd_id)
    clock.advance(minutes=3)
    text = "Mohon @kadis memberi arahan; @kasi_infra dan @tidak_ada belum perlu.\nTerima kasih."
    comment = office.comments.add(case, "kabid", text)
    assert (comment.author, comment.text, comment.mentions, comment.at) == ("kabid", text, ("kadis",), clock())
    added, = events(office, case, "comment_added")
    assert added.event_id == comment.comment_id and added.actor == "kabid"
    assert added.payload == {"text": text, "mentions": ["kadis"]}
    mention, = notices(office, "kadis", "mention")
    assert mention.instance_id == case and "kabid" in mention.title and "arahan" in mention.body
    assert notices(office, "kasi_infra") == []  # may not read the case: not told of it
    assert [c.text for c in office.comments.list(case, "kadis")] == [text]
    assert office.cases.case_page(case, "kabid").comments == [comment]
    history = office.histories.replay_states(case)
    step = next(s for s in history.steps if s.event_type == "comment_added")
    assert step.actor == "kabid" and "arahan" in step.label and step.payload["text"] == text
    assert office.replay.verify_replay(case).ok and office.audit_verifier.verify().chain_problems == []
    # no way to edit: the service has none, and a changed event breaks the chain
    assert not {name for name in dir(office.comments) if not name.startswith("_")} - {"add", "list"}
    with office.sessions.begin() as session:
        session.execute(update(AuditEvent).where(AuditEvent.id == comment.comment_id)
                        .values(payload_json='{"text": "diubah", "mentions": ["kadis"]}'))
    problems = office.audit_verifier.verify().chain_problems
    assert [p.chain for p in problems] == [f"instance:{case}"]


def test_who_may_comment_and_what_a_comment_may_be(office, clock):
    case = register(office, clock, office.dinkes.opd_id)
    for person in ("walidata", "auditor", "opd_bapenda", "pemilik"):
        with pytest.raises(PermissionDenied):
            office.comments.add(case, person, "halo")
    # the unit's requester writes only in the thread with the office, and reads only that thread
    asked = office.comments.add(case, "opd", "Kapan dijadwalkan?", to_requester=False)
    assert asked.to_requester
    office.comments.add(case, "kasubag_tu", "didaftarkan dari surat fisik")  # the registrar takes part
    office.comments.add(case, "kadis", "pantau")  # a supervisor
    office.comments.add(case, "admin", "catatan admin")  # Admin Sistem supervises every role
    for bad in ("", "   \n\t", None, 12, "x" * (MAX_COMMENT_LENGTH + 1)):
        with pytest.raises(InvalidInput) as refused:
            office.comments.add(case, "kabid", bad)
        assert refused.value.context["field"] == "text"
    longest = office.comments.add(case, "kabid", "y" * MAX_COMMENT_LENGTH)
    assert len(longest.text) == MAX_COMMENT_LENGTH
    assert office.comments.add(case, "kabid", "a\x00b\x07c").text == "abc"  # plain text
    with pytest.raises(InvalidInput) as refused:
        office.comments.add(case, "kabid", "jadwal", to_requester="ya")
    assert refused.value.context["field"] == "to_requester"
    answer = office.comments.add(case, "kabid", "Dijadwalkan Senin.", to_requester=True)
    assert answer.to_requester and answer.mentions == ("opd",)  # the unit's requester is told
    assert len(office.comments.list(case, "auditor")) == 7
    assert [c.text for c in office.comments.list(case, "opd")] == ["Kapan dijadwalkan?", "Dijadwalkan Senin."]
    with pytest.raises(PermissionDenied):
        office.comments.list(case, "opd_bapenda")


# -- notices of new work ----------------------------------------------------------------------------------

def test_a_task_arrival_is_announced_once_per_task_and_user(office, clock):
    worker = build_worker(office)
    own = office.runner.start_case(SOP05, "opd", "BRD/1").instance_id  # the starter's own first step
    case = register(office, clock, office.dinkes.opd_id)  # BRD-02a arrives for the Kabids
    assert worker.run_once().announcements == 1
    task = office.queries.open_tasks(case)[0]
    for kabid in ("kabid", "kabid2"):
        arrived, = notices(office, kabid, "task_arrived")
        assert (arrived.task_id, arrived.instance_id) == (task.task_id, case) and task.name in arrived.title
    assert notices(office, "opd") == [] and notices(office, "kasubag_tu") == []  # the starter, the registrar
    assert office.queries.open_tasks(own)[0].assignee == "opd"
    assert worker.run_once().announcements == 0
    clock.advance(minutes=1)
    assert worker.run_until_idle().announcements == 0
    assert len(notices(office, "kabid", "task_arrived")) == 1
    # a task taken before the worker looks is not announced to the others
    do(office, clock, case, "brd_02a", actor="kabid")
    nxt = office.queries.open_tasks(case)[0]
    office.runner.claim_task(nxt.task_id, "kasi_infra")
    worker.run_once()
    assert notices(office, "kasi_infra", "task_arrived") == []
    with office.sessions() as session:
        keys = session.scalars(select(Notification.dedup_key).where(Notification.kind == "task_arrived")).all()
    assert sorted(keys) == sorted(f"task:{task.task_id}:{k}" for k in ("kabid", "kabid2"))


def test_a_task_arrival_reaches_the_stand_in_of_an_absent_official(office, clock):
    """While a Plh stands in for a Kabid, the disposition arriving for the Kabids is announced to the Plh too
    (it is in their inbox, marked Plh.)."""
    from engine.worker.notifications import Recipient, with_stand_ins

    worker = build_worker(office)
    day = office.clock().astimezone(WITA).date()
    office.mandates.appoint("plh", "kabid", "kasi_pdi", day, day, "800.1.6/7/2026", "admin")
    case = register(office, clock, office.dinkes.opd_id)
    assert worker.run_once().announcements == 1
    task = office.queries.open_tasks(case)[0]
    assert [n.task_id for n in notices(office, "kasi_pdi", "task_arrived")] == [task.task_id]
    assert notices(office, "kasi_infra", "task_arrived") == []  # no mandate, no Kabid role
    with office.sessions() as session:  # after the mandate's last day, the official alone
        kabid = Recipient("kabid", None, "none")
        assert [p.username for p in with_stand_ins(session, [kabid], clock())] == ["kabid", "kasi_pdi"]
        clock.advance(days=1)
        assert [p.username for p in with_stand_ins(session, [kabid], clock())] == ["kabid"]


def test_a_case_access_of_a_person_who_left_is_none(office, clock):
    case = register(office, clock, office.dinkes.opd_id)
    office.users.set_active("kabid", False, actor="admin")
    with pytest.raises(PermissionDenied):
        office.cases.case_page(case, "kabid")
    assert office.permissions.case_access(*_facts(office, case), _reader("kabid", frozenset())) is None
    assert office.permissions.case_access(*_facts(office, case), _reader("x", frozenset({"auditor"}))) is Access.FULL
    assert isinstance(office.cases.case_page(case, "kabid2"), CasePage)


def _facts(alur: Any, instance_id: int) -> Any:
    from engine.reading.access import case_facts
    with alur.sessions() as session:
        return case_facts(session, instance_id)


def _reader(username: str, roles: frozenset[str]) -> Any:
    from engine.permissions import Reader
    return Reader(username, roles)
