"""Case work over HTTP while wrong logins pour in, as deployed (issue 18): gunicorn on SQLite.

``python -m bench.logins --http`` starts gunicorn (``WEB_CONCURRENCY`` of the unit: 4 workers, its worker class,
threads and keep-alive (``bench.common.deployed_gunicorn_options``), and
``ALUR_TRUSTED_PROXIES=1`` as behind deploy/'s nginx, which sets ``X-Forwarded-For`` to the client's
address: straight to gunicorn this bench sets that header the way nginx would); ``--nginx`` puts
deploy/'s nginx site in front (TLS, its login pacing; started as ``make soak`` starts it), and an
attacker's address is then its connection's own (127.0.9.N). One client starts and completes a case
through the JSON API (one step = POST /api/v1/cases + POST /api/v1/tasks/<id>/complete), first alone
(CASE_STEPS steps), then while ATTACKERS threads (in a process of their own, so their Python does not
share the case client's GIL) post wrong passwords to POST /masuk with a valid CSRF token, as fast as
the answers come back, in three shapes:

- ``one_address``: every attacker from one address, half at an existing account, half at a name each;
- ``many_addresses``: each attempt from another address (through nginx: one address per attacker),
  the same names;
- ``spray``: each attempt a new unknown name (and straight to gunicorn a new address), which no
  per-name limit can catch, so every attempt the limits let through reaches a password check.

It prints, per shape, the case step's p95 alone (just before: the machine's speed drifts) and under
the load, their ratio (the issue asks under 3x) and every status code seen on either side (no 500
allowed). The API token route authenticates by token digest, not by password, so it is not attacked
here (tests cover its 429).
"""
from __future__ import annotations

import contextlib
import http.client
import json
import multiprocessing
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.common import (DATA, PASSWORD, ROOT, deployed_gunicorn_options, free_port, open_bench_alur, summarize,
                          wait_until_listening)
from bench.soak.cluster import Cluster, self_signed
from engine.accounts.tokens import TokenService
from engine.persistence.schema import upgrade

ATTACKERS = 8
CASE_STEPS = 100
WORKERS = int(os.environ.get("WEB_CONCURRENCY", "4"))  # deploy/systemd/alur-web@.service's default
SHAPES = ("one_address", "many_addresses", "spray")
TARGET = "sasaran"  # the existing account the attackers guess at (not the case client's)


def _prepare(url: str) -> str:
    """Schema, the bench model, the case client's account and token, the attacked account."""
    upgrade(url)
    alur = open_bench_alur(url)
    try:
        alur.users.add_user("kerja", "Kerja", PASSWORD, {"pengelola_ti", "pengawas"})
        alur.users.add_user(TARGET, "Sasaran", PASSWORD, {"pengelola_ti"})
        alur.deployer.deploy_file(DATA / "uji_loop.bpmn", "bench")
        return TokenService(alur.sessions, alur.users).issue("kerja", "bench", "bench").token
    finally:
        alur.close()


def _gunicorn(url: str, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ALUR_")},
           "ALUR_DATABASE_URL": url, "ALUR_PROCESSES_DIR": str(DATA), "ALUR_FORMS_DIR": str(DATA / "forms"),
           "ALUR_INSTANCE_DIR": tempfile.mkdtemp(), "ALUR_SECRET_KEY": "bench-secret", "ALUR_TRUSTED_PROXIES": "1",
           "ALUR_RATELIMIT_STORAGE_URI": "memory://"}
    log = open(Path(env["ALUR_INSTANCE_DIR"]) / "gunicorn.log", "ab")  # noqa: SIM115 - kept open by the child
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), *deployed_gunicorn_options(),
                             "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", "--timeout", "120", "web.wsgi:app"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_listening(port, proc)
    except RuntimeError:
        proc.terminate()
        raise
    return proc, port


@dataclass(frozen=True)
class _Front:
    """Where clients connect: gunicorn itself (the client's address in ``X-Forwarded-For``, as nginx
    would set it), or deploy/'s nginx over TLS (the address is the connection's own: loopback has
    all of 127/8, so an attacker binds 127.0.9.N)."""
    port: int
    tls: ssl.SSLContext | None = None

    def connect(self, address: str | None = None) -> http.client.HTTPConnection:
        if self.tls is None:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        return http.client.HTTPSConnection("localhost", self.port, timeout=120, context=self.tls,
                                           source_address=(address, 0) if address else None)

    def address_headers(self, address: str) -> dict[str, str]:
        """The client's address as nginx passes it; over TLS the Referer flask-wtf's CSRF check wants."""
        return {"X-Forwarded-For": address} if self.tls is None else {"Referer": f"https://localhost:{self.port}/masuk"}


class _CaseClient:
    """Starts and completes cases through the JSON API; every status seen is counted."""

    def __init__(self, front: _Front, token: str) -> None:
        self._conn = front.connect()
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.statuses: Counter[int] = Counter()

    def _post(self, path: str, body: dict[str, object]) -> dict[str, object]:
        self._conn.request("POST", path, json.dumps(body), self._headers)
        response = self._conn.getresponse()
        payload = json.loads(response.read() or b"{}")
        self.statuses[response.status] += 1
        if response.status >= 300:
            raise RuntimeError(f"{path}: {response.status} {payload}")
        return payload  # type: ignore[no-any-return]

    def step(self) -> float:
        start = time.perf_counter()
        task_id = self._post("/api/v1/cases", {"process_key": "uji_loop"})["ready_task_ids"][0]  # type: ignore[index]
        self._post(f"/api/v1/tasks/{task_id}/complete", {"data": {"uraian": "bench"}})
        return (time.perf_counter() - start) * 1000.0

    def steps(self, count: int) -> list[float]:
        return [self.step() for _ in range(count)]


def _login_form(conn: http.client.HTTPConnection, headers: dict[str, str]) -> tuple[str, str]:
    """A session cookie and its CSRF token, as a browser (or a script) gets them from the login page."""
    conn.request("GET", "/masuk", headers=headers)
    response = conn.getresponse()
    page = response.read().decode()
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if match is None:
        raise RuntimeError(f"no CSRF token on the login page ({response.status})")
    return response.getheader("Set-Cookie", "").split(";")[0], match.group(1)


def _attacker(front: _Front, shape: str, n: int, stop: threading.Event, statuses: Counter[int]) -> None:
    """Through nginx an attacker keeps one address (a connection's own); straight to gunicorn the
    many-address shapes name another one in every post."""
    own = "127.0.9.1" if shape == "one_address" else f"127.0.9.{n + 2}"
    conn = front.connect(own)
    cookie, csrf = _login_form(conn, front.address_headers("203.0.113.7"))
    attempt = 0
    while not stop.is_set():
        attempt += 1
        if shape == "one_address":
            address, name = "203.0.113.7", TARGET if n % 2 else f"tidak_ada_{n}"
        elif shape == "many_addresses":
            address, name = f"198.51.{n}.{attempt % 250 + 1}", TARGET if n % 2 else f"tidak_ada_{n}"
        else:
            address, name = f"10.{n}.{attempt // 250 % 250}.{attempt % 250 + 1}", f"semprot_{n}_{attempt}"
        body = urllib.parse.urlencode({"csrf_token": csrf, "username": name, "password": "salah-sekali-123"})
        conn.request("POST", "/masuk", body, {"Content-Type": "application/x-www-form-urlencoded",
                                              "Cookie": cookie, **front.address_headers(address)})
        response = conn.getresponse()
        response.read()
        statuses[response.status] += 1


def _attack(front: _Front, shape: str, stop: multiprocessing.synchronize.Event,  # type: ignore[name-defined]
            results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """The attacking process: ATTACKERS threads until ``stop``; puts the status counts on ``results``."""
    local_stop, counts = threading.Event(), [Counter[int]() for _ in range(ATTACKERS)]
    threads = [threading.Thread(target=_attacker, args=(front, shape, n, local_stop, counts[n]), daemon=True)
               for n in range(ATTACKERS)]
    for thread in threads:
        thread.start()
    stop.wait()
    local_stop.set()
    for thread in threads:
        thread.join(timeout=130)
    results.put(dict(sum(counts, Counter[int]())))


def _under_attack(front: _Front, token: str, shape: str) -> dict[str, object]:
    context = multiprocessing.get_context("fork")
    stop, results = context.Event(), context.Queue()
    attacker = context.Process(target=_attack, args=(front, shape, stop, results))
    attacker.start()
    client = _CaseClient(front, token)
    try:
        time.sleep(2)  # the flood reaches its pace (and the throttles their waits)
        started = time.perf_counter()
        samples = client.steps(CASE_STEPS)
        seconds = time.perf_counter() - started
    finally:
        stop.set()
        attack_statuses = results.get(timeout=180)
        attacker.join(timeout=30)
    return {"case_step": summarize(samples), "case_statuses": dict(client.statuses),
            "wrong_login_statuses": attack_statuses,
            "wrong_logins_per_s": round(sum(attack_statuses.values()) / (seconds + 2), 1)}


def _nginx(root: Path, app_port: int) -> tuple[Cluster, _Front]:
    """deploy/'s nginx site in front of ``app_port``, started as ``make soak`` starts it."""
    cluster = Cluster(root=root, staff=0, app_ports=[app_port])
    for folder in ("tls", "logs", "nginx"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    self_signed(root / "tls")
    cluster.start_nginx()
    front = _Front(cluster.https_port, ssl.create_default_context(cafile=str(cluster.cert)))
    with contextlib.suppress(RuntimeError):  # as before: a slow nginx shows in the first requests
        wait_until_listening(cluster.https_port, seconds=30, what="nginx")
    return cluster, front


def login_load_http(url: str, shapes: tuple[str, ...] = SHAPES, workers: int = WORKERS,
                    nginx: bool = False) -> dict[str, object]:
    token = _prepare(url)
    proc, port = _gunicorn(url, workers)
    cluster = None
    try:
        front = _Front(port)
        if nginx:
            cluster, front = _nginx(Path(tempfile.mkdtemp()), port)
        client = _CaseClient(front, token)
        client.steps(10 * workers)  # every worker warm (definitions parsed, templates compiled)
        result: dict[str, object] = {"gunicorn_workers": workers, "attackers": ATTACKERS,
                                     "front": "nginx (deploy/nginx)" if nginx else "gunicorn"}
        for shape in shapes:
            # The machine is shared and its speed drifts: each load is compared with a quiet run just before.
            quiet = summarize(client.steps(CASE_STEPS))
            loaded = _under_attack(front, token, shape)
            loaded["quiet_before"] = quiet
            loaded["p95_ratio"] = round(loaded["case_step"]["p95_ms"] / quiet["p95_ms"], 2)  # type: ignore[index]
            result[shape] = loaded
        return result
    finally:
        if cluster is not None and cluster.nginx is not None:
            cluster.kill(cluster.nginx)
        proc.terminate()
        proc.wait(timeout=30)


def main(shapes: tuple[str, ...] = SHAPES, nginx: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(login_load_http(f"sqlite:///{Path(tmp) / 'bench.db'}", shapes, nginx=nginx), indent=2))
