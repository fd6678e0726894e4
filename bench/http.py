"""The HTTP path against gunicorn on loopback, as ratios to the engine measured in the same run:

- the JSON API's task completion (one client, sequential) against the engine's own completion on the
  same database: target at most 1.5x the engine's + 1 ms;
- the inbox page (one client, sequential) against the engine's inbox query: target at most the
  query + 2 ms of rendering;
- the inbox page's throughput with wrk (2 threads, 16 connections) with 1, 2 and 4 gunicorn workers
  (on PostgreSQL; SQLite has one writer but reads scale too), to show how it scales with the CPUs.

gunicorn runs as deployed: the worker class, threads and keep-alive of deploy/systemd/alur-web@.service
(``bench.common.deployed_gunicorn_options``: gthread workers that keep connections open). The client
keeps its one connection open, as nginx keeps its upstream connections, so its requests stay on one
gunicorn process and each completion finds the case's workflow that process kept after the step
before (engine/runtime/live_workflows.py). A step that lands on another process loads the workflow
from the case's row instead: ``engine.completion_other_process`` is that cost, the engine's completion
alternating between two engines on the same database (each step on the other one).
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from bench.common import (DATA, PASSWORD, ROOT, deployed_gunicorn_options, free_port, open_bench_alur, summarize,
                          wait_until_listening)
from engine.persistence.schema import upgrade
from engine.accounts.tokens import TokenService


def _prepare(url: str) -> str:
    """Schema, the bench model, a user with open tasks; returns an API token for that user."""
    upgrade(url)
    alur = open_bench_alur(url)
    try:
        alur.users.add_user("kerja", "Kerja", PASSWORD, {"pengelola_ti", "pengawas"})
        alur.deployer.deploy_file(DATA / "uji_loop.bpmn", "bench")
        for n in range(60):  # a realistic inbox: some claimed, some waiting for the role
            result = alur.runner.start_case("uji_loop", "kerja", f"BENCH/{n}")
            if n % 2:
                alur.runner.unclaim_task(result.ready_task_ids[0], "kerja")
        return TokenService(alur.sessions, alur.users).issue("kerja", "bench", "bench").token
    finally:
        alur.close()


def _login_cookie(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)  # a worker's first request, on a busy machine
    conn.request("GET", "/masuk")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "username": "kerja", "password": PASSWORD})
    conn.request("POST", "/masuk", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    if response.status not in (302, 303):
        raise RuntimeError(f"login failed with {response.status}")
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    # The first page after signing in puts the session's CSRF token in the cookie. A browser keeps that
    # cookie; a client sending the login's on every request would have each page make a new token
    # and sign the cookie again, about 0.15 ms a page no user pays.
    conn.request("GET", "/kotak-masuk", headers={"Cookie": cookie})
    response = conn.getresponse()
    response.read()
    return (response.getheader("Set-Cookie") or cookie).split(";")[0]


def _wrk(port: int, path: str, cookie: str, seconds: int = 10) -> dict[str, float]:
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "-H", f"Cookie: {cookie}",
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"requests_per_s": rps, "non_2xx": int(non_2xx.group(1)) if non_2xx else 0}


def _page_latency(port: int, path: str, cookie: str, requests: int = 200) -> dict[str, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        response.read()
        samples.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")
    return summarize(samples[20:])


def _engine_latency(url: str, completions: int = 200) -> dict[str, dict[str, float]]:
    """The engine's own completion and inbox query, on the same database, in this process; and the
    completion alternating between two engines (two processes' worth of kept workflows)."""
    alur, other = open_bench_alur(url), open_bench_alur(url)
    try:
        samples = _completions(alur, alur, "BENCH/engine", completions)
        elsewhere = _completions(alur, other, "BENCH/engine-2", completions)
        inbox = []
        for _ in range(completions):
            start = time.perf_counter()
            alur.queries.inbox_overview("kerja")
            inbox.append((time.perf_counter() - start) * 1000)
        return {"completion": summarize(samples[10:]), "completion_other_process": summarize(elsewhere[10:]),
                "inbox": summarize(inbox[20:])}
    finally:
        alur.close()
        other.close()


def _completions(first: Any, second: Any, business_key: str, completions: int) -> list[float]:
    """Milliseconds per step of one case, the steps taken alternately by ``first`` and ``second`` (the
    same engine: every step finds the workflow kept; two: none does)."""
    task_id = first.runner.start_case("uji_loop", "kerja", business_key).ready_task_ids[0]
    samples = []
    for n in range(completions):
        data = {"uraian": "bench"} if n % 2 == 0 else {"disetujui": False}
        engine = second if n % 2 else first
        start = time.perf_counter()
        task_id = engine.runner.complete_task(task_id, "kerja", data).ready_task_ids[0]
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _api_completion_latency(port: int, token: str, completions: int = 200) -> dict[str, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(path: str, body: dict) -> dict:
        conn.request("POST", path, json.dumps(body), headers)
        response = conn.getresponse()
        payload = json.loads(response.read() or b"{}")
        if response.status >= 300:
            raise RuntimeError(f"{path}: {response.status} {payload}")
        return payload

    task_id = post("/api/v1/cases", {"process_key": "uji_loop"})["ready_task_ids"][0]
    samples = []
    for n in range(completions):
        data = {"uraian": "bench"} if n % 2 == 0 else {"disetujui": False}
        start = time.perf_counter()
        task_id = post(f"/api/v1/tasks/{task_id}/complete", {"data": data})["ready_task_ids"][0]
        samples.append((time.perf_counter() - start) * 1000)
    return summarize(samples[10:])


def _gunicorn(url: str, workers: int) -> tuple[subprocess.Popen, int]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    port = free_port()
    instance = tempfile.mkdtemp()
    env = {**os.environ, "ALUR_DATABASE_URL": url, "ALUR_PROCESSES_DIR": str(DATA),
           "ALUR_FORMS_DIR": str(DATA / "forms"), "ALUR_INSTANCE_DIR": instance, "ALUR_SECRET_KEY": "bench-secret"}
    proc = subprocess.Popen([str(gunicorn), "-w", str(workers), *deployed_gunicorn_options(), "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", "--timeout", "300", "web.wsgi:app"], cwd=ROOT, env=env)
    try:
        wait_until_listening(port, proc)
    except BaseException:
        _stop(proc)
        raise
    return proc, port


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=20)


def http_path(url: str, worker_counts: tuple[int, ...] = (1, 2, 4)) -> dict:
    """The ratios above; skipped without wrk or gunicorn. ``worker_counts``: the throughput rows."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if shutil.which("wrk") is None or not gunicorn.exists():
        return {"skipped": "wrk or gunicorn not installed (apt-get install wrk)"}
    token = _prepare(url)
    result: dict = {"engine": _engine_latency(url), "throughput": {}, "gunicorn": " ".join(deployed_gunicorn_options())}
    proc, port = _gunicorn(url, 2)
    try:
        cookie = _login_cookie(port)
        # Warm both workers first (templates compiled, parsed definitions cached): one-time start-up
        # work is not what the steady request rate measures.
        _wrk(port, "/kotak-masuk", cookie, seconds=2)
        result["inbox_page_latency"] = _page_latency(port, "/kotak-masuk", cookie)
        result["api_completion"] = _api_completion_latency(port, token)
    finally:
        _stop(proc)
    for workers in worker_counts:
        proc, port = _gunicorn(url, workers)
        try:
            cookie = _login_cookie(port)
            _wrk(port, "/kotak-masuk", cookie, seconds=2)
            result["throughput"][str(workers)] = _wrk(port, "/kotak-masuk", cookie)
        finally:
            _stop(proc)
    return result
