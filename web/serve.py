"""``alur run``: prepare the embedded default (schema, the SOPs, demo users) and serve the web app."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from engine import Alur, ensure_signing_key, freeze_startup_objects, start_embedded_worker, upgrade_schema
from web import create_app
from web.demo import ensure_demo_opds, ensure_demo_users


def prepare(alur: Alur, demo_users: bool = True) -> None:
    """What ``alur init --deploy`` does, plus the demo accounts; every step is idempotent."""
    upgrade_schema(alur.settings.database_url)
    key = ensure_signing_key(os.environ, alur.settings.audit_key_file)  # signed checkpoints on by default
    if key is not None and key[1]:
        print(f"audit signing key created: {key[0]}")
    indexed = alur.search_index.reindex_unindexed()
    if indexed:
        print(f"search index: {indexed} case(s) indexed")
    rebuilt = alur.figure_rebuild.fill_missing()
    if rebuilt.cases:
        print(f"dashboard figures: {rebuilt.cases} case(s) from before them")
    for result in alur.deployer.seed_directory(alur.settings.processes_dir, "system"):
        if result.created:
            print(f"deployed {result.process_key} v{result.version}")
    if demo_users:
        created = ensure_demo_users(alur)
        if created:
            print(f"demo users created: {', '.join(created)} (password: demo-<username>)")
        units = ensure_demo_opds(alur)
        if units:
            print(f"demo OPD added: {', '.join(units)}")


class _Handler(WSGIRequestHandler):
    """Werkzeug's request handler, saying only "Alur" in the ``Server`` header: the server's name and
    version, and Python's, only help someone choose an exploit."""

    def version_string(self) -> str:
        return "Alur"


class ClosedWhenSent:
    """``app`` whose response bodies are closed as soon as they are sent.

    Werkzeug's server closes a body only after draining the socket, and a client that resets the
    connection then (a browser dropping a favicon request) makes that drain raise first: the static
    file the body held stayed open until a garbage collection found it.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        body: Iterable[bytes] = self.app(environ, start_response)
        try:
            yield from body
        finally:  # also when a failed write abandons this generator: its finalizer runs this
            close = getattr(body, "close", None)
            if close is not None:
                close()


def http_server(host: str, port: int, app: Flask, **options: Any) -> BaseWSGIServer:
    """The threaded HTTP server of ``alur run`` (and of the browser tests)."""
    server = make_server(host, port, ClosedWhenSent(app), threaded=True, request_handler=_Handler, **options)
    server._server_version = "Alur"  # SERVER_SOFTWARE in the WSGI environ
    return server


def serve(alur: Alur, host: str = "127.0.0.1", port: int = 5000) -> int:
    """Serve with Werkzeug's threaded server and the worker in the same process: the embedded default
    for one office. Production runs gunicorn ``web.wsgi:app`` and ``alur worker`` separately."""
    prepare(alur, demo_users=os.environ.get("ALUR_DEMO_USERS", "1") != "0")
    app = create_app(alur=alur)
    server = http_server(host, port, app)  # first: a busy port fails before anything runs
    worker = start_embedded_worker(alur) if os.environ.get("ALUR_EMBEDDED_WORKER", "1") != "0" else None
    freeze_startup_objects()
    print(f"Alur: http://{host}:{port}/  (log in as e.g. pengguna_jaringan / demo-pengguna_jaringan; "
          "Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if worker is not None:
            worker.stop()
    return 0
