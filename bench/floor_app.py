"""The HTTP rows' floor: a bare Flask app that gunicorn serves as it serves Alur (bench.http).

The HTTP rows hold Alur's requests against the engine's work alone, so their excess holds everything a
request costs around that work: the socket, gunicorn's parsing and its threads' hand-offs, Flask's
dispatch, and Alur's own layers (sign-in, form and JSON handling, templates, the request log). This app
has none of Alur's layers: a JSON POST answered with a JSON object and a page of the inbox page's size,
each a route with no hooks. Its times, measured in the same rounds, are the part of the excess no change
to Alur can remove on this machine and stack (Flask, gunicorn as deployed).
"""
from __future__ import annotations

import os

from flask import Flask, Response, jsonify, request

PAGE_BYTES_VARIABLE = "ALUR_BENCH_FLOOR_PAGE_BYTES"
DEFAULT_PAGE_BYTES = 20_000

app = Flask(__name__)


def page_body(size: int) -> bytes:
    """An HTML page of exactly ``size`` bytes (at least its frame's)."""
    head, tail = b"<!doctype html><html lang=\"id\"><body><pre>", b"</pre></body></html>\n"
    return head + b"x" * max(0, size - len(head) - len(tail)) + tail


_TASK_ID = "0f" * 16  # a task id's length, as the API's answer carries one
_PAGE = page_body(int(os.environ.get(PAGE_BYTES_VARIABLE) or DEFAULT_PAGE_BYTES))


@app.get("/page")
def page() -> Response:
    return Response(_PAGE, mimetype="text/html")


@app.post("/json")
def post() -> Response:
    """What the API's completion answers, in shape: the body read as JSON, an object back."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return Response(status=400)
    return jsonify({"ready_task_ids": [_TASK_ID], "completed": True, "data": body.get("data")})
