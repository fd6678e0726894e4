"""``alur directory check``: apply what the office's LDAP / Active Directory says of its accounts now
(deactivate the people it disables or no longer has, bring groups → roles up to date) without waiting for
their next sign-in; the worker runs the same check every ``ALUR_LDAP_CHECK_MINUTES``."""
from __future__ import annotations

import argparse

from engine import AccountChange, Alur


def _describe(change: AccountChange) -> str:
    if change.outcome == "deactivated":
        return f"{change.username}: deactivated ({change.reason})"
    if change.outcome == "skipped":
        return f"{change.username}: skipped ({change.reason})"
    parts = [f"+{r}" for r in change.roles_added] + [f"-{r}" for r in change.roles_removed]
    what = [f"roles {' '.join(parts)}"] if parts else []
    if change.fields:
        what.append(f"data {', '.join(change.fields)}")
    return f"{change.username}: {'; '.join(what)}"


def _check(alur: Alur, args: argparse.Namespace) -> int:
    def show(change: AccountChange) -> None:
        if change.outcome != "unchanged" or args.all:
            print(_describe(change) if change.outcome != "unchanged" else f"{change.username}: unchanged",
                  flush=True)

    # DirectoryCheckImpossible / DirectoryUnavailable / DirectoryCheckRefused: exit 2
    report = alur.directory_check.run(show, accept_missing=args.accept_missing)
    print(f"checked {len(report.accounts)} account(s): {report.count('deactivated')} deactivated, "
          f"{report.count('updated')} updated, {report.count('unchanged')} unchanged, "
          f"{report.count('skipped')} skipped")
    return 0


def add_directory_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    directory = sub.add_parser("directory", help="the office's LDAP / Active Directory").add_subparsers(
        dest="directory_command", required=True)
    p = directory.add_parser("check", help="deactivate the people the directory disables and bring roles up to "
                                           "date now, without waiting for their next sign-in")
    p.add_argument("--all", action="store_true", help="list unchanged accounts too")
    p.add_argument("--accept-missing", action="store_true",
                   help="deactivate the accounts the directory has no entry for even when they are many (the check "
                        "refuses otherwise: a wrong base DN looks just like everyone gone)")
    p.set_defaults(handler=_check)
