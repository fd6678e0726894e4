"""``alur export-log``: an SOP's cases for a period as a process-mining log (XES, OCEL 2.0 JSON or CSV)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine import LOG_FORMATS, Alur, Requester, parse_period


def _export_log(alur: Alur, args: argparse.Namespace) -> int:
    """The command line is the server's operator: no role check, names only with ``--names``."""
    period = parse_period(args.date_from, args.date_to)
    export = alur.process_logs.export(args.sop, period, args.format, Requester(args.actor, None, via="cli"),
                                      names=args.names)
    if args.output is None:
        for chunk in export.chunks:
            sys.stdout.write(chunk)
        target = "stdout"
    else:
        target = args.output
        with Path(args.output).open("w", encoding="utf-8", newline="") as out:
            for chunk in export.chunks:
                out.write(chunk)
    who = "performers named" if export.named else "performers pseudonymised (a new key for this export)"
    print(f"{args.sop}: {export.cases} case(s) started {period.first} .. {period.last} (WITA) as {args.format} "
          f"-> {target}; {who}", file=sys.stderr)
    return 0


def add_mining_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export-log", help="an SOP's cases as a process-mining log (XES, OCEL 2.0 JSON, CSV)",
                       description="Every case of the SOP started in the period (WITA days, both included), "
                                   "one event per step start and end. Performers are pseudonymised unless "
                                   "--names is given; every export is recorded in the audit log.")
    p.add_argument("--sop", required=True, help="the SOP's process key, e.g. sop_gangguan_database")
    p.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD (WITA)")
    p.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD (WITA), included")
    p.add_argument("--format", required=True, choices=sorted(LOG_FORMATS), help="xes, ocel (OCEL 2.0 JSON) or csv")
    p.add_argument("--names", action="store_true", help="name the performers instead of pseudonyms "
                   "(personal data: recorded in the audit log with the people named)")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.set_defaults(handler=_export_log)
