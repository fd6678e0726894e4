"""The faults, each with how long the deployment took to recover from it."""
from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import create_engine, text

from bench.soak.client import Ledger
from bench.soak.cluster import Cluster

APP_RESTART_SEC = 2  # alur-web@.service: RestartSec=2
WORKER_RESTART_SEC = 5  # alur-worker@.service: RestartSec=5


@dataclass
class Fault:
    name: str
    at: float  # seconds since the soak began
    recovered_after: float  # seconds until the part was back and ready
    detail: str


def _heartbeats_after(db_url: str, since: datetime, worker_ids: tuple[str, ...] | None = None) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT worker_id FROM worker_heartbeat WHERE beat_at > :since"),
                                      {"since": since.replace(tzinfo=None)}).scalars().all()
    finally:
        engine.dispose()
    return sum(1 for row in rows if worker_ids is None or row in worker_ids)


def _wait(condition, seconds: float = 120) -> float:  # noqa: ANN001 - a callable returning bool
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if condition():
                return time.monotonic() - start
        except Exception:  # noqa: BLE001 - the database may be away for a moment; ask again
            pass
        time.sleep(0.2)
    raise RuntimeError("not recovered in time")


def kill_app_server(cluster: Cluster, ledger: Ledger) -> Fault:
    """SIGKILL one gunicorn app server (master and workers), start it again as systemd would."""
    port = cluster.app_ports[0]
    at = ledger.now()
    start = time.monotonic()
    cluster.kill(cluster.apps[port])
    time.sleep(APP_RESTART_SEC)
    cluster.start_app(port)
    cluster.wait_ready(f"http://127.0.0.1:{port}/readyz", 120)
    return Fault("app server killed (SIGKILL) and restarted", at, time.monotonic() - start,
                 f"port {port}; restarted after {APP_RESTART_SEC} s; recovered = its /readyz answering 200")


def kill_worker(cluster: Cluster, ledger: Ledger) -> Fault:
    """SIGKILL one worker, start it again as systemd would; recovered when the new process beats."""
    at = ledger.now()
    start = time.monotonic()
    cluster.kill(cluster.workers[1])
    time.sleep(WORKER_RESTART_SEC)
    cluster.start_worker(1)
    pid = cluster.workers[1].pid
    since = datetime.now(timezone.utc)
    _wait(lambda: _heartbeats_after(cluster.db_url, since, (f"{socket.gethostname()}:{pid}",)) > 0)
    return Fault("worker killed (SIGKILL) and restarted", at, time.monotonic() - start,
                 f"restarted after {WORKER_RESTART_SEC} s; recovered = the new worker's first heartbeat")


def terminate_backends(cluster: Cluster, ledger: Ledger) -> Fault:
    """``pg_terminate_backend`` on every connection; recovered when /readyz through nginx is 200 and both
    workers have run again."""
    at = ledger.now()
    start = time.monotonic()
    since = datetime.now(timezone.utc)
    killed = cluster.terminate_database_connections()
    _wait(lambda: _heartbeats_after(cluster.db_url, since) >= 2)
    cluster.wait_ready(f"{cluster.base_url}/readyz", 120)
    return Fault("every PostgreSQL connection terminated (pg_terminate_backend)", at, time.monotonic() - start,
                 f"{killed} connections; recovered = both workers ran again and /readyz through nginx is 200")
