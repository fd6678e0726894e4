"""``alur run`` (web.serve) and the WSGI entry point for gunicorn."""
from __future__ import annotations

import gc
import importlib
import os
import socket
import struct
import subprocess
import sys
import threading
import time

from pathlib import Path

from flask import Flask

from engine.persistence.models import ProcessDefinition
from web import serve as serve_module
from web.demo import demo_accounts, ensure_demo_users

ROOT = Path(__file__).resolve().parents[2]


def test_demo_accounts_cover_every_role_a_person_holds(alur):
    accounts = {username: password for username, _name, password in demo_accounts(alur.roles)}
    base_roles = {key for key, role in alur.roles.roles.items() if not role.is_group}
    assert set(accounts) == base_roles
    with alur.sessions() as session:
        keys = {row.process_key for row in session.query(ProcessDefinition)}
        lane_roles = {role for key in keys for _id, _name, role in alur.definitions.latest(session, key)[1].lanes}
    assert lane_roles <= alur.roles.expand(set(accounts))  # every lane has a person (groups via members)
    assert {"admin_sistem", "auditor", "pemilik_proses", "pengguna_jaringan", "kasubag_tu"} <= set(accounts)
    assert accounts["pengelola_ti"] == "demo-pengelola_ti"
    user = alur.users.authenticate("pengelola_ti", "demo-pengelola_ti")
    assert user is not None and user.roles == {"pengelola_ti"} and user.full_name == "Pengelola TI (demo)"


def test_prepare_is_idempotent(alur, capsys):
    serve_module.prepare(alur)  # the template database was prepared the same way
    assert ensure_demo_users(alur) == []
    with alur.sessions() as session:
        assert session.query(ProcessDefinition).count() == 6
    assert "deployed" not in capsys.readouterr().out


def test_serve_prepares_starts_the_worker_and_serves(alur, monkeypatch):
    calls = []

    class FakeWorker:
        def stop(self) -> None:
            calls.append("worker stopped")

    class FakeServer:
        def __init__(self, host: str, port: int, app, threaded: bool, request_handler) -> None:
            calls.append((host, port, app.app.name, threaded))
            assert request_handler.version_string(None) == "Alur"  # the handler that hides the software

        def serve_forever(self) -> None:
            raise KeyboardInterrupt  # Ctrl+C

        def server_close(self) -> None:
            calls.append("closed")

    monkeypatch.setattr(serve_module, "start_embedded_worker", lambda a: calls.append("worker") or FakeWorker())
    monkeypatch.setattr(serve_module, "make_server", FakeServer)
    monkeypatch.setattr(serve_module, "freeze_startup_objects", lambda: calls.append("frozen"))
    assert serve_module.serve(alur, "127.0.0.1", 5077) == 0
    assert calls == [("127.0.0.1", 5077, "web", True), "worker", "frozen", "closed", "worker stopped"]


def test_a_client_resetting_the_connection_leaves_no_static_file_open(monkeypatch):
    # Werkzeug closes a body after draining the socket; a reset there (Chromium dropping a favicon
    # request) skipped the close in 8 of 10 tries without ClosedWhenSent, and the file's ResourceWarning
    # then failed whichever test a later collection ran in.
    unraisable: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda hook: unraisable.append(repr(hook.exc_value)))
    app = Flask("static-only", static_folder=ROOT / "web" / "static")
    server = serve_module.http_server("127.0.0.1", 0, app)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        for _ in range(40):
            with socket.create_connection(("127.0.0.1", server.server_port)) as client:
                client.sendall(b"GET /static/favicon.svg HTTP/1.1\r\nHost: alur\r\n\r\n")
                assert client.recv(65536).startswith(b"HTTP/1.1 200")
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
        time.sleep(0.2)  # the server's threads finish their drain
        gc.collect()
    finally:
        server.shutdown()
        server.server_close()
    assert unraisable == []


def test_wsgi_app_is_built_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ALUR_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("ALUR_DATABASE_URL", f"sqlite:///{tmp_path / 'alur.db'}")
    monkeypatch.setenv("ALUR_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("ALUR_SESSION_COOKIE_SECURE", "true")
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))  # not this test process's objects
    import web.wsgi

    app = importlib.reload(web.wsgi).app
    try:
        assert frozen  # what the worker's start-up made, once the app is built
        assert app.config["SECRET_KEY"] == "from-the-environment"
        assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True
        assert app.test_client().get("/masuk").status_code == 200
    finally:
        app.extensions["alur"].close()


def test_a_worker_process_leaves_what_its_start_up_made_out_of_full_collections(tmp_path):
    """A gunicorn worker imports web.wsgi: afterwards a full collection walks only what came since, not the
    ~190,000 objects of start-up (100 ms a collection, paid by the request that triggered it)."""
    script = ("import gc, web.wsgi; "
              "print(gc.get_freeze_count(), len(gc.get_objects()))")
    env = {**os.environ, "ALUR_INSTANCE_DIR": str(tmp_path), "ALUR_DATABASE_URL": f"sqlite:///{tmp_path / 'alur.db'}",
           "ALUR_SECRET_KEY": "worker-test", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    frozen, tracked = int(out[-2]), int(out[-1])
    assert frozen > 50_000 and tracked < frozen / 10, (frozen, tracked)
