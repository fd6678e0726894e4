"""``/healthz`` and ``/readyz`` (issue 20): what nginx, systemd and monitoring ask of each app server,
and ProxyFix trusting X-Forwarded-* only from the configured number of proxies."""
from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest
from alembic import command
from flask import request
from alur_testing import own_postgres_database
from sqlalchemy import select, text
from web_helpers import make_settings

from engine import build_worker, open_alur
from engine.persistence.models import AuditEvent
from engine.persistence.schema import alembic_config, head_revisions, upgrade
from web import create_app


def ready(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, response.get_json()


def failing(body: dict) -> dict[str, str]:
    return {name: check["reason"] for name, check in body["checks"].items() if not check["ok"]}


def test_healthz_answers_without_login_or_database(client, alur):
    alur.db.dispose()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_is_ready_once_a_worker_has_run(client, alur):
    status, body = ready(client)
    assert status == 503 and body["status"] == "not_ready"
    assert failing(body) == {"worker": "no_heartbeat"}

    build_worker(alur, environ={}).run_once()
    status, body = ready(client)
    assert status == 200, body
    assert body["status"] == "ready" and failing(body) == {}
    assert body["checks"]["schema"]["detail"]["current"] == sorted(head_revisions())
    assert body["checks"]["worker"]["detail"]["age_seconds"] == 0


def test_readyz_fails_when_the_worker_heartbeat_is_stale(client, alur, clock):
    worker = build_worker(alur, environ={})
    worker.run_once()
    stale_after = alur.settings.worker_heartbeat_stale_after
    clock.advance(seconds=stale_after.total_seconds() - 1)
    assert ready(client)[0] == 200

    clock.advance(seconds=2)
    status, body = ready(client)
    assert status == 503 and failing(body) == {"worker": "stale"}
    detail = body["checks"]["worker"]["detail"]
    assert detail["age_seconds"] == stale_after.total_seconds() + 1
    assert detail["stale_after_seconds"] == stale_after.total_seconds()

    worker.run_once()  # the worker comes back
    assert ready(client)[0] == 200


def test_readyz_fails_when_migrations_are_behind(client, alur):
    build_worker(alur, environ={}).run_once()
    url = alur.settings.database_url
    command.stamp(alembic_config(url), "0005_model_drafts", purge=True)  # as if a revision was not applied
    status, body = ready(client)
    assert status == 503 and failing(body) == {"schema": "behind"}
    assert body["checks"]["schema"]["detail"] == {"current": ["0005_model_drafts"], "head": sorted(head_revisions())}

    with alur.db.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))  # a database `alur init` never migrated
    assert failing(ready(client)[1]) == {"schema": "not_migrated"}

    command.stamp(alembic_config(url), "head", purge=True)
    assert ready(client)[0] == 200


def test_readyz_fails_when_the_documents_folder_takes_no_file(client, alur):
    build_worker(alur, environ={}).run_once()
    documents = alur.settings.attachments_dir
    shutil.rmtree(documents, ignore_errors=True)
    documents.parent.mkdir(parents=True, exist_ok=True)
    documents.write_text("a file where the folder should be (a mount gone wrong)")
    status, body = ready(client)
    assert status == 503 and failing(body) == {"documents": "not_writable"}
    assert str(documents) not in json.dumps(body)  # no paths to whoever asks

    documents.unlink()
    assert ready(client)[0] == 200  # created again, as an upload would
    assert not list((documents / "tmp").iterdir())  # the probe file is gone


def test_a_stale_threshold_not_above_twice_the_worker_sleep_is_refused(monkeypatch):
    from engine.config import heartbeat_stale_after_from_env

    monkeypatch.delenv("ALUR_WORKER_HEARTBEAT_STALE_SECONDS", raising=False)
    assert heartbeat_stale_after_from_env(30) == timedelta(minutes=2)
    assert heartbeat_stale_after_from_env(60) == timedelta(minutes=4)
    monkeypatch.setenv("ALUR_WORKER_HEARTBEAT_STALE_SECONDS", "300")
    assert heartbeat_stale_after_from_env(30) == timedelta(minutes=5)
    monkeypatch.setenv("ALUR_WORKER_HEARTBEAT_STALE_SECONDS", "60")
    with pytest.raises(ValueError, match="twice"):
        heartbeat_stale_after_from_env(30)


# -- ProxyFix ------------------------------------------------------------------------------------------

def last_failed_login_address(alur) -> str | None:
    with alur.sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.event_type == "login_failed")
                                .order_by(AuditEvent.id.desc())).first()
    return json.loads(event.payload_json)["remote_addr"]


def fail_login(client, **headers: str):
    return client.post("/masuk", data={"username": "tidak_ada", "password": "salah-sekali"}, headers=headers)


def test_without_trusted_proxies_forwarded_headers_are_ignored(client, alur):
    fail_login(client, **{"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert last_failed_login_address(alur) == "127.0.0.1"


def test_one_trusted_proxy_gives_the_address_nginx_saw_and_no_more(app_factory, alur):
    client = app_factory(TRUSTED_PROXIES=1).test_client()
    # nginx appends the address it saw; whatever the client wrote before it is not believed
    fail_login(client, **{"X-Forwarded-For": "198.51.100.66, 203.0.113.7"})
    assert last_failed_login_address(alur) == "203.0.113.7"



def test_one_trusted_proxy_gives_the_scheme_and_host_nginx_saw(app_factory):
    app = app_factory(TRUSTED_PROXIES=1)
    app.add_url_rule("/probe", "probe", lambda: f"{request.scheme} {request.host} {request.remote_addr}")
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
                 "X-Forwarded-Host": "alur.example.go.id"}
    assert app.test_client().get("/probe", headers=forwarded).text == "https alur.example.go.id 203.0.113.7"

    untrusting = app_factory()
    untrusting.add_url_rule("/probe", "probe", lambda: f"{request.scheme} {request.host} {request.remote_addr}")
    assert untrusting.test_client().get("/probe", headers=forwarded).text == "http localhost 127.0.0.1"


@pytest.mark.parametrize("value", ["-1", "eleven", 11, True, "1.5"])
def test_a_bad_trusted_proxies_setting_is_refused_at_start(app_factory, value):
    with pytest.raises(ValueError, match="ALUR_TRUSTED_PROXIES"):
        app_factory(TRUSTED_PROXIES=value)


def test_the_setting_comes_from_the_environment(monkeypatch, alur):
    monkeypatch.setenv("ALUR_TRUSTED_PROXIES", "1")
    monkeypatch.setenv("ALUR_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("ALUR_WTF_CSRF_ENABLED", "false")
    app = create_app(alur=alur)
    assert app.config["TRUSTED_PROXIES"] == 1
    app.test_client().post("/masuk", data={"username": "x", "password": "y"},
                           headers={"X-Forwarded-For": "203.0.113.9"})
    assert last_failed_login_address(alur) == "203.0.113.9"


# -- PostgreSQL: the database goes away and comes back ------------------------------------------------

@pytest.fixture
def readyz_database(postgres_url):
    """A migrated database of this test's own (it is closed to connections, which the shared one must not be)."""
    with own_postgres_database(postgres_url, "alur_readyz") as (admin, name, url):
        upgrade(url)
        yield admin, name, url


@pytest.mark.postgres
def test_readyz_fails_while_the_database_refuses_connections_and_recovers(readyz_database, tmp_path, clock):
    admin, name, url = readyz_database
    alur = open_alur(make_settings(tmp_path, url), clock=clock)
    try:
        client = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "ALUR": alur}).test_client()
        build_worker(alur, environ={}).run_once()
        assert ready(client)[0] == 200

        with admin.connect() as connection:  # the server stops taking this database: connections cut, none new
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                               {"name": name})
        status, body = ready(client)
        assert status == 503
        assert failing(body) == {"database": "unreachable", "schema": "database_unreachable",
                                 "worker": "database_unreachable"}
        assert body["checks"]["documents"]["ok"]
        assert client.get("/healthz").status_code == 200  # the process itself is fine

        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        assert ready(client)[0] == 200  # no restart needed
    finally:
        alur.close()
