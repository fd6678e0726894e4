"""A step that tells a role something when a checkbox is ticked: ``beritahu_bila`` names the form's
boolean field, ``beritahu_peran`` the role whose holders are notified (e.g. "Informasikan kepada
Kepala Dinas?" at SOP-01 step 8). Without it such a checkbox would change nothing."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import DeploymentError, InvalidInput
from engine.modeling.roles import RoleCatalog

NOTICE_FIELD = "beritahu_bila"
NOTICE_ROLE = "beritahu_peran"
# Process property: fields of the case data the requester's end notice carries (e.g. SOP-05's result).
RESULT_FIELDS = "hasil_untuk_pemohon"


@dataclass(frozen=True)
class StepNotice:
    field: str
    role: str


def read_notice(properties: Mapping[str, str]) -> StepNotice | None:
    field, role = properties.get(NOTICE_FIELD, "").strip(), properties.get(NOTICE_ROLE, "").strip()
    return StepNotice(field, role) if field or role else None


def notice_problems(tasks: Mapping[str, Any], roles: RoleCatalog, forms: Any, filename: str) -> list[DeploymentError]:
    """Every notice naming no role of the catalogue or no boolean field of the step's form."""
    problems: list[DeploymentError] = []
    for task_id, meta in tasks.items():
        notice = meta.notice
        if notice is None:
            continue
        if notice.role not in roles:
            problems.append(DeploymentError(f"{NOTICE_ROLE} '{notice.role}' tidak ada di katalog peran",
                                            file=filename, element_id=task_id, line=meta.line))
        try:
            prop = forms.get(meta.form_key).schema.get("properties", {}).get(notice.field, {})
        except InvalidInput:
            continue
        if prop.get("type") != "boolean":
            problems.append(DeploymentError(f"{NOTICE_FIELD} '{notice.field}' bukan isian ya/tidak pada formulir "
                                            f"'{meta.form_key}'", file=filename, element_id=task_id, line=meta.line))
    return problems
