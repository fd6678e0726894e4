"""Case steps while wrong logins pour in (issue 18, finding 3): SQLite, production scrypt cost.

``python -m bench.logins`` times a case start plus one completion with no load, then while 8 threads
post wrong passwords (through the engine, in the login view's order: the throttle's wait first, the
password only when there is none, then the failure counted), and prints both p95s and their ratio (the
issue asks for under 3x). ``raw_password_checks`` repeats the loaded run with every attempt checking a
password (no throttle), the cost a login without the throttle would put on the office. The test suite
asserts only correctness under the same load (tests/web/test_login_load.py); timing belongs here.
``python -m bench.logins --http [--nginx] [one_address|many_addresses|spray]`` measures the same through
gunicorn as deployed, and with ``--nginx`` through deploy/'s nginx in front of it (bench/login_http.py).
"""
from __future__ import annotations

import json
import sys
import threading

from bench.common import PASSWORD, database, open_bench_alur, summarize, timed
from engine.bootstrap import Alur

ATTACKERS = 8
CASES = 40


def _case_steps(alur: Alur, count: int) -> list[float]:
    def one() -> None:
        case = alur.runner.start_case("uji_loop", "kerja").instance_id
        alur.runner.complete_task(alur.queries.open_tasks(case)[0].task_id, "kerja", {"uraian": "bench"})
    return [timed(one) for _ in range(count)]


def login_load(url: str) -> dict[str, object]:
    alur = open_bench_alur(url)
    try:
        alur.users.add_user("kerja", "Kerja", PASSWORD, {"pengelola_ti", "pengawas"})
        alur.deployer.deploy_file(alur.settings.processes_dir / "uji_loop.bpmn", "bench")
        _case_steps(alur, 5)  # warm up
        quiet = summarize(_case_steps(alur, CASES))
        loaded, attempts, checked = _under_attack(alur, throttled=True)
        raw, raw_attempts, _ = _under_attack(alur, throttled=False)
        return {"quiet": quiet, "under_login_load": loaded, "wrong_logins": attempts, "passwords_checked": checked,
                "p95_ratio": round(loaded["p95_ms"] / quiet["p95_ms"], 2),
                "raw_password_checks": {**raw, "wrong_logins": raw_attempts,
                                        "p95_ratio": round(raw["p95_ms"] / quiet["p95_ms"], 2)}}
    finally:
        alur.close()


def _under_attack(alur: Alur, throttled: bool) -> tuple[dict[str, float], int, int]:
    """The case steps' summary while ATTACKERS threads post wrong passwords; attempts and scrypt runs."""
    stop, attempts, checked = threading.Event(), [0], [0]

    def attack(n: int) -> None:
        while not stop.is_set():
            name = "kerja" if n % 2 else f"tidak_ada_{n}"  # existing and unknown accounts alike
            attempts[0] += 1
            if throttled and alur.logins.wait(name) is not None:
                continue  # as web.auth.login: a waiting account's password is not checked
            checked[0] += 1
            alur.users.authenticate(name, "salah-sekali-123")
            alur.logins.login_failed(name, "10.0.0.%d" % n)
    threads = [threading.Thread(target=attack, args=(n,)) for n in range(ATTACKERS)]
    for thread in threads:
        thread.start()
    try:
        loaded = summarize(_case_steps(alur, CASES))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return loaded, attempts[0], checked[0]


if __name__ == "__main__":
    if "--http" in sys.argv:  # as deployed: gunicorn on SQLite, the attack and the case work over HTTP
        from bench.login_http import SHAPES, main
        main(tuple(a for a in sys.argv[1:] if a in SHAPES) or SHAPES, nginx="--nginx" in sys.argv)
    else:
        with database("sqlite") as url:
            print(json.dumps(login_load(url), indent=2))
