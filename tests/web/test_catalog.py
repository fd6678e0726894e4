"""The SOP catalogue: the latest version of each process (summaries are kept per stored version),
and who may start one, by the roles of each user."""
from __future__ import annotations

from web_helpers import ROOT

KEY = "sop_gangguan_jaringan"


def _summary(app, username: str, **kwargs):
    catalog = app.extensions["alur"].catalog
    return next(p for p in catalog.processes(username, **kwargs) if p.process_key == KEY)


def test_a_new_version_shows_at_once_and_can_start_follows_the_roles(alur, app):
    first = _summary(app, "pengguna_jaringan")
    assert first.can_start and first.version == 1
    assert not _summary(app, "kepala_dinas").can_start
    assert not _summary(app, "kepala_dinas", user_roles=frozenset()).can_start
    assert _summary(app, "kepala_dinas", user_roles=frozenset({"pengguna_jaringan"})).can_start

    xml = (ROOT / "processes" / f"{KEY}.bpmn").read_text()
    xml = xml.replace('name="Penanganan Gangguan Jaringan"', 'name="Penanganan Gangguan Jaringan (revisi)"', 1)
    alur.deployer.deploy_bytes(xml.encode(), f"{KEY}.bpmn", "pemilik_proses", "v2", expected_key=KEY)
    second = _summary(app, "pengguna_jaringan")
    assert (second.version, second.name, second.can_start) == (2, "Penanganan Gangguan Jaringan (revisi)", True)
    assert first.version == 1 and not _summary(app, "kepala_dinas").can_start  # nothing shared was changed

    alur.users.set_roles("kepala_dinas", {"kepala_dinas", "pengguna_jaringan"})
    assert _summary(app, "kepala_dinas").can_start  # roles read at each call
