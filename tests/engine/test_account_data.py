"""Account data: NIP (checked), jabatan, unit kerja, e-mail and phone; kept by Admin Sistem, audited,
and named next to the actor in exports."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime, timezone

import pytest
from audit_helpers import cli_runner, finished_loop_case
from sqlalchemy import select

from engine.accounts.profile import AccountData, clean_nip
from engine.errors import Conflict, InvalidInput
from engine.persistence.models import AuditEvent, UserAccount
from engine.worktime.moment_text import day_text, moment_text

TODAY = date(2026, 11, 23)
NIP = "198503122010011003"  # born 12 March 1985, TMT January 2010, male, serial 003


def test_a_nip_is_18_digits_with_a_birth_date_and_a_tmt_that_can_be():
    assert clean_nip(NIP, TODAY) == NIP
    assert clean_nip("19850312 201001 1 003", TODAY) == NIP  # as printed on letters
    assert clean_nip("  ", TODAY) is None


@pytest.mark.parametrize(("nip", "words"), [
    ("19850312201001100", "harus 18 angka"),  # 17 digits
    ("19850312201001100A", "harus 18 angka"),
    ("1985-03-12-2010-01", "harus 18 angka"),
    ("198502302010011003", "bukan tanggal lahir"),  # 30 February
    ("183003122010011003", "tahun lahir 1830"),
    ("201503122010011003", "tahun lahir 2015"),  # a child
    ("198503122010131003", "bulan 13 tidak ada"),
    ("198503121995011003", "TMT 01/1995 tidak mungkin"),  # appointed at nine
    ("198503122030011003", "TMT 01/2030 tidak mungkin"),  # in the future
])
def test_a_bad_nip_is_refused_saying_which_part_is_wrong(nip, words):
    with pytest.raises(InvalidInput) as caught:
        clean_nip(nip, TODAY)
    assert words in caught.value.message and caught.value.context["field"] == "nip"


def _user(alur):
    return alur.users.add_user("budi", "Budi Santoso", "rahasia-budi-1", {"pengelola_ti"})


def test_admin_sets_account_data_and_the_change_is_audited(alur):
    _user(alur)
    data = AccountData("Budi Santoso, S.Kom.", NIP, "Pranata Komputer Ahli Pertama", "Bidang TIK",
                       "budi@kaltimprov.go.id", "+62 812 3456 7890")
    user = alur.users.set_account_data("budi", data, actor="admin_sistem")
    assert (user.full_name, user.nip, user.jabatan, user.unit_kerja, user.email, user.phone) == (
        "Budi Santoso, S.Kom.", NIP, "Pranata Komputer Ahli Pertama", "Bidang TIK", "budi@kaltimprov.go.id",
        "+62 812 3456 7890")
    alur.users.set_account_data("budi", AccountData(**{**data.__dict__, "jabatan": "Pranata Komputer Ahli Muda",
                                                       "phone": ""}), actor="admin_sistem")
    alur.users.set_account_data("budi", AccountData(**{**data.__dict__, "jabatan": "Pranata Komputer Ahli Muda",
                                                       "phone": None}), actor="admin_sistem")  # no change
    with alur.sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.event_type == "user_account_data_changed")
                                 .order_by(AuditEvent.id)).all()
    assert [json.loads(e.payload_json) for e in events] == [
        {"username": "budi", "full_name": "Budi Santoso, S.Kom.", "nip": NIP,
         "jabatan": "Pranata Komputer Ahli Pertama",
         "unit_kerja": "Bidang TIK", "email": "budi@kaltimprov.go.id", "phone": "+62 812 3456 7890"},
        {"username": "budi", "jabatan": "Pranata Komputer Ahli Muda", "phone": None}]
    assert events[0].actor == "admin_sistem"
    assert alur.users.people()["budi"].jabatan == "Pranata Komputer Ahli Muda"


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"nip": "12345"}, "nip", "NIP harus 18 angka"),
    ({"email": "budi@"}, "email", "tidak sah"),
    ({"phone": "0812-abc"}, "phone", "Nomor telepon"),
    ({"jabatan": "x" * 201}, "jabatan", "paling panjang 200"),
])
def test_bad_account_data_is_refused_and_nothing_is_stored(alur, change, field, words):
    _user(alur)
    before = alur.audit_log.events().total
    with pytest.raises(InvalidInput) as caught:
        alur.users.set_account_data("budi", AccountData(**{"full_name": "Budi Baru", "jabatan": "Analis",
                                                           **change}), actor="admin_sistem")
    assert caught.value.context["field"] == field and words in caught.value.message
    user = alur.users.get("budi")
    assert (user.full_name, user.jabatan, user.nip) == ("Budi Santoso", None, None)
    assert alur.audit_log.events().total == before


def test_a_nip_belongs_to_one_account(alur):
    _user(alur)
    alur.users.add_user("sari", "Sari", "rahasia-sari-1", nip=NIP, jabatan="Analis")
    with pytest.raises(Conflict) as caught:
        alur.users.set_account_data("budi", AccountData("Budi", NIP), actor="admin_sistem")
    assert "akun 'sari'" in caught.value.message and alur.users.get("budi").nip is None
    with pytest.raises(Conflict):
        alur.users.add_user("sari2", "Sari Dua", "rahasia-sari-2", nip=NIP)
    assert alur.users.find("sari2") is None
    with alur.sessions() as session:
        assert session.scalar(select(UserAccount.jabatan).where(UserAccount.username == "sari")) == "Analis"


def test_exports_name_the_person_behind_each_event(alur, test_data, clock, tmp_path):
    case = finished_loop_case(alur, test_data, clock)
    alur.users.set_account_data("pengelola", AccountData("Pengelola Satu", NIP, "Pranata Komputer"),
                                actor="admin")
    alur.audit_export.export_case(case, "auditor", tmp_path / "paket.zip")
    packet = zipfile.ZipFile(tmp_path / "paket.zip")
    rows = list(csv.DictReader(io.StringIO(packet.read("events.csv").decode())))
    started = next(r for r in rows if r["event_type"] == "instance_started")
    assert (started["actor"], started["actor_name"], started["actor_nip"], started["actor_jabatan"]) == (
        "pengelola", "Pengelola Satu", NIP, "Pranata Komputer")
    system = next(r for r in rows if r["actor"] == "pemilik")  # the deploy: no account of that name
    assert (system["actor_name"], system["actor_nip"], system["actor_jabatan"]) == ("pemilik", "", "")
    events = [json.loads(line) for line in packet.read("events.jsonl").decode().splitlines()]
    started = next(e for e in events if e["event_type"] == "instance_started")
    assert (started["actor_nip"], started["actor_jabatan"]) == (NIP, "Pranata Komputer")


def test_the_cli_shows_and_changes_account_data(alur, db_engine, test_data, tmp_path, monkeypatch, capsys):
    _user(alur)
    run = cli_runner(db_engine, tmp_path, test_data, monkeypatch, capsys)
    out = run("user", "set", "budi", "--nip", NIP, "--jabatan", "Pranata Komputer", "--unit-kerja", "Bidang TIK",
              "--phone", "0812 3456 7890")
    assert "nip:         " + NIP in out and "jabatan:     Pranata Komputer" in out
    shown = run("user", "show", "budi")
    assert "unit kerja:  Bidang TIK" in shown and "phone:       0812 3456 7890" in shown
    refused = run("user", "set", "budi", "--nip", "198513122010011003", expect=2)
    assert "error [invalid_input]" in refused and "bukan tanggal lahir" in refused
    assert alur.users.get("budi").nip == NIP
    run("user", "add", "sari", "--full-name", "Sari", "--password", "rahasia-sari-1", "--nip", "199001012015022001",
        "--jabatan", "Analis")
    assert alur.users.get("sari").jabatan == "Analis"


def test_one_date_and_time_format_in_both_languages():
    moment = datetime(2026, 12, 8, 8, 0, tzinfo=timezone.utc)
    assert moment_text(moment) == "Sel, 8 Des 2026 16.00 WITA"
    assert moment_text(moment, "en") == "Tue 8 Dec 2026 16:00 WITA"
    assert moment_text(moment, compact=True) == "8 Des 2026 16.00"
    assert day_text(date(2026, 12, 8)) == "Sel, 8 Des 2026"
