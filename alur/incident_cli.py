"""``alur incident list|retry``: steps the engine failed to complete, as on the incident page (``--by``
names the process owner or Admin Sistem who retries; audited)."""
from __future__ import annotations

import argparse
import json

from alur.arguments import record_id
from engine import Alur, IncidentView


def _print(incident: IncidentView, language: str) -> None:
    failed = f"{incident.attempts} failures" if incident.attempts > 1 else "1 failure"
    print(f"#{incident.id}  {incident.process_key}  case #{incident.instance_id}  step {incident.element_id}  "
          f"by {incident.actor}  opened {incident.opened_at.isoformat()}  [{incident.status}, {failed}]")
    print(f"    {incident.message_in(language)}")


def _list(alur: Alur, args: argparse.Namespace) -> int:
    incidents = alur.incidents.list_incidents(None if args.all else "open", args.process)
    for incident in incidents:
        _print(incident, args.language)
    if not incidents:
        print("no incidents" if args.all else "no open incidents")
    return 0


def _retry(alur: Alur, args: argparse.Namespace) -> int:
    result = alur.incidents.retry(args.incident_id, args.by)
    print(json.dumps({"incident_id": args.incident_id, "instance_id": result.instance_id, "status": result.status,
                      "ready_tasks": result.ready_task_ids}))
    return 0


def add_incident_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    incident = sub.add_parser("incident", help="steps the engine failed to complete").add_subparsers(
        dest="incident_command", required=True)
    p = incident.add_parser("list", help="list open incidents (per SOP)")
    p.add_argument("--process", help="only this SOP (process key)")
    p.add_argument("--all", action="store_true", help="resolved ones too")
    p.add_argument("--language", default="id", choices=("id", "en"))
    p.set_defaults(handler=_list)

    p = incident.add_parser("retry", help="complete the incident's step with the kept input")
    p.add_argument("incident_id", type=record_id)
    p.add_argument("--by", required=True, help="the process owner or Admin Sistem who retries (audited)")
    p.set_defaults(handler=_retry)
