"""A finished case with a loop for the auditor pages: the yearly asset-register review, sent back once."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from web_helpers import upload

from engine.bootstrap import Alur

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "processes"))
from process_helpers import register_for, FillContext, form_data  # noqa: E402

REVIEW = "tinjau_aset_register_server"
REVIEW_STEPS = [("tar_01", {}),
                ("tar_02", {"tinjauan_disetujui": False, "catatan_pengembalian": "Lengkapi alamat IP"}),
                ("tar_01", {}),
                ("tar_02", {"tinjauan_disetujui": True, "catatan_pengembalian": "Sudah lengkap"})]


def demo_user(alur: Alur, role: str) -> str:
    """The demo account (username = role key) that may work on tasks of ``role``."""
    return next(key for key, r in alur.roles.roles.items() if not r.is_group and role in alur.roles.expand({key}))


def finished_review(alur: Alur, clock: Any) -> int:
    case = alur.runner.start_case(REVIEW, "pengelola_ti", "TAR/2026").instance_id
    for visit, (element_id, answers) in enumerate(REVIEW_STEPS):
        clock.advance(minutes=30)
        [task] = alur.queries.open_tasks(case)
        assert task.element_id == element_id
        actor = task.assignee or demo_user(alur, task.role)
        if task.state == "ready":
            alur.runner.claim_task(task.task_id, actor)
        ctx = FillContext(tag=f"{element_id}.{visit}", now=clock(), user_for=lambda role: demo_user(alur, role),
                          document=lambda label, by=actor: upload(alur, f"{label}.pdf", b"%PDF-1.4\n% " + label.encode()
                                                        + b"\n%%EOF\n", by), full=False)
        register_for(alur, alur.forms.get(task.form_key).schema)
        alur.runner.complete_task(task.task_id, actor, form_data(alur.forms.get(task.form_key).schema, ctx, answers))
    return case
