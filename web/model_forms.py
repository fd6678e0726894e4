"""The modeler's form panel over HTTP: a form as the panel edits it (fields, not JSON Schema), and the new
forms a model brings to the check, the trial run and the deploy."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import lazy_gettext
from werkzeug.wrappers import Response

from engine import InvalidInput, PendingForm, may_model
from web.auth import requires
from web.current import current_alur

bp = Blueprint("model_forms", __name__, url_prefix="/pemodel/formulir")
owner_required = requires(may_model, lazy_gettext("Halaman ini hanya untuk Pemilik Proses."))


@bp.get("/<form_key>")
@owner_required
def outline(form_key: str) -> Response | tuple[Response, int]:
    """A form's title and fields, and the key a changed copy of it gets (a used form is never changed)."""
    svc = current_alur()
    taken = frozenset(request.args.getlist("terpakai"))  # keys of new forms the panel holds already
    try:
        body = svc.model_forms.outline(svc.forms, form_key)
    except InvalidInput as exc:  # an unknown form: in words, with its code, as the panel's other answers
        return refused_form(exc)
    return jsonify(**body, next_key=svc.model_forms.next_key(svc.forms, form_key, taken))


def pending_forms() -> dict[str, PendingForm]:
    """The new forms in the posted JSON (``forms``), as schemas.

    :raises InvalidInput: a form the builder refuses
    """
    payload = request.get_json(silent=True)
    raw = payload.get("forms") if isinstance(payload, dict) else None
    svc = current_alur()
    return svc.model_forms.prepare(svc.forms, raw)


def refused_form(exc: InvalidInput) -> tuple[Response, int]:
    context: dict[str, Any] = {k: v for k, v in exc.context.items() if k in ("form_key", "field", "reason")}
    return jsonify(ok=False, deployed=False, code=exc.code, message=exc.message, problems=[], paths=[],
                   **context), 422


def form_fields() -> dict[str, list[dict[str, Any]]]:
    """Every form (files and those made in the modeler) with its fields in short, by key."""
    svc = current_alur()
    return svc.model_forms.field_index(svc.forms)


