"""``alur worker`` (timers, routines, escalation, e-mail) and ``alur schedule …`` (routine schedules)."""
from __future__ import annotations

import argparse
import json
import os

from engine import Alur, build_worker, CATCH_UP_POLICIES, configure_logging, freeze_startup_objects, ScheduleView


def _worker(alur: Alur, args: argparse.Namespace) -> int:
    configure_logging(os.environ.get("ALUR_LOG_FORMAT", "json"))  # one JSON line per job run
    worker = build_worker(alur)
    if args.once:
        report = worker.run_until_idle()
        backup = worker.backup_tick()  # the day's backup, when ALUR_BACKUP_DIR is set and it is due
        print(json.dumps({"timers": report.timers, "routines": report.routines, "escalations": report.escalations,
                          "emails": report.emails, "mandates_closed": report.mandates_closed,
                          "leave_reminders": report.leave_reminders, "failures": report.failures,
                          "backup": str(backup.summary.path) if backup else None}))
        return 0
    freeze_startup_objects()
    print(f"alur worker: running (wakes at the next due time, at least every {worker.max_sleep:g} s; "
          "Ctrl-C or SIGTERM to stop)", flush=True)
    worker.run_forever()
    return 0


def _print(schedule: ScheduleView) -> None:
    state = "on" if schedule.enabled else "off"
    print(f"{schedule.process_key}  {schedule.cycle}  [{state}, catch-up {schedule.catch_up}, {schedule.source}]  "
          f"next {schedule.next_run_at.isoformat()}")


def _schedule_list(alur: Alur, args: argparse.Namespace) -> int:
    schedules = alur.schedules.list_schedules()
    for schedule in schedules:
        _print(schedule)
    if not schedules:
        print("no routine schedules")
    return 0


def _schedule_set(alur: Alur, args: argparse.Namespace) -> int:
    _print(alur.schedules.set_cycle(args.process_key, args.cycle, args.actor, catch_up=args.catch_up))
    return 0


def _schedule_enable(alur: Alur, args: argparse.Namespace) -> int:
    _print(alur.schedules.set_enabled(args.process_key, args.command_name == "enable", args.actor))
    return 0


def _schedule_reset(alur: Alur, args: argparse.Namespace) -> int:
    schedule = alur.schedules.reset_to_model(args.process_key, args.actor)
    if schedule is None:
        print(f"{args.process_key}: the diagram has no timer start event; no schedule")
    else:
        _print(schedule)
    return 0


def add_worker_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("worker", help="run timers, routine starts, escalation and e-mail (foreground)")
    p.add_argument("--once", action="store_true", help="work until nothing is due, then exit")
    p.set_defaults(handler=_worker)

    schedule = sub.add_parser("schedule", help="routine schedules").add_subparsers(dest="schedule_command",
                                                                                    required=True)
    p = schedule.add_parser("list")
    p.set_defaults(handler=_schedule_list)
    p = schedule.add_parser("set", help="set a cycle, e.g. R/P2W or R/2026-12-01T08:00:00+08:00/P1M")
    p.add_argument("process_key")
    p.add_argument("cycle")
    p.add_argument("--catch-up", choices=CATCH_UP_POLICIES,
                   help="after downtime: start only the latest missed occurrence (default) or all of them")
    p.set_defaults(handler=_schedule_set)
    for name in ("enable", "disable"):
        p = schedule.add_parser(name)
        p.add_argument("process_key")
        p.set_defaults(handler=_schedule_enable, command_name=name)
    p = schedule.add_parser("reset", help="follow the diagram's timer start event again")
    p.add_argument("process_key")
    p.set_defaults(handler=_schedule_reset)
