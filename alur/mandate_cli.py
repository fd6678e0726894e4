"""``alur mandate add|list|end``: stand-ins (Plh/Plt) from the command line, under the same rules as the
web page and the API (``--by`` names the Admin Sistem or supervisor who appoints or ends one)."""
from __future__ import annotations

import argparse

from alur.arguments import record_id
from engine import MANDATE_KINDS, Alur, MandateView


def _print(mandate: MandateView) -> None:
    ended = f", ended early by {mandate.ended_by}" if mandate.ended_early_at else ""
    print(f"#{mandate.mandate_id}  {mandate.label}  {mandate.absent} -> {mandate.stand_in}  "
          f"{mandate.from_day.isoformat()}..{mandate.to_day.isoformat()}  [{mandate.status}{ended}]  {mandate.basis}")


def _add(alur: Alur, args: argparse.Namespace) -> int:
    _print(alur.mandates.appoint(args.kind, args.absent, args.stand_in, args.from_day, args.to_day, args.basis,
                                 args.by))
    return 0


def _list(alur: Alur, args: argparse.Namespace) -> int:
    mandates = alur.mandates.list_mandates(args.user, args.status)
    for mandate in mandates:
        _print(mandate)
    if not mandates:
        print("no mandates")
    return 0


def _end(alur: Alur, args: argparse.Namespace) -> int:
    _print(alur.mandates.end(args.mandate_id, args.by, args.reason))
    return 0


def add_mandate_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    mandate = sub.add_parser("mandate", help="stand-ins (Plh/Plt)").add_subparsers(dest="mandate_command",
                                                                                   required=True)
    p = mandate.add_parser("add", help="appoint a Plh/Plt for an absent official")
    p.add_argument("--kind", default="plh", choices=MANDATE_KINDS, help="plh (away, default) or plt (vacant post)")
    p.add_argument("--absent", required=True, help="username of the official stood in for")
    p.add_argument("--stand-in", required=True, help="username of the Plh/Plt")
    p.add_argument("--from", dest="from_day", required=True, help="first day, YYYY-MM-DD (WITA)")
    p.add_argument("--to", dest="to_day", required=True, help="last day, YYYY-MM-DD (WITA), inclusive")
    p.add_argument("--basis", required=True, help="nomor surat penunjukan")
    p.add_argument("--by", required=True, help="the Admin Sistem or supervisor who appoints (audited)")
    p.set_defaults(handler=_add)

    p = mandate.add_parser("list", help="list mandates (all, or those USER may see)")
    p.add_argument("--user", help="list what this user may see")
    p.add_argument("--status", choices=("upcoming", "running", "ended"))
    p.set_defaults(handler=_list)

    p = mandate.add_parser("end", help="end a mandate now, before its last day")
    p.add_argument("mandate_id", type=record_id)
    p.add_argument("--by", required=True, help="the Admin Sistem or supervisor who ends it (audited)")
    p.add_argument("--reason", default="")
    p.set_defaults(handler=_end)
