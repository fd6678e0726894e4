"""Factories for engine tests: plain functions over the public services."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from alur_testing import make_settings
from sqlalchemy import event

from engine.bootstrap import Alur, open_alur
from engine.persistence.db import make_engine
from engine.persistence.models import Base

PASSWORD = "rahasia-uji-123"
_ROOT = Path(__file__).resolve().parents[2]
_OWNER_ROLES = ('\n[roles.pemilik_proses]\ntitle = "Pemilik Proses"\nsupervisors = []\n'
                '[roles.admin_sistem]\ntitle = "Admin Sistem"\nsupervisors = []\n')


def add_users(alur: Alur) -> None:
    alur.users.add_user("pengelola", "Pengelola Satu", PASSWORD, {"pengelola_ti"})
    alur.users.add_user("pengelola2", "Pengelola Dua", PASSWORD, {"pengelola_ti"})
    alur.users.add_user("pemeriksa", "Pemeriksa", PASSWORD, {"pemeriksa_ti"})
    alur.users.add_user("pengawas", "Pejabat Pengawas", PASSWORD, {"pengawas"})


def start_loop_case(alur: Alur, actor: str = "pengelola", business_key: str = "UJI/001") -> int:
    return alur.runner.start_case("uji_loop", actor, business_key).instance_id


def ready_task(alur: Alur, instance_id: int):
    tasks = alur.queries.open_tasks(instance_id)
    assert len(tasks) == 1, tasks
    return tasks[0]


def alur_with_owners(db_engine: Any, tmp_path: Path, test_data: Path, clock: Any) -> Alur:
    """Alur over a copy of the test models whose roles also hold the process owners and Admin Sistem
    (whom an incident tells), with the test users and ``pemilik`` and ``admin``."""
    models = shutil.copytree(test_data, tmp_path / "models")
    with (models / "roles.toml").open("a", encoding="utf-8") as roles:
        roles.write(_OWNER_ROLES)
    alur = open_alur(make_settings(tmp_path, str(db_engine.url), models, models / "forms"), clock=clock,
                     db=db_engine)
    add_users(alur)
    alur.users.add_user("pemilik", "Pemilik Proses", PASSWORD, {"pemilik_proses"})
    alur.users.add_user("admin", "Admin Sistem", PASSWORD, {"admin_sistem"})
    return alur


def broken_loop(test_data: Path) -> bytes:
    """The loop model whose first flow reads a field no form fills in: a case fails as it starts."""
    xml = (test_data / "uji_loop.bpmn").read_text(encoding="utf-8")
    broken = xml.replace('<bpmn:sequenceFlow id="f2" sourceRef="gabung" targetRef="isi"/>',
                         '<bpmn:sequenceFlow id="f2" sourceRef="gabung" targetRef="isi">'
                         '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${belum_ada == true}'
                         '</bpmn:conditionExpression></bpmn:sequenceFlow>')
    assert broken != xml
    return broken.encode("utf-8")


def traced_sqlite_alur(tmp_path: Path, clock: Any, test_data: Path) -> tuple[Alur, Any, list[str]]:
    """Alur on a new SQLite file with the test users and ``uji_loop``, and the list SQLite's own trace
    appends every statement it runs to (the SQL-shape tests); dispose of the engine when done."""
    alur, engine, traced = _traced(tmp_path, clock, test_data, test_data / "forms")
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    return alur, engine, traced


def traced_sop_alur(tmp_path: Path, clock: Any) -> tuple[Alur, Any, list[str]]:
    """``traced_sqlite_alur`` over the real SOP models (none deployed) with the users of ``CAST``."""
    from process_helpers import add_cast  # tests/processes' helpers, on the path setup.cfg gives pytest

    alur, engine, traced = _traced(tmp_path, clock, _ROOT / "processes", _ROOT / "forms")
    add_cast(alur)
    return alur, engine, traced


def _traced(tmp_path: Path, clock: Any, processes: Path, forms: Path) -> tuple[Alur, Any, list[str]]:
    url = f"sqlite:///{tmp_path / 'alur.db'}"
    engine = make_engine(url)
    traced: list[str] = []
    event.listen(engine, "connect", lambda dbapi, _record: dbapi.set_trace_callback(traced.append))
    Base.metadata.create_all(engine)
    return open_alur(make_settings(tmp_path, url, processes, forms), clock=clock, db=engine), engine, traced
