"""The registers' own use cases: what Personil DC and the Pengawas enter by hand, bad input refused with
nothing stored, every change on the register's audit chain, and the CSV exports."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select, update

from engine.audit.chain import verify_chain
from engine.errors import Conflict, InvalidInput
from engine.persistence.models import AuditEvent, DcVisit, ServerAsset
from engine.runtime.unit_of_work import UnitOfWork
from engine.registers.dc_access import DC_CHAIN, VisitNotFound, visit_chain
from engine.registers.register_check import register_events
from engine.registers.server_assets import SERVER_CHAIN, ServerNotFound, server_chain

SERVER = {"asset_number": "KOMINFO/SRV/2024/07", "hostname": "db-simpeg", "ip_address": "10.10.2.15",
          "operating_system": "Rocky Linux 9", "dbms": "MariaDB 10.11", "owner_opd": "BKD",
          "location": "Rak B1", "backup_schedule": "Mingguan, Sabtu 22:00 WITA"}
VISITOR = {"visitor": "Sari Teknisi", "organisation": "PT Pendingin Presisi", "purpose": "Servis AC presisi",
           "escort": "pengelola_ti"}


def _chain_events(alur, register):
    """The register's (event type, actor) in order, after checking each of its chains is intact."""
    with alur.sessions() as session:
        events = register_events(session, register)
        assert all(verify_chain(session, chain) is None for chain in {e.chain for e in events})
        return [(e.event_type, e.actor) for e in events]


def test_a_server_is_registered_corrected_and_exported(alur):
    added = alur.server_assets.add(dict(SERVER, hostname="  db-simpeg  "), "pengelola_ti")
    assert (added.hostname, added.status, added.last_backup_at) == ("db-simpeg", "aktif", None)
    changed = alur.server_assets.update(SERVER["asset_number"], {"status": "nonaktif", "location": "Rak C2"},
                                        "pemeriksa_ti")
    assert (changed.status, changed.location, changed.hostname) == ("nonaktif", "Rak C2", "db-simpeg")
    alur.server_assets.update(SERVER["asset_number"], {"location": "Rak C2"}, "pemeriksa_ti")  # no change: no event
    assert _chain_events(alur, SERVER_CHAIN) == [("server_registered", "pengelola_ti"),
                                                 ("server_changed", "pemeriksa_ti")]
    [row] = list(csv.DictReader(io.StringIO(alur.server_assets.export_csv())))
    assert (row["asset_number"], row["status"], row["location"], row["last_backup_at"]) == (
        SERVER["asset_number"], "nonaktif", "Rak C2", "")


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"asset_number": ""}, "asset_number", "Nomor aset"),
    ({"asset_number": "SRV 01"}, "asset_number", "Nomor aset"),
    ({"hostname": "   "}, "hostname", "Nama server wajib diisi"),
    ({"ip_address": "sepuluh.titik"}, "ip_address", "Alamat IP tidak valid"),
    ({"dbms": None}, "dbms", "DBMS wajib diisi"),
    ({"owner_opd": "x" * 301}, "owner_opd", "OPD pemilik wajib diisi (paling banyak 300 karakter)"),
])
def test_a_malformed_server_is_refused_and_nothing_stored(alur, change, field, message):
    with pytest.raises(InvalidInput) as refused:
        alur.server_assets.add({**SERVER, **change}, "pengelola_ti")
    assert refused.value.context["field"] == field and message in refused.value.message
    assert alur.server_assets.list() == []
    assert _chain_events(alur, SERVER_CHAIN) == []


def test_a_duplicate_asset_number_an_unknown_server_and_a_bad_status_are_refused(alur):
    alur.server_assets.add(SERVER, "pengelola_ti")
    with pytest.raises(Conflict):
        alur.server_assets.add(dict(SERVER, hostname="lain"), "pengelola_ti")
    with pytest.raises(ServerNotFound):
        alur.server_assets.update("SRV-TIDAK-ADA", {"status": "aktif"}, "pengelola_ti")
    with pytest.raises(InvalidInput, match="Status harus"):
        alur.server_assets.update(SERVER["asset_number"], {"status": "rusak"}, "pengelola_ti")
    with pytest.raises(InvalidInput, match="Lokasi wajib"):
        alur.server_assets.update(SERVER["asset_number"], {"status": "nonaktif", "location": ""}, "pengelola_ti")
    assert alur.server_assets.get(SERVER["asset_number"]).status == "aktif"  # nothing half-stored
    assert [kind for kind, _ in _chain_events(alur, SERVER_CHAIN)] == ["server_registered"]


def test_a_walk_in_visit_is_open_until_keluar_and_exported(alur, clock):
    visit = alur.dc_access.add_walk_in(VISITOR, "pengawas_infrastruktur_tik")
    assert (visit.is_open, visit.source, visit.instance_id, visit.time_in) == (True, "kunjungan", None, clock())
    assert [v.visit_id for v in alur.dc_access.visits(only_open=True)] == [visit.visit_id]
    clock.advance(minutes=45)
    left = alur.dc_access.sign_out(visit.visit_id, "pengawas_infrastruktur_tik")
    assert (left.time_out, left.closed_by) == (clock(), "pengawas_infrastruktur_tik")
    assert alur.dc_access.visits(only_open=True) == []
    with pytest.raises(Conflict, match="sudah ditutup"):
        alur.dc_access.sign_out(visit.visit_id, "pengawas_infrastruktur_tik")
    with pytest.raises(VisitNotFound):
        alur.dc_access.sign_out(visit.visit_id + 100, "pengawas_infrastruktur_tik")
    assert [kind for kind, _ in _chain_events(alur, DC_CHAIN)] == ["dc_visit_opened", "dc_visit_closed"]
    [row] = list(csv.DictReader(io.StringIO(alur.dc_access.export_csv())))
    assert (row["visitor"], row["source"], row["time_out"]) == ("Sari Teknisi", "kunjungan", clock().isoformat())


@pytest.mark.parametrize("missing", ["visitor", "organisation", "purpose", "escort"])
def test_a_visit_without_its_details_is_refused(alur, missing):
    with pytest.raises(InvalidInput) as refused:
        alur.dc_access.add_walk_in({**VISITOR, missing: " "}, "pengawas_infrastruktur_tik")
    assert refused.value.context["field"] == missing
    assert alur.dc_access.visits() == []


def test_the_register_chains_are_verified_with_the_others(alur):
    alur.server_assets.add(SERVER, "pengelola_ti")
    alur.dc_access.add_walk_in(VISITOR, "pengawas_infrastruktur_tik")
    report = alur.audit_verifier.verify()
    assert report.ok and report.chains >= 2
    with alur.sessions.begin() as session:  # someone edits the register's history in the database
        chain = server_chain(session.scalar(select(ServerAsset.id)))
        session.execute(update(AuditEvent).where(AuditEvent.chain == chain)
                        .values(payload_json=AuditEvent.payload_json + " "))
    report = alur.audit_verifier.verify()
    assert not report.ok
    assert [(p.chain, p.kind) for p in report.chain_problems] == [(chain, "edited")]


def test_each_server_and_each_visit_has_a_chain_of_its_own(alur, clock):
    """So that a case writing one server or visit shares its chain head with no case writing another."""
    alur.server_assets.add(SERVER, "pengelola_ti")
    alur.server_assets.add(dict(SERVER, asset_number="KOMINFO/SRV/2024/08"), "pengelola_ti")
    alur.server_assets.update(SERVER["asset_number"], {"location": "Rak C2"}, "pemeriksa_ti")
    visits = [alur.dc_access.add_walk_in(VISITOR, "pengawas_infrastruktur_tik") for _ in range(2)]
    alur.dc_access.sign_out(visits[0].visit_id, "pengawas_infrastruktur_tik")
    with alur.sessions() as session:
        first, second = session.scalars(select(ServerAsset.id).order_by(ServerAsset.asset_number))
        chains = sorted(session.execute(select(AuditEvent.chain, AuditEvent.event_type)
                                        .where(AuditEvent.chain.like("register:%"))))
    assert chains == sorted([(server_chain(first), "server_registered"), (server_chain(first), "server_changed"),
                             (server_chain(second), "server_registered"),
                             (visit_chain(visits[0].visit_id), "dc_visit_opened"),
                             (visit_chain(visits[0].visit_id), "dc_visit_closed"),
                             (visit_chain(visits[1].visit_id), "dc_visit_opened")])
    assert alur.audit_verifier.verify().ok


def test_registers_recorded_on_their_one_chain_of_old_still_verify(alur, clock):
    """A database from before the chains per server and visit: its events stay on ``register:server_asset``
    and ``register:dc_access``, the changes after them go on the entries' chains, and the register check
    derives each register from both."""
    with UnitOfWork.begin(alur.sessions) as work:  # what the register wrote before
        work.session.add(ServerAsset(asset_number=SERVER["asset_number"], status="aktif", last_job_confirmed=False,
                                     changed_by="pengelola_ti", changed_at=clock(),
                                     **{k: v for k, v in SERVER.items() if k != "asset_number"}))
        visit = DcVisit(time_in=clock(), instance_id=None, source="kunjungan", opened_by="pengawas_infrastruktur_tik",
                        **VISITOR)
        work.session.add(visit)
        work.session.flush()
        work.record(SERVER_CHAIN, "server_registered", actor="pengelola_ti", at=clock(), payload=SERVER)
        work.record(DC_CHAIN, "dc_visit_opened", actor="pengawas_infrastruktur_tik", at=clock(), payload={
            "visit_id": visit.id, "source": "kunjungan", "time_in": clock().isoformat(), **VISITOR})
    assert alur.audit_verifier.verify().ok
    clock.advance(minutes=30)
    alur.server_assets.update(SERVER["asset_number"], {"status": "nonaktif"}, "pemeriksa_ti")
    alur.dc_access.sign_out(visit.id, "pengawas_infrastruktur_tik")
    alur.server_assets.add(dict(SERVER, asset_number="KOMINFO/SRV/2024/08"), "pengelola_ti")
    assert _chain_events(alur, SERVER_CHAIN) == [("server_registered", "pengelola_ti"),
                                                 ("server_changed", "pemeriksa_ti"),
                                                 ("server_registered", "pengelola_ti")]
    assert _chain_events(alur, DC_CHAIN) == [("dc_visit_opened", "pengawas_infrastruktur_tik"),
                                             ("dc_visit_closed", "pengawas_infrastruktur_tik")]
    report = alur.audit_verifier.verify()
    assert report.ok, report.lines()
    assert alur.audit_verifier.verify(chains=[SERVER_CHAIN]).ok  # the old chain alone, with the register check
    with alur.sessions.begin() as session:  # the status set back in the table: the later event says otherwise
        session.execute(update(ServerAsset).where(ServerAsset.asset_number == SERVER["asset_number"])
                        .values(status="aktif"))
        session.execute(update(DcVisit).values(time_out=None))
    problems = {(p.table, p.column, p.logged, p.stored) for p in alur.audit_verifier.verify().table_problems}
    assert problems == {("server_asset", "status", "nonaktif", "aktif"),
                        ("dc_visit", "time_out", clock().isoformat(), "(none)")}
    with alur.sessions.begin() as session:  # and the old chain's events are still checked
        session.execute(update(AuditEvent).where(AuditEvent.chain == SERVER_CHAIN)
                        .values(payload_json=AuditEvent.payload_json + " "))
    assert (SERVER_CHAIN, "edited") in [(p.chain, p.kind) for p in alur.audit_verifier.verify().chain_problems]


def test_a_register_row_edited_in_the_database_is_reported_by_verification(alur, clock):
    alur.server_assets.add(SERVER, "pengelola_ti")
    visit = alur.dc_access.add_walk_in(VISITOR, "pengawas_infrastruktur_tik")
    clock.advance(minutes=30)
    alur.dc_access.sign_out(visit.visit_id, "pengawas_infrastruktur_tik")
    assert alur.audit_verifier.verify().table_problems == []
    with alur.sessions.begin() as session:  # a forged back-up result, and a visitor who never left
        session.execute(update(ServerAsset).values(last_backup_result="berhasil"))
        session.execute(update(DcVisit).values(time_out=None))
    problems = {(p.table, p.row_id, p.column, p.logged, p.stored) for p in alur.audit_verifier.verify().table_problems}
    assert problems == {("server_asset", SERVER["asset_number"], "last_backup_result", "(none)", "berhasil"),
                        ("dc_visit", str(visit.visit_id), "time_out", clock().isoformat(), "(none)")}


def test_a_visit_signed_out_twice_at_once_is_closed_once(pg_alur):
    """Two Pengawas press "keluar" for one visit at once (or one does as its case ends): the second waits
    for the first's row lock, then finds the visit closed (PostgreSQL: a plain read would see it still
    open, and the second would close it again with an event of its own)."""
    import threading
    import time

    from test_case_independence import WAIT, held_open, waiting_locks

    visit = pg_alur.dc_access.add_walk_in(VISITOR, "pengawas_infrastruktur_tik")
    second: list[BaseException | object] = []
    thread = threading.Thread(target=lambda: second.append(_outcome(
        lambda: pg_alur.dc_access.sign_out(visit.visit_id, "pengawas_infrastruktur_tik"))))
    with held_open(pg_alur, lambda: pg_alur.dc_access.sign_out(visit.visit_id, "pengawas_infrastruktur_tik")):
        thread.start()
        deadline = time.monotonic() + WAIT
        while not waiting_locks(pg_alur) and time.monotonic() < deadline:  # the second waits on the row
            time.sleep(0.02)
        assert waiting_locks(pg_alur), "the second sign-out did not wait for the first"
    thread.join(WAIT)
    assert len(second) == 1 and isinstance(second[0], Conflict), second
    assert [kind for kind, _ in _chain_events(pg_alur, DC_CHAIN)] == ["dc_visit_opened", "dc_visit_closed"]


def _outcome(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - the test looks at it
        return exc
