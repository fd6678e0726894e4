"""``alur``: one CLI over the engine use cases (init, deploy, users, cases, audit, web, worker)."""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Callable

from alur.audit_cli import add_audit_commands
from alur.backup_cli import add_backup_commands
from alur.directory_cli import add_directory_commands
from alur.incident_cli import add_incident_commands
from alur.mandate_cli import add_mandate_commands
from alur.mining_cli import add_mining_commands
from alur.opd_cli import add_opd_commands
from alur.register_cli import add_register_commands
from alur.retention_cli import add_retention_commands
from alur.worker_cli import add_worker_commands
from engine import (ACCOUNT_FIELDS, AccountData, Alur, EngineError, InvalidInput, UserView, ensure_signing_key,
                    open_alur, settings_from_env, upgrade_schema)

Handler = Callable[[Alur, argparse.Namespace], int]


def _init(alur: Alur, args: argparse.Namespace) -> int:
    upgrade_schema(alur.settings.database_url)
    print(f"database ready: {alur.db.url.render_as_string(hide_password=True)}")
    key = ensure_signing_key(os.environ, alur.settings.audit_key_file)  # checkpoints on by default
    if key is not None:
        print(f"audit signing key {'created' if key[1] else 'kept'}: {key[0]} (keep it outside the database and "
              f"its backups; checkpoints also go to {alur.checkpoints.directory})")
    _search_reindex(alur, args)
    _figures_rebuild(alur, args)
    if args.deploy:  # seed: never replace a version deployed since (e.g. from the modeler)
        for result in alur.deployer.seed_directory(alur.settings.processes_dir, args.actor):
            print(f"{result.process_key} v{result.version} {'deployed' if result.created else 'unchanged'}")
    return 0


def _search_reindex(alur: Alur, _args: argparse.Namespace) -> int:
    indexed = alur.search_index.reindex_unindexed()
    if indexed:
        print(f"search index: {indexed} case(s) indexed")
    return 0


def _figures_rebuild(alur: Alur, _args: argparse.Namespace) -> int:
    rebuilt = alur.figure_rebuild.fill_missing()
    if rebuilt.cases:
        print(f"dashboard figures: {rebuilt.cases} case(s), {rebuilt.steps} step(s), {rebuilt.flows} decision(s)")
    return 0


def _deploy(alur: Alur, args: argparse.Namespace) -> int:
    return _deploy_paths(alur, [Path(p) for p in args.paths], args.actor)


def _deploy_paths(alur: Alur, paths: list[Path], actor: str) -> int:
    for path in paths:
        files = sorted(path.glob("*.bpmn")) if path.is_dir() else [path]
        for file in files:
            result = alur.deployer.deploy_file(file, actor)
            state = "deployed" if result.created else "unchanged"
            print(f"{result.process_key} v{result.version} {state}")
    return 0


def _ask_password() -> str:
    """:raises InvalidInput: nothing to read the password from (a script or CI: no terminal, no input)"""
    try:
        return getpass.getpass("Kata sandi: ")
    except EOFError as exc:
        raise InvalidInput("Kata sandi tidak diberikan: pakai --password atau ALUR_NEW_PASSWORD",
                           field="password") from exc


def _user_add(alur: Alur, args: argparse.Namespace) -> int:
    password = args.password or os.environ.get("ALUR_NEW_PASSWORD") or _ask_password()
    user = alur.users.add_user(args.username, args.full_name or args.username, password,
                               set(args.roles or ()), actor=args.actor, email=args.email, nip=args.nip,
                               jabatan=args.jabatan, unit_kerja=args.unit_kerja, phone=args.phone)
    print(f"user {user.username} added with roles {', '.join(sorted(user.roles)) or '-'}")
    return 0


def _user_set(alur: Alur, args: argparse.Namespace) -> int:
    """Change the account data given on the command line; an empty value ("") clears one."""
    current = alur.users.get(args.username)
    data = AccountData(**{name: given if (given := getattr(args, name)) is not None else getattr(current, name)
                          for name in ACCOUNT_FIELDS})
    _print_user(alur.users.set_account_data(args.username, data, actor=args.actor))
    return 0


def _user_show(alur: Alur, args: argparse.Namespace) -> int:
    _print_user(alur.users.get(args.username))
    return 0


def _print_user(user: UserView) -> None:
    for label, value in (("username", user.username), ("full name", user.full_name), ("nip", user.nip),
                         ("jabatan", user.jabatan), ("unit kerja", user.unit_kerja), ("e-mail", user.email),
                         ("phone", user.phone), ("roles", ", ".join(sorted(user.roles))),
                         ("active", "yes" if user.active else "no"), ("signs in", user.auth_source)):
        print(f"{label + ':':12} {value or '-'}")


def _user_roles(alur: Alur, args: argparse.Namespace) -> int:
    user = alur.users.set_roles(args.username, set(args.roles), actor=args.actor)
    print(f"user {user.username}: {', '.join(sorted(user.roles)) or '-'}")
    return 0


def _user_link(alur: Alur, args: argparse.Namespace) -> int:
    user = alur.external_accounts.link(args.username, args.source, actor=args.actor)
    print(f"user {user.username}: signs in through {user.auth_source}; bound to the directory entry at its next "
          "sign-in (its local password no longer works)")
    return 0


def _start(alur: Alur, args: argparse.Namespace) -> int:
    data = json.loads(args.data) if args.data else None
    result = alur.runner.start_case(args.process_key, args.user, args.business_key, data)
    print(json.dumps({"instance_id": result.instance_id, "status": result.status,
                      "ready_tasks": result.ready_task_ids}))
    return 0


def _tasks(alur: Alur, args: argparse.Namespace) -> int:
    page = alur.queries.inbox(args.user, args.tab, args.process, args.page, args.per_page)
    for task in page.items:
        due = task.due_at.isoformat() if task.due_at else "-"
        acting = f"  ({task.acting_for.label} {task.acting_for.absent})" if task.acting_for else ""
        print(f"{task.task_id}  #{task.instance_id}  {task.process_key}  {task.name}  [{task.role}]  due {due}{acting}")
    print(f"page {page.page}/{page.pages}, {page.total} task(s)")
    return 0


def _complete(alur: Alur, args: argparse.Namespace) -> int:
    data = json.loads(args.data) if args.data else {}
    result = alur.runner.complete_task(args.task_id, args.user, data)
    print(json.dumps({"instance_id": result.instance_id, "status": result.status,
                      "ready_tasks": result.ready_task_ids}))
    return 0


def _task_reassign(alur: Alur, args: argparse.Namespace) -> int:
    alur.runner.reassign_task(args.task_id, args.by, args.to, args.reason)
    task = alur.queries.task(args.task_id)
    print(f"task {task.task_id} ({task.name}) reassigned to {task.assignee} by {args.by}")
    return 0


def _run(alur: Alur, args: argparse.Namespace) -> int:
    from web.serve import serve  # the web layer depends on the engine, never the reverse

    return serve(alur, host=args.host, port=args.port)


def _account_data_arguments(parser: argparse.ArgumentParser, with_name: bool) -> None:
    if with_name:
        parser.add_argument("--full-name")
        parser.add_argument("--email")
    parser.add_argument("--nip", help="18 digits: birth date YYYYMMDD, TMT YYYYMM, sex, serial")
    parser.add_argument("--jabatan")
    parser.add_argument("--unit-kerja")
    parser.add_argument("--phone")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="alur", description="Alur: SOP engine of Diskominfo Kaltim")
    parser.add_argument("--actor", default="admin", help="who is recorded in the audit log")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create or upgrade the database schema")
    p.add_argument("--deploy", action="store_true", help="also deploy processes/*.bpmn")
    p.set_defaults(handler=_init)

    p = sub.add_parser("deploy", help="deploy BPMN files or folders")
    p.add_argument("paths", nargs="+")
    p.set_defaults(handler=_deploy)

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="user_command", required=True)
    p = user.add_parser("add")
    p.add_argument("username")
    p.add_argument("--full-name")
    p.add_argument("--email")
    p.add_argument("--password", help="or ALUR_NEW_PASSWORD, or asked interactively")
    p.add_argument("--role", dest="roles", action="append")
    _account_data_arguments(p, with_name=False)
    p.set_defaults(handler=_user_add)
    p = user.add_parser("set", help="change a user's name, NIP, jabatan, unit kerja, e-mail or phone")
    p.add_argument("username")
    _account_data_arguments(p, with_name=True)
    p.set_defaults(handler=_user_set)
    p = user.add_parser("show", help="a user's account data and roles")
    p.add_argument("username")
    p.set_defaults(handler=_user_show)
    p = user.add_parser("roles", help="replace a user's roles")
    p.add_argument("username")
    p.add_argument("roles", nargs="*")
    p.set_defaults(handler=_user_roles)
    p = user.add_parser("link", help="let an existing account sign in through the directory (ldap) or SSO (oidc)")
    p.add_argument("username")
    p.add_argument("source", choices=("ldap", "oidc"))
    p.set_defaults(handler=_user_link)

    p = sub.add_parser("start", help="start a case")
    p.add_argument("process_key")
    p.add_argument("--user", required=True)
    p.add_argument("--business-key")
    p.add_argument("--data", help="initial data as JSON")
    p.set_defaults(handler=_start)

    p = sub.add_parser("tasks", help="list a user's inbox")
    p.add_argument("--user", required=True)
    p.add_argument("--tab", default="available", choices=("mine", "available", "overdue"))
    p.add_argument("--process")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--per-page", type=int, default=25)
    p.set_defaults(handler=_tasks)

    p = sub.add_parser("complete", help="complete a task with JSON data")
    p.add_argument("task_id")
    p.add_argument("--user", required=True)
    p.add_argument("--data", help="form data as JSON")
    p.set_defaults(handler=_complete)

    add_mandate_commands(sub)
    add_opd_commands(sub)
    add_incident_commands(sub)
    add_register_commands(sub)
    add_directory_commands(sub)
    task = sub.add_parser("task", help="act on one task").add_subparsers(dest="task_command", required=True)
    p = task.add_parser("reassign", help="hand an open task to another holder of its role (supervisors, Admin Sistem)")
    p.add_argument("task_id")
    p.add_argument("--to", required=True, help="username of an active holder of the task's role")
    p.add_argument("--by", required=True, help="the supervisor (or Admin Sistem) who reassigns")
    p.add_argument("--reason", required=True, help="why; kept in the audit log")
    p.set_defaults(handler=_task_reassign)
    search = sub.add_parser("search", help="the search index").add_subparsers(dest="search_command", required=True)
    p = search.add_parser("reindex", help="index the cases from before the search index")
    p.set_defaults(handler=_search_reindex)
    figures = sub.add_parser("figures", help="the dashboard's figures").add_subparsers(dest="figures_command",
                                                                                      required=True)
    p = figures.add_parser("rebuild", help="fill the figures of the cases from before them")
    p.set_defaults(handler=_figures_rebuild)

    add_audit_commands(sub)
    add_backup_commands(sub)
    add_retention_commands(sub)
    add_mining_commands(sub)

    add_worker_commands(sub)

    p = sub.add_parser("run", help="serve the web app (and the worker) for the embedded default")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.set_defaults(handler=_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    alur = open_alur(settings_from_env())
    try:
        handler: Handler = args.handler  # set by the subcommand's parser
        return handler(alur, args)
    except EngineError as exc:
        print(f"error [{exc.code}]: {exc.message}", file=sys.stderr)
        for field, message in getattr(exc, "errors", {}).items():
            print(f"  {field}: {message}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"error [invalid_json]: {exc}", file=sys.stderr)
        return 2
    finally:
        alur.close()


