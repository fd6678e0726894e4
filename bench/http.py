"""The HTTP path against gunicorn (two workers) on loopback: inbox page throughput with wrk, and the
median latency of completing a task through the JSON API."""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench.common import DATA, PASSWORD, ROOT, open_bench_alur, summarize
from engine.persistence.schema import upgrade
from engine.accounts.tokens import TokenService


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def _wait_until_up(port: int, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _login_cookie(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
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
    return response.getheader("Set-Cookie", "").split(";")[0]


def _wrk(port: int, path: str, cookie: str, seconds: int = 10) -> dict[str, float]:
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "-H", f"Cookie: {cookie}",
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"requests_per_s": rps, "non_2xx": int(non_2xx.group(1)) if non_2xx else 0}


def _api_completion_latency(port: int, token: str, completions: int = 200) -> dict[str, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
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


def http_path(url: str) -> dict:
    """Start gunicorn with two workers over ``url`` and measure; skipped without wrk or gunicorn."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if shutil.which("wrk") is None or not gunicorn.exists():
        return {"skipped": "wrk or gunicorn not installed (apt-get install wrk)"}
    token = _prepare(url)
    port = _free_port()
    instance = tempfile.mkdtemp()
    env = {**os.environ, "ALUR_DATABASE_URL": url, "ALUR_PROCESSES_DIR": str(DATA),
           "ALUR_FORMS_DIR": str(DATA / "forms"), "ALUR_INSTANCE_DIR": instance, "ALUR_SECRET_KEY": "bench-secret"}
    proc = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                             "web.wsgi:app"], cwd=ROOT, env=env)
    try:
        _wait_until_up(port, proc)
        cookie = _login_cookie(port)
        # Warm both workers first (templates compiled, parsed definitions cached): one-time start-up
        # work is not what the steady request rate measures.
        _wrk(port, "/kotak-masuk", cookie, seconds=2)
        return {"inbox_page": _wrk(port, "/kotak-masuk", cookie),
                "api_completion": _api_completion_latency(port, token)}
    finally:
        proc.terminate()
        proc.wait(timeout=20)
