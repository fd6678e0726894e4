"""``alur register servers|visits [--open]|export server|dc``: the registers the SOPs' Pencatatan demand,
read from the command line (the CSV is what the register pages export)."""
from __future__ import annotations

import argparse
import sys

from engine import Alur


def _servers(alur: Alur, args: argparse.Namespace) -> int:
    servers = alur.server_assets.list()
    for s in servers:
        backup = f"{s.last_backup_at.isoformat()} {s.last_backup_result}" if s.last_backup_at else "-"
        print(f"{s.asset_number}  {s.hostname}  {s.ip_address}  [{s.status}]  back-up: {backup}")
    if not servers:
        print("no server in the register")
    return 0


def _visits(alur: Alur, args: argparse.Namespace) -> int:
    visits = alur.dc_access.visits(only_open=args.open)
    for v in visits:
        out = v.time_out.isoformat() if v.time_out else "still inside"
        print(f"#{v.visit_id}  {v.visitor}  ({v.organisation})  in {v.time_in.isoformat()}  out {out}")
    if not visits:
        print("no visit")
    return 0


def _export(alur: Alur, args: argparse.Namespace) -> int:
    register = alur.server_assets if args.register == "server" else alur.dc_access
    sys.stdout.write(register.export_csv())
    return 0


def add_register_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    register = sub.add_parser("register", help="the server asset and data-center access registers").add_subparsers(
        dest="register_command", required=True)
    register.add_parser("servers", help="list the server asset register").set_defaults(handler=_servers)
    p = register.add_parser("visits", help="list the data-center visits, latest first")
    p.add_argument("--open", action="store_true", help="only those still inside")
    p.set_defaults(handler=_visits)
    p = register.add_parser("export", help="a register as CSV on standard output")
    p.add_argument("register", choices=["server", "dc"])
    p.set_defaults(handler=_export)
