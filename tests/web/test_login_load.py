"""8 threads of wrong logins while another starts and completes cases (issue 18, finding 3): on SQLite
the logins once held the write lock through scrypt, and the case thread got "database is locked" 500s.
Only correctness is asserted; the timing ratio is measured by ``python -m bench.logins``."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from web_helpers import gjr_01_form, login, make_settings

from engine.bootstrap import open_alur
from web import create_app

ATTACKERS = 8
CASES = 6
REAL_SCRYPT_N = 2 ** 14  # a real cost (the tests lower it), so each wrong login takes a while


def test_wrong_logins_do_not_stall_or_break_case_work(alur, template, tmp_path: Path, clock: Any):
    costly = open_alur(make_settings(tmp_path, alur.settings.database_url, scrypt_n=REAL_SCRYPT_N), clock=clock)
    costly.definitions.adopt(template[1])
    try:
        # Flask-Limiter off: the attack must reach the password check, which is what used to stall writes
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False, "ALUR": costly,
                          "RATELIMIT_ENABLED": False})
        stop = threading.Event()
        attack_statuses: list[int] = []
        case_statuses: list[int] = []
        bodies: list[str] = []
        completed: list[str] = []

        def attack(n: int) -> None:
            client = app.test_client()
            while not stop.is_set():
                name = "pengelola_ti" if n % 2 else f"tidak_ada_{n}"
                response = client.post("/masuk", data={"username": name, "password": "salah-sekali-123"})
                attack_statuses.append(response.status_code)
                bodies.append(response.text)

        staff = app.test_client()
        login(staff, "pengguna_jaringan")  # signed in before the flood (a login during it may have to retry)

        def work() -> None:
            client = staff
            try:
                for _ in range(CASES):
                    started = client.post("/kasus/baru", data={"process_key": "sop_gangguan_jaringan"})
                    case_statuses.append(started.status_code)
                    bodies.append(started.text)
                    if started.status_code == 302:  # to the first task's form
                        task_id = started.location.rstrip("/").rsplit("/", 1)[-1]
                        done = client.post(f"/tugas/{task_id}", data=gjr_01_form(), content_type="multipart/form-data")
                        case_statuses.append(done.status_code)
                        completed.append(task_id)
                        bodies.append(done.text)
            finally:
                stop.set()

        attackers = [threading.Thread(target=attack, args=(n,)) for n in range(ATTACKERS)]
        for thread in attackers:
            thread.start()
        worker = threading.Thread(target=work)
        worker.start()
        worker.join(timeout=300)
        stop.set()
        for thread in attackers:
            thread.join(timeout=60)
        assert not worker.is_alive()
        assert case_statuses == [302] * (2 * CASES), case_statuses
        # 401, or 429 once the attacked account's wait grows (engine/accounts/login_throttle.py)
        assert 401 in attack_statuses and set(attack_statuses) <= {401, 429}, set(attack_statuses)
        assert not any("database is locked" in body or "sedang diubah" in body for body in bodies)
        assert {costly.queries.task(t).state for t in completed} == {"completed"} and len(completed) == CASES
    finally:
        costly.close()
