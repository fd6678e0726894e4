"""``python tests/engine/worker_process.py``: a worker process for the multi-process tests.

The worker ``alur worker`` runs, configured from ``ALUR_*`` variables, with two testing aids that
act inside each item's transaction: ``--item-delay`` (overlap two workers) and ``--stall-after``
(kill one while it holds a claimed item). ``--until-idle`` works until nothing is due and prints
a JSON summary.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from sqlalchemy import Connection

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script from any folder

from engine import build_worker, open_alur, settings_from_env  # noqa: E402 - after the path is set
from engine.worker.work_items import ItemHooks  # noqa: E402


def _hooks(item_delay: float, stall_after: int | None) -> ItemHooks:
    done = 0

    def on_item(_connection: Connection, key: str) -> None:
        nonlocal done
        if stall_after is not None and done >= stall_after:
            print(f"stalled {key}", flush=True)
            while True:  # until killed, holding this item's transaction open
                time.sleep(1)
        if item_delay:
            time.sleep(item_delay)
        done += 1
        print(f"item {key}", flush=True)

    return ItemHooks(on_item=on_item)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="worker_process.py")
    parser.add_argument("--database-url", help="overrides ALUR_DATABASE_URL")
    parser.add_argument("--until-idle", action="store_true", help="exit once nothing is due")
    parser.add_argument("--item-delay", type=float, default=0.0, help="sleep in each item's transaction")
    parser.add_argument("--stall-after", type=int, help="after N items, hang inside the next one")
    args = parser.parse_args(argv)
    if args.database_url:
        os.environ["ALUR_DATABASE_URL"] = args.database_url
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    alur = open_alur(settings_from_env())
    try:
        worker = build_worker(alur, hooks=_hooks(args.item_delay, args.stall_after))
        if not args.until_idle:
            worker.run_forever()
            return 0
        report = worker.run_until_idle()
        print(json.dumps({"timers": report.timers, "routines": report.routines, "escalations": report.escalations,
                          "emails": report.emails, "failures": report.failures}), flush=True)
        return 0
    finally:
        alur.close()


if __name__ == "__main__":
    sys.exit(main())
