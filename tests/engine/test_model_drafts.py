"""Drafts of models: saved without deploying (no version, no check), shared by the process owners, replaced
by a later save, deleted; each save and deletion is an audit event; bad input stores nothing."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidInput, ModelDraftNotFound
from engine.modeling.upload import UploadRefused
from engine.persistence.models import AuditEvent, ModelDraft
from tests.engine.test_versions import KEY, deploy_xml, set_task_property, sop01_xml


def draft_events(alur) -> list[tuple[str, str, dict]]:
    with alur.sessions() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.event_type.like("model_draft_%"))
                               .order_by(AuditEvent.id)).all()
        return [(row.event_type, row.actor, json.loads(row.payload_json)) for row in rows]


def test_a_draft_is_saved_reopened_replaced_and_deleted_without_a_version(sop_alur, clock):
    deploy_xml(sop_alur, sop01_xml(), "awal")
    drafts = sop_alur.model_drafts
    edited = set_task_property(sop01_xml(), "gdb_03", "waktu", "2 jam")
    first = drafts.save(KEY, edited.encode(), "  Revisi   waktu langkah 3 ", 1, "pemilik")
    assert (first.title, first.based_on_version, first.saved_by, first.saved_at) == (
        "Revisi waktu langkah 3", 1, "pemilik", clock())
    assert drafts.get(KEY, first.draft_id) == (first, edited)
    assert [v.version for v in sop_alur.versions.list_versions(KEY)] == [1]  # not deployed

    clock.advance(hours=1)
    again = set_task_property(edited, "gdb_03", "waktu", "3 jam")
    second = drafts.save(KEY, again.encode(), "Revisi waktu langkah 3", 1, "pemilik2", draft_id=first.draft_id)
    other = drafts.save(KEY, sop01_xml().encode(), "Draf lain", 1, "pemilik")
    assert second.draft_id == first.draft_id and drafts.get(KEY, first.draft_id)[1] == again
    assert [(d.draft_id, d.saved_by) for d in drafts.list(KEY)] == [(other.draft_id, "pemilik"),
                                                                   (first.draft_id, "pemilik2")]
    assert drafts.list("sop_lain") == [] and len(drafts.list()) == 2

    drafts.delete(KEY, first.draft_id, "pemilik")
    with pytest.raises(ModelDraftNotFound):
        drafts.get(KEY, first.draft_id)
    assert [(kind, actor, payload["draft_id"]) for kind, actor, payload in draft_events(sop_alur)] == [
        ("model_draft_saved", "pemilik", first.draft_id), ("model_draft_saved", "pemilik2", first.draft_id),
        ("model_draft_saved", "pemilik", other.draft_id), ("model_draft_deleted", "pemilik", first.draft_id)]


@pytest.mark.parametrize(("content", "title", "error", "reason"), [
    (sop01_xml(), " ", InvalidInput, "title_missing"),
    (sop01_xml(), "x" * 201, InvalidInput, "title_too_long"),
    ("<html/>", "Draf", UploadRefused, "not_bpmn"),
    (sop01_xml().replace(f'id="{KEY}"', 'id="sop_lain"'), "Draf", UploadRefused, "other_process"),
])
def test_bad_input_stores_nothing(sop_alur, content, title, error, reason):
    with pytest.raises(error) as refused:
        sop_alur.model_drafts.save(KEY, content.encode(), title, 1, "pemilik")
    assert refused.value.context["reason"] == reason
    with sop_alur.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ModelDraft)) == 0
    assert draft_events(sop_alur) == []


def test_a_draft_of_another_sop_is_not_found(sop_alur):
    saved = sop_alur.model_drafts.save(KEY, sop01_xml().encode(), "Draf", 1, "pemilik")
    with pytest.raises(ModelDraftNotFound):
        sop_alur.model_drafts.get("sop_lain", saved.draft_id)
    with pytest.raises(ModelDraftNotFound):
        sop_alur.model_drafts.save(KEY, sop01_xml().encode(), "Draf", 1, "pemilik", draft_id=saved.draft_id + 1)
    with pytest.raises(ModelDraftNotFound):
        sop_alur.model_drafts.delete("sop_lain", saved.draft_id, "pemilik")
