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

The single client of those rows is ``bench.wire``'s, a minimal HTTP/1.1 client as wrk is: ``http.client``
parsed each response's headers with ``email.parser``, 0.17 ms of the client's CPU a request that the rows
counted as the server's.

The floor (``bench.floor_app``): a bare Flask app on the same gunicorn, a JSON POST and a page of the inbox
page's size, timed in the same rounds. Each row's excess less its floor is Alur's own layers (sign-in,
JSON and forms, templates, the request log); the floor is what the socket, gunicorn and Flask cost on this
machine, which no change to Alur removes. The verdicts stay on the whole excess, as issue 21 sets them.

The engine's figures and the HTTP ones are timed in alternating blocks (``ROUNDS`` rounds of ``PER_ROUND``
samples of each), not one after the other: this VM's speed drifts within minutes, and a reference timed
before gunicorn started moved a row by a millisecond either way. Each row's verdict is the median over the
rounds of that round's HTTP median against its own engine median (as the whole-case rows pair each case
with the bare completions timed right after it, bench/sops.py): a pause in one block moves one round.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.common import (DATA, PASSWORD, ROOT, deployed_gunicorn_options, free_port, open_bench_alur, summarize,
                          wait_until_listening)
from bench.floor_app import PAGE_BYTES_VARIABLE
from bench.wire import Wire
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


ROUNDS = 20
PER_ROUND = 20


class _Timed:
    """One kind of sample, taken ``PER_ROUND`` at a time; each block's samples kept apart."""

    def __init__(self, take: Callable[[], None]) -> None:
        self._take = take
        self.blocks: list[list[float]] = []

    def block(self, n: int, keep: bool = True) -> None:
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            self._take()
            samples.append((time.perf_counter() - start) * 1000)
        if keep:
            self.blocks.append(samples)

    def summary(self) -> dict[str, float]:
        return summarize([sample for block in self.blocks for sample in block])

    def medians(self) -> list[float]:
        return [statistics.median(block) for block in self.blocks]


def _alternate(kinds: Sequence[_Timed], rounds: int = ROUNDS, per_round: int = PER_ROUND) -> None:
    """A block of each kind in turn, ``rounds`` times, after one block of each not kept (warming up)."""
    for kind in kinds:
        kind.block(per_round, keep=False)
    for _ in range(rounds):
        for kind in kinds:
            kind.block(per_round)


def _page(port: int, path: str, cookie: str | None) -> Callable[[], None]:
    conn = Wire(port)
    headers = {"Cookie": cookie} if cookie else {}

    def get() -> None:
        status, _fields, _body = conn.request("GET", path, headers)
        if status != 200:
            raise RuntimeError(f"{path}: {status}")
    return get


def _engine_completions(first: Any, second: Any, business_key: str) -> Callable[[], None]:
    """Steps of one case, taken alternately by ``first`` and ``second`` (the same engine: every step finds
    the workflow kept; two: none does)."""
    task_id = first.runner.start_case("uji_loop", "kerja", business_key).ready_task_ids[0]
    done = 0

    def step() -> None:
        nonlocal task_id, done
        engine = second if done % 2 else first
        task_id = engine.runner.complete_task(task_id, "kerja", _step_data(done)).ready_task_ids[0]
        done += 1
    return step


def _step_data(n: int) -> dict[str, Any]:
    return {"uraian": "bench"} if n % 2 == 0 else {"disetujui": False}


def _api_completions(port: int, token: str) -> Callable[[], None]:
    conn = Wire(port)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(path: str, body: dict) -> dict:
        status, _fields, raw = conn.request("POST", path, headers, json.dumps(body).encode())
        payload = json.loads(raw or b"{}")
        if status >= 300:
            raise RuntimeError(f"{path}: {status} {payload}")
        return payload

    task_id = post("/api/v1/cases", {"process_key": "uji_loop"})["ready_task_ids"][0]
    done = 0

    def step() -> None:
        nonlocal task_id, done
        task_id = post(f"/api/v1/tasks/{task_id}/complete", {"data": _step_data(done)})["ready_task_ids"][0]
        done += 1
    return step


def _floor_posts(port: int) -> Callable[[], None]:
    """The floor's JSON POST, with the body the API's completion sends."""
    conn = Wire(port)
    headers = {"Content-Type": "application/json"}
    done = 0

    def post() -> None:
        nonlocal done
        status, _fields, raw = conn.request("POST", "/json", headers, json.dumps({"data": _step_data(done)}).encode())
        if status != 200 or not json.loads(raw).get("completed"):
            raise RuntimeError(f"floor /json: {status}")
        done += 1
    return post


def paired_excess(http_medians: Sequence[float], engine_medians: Sequence[float], factor: float,
                  floor_medians: Sequence[float] | None = None) -> float:
    """The median over rounds of each round's HTTP median less ``factor`` times its engine median: the
    API row holds it against 1 ms (factor 1.5), the inbox row against 2 ms (factor 1). With
    ``floor_medians``, each round's floor is taken off too: the excess that is Alur's own."""
    floors = floor_medians if floor_medians is not None else [0.0] * len(http_medians)
    return statistics.median(h - factor * e - f
                             for h, e, f in zip(http_medians, engine_medians, floors, strict=True))


def _measure(url: str, port: int, token: str, cookie: str, floor_port: int) -> dict[str, Any]:
    """The engine's completion and inbox query in this process, alternating with the API's completion and
    the inbox page through gunicorn, and the floor's POST and page; and, on their own, the engine's
    completion alternating between two engines (two processes' worth of kept workflows)."""
    alur, other = open_bench_alur(url), open_bench_alur(url)
    try:
        engine = _Timed(_engine_completions(alur, alur, "BENCH/engine"))
        api = _Timed(_api_completions(port, token))
        query = _Timed(lambda: alur.queries.inbox_overview("kerja"))
        page = _Timed(_page(port, "/kotak-masuk", cookie))
        floor_post, floor_page = _Timed(_floor_posts(floor_port)), _Timed(_page(floor_port, "/page", None))
        _alternate((engine, api, floor_post, query, page, floor_page))
        elsewhere = _Timed(_engine_completions(alur, other, "BENCH/engine-2"))
        _alternate((elsewhere,), rounds=5)
        return {"engine": {"completion": engine.summary(), "completion_other_process": elsewhere.summary(),
                           "inbox": query.summary()},
                "api_completion": api.summary(), "inbox_page_latency": page.summary(),
                "api_excess_ms": paired_excess(api.medians(), engine.medians(), 1.5),
                "page_excess_ms": paired_excess(page.medians(), query.medians(), 1.0),
                "floor": {"json_post": floor_post.summary(), "page": floor_page.summary()},
                "api_excess_over_floor_ms": paired_excess(api.medians(), engine.medians(), 1.5,
                                                          floor_post.medians()),
                "page_excess_over_floor_ms": paired_excess(page.medians(), query.medians(), 1.0,
                                                           floor_page.medians()),
                "rounds": ROUNDS, "per_round": PER_ROUND}
    finally:
        alur.close()
        other.close()


def _gunicorn(url: str, workers: int) -> tuple[subprocess.Popen, int]:
    instance = tempfile.mkdtemp()
    return _serve("web.wsgi:app", workers, instance, {
        "ALUR_DATABASE_URL": url, "ALUR_PROCESSES_DIR": str(DATA), "ALUR_FORMS_DIR": str(DATA / "forms"),
        "ALUR_INSTANCE_DIR": instance, "ALUR_SECRET_KEY": "bench-secret"})


def _floor(workers: int, page_bytes: int) -> tuple[subprocess.Popen, int]:
    """bench.floor_app on gunicorn as Alur is served, its page ``page_bytes`` long."""
    return _serve("bench.floor_app:app", workers, tempfile.mkdtemp(), {PAGE_BYTES_VARIABLE: str(page_bytes)})


def _serve(target: str, workers: int, instance: str, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """gunicorn serving ``target`` with the deployed options, on a free port; its log in ``instance``."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    port = free_port()
    # Its request log to a file, as the unit's goes to the journal: to the bench's terminal it was some 30,000
    # lines a run, and a terminal slower than the server would have held up the workers' writes.
    log = Path(instance) / "gunicorn.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen([str(gunicorn), "-w", str(workers), *deployed_gunicorn_options(), "-b",
                                 f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "300", target],
                                cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_listening(port, proc)
    except BaseException:
        _stop(proc)
        sys.stderr.write(log.read_text(errors="replace")[-4000:])  # why it did not start
        raise
    return proc, port


def _page_bytes(port: int, cookie: str) -> int:
    """The inbox page's length, which the floor's page takes."""
    conn = Wire(port)
    try:
        status, _fields, body = conn.request("GET", "/kotak-masuk", {"Cookie": cookie})
    finally:
        conn.close()
    if status != 200:
        raise RuntimeError(f"/kotak-masuk: {status}")
    return len(body)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=20)


def http_path(url: str, worker_counts: tuple[int, ...] = (1, 2, 4)) -> dict:
    """The ratios above; skipped without wrk or gunicorn. ``worker_counts``: the throughput rows."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if shutil.which("wrk") is None or not gunicorn.exists():
        return {"skipped": "wrk or gunicorn not installed (apt-get install wrk)"}
    token = _prepare(url)
    result: dict = {"throughput": {}, "gunicorn": " ".join(deployed_gunicorn_options())}
    proc, port = _gunicorn(url, 2)
    try:
        cookie = _login_cookie(port)
        # Warm both workers first (templates compiled, parsed definitions cached): one-time start-up
        # work is not what the steady request rate measures.
        _wrk(port, "/kotak-masuk", cookie, seconds=2)
        floor, floor_port = _floor(2, _page_bytes(port, cookie))
        try:
            result.update(_measure(url, port, token, cookie, floor_port))
        finally:
            _stop(floor)
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
