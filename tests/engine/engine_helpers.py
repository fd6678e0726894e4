"""Factories for engine tests: plain functions over the public services."""
from __future__ import annotations

from engine.bootstrap import Alur

PASSWORD = "rahasia-uji-123"


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
