"""The identity a process owner fills in for an issued SOP (Nomor SOP, dates, Disahkan oleh): stored
per SOP, audited, printed on every version's document; a deploy with a revision note advances
Tanggal Revisi; bad input is refused with nothing stored."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from engine.errors import DefinitionNotFound, InvalidInput
from engine.persistence.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
KEY = "sop_backup_restore_db"
FILLED = {"nomor_sop": "065.2/777/Diskominfo", "tanggal_pembuatan": "2026-11-02", "tanggal_revisi": "",
          "tanggal_efektif": "2026-11-16", "disahkan_jabatan": "Kepala Dinas Komunikasi dan Informatika",
          "disahkan_nama": "NAMA PENGESAH, S.Kom.", "disahkan_nip": "19700101 199503 1 002"}


def identity_events(alur) -> list[dict]:
    with alur.sessions() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.event_type == "sop_identity_changed")
                               .order_by(AuditEvent.id)).all()
        return [json.loads(row.payload_json) | {"actor": row.actor} for row in rows]


def fields_of(alur, version: int = 1) -> dict[str, str]:
    page = lxml_html.fromstring(alur.sop_documents.html(KEY, version))
    fields = {el.get("data-field"): " ".join(el.text_content().split()) for el in page.xpath("//*[@data-field]")}
    fields.update({f"sign:{el.get('data-sign')}": " ".join(el.text_content().split())
                   for el in page.xpath("//*[@data-sign]")})
    return fields


def test_filled_identity_is_printed_and_audited(sop_alur):
    sop_alur.deployer.deploy_file(ROOT / "processes" / f"{KEY}.bpmn", "pemilik", "versi awal")
    printed = sop_alur.sop_identities.save(KEY, FILLED, "pemilik")
    assert printed["tanggal_pembuatan"] == "02 November 2026" and printed["tanggal_revisi"] == ""
    fields = fields_of(sop_alur)
    assert fields["nomor_sop"] == "065.2/777/Diskominfo"
    assert (fields["tanggal_pembuatan"], fields["tanggal_efektif"]) == ("02 November 2026", "16 November 2026")
    assert fields["sign:jabatan"] == "Kepala Dinas Komunikasi dan Informatika"
    assert fields["sign:nama"] == "NAMA PENGESAH, S.Kom." and fields["sign:nip"] == "NIP. 19700101 199503 1 002"
    assert fields["sign:tempat-tanggal"] == "Samarinda, 16 November 2026"  # signed on the day it takes effect
    [event] = identity_events(sop_alur)
    assert event["actor"] == "pemilik" and event["process_key"] == KEY
    assert event["changes"]["nomor_sop"] == "065.2/777/Diskominfo"
    assert event["changes"]["tanggal_efektif"] == "2026-11-16"
    sop_alur.sop_identities.save(KEY, FILLED, "pemilik")
    assert len(identity_events(sop_alur)) == 1  # saving the same values changes nothing, records nothing
    assert sop_alur.sop_identities.form_values(KEY)["tanggal_pembuatan"] == "2026-11-02"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("disahkan_nip", "1970-01-01", "NIP harus 18 angka"),
    ("tanggal_efektif", "16/11/2026", "Tanggal efektif bukan tanggal yang sah"),
    ("nomor_sop", "x" * 201, "Nomor SOP terlalu panjang"),
])
def test_bad_input_is_refused_and_nothing_is_stored(sop_alur, field, value, message):
    sop_alur.deployer.deploy_file(ROOT / "processes" / f"{KEY}.bpmn", "pemilik", "versi awal")
    with pytest.raises(InvalidInput, match=message) as refused:
        sop_alur.sop_identities.save(KEY, FILLED | {field: value}, "pemilik")
    assert refused.value.context["field"] == field
    assert sop_alur.sop_identities.get(KEY) == {} and identity_events(sop_alur) == []


def test_an_sop_never_deployed_has_no_identity_to_fill(sop_alur):
    with pytest.raises(DefinitionNotFound):
        sop_alur.sop_identities.save("tidak_ada", FILLED, "pemilik")


def test_a_deploy_with_a_revision_note_advances_tanggal_revisi(sop_alur, clock):
    path = ROOT / "processes" / f"{KEY}.bpmn"
    sop_alur.deployer.deploy_file(path, "pemilik", "versi awal")
    assert sop_alur.sop_identities.get(KEY) == {}  # the first version is no revision
    changed = path.read_bytes().replace(b"Laporan gangguan", b"Laporan").replace(
        b'name="Personil DC', b'name="Personil DC ', 1)
    clock.advance(days=9, hours=20)  # 2026-12-02 20:30 UTC: already 3 December in Samarinda (WITA)
    sop_alur.deployer.deploy_bytes(changed, f"{KEY}.bpmn", "pemilik", "", expected_key=KEY)
    assert sop_alur.sop_identities.get(KEY) == {}  # a deploy without a revision note is no revision
    clock.advance(days=1)
    again = changed.replace(b'name="Personil DC ', b'name="Personil DC  ', 1)
    sop_alur.deployer.deploy_bytes(again, f"{KEY}.bpmn", "pemilik", "Revisi: lane diperjelas", expected_key=KEY)
    assert sop_alur.sop_identities.get(KEY)["tanggal_revisi"] == "04 Desember 2026"
    assert fields_of(sop_alur, 1)["tanggal_revisi"] == "04 Desember 2026"  # every version's document
    [event] = identity_events(sop_alur)
    assert event["changes"] == {"tanggal_revisi": "2026-12-04"} and event["version"] == 3
    assert event["change_note"] == "Revisi: lane diperjelas"
