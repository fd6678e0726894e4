"""``alur retention plan`` and ``alur retention apply``: finished cases past their archive retention
period (JRA), per SOP (``engine.operations.retention``)."""
from __future__ import annotations

import argparse
import sys

from engine import Alur, RetentionPlan, parse_retention_date


def _size(count: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    return str(count)


def _print_plan(plan: RetentionPlan, verb: str) -> None:
    where = plan.schedule_file if plan.schedule_exists else f"{plan.schedule_file} (missing: no period is set)"
    print(f"retention schedule: {where}; as of {plan.as_of.isoformat()} (WITA)")
    for sop in plan.sops:
        if sop.period is None:
            print(f"{sop.process_key} ({sop.name}): no retention period set: never removed "
                  f"({sop.ended_cases} finished case(s) kept)")
            continue
        print(f"{sop.process_key} ({sop.name}): period {sop.period.text()} from the case's end; basis: "
              f"{sop.period.basis}")
        for case in sop.cases:
            print(f"  {verb} case {case.instance_id} {case.business_key or '-'} ({case.status} "
                  f"{case.end_day.isoformat()}, due {sop.period.due_on(case.end_day).isoformat()}): "
                  f"{len(case.documents)} document(s), {_size(case.document_bytes)}")
        print(f"  {len(sop.cases)} of {sop.ended_cases} finished case(s) {verb}")
    if plan.held_newest is not None:
        print(f"case {plan.held_newest} is due but kept: it is the newest case, and its number must not be "
              "given to the next one; it goes once a newer case exists")
    for key in plan.unknown_keys:
        print(f"WARNING the schedule sets a period for {key!r}, which no deployed SOP has", file=sys.stderr)
    removed = plan.removed_documents
    print(f"total: {len(plan.cases)} case(s) {verb}; {plan.document_count} document(s), of which "
          f"{len(removed)} ({_size(sum(removed.values()))}) no other case uses "
          f"{'and will be deleted' if verb == 'would go' else 'deleted'}, {len(plan.kept_documents)} still used "
          "elsewhere stay")


def _plan(alur: Alur, args: argparse.Namespace) -> int:
    _print_plan(alur.retention.plan(parse_retention_date(args.as_of)), "would go")
    return 0


def _apply(alur: Alur, args: argparse.Namespace) -> int:
    as_of = parse_retention_date(args.as_of)  # a bad date is refused before anything else
    if not args.yes:
        print("error [confirmation_required]: 'alur retention apply' removes cases for good; check "
              "'alur retention plan' first, then run it again with --yes", file=sys.stderr)
        return 2
    result = alur.retention.apply(args.actor, as_of)
    if result.event_id is None:
        _print_plan(result.plan, "would go")
        print("nothing is due: nothing removed, nothing recorded")
        return 0
    _print_plan(result.plan, "removed")
    print(f"recorded as audit event id={result.event_id} (retention_applied, system chain) by {args.actor}; "
          f"{result.files_deleted} document file(s) deleted ({_size(result.bytes_deleted)})")
    for sha in result.files_left:
        print(f"WARNING document {sha} left in the store: used again or written in the last minutes",
              file=sys.stderr)
    return 0


def add_retention_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    retention = sub.add_parser("retention", help="archive retention (JRA): remove finished cases past their period")
    commands = retention.add_subparsers(dest="retention_command", required=True)
    p = commands.add_parser("plan", help="per SOP: the period, its basis and the cases that would go")
    p.add_argument("--as-of", help="the day to judge on, YYYY-MM-DD (WITA); default today")
    p.set_defaults(handler=_plan)
    p = commands.add_parser("apply", help="remove the due cases in one audited transaction, then their unused "
                            "documents")
    p.add_argument("--as-of", help="the day to judge on, YYYY-MM-DD (WITA), not after today; default today")
    p.add_argument("--yes", action="store_true", help="confirm: the cases' rows and documents go for good")
    p.set_defaults(handler=_apply)
