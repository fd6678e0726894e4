"""``/metrics`` in gunicorn's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``): a scrape, answered by
one worker, counts the requests every worker served, those of workers since replaced included."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from engine.persistence.schema import upgrade

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "engine" / "data"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str) -> tuple[int, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        return response.status, response.read().decode()


def test_a_scrape_adds_up_every_gunicorn_worker(tmp_path: Path) -> None:
    instance, files = tmp_path / "instance", tmp_path / "prometheus"
    instance.mkdir()
    files.mkdir()
    upgrade(f"sqlite:///{instance / 'alur.db'}")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALUR_", "PROMETHEUS_"))}
    env.update(ALUR_INSTANCE_DIR=str(instance), ALUR_PROCESSES_DIR=str(DATA), ALUR_FORMS_DIR=str(DATA / "forms"),
               PROMETHEUS_MULTIPROC_DIR=str(files), ALUR_SECRET_KEY="test-secret")
    # --max-requests: each worker is replaced after 4 requests, so several processes serve the 12 below
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "--preload",
                               "--max-requests", "4", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "web.wsgi:app"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        for _ in range(12):
            assert get(port, "/masuk")[0] == 200
        status, text = get(port, "/metrics")
    finally:
        server.terminate()
        server.wait(timeout=60)

    assert status == 200
    served = {tuple(sorted(s.labels.items())): s.value for f in text_string_to_metric_families(text)
              for s in f.samples if s.name == "alur_http_requests_total"}
    assert served[(("method", "GET"), ("route", "/masuk"), ("status", "200"))] == 12
    assert len(list(files.glob("counter_*.db"))) >= 3  # 12 requests, 4 per worker: at least three processes
