"""``alur opd add|list|rename|deactivate|activate``: the requesting units (OPD) from the command line, as
Admin Sistem keeps them in the web page; every change is audited with the global ``--actor``."""
from __future__ import annotations

import argparse
from typing import Callable

from alur.arguments import record_id
from engine import Alur, OpdView

Handler = Callable[[Alur, argparse.Namespace], int]


def _print(opd: OpdView) -> None:
    state = "" if opd.active else "  [nonaktif]"
    print(f"#{opd.opd_id}  {opd.code}  {opd.name}{state}")


def _add(alur: Alur, args: argparse.Namespace) -> int:
    _print(alur.opds.add(args.code, args.name, args.actor))
    return 0


def _list(alur: Alur, args: argparse.Namespace) -> int:
    units = alur.opds.list(include_inactive=args.all)
    for opd in units:
        _print(opd)
    if not units:
        print("no OPD")
    return 0


def _rename(alur: Alur, args: argparse.Namespace) -> int:
    _print(alur.opds.update(args.opd_id, args.actor, name=args.name))
    return 0


def _set_active(active: bool) -> Handler:
    def handler(alur: Alur, args: argparse.Namespace) -> int:
        _print(alur.opds.update(args.opd_id, args.actor, active=active))
        return 0
    return handler



def add_opd_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    opd = sub.add_parser("opd", help="requesting units (OPD) for registered letters").add_subparsers(
        dest="opd_command", required=True)
    p = opd.add_parser("add", help="add a unit")
    p.add_argument("code", help="short code, e.g. BAPPEDA (capitals, digits, . _ -)")
    p.add_argument("name", help="the unit's full name")
    p.set_defaults(handler=_add)

    p = opd.add_parser("list", help="list the active units (all with --all)")
    p.add_argument("--all", action="store_true", help="include deactivated units")
    p.set_defaults(handler=_list)

    p = opd.add_parser("rename", help="change a unit's name (its code stays)")
    p.add_argument("opd_id", type=record_id)
    p.add_argument("name")
    p.set_defaults(handler=_rename)

    for command, active, text in (("deactivate", False, "hide a unit from new registrations"),
                                  ("activate", True, "offer a deactivated unit again")):
        p = opd.add_parser(command, help=text)
        p.add_argument("opd_id", type=record_id)
        p.set_defaults(handler=_set_active(active))
