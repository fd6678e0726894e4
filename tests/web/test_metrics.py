"""``/metrics`` (Prometheus text) and the JSON request log: counters move after a completion, the
scrape-time gauges read the database, an unauthorised scrape is refused, every request is one line."""
from __future__ import annotations

import re
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from web_helpers import gjr_01_form, login, open_task, start_network_case

from engine.audit.verify import AuditVerifier

LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}
ROUTE = "/tugas/<task_id>"


def scrape(client: Any, **kwargs: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", environ_base=LOOPBACK, **kwargs)
    assert response.status_code == 200, response.text
    assert response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def complete_letter(alur: Any, client: Any) -> int:
    case = start_network_case(alur)
    task = open_task(alur, case)
    login(client, "pengguna_jaringan")
    response = client.post(f"/tugas/{task.task_id}", data=gjr_01_form(), content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    return case


def test_counters_move_after_a_completion(alur: Any, client: Any, clock: Any) -> None:
    before = scrape(client)
    complete_letter(alur, client)
    after = scrape(client)

    steps, sop = "alur_step_completions_total", {"process": "sop_gangguan_jaringan"}
    assert value(after, steps, **sop) == value(before, steps, **sop) + 1
    posted = dict(route=ROUTE, method="POST", status="302")
    assert value(after, "alur_http_requests_total", **posted) == value(before, "alur_http_requests_total", **posted) + 1
    count = "alur_http_request_duration_seconds_count"
    assert value(after, count, route=ROUTE, method="POST") == value(before, count, route=ROUTE, method="POST") + 1
    # the scrape-time gauges: the next step is open (not yet overdue), no timer waits, nothing verified yet
    assert value(after, "alur_open_tasks", process="sop_gangguan_jaringan") == 1
    assert value(after, "alur_overdue_tasks", process="sop_gangguan_jaringan") == 0
    assert value(after, "alur_worker_lag_seconds") == 0
    assert ("alur_audit_verification_ok", ()) not in after
    assert ("alur_open_tasks", (("process", "sop_backup_restore_db"),)) in after  # every SOP, 0 when none is open
    assert value(after, "alur_open_tasks", process="sop_backup_restore_db") == 0


def test_gauges_follow_the_clock_and_the_last_verification(alur: Any, client: Any, clock: Any) -> None:
    complete_letter(alur, client)
    clock.advance(days=30)  # far past every step's working-time target
    report = AuditVerifier(alur.sessions, alur.settings.attachments_dir).verify()
    alur.audit_verifier.record_run(report, "auditor", clock())
    samples = scrape(client)
    assert value(samples, "alur_overdue_tasks", process="sop_gangguan_jaringan") == 1
    assert value(samples, "alur_audit_verification_ok") == (1 if report.ok else 0)
    assert value(samples, "alur_audit_verification_timestamp_seconds") == clock().timestamp()


@pytest.mark.parametrize("remote", ["10.0.0.7", "192.168.1.20"])
def test_a_scrape_from_elsewhere_is_refused_without_a_token(client: Any, remote: str) -> None:
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": remote})
    assert response.status_code == 403 and "alur_" not in response.text


def test_with_a_token_only_the_bearer_may_scrape(app_factory: Any) -> None:
    client = app_factory(METRICS_TOKEN="s3cret-token").test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-token"}):
        refused = client.get("/metrics", headers=headers, environ_base=LOOPBACK)  # loopback is not enough
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
    allowed = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"},
                         environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert allowed.status_code == 200 and "alur_open_tasks" in allowed.text


def test_one_json_line_per_request_with_the_request_id(alur: Any, client: Any, request_lines: list[Any]) -> None:
    case = start_network_case(alur)
    task = open_task(alur, case)
    login(client, "pengguna_jaringan")
    request_lines.clear()
    given = client.get(f"/tugas/{task.task_id}", headers={"X-Request-Id": "nginx-4f2a9c"})
    made = client.get("/tidak-ada")

    assert given.headers["X-Request-Id"] == "nginx-4f2a9c"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-Id"])
    first, second = request_lines
    assert {k: first[k] for k in ("kind", "method", "route", "status", "user", "request_id")} == {
        "kind": "request", "method": "GET", "route": ROUTE, "status": 200, "user": "pengguna_jaringan",
        "request_id": "nginx-4f2a9c"}
    assert first["path"] == f"/tugas/{task.task_id}" and first["duration_ms"] >= 0
    assert second["status"] == 404 and second["route"] == "(no route)"
    assert second["request_id"] == made.headers["X-Request-Id"]


def test_a_request_id_that_is_not_sane_is_replaced(client: Any, request_lines: list[Any]) -> None:
    response = client.get("/masuk", headers={"X-Request-Id": "x\" injected=1 " + "a" * 300})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
    assert request_lines[-1]["request_id"] == response.headers["X-Request-Id"] and request_lines[-1]["user"] is None


def test_each_route_method_and_status_counts_apart(alur: Any, client: Any) -> None:
    good = {"Authorization": "Bearer " + alur.tokens.issue("pengguna_jaringan", "uji", "uji").token}
    before = scrape(client)
    answers = [client.get("/api/v1/me", headers=good).status_code for _ in range(2)]
    answers += [client.get("/api/v1/me", headers={"Authorization": "Bearer alur_salah"}).status_code]
    answers += [client.post("/api/v1/me", headers=good).status_code]
    after = scrape(client)
    assert answers == [200, 200, 401, 405]
    total = "alur_http_requests_total"
    me, unrouted = "/api/v1/me", "(no route)"  # a method the route does not take matches no route
    for route, method, status, times in ((me, "GET", "200", 2), (me, "GET", "401", 1), (unrouted, "POST", "405", 1)):
        labels = dict(route=route, method=method, status=status)
        assert value(after, total, **labels) == value(before, total, **labels) + times, labels
    count = "alur_http_request_duration_seconds_count"
    for route, method, times in ((me, "GET", 3), (unrouted, "POST", 1)):
        labels = dict(route=route, method=method)
        assert value(after, count, **labels) == value(before, count, **labels) + times, labels
