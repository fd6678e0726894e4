"""The registers through the JSON API (``/api/v1/registers/...``): the server asset register (read by its
readers, changed by Personil DC) and the data-center access register (walk-ins by the Pengawas, "keluar"
by the Pengawas or Personil DC).

Stable errors: 422 ``invalid_input``, 403 ``forbidden``, 404 ``server_not_found`` /
``visit_not_found``, 409 ``conflict``.
"""
from __future__ import annotations

from collections.abc import Callable, Set

from flask import g, jsonify, request
from flask_babel import gettext
from werkzeug.wrappers import Response

from engine import (PermissionDenied, may_enter_dc_visits, may_keep_server_register, may_read_registers,
                    may_sign_out_dc_visits)
from web.api import _body, _roles, bp, to_json
from web.current import current_alur


def _require(rule: Callable[[Set[str]], bool], message: str) -> None:
    if not rule(_roles()):
        raise PermissionDenied(message)


@bp.get("/registers/servers")
def servers() -> Response:
    _require(may_read_registers, gettext("Register ini untuk Personil DC, Pengawas Infrastruktur TIK dan auditor."))
    return jsonify({"items": to_json(current_alur().server_assets.list())})


@bp.post("/registers/servers")
def add_server() -> tuple[Response, int]:
    _require(may_keep_server_register, gettext("Aset register server dikelola oleh Personil DC."))
    server = current_alur().server_assets.add(_body(), actor=g.api_user)
    return jsonify(to_json(server)), 201


@bp.patch("/registers/servers/<path:asset_number>")
def update_server(asset_number: str) -> Response:
    _require(may_keep_server_register, gettext("Aset register server dikelola oleh Personil DC."))
    return jsonify(to_json(current_alur().server_assets.update(asset_number, _body(), actor=g.api_user)))


@bp.get("/registers/dc-visits")
def visits() -> Response:
    _require(may_read_registers, gettext("Register ini untuk Personil DC, Pengawas Infrastruktur TIK dan auditor."))
    only_open = request.args.get("open") == "1"
    return jsonify({"items": to_json(current_alur().dc_access.visits(only_open=only_open))})


@bp.post("/registers/dc-visits")
def add_visit() -> tuple[Response, int]:
    _require(may_enter_dc_visits, gettext("Kunjungan dicatat oleh Pengawas Infrastruktur TIK."))
    return jsonify(to_json(current_alur().dc_access.add_walk_in(_body(), actor=g.api_user))), 201


@bp.post("/registers/dc-visits/<int:visit_id>/keluar")
def sign_out(visit_id: int) -> Response:
    _require(may_sign_out_dc_visits, gettext("Hanya Pengawas Infrastruktur TIK atau Personil DC yang mencatat "
                                             "keluar."))
    return jsonify(to_json(current_alur().dc_access.sign_out(visit_id, actor=g.api_user)))
