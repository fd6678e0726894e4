"""``/metrics`` for Prometheus: requests by route and status, request latency, step completions
(counted in each process; with gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before
start, and the scrape adds up every worker's files), and the state of the work read from the
database at scrape time (``engine.operations.monitoring``).

Protected: with ``ALUR_METRICS_TOKEN`` set, a scrape must send ``Authorization: Bearer <token>``;
without it only loopback clients are answered (nginx passes the client's address through ProxyFix,
so a scrape from outside through nginx is refused).
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time
from typing import Any, Iterator

from flask import Blueprint, Flask, Response, abort, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from engine import Alur
from web.current import current_alur
from web.request_log import route

bp = Blueprint("metrics", __name__)
_OWN = CollectorRegistry()  # this process's counters (in multiprocess mode their values live in files)
REQUESTS = Counter("alur_http_requests", "HTTP requests answered, by route pattern, method and status",
                   ["route", "method", "status"], registry=_OWN)
LATENCY = Histogram("alur_http_request_duration_seconds", "Time to answer a request, by route pattern",
                    ["route", "method"], registry=_OWN,
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
STEPS = Counter("alur_step_completions", "Steps (user tasks) completed, by SOP", ["process"], registry=_OWN)


# The children ``labels`` would find each time (after checking and converting the values, under the
# metric's lock), as many as it keeps: (route, method, status) -> its counter and histogram; SOP -> steps
_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}
_STEP_CHILDREN: dict[str, Any] = {}


def register(app: Flask, alur: Alur) -> None:
    app.register_blueprint(bp)
    app.after_request(_count)
    if count_step not in alur.runner.completion_listeners:
        alur.runner.completion_listeners.append(count_step)


def count_step(process_key: str) -> None:
    child = _STEP_CHILDREN.get(process_key)
    if child is None:
        child = _STEP_CHILDREN.setdefault(process_key, STEPS.labels(process=process_key))
    child.inc()


def _count(response: Any) -> Any:
    if request.endpoint != "metrics.scrape":
        key = (route(), request.method, response.status_code)
        children = _CHILDREN.get(key)
        if children is None:
            children = _CHILDREN.setdefault(key, (REQUESTS.labels(key[0], key[1], str(key[2])),
                                                  LATENCY.labels(key[0], key[1])))
        children[0].inc()
        started = getattr(g, "request_started", None)  # set by web.request_log
        if isinstance(started, float):
            children[1].observe(time.monotonic() - started)
    return response


@bp.get("/metrics")
def scrape() -> Response:
    _require_scraper()
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Own())
    registry.register(_WorkCollector(current_alur()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def _require_scraper() -> None:
    from flask import current_app

    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            abort(Response("metrics: bearer token required\n", 401, {"WWW-Authenticate": "Bearer"},
                           mimetype="text/plain"))
        return
    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        abort(Response("metrics: loopback only (set ALUR_METRICS_TOKEN to scrape from elsewhere)\n", 403,
                       mimetype="text/plain"))


class _Own(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from _OWN.collect()


class _WorkCollector(Collector):
    """The gauges read from the database at scrape time."""

    def __init__(self, alur: Alur) -> None:
        self._alur = alur

    def collect(self) -> Iterator[Metric]:
        state = self._alur.monitoring.work_state()
        open_tasks = GaugeMetricFamily("alur_open_tasks", "Open tasks (ready or claimed), by SOP", labels=["process"])
        overdue = GaugeMetricFamily("alur_overdue_tasks", "Open tasks past their due time, by SOP", labels=["process"])
        for key, counts in sorted(state.tasks.items()):
            open_tasks.add_metric([key], counts.open)
            overdue.add_metric([key], counts.overdue)
        yield open_tasks
        yield overdue
        yield GaugeMetricFamily("alur_worker_lag_seconds", "How long the oldest due timer or routine start has "
                                "waited for the worker (0: nothing due)", value=state.worker_lag_seconds)
        yield GaugeMetricFamily("alur_email_outbox", "E-mails owed (the outbox backlog)", value=state.outbox)
        verified = GaugeMetricFamily("alur_audit_verification_ok", "1 if the last whole-log audit verification "
                                     "passed, 0 if it failed (absent: never run)")
        if state.verified_ok is not None and state.verified_at is not None:
            verified.add_metric([], 1 if state.verified_ok else 0, timestamp=None)
            yield verified
            yield GaugeMetricFamily("alur_audit_verification_timestamp_seconds", "When the last whole-log audit "
                                    "verification ran (Unix time)", value=state.verified_at.timestamp())
        else:
            yield verified
        if state.checkpoint_at is not None:
            yield GaugeMetricFamily("alur_checkpoint_age_seconds", "Age of the newest signed audit checkpoint",
                                    value=max(0.0, (state.at - state.checkpoint_at).total_seconds()))
