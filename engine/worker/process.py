"""``python -m engine.worker.process``: the worker as a bare process, configured from ``ALUR_*`` variables.

Used by the multi-process tests (and handy under a process supervisor). Without options it runs
until SIGTERM like ``alur worker``; ``--until-idle`` works until nothing is due and prints a JSON
summary. The testing aids ``--item-delay`` and ``--stall-after`` act inside each item's
transaction, so a test can overlap two workers or kill one while it holds a claimed item.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time

from sqlalchemy.orm import Session

from engine.config import settings_from_env
from engine.bootstrap import open_alur
from engine.worker.scheduler import build_worker
from engine.worker.work_items import ItemHooks


def _hooks(item_delay: float, stall_after: int | None) -> ItemHooks:
    done = 0

    def on_item(_session: Session, key: str) -> None:
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
    parser = argparse.ArgumentParser(prog="python -m engine.worker.process")
    parser.add_argument("--database-url", help="overrides ALUR_DATABASE_URL")
    parser.add_argument("--until-idle", action="store_true", help="exit once nothing is due")
    parser.add_argument("--item-delay", type=float, default=0.0, help="testing: sleep in each item's transaction")
    parser.add_argument("--stall-after", type=int, help="testing: after N items, hang inside the next one")
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
