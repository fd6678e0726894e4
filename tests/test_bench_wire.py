"""bench.wire, the single-client HTTP rows' client, against a real HTTP/1.1 server on loopback (Python's
own): bodies by length and by chunks, several requests on one kept connection, and a clear error for what
it cannot read."""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.wire import Wire, WireError


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection open between requests

    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/chunks":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"Halo, ", b"kotak ", b"masuk"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/kosong":
            self.send_response(204)
            self.end_headers()
            return
        if self.path == "/tutup":
            self.close_connection = True
            self.wfile.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nsampai ditutup")
            return
        body = f"{self.path} {self.headers['Cookie']}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(201)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_requests_on_one_kept_connection_read_by_length_and_by_chunks(port):
    wire = Wire(port)
    try:
        for n in range(3):
            status, fields, body = wire.request("GET", f"/halaman/{n}", {"Cookie": "sesi=1"})
            assert (status, body) == (200, f"/halaman/{n} sesi=1".encode()) and fields["content-length"]
        status, fields, body = wire.request("GET", "/chunks")
        assert (status, fields["transfer-encoding"], body) == (200, "chunked", b"Halo, kotak masuk")
        status, fields, body = wire.request("POST", "/api", {"Content-Type": "application/json"}, b'{"a": 1}')
        assert (status, fields["content-type"], body) == (201, "application/json", b'{"a": 1}')
        assert wire.request("GET", "/kosong")[0::2] == (204, b"")
        assert wire.request("GET", "/lagi")[2] == b"/lagi None"  # still the same connection, in step
    finally:
        wire.close()


def test_a_response_read_to_the_close_is_refused_not_guessed(port):
    wire = Wire(port)
    try:
        with pytest.raises(WireError, match="without Content-Length"):
            wire.request("GET", "/tutup")
    finally:
        wire.close()


def test_garbage_and_a_closed_connection_are_errors():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def answer(reply: bytes) -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(reply)
        conn.close()

    for reply, message in ((b"SSH-2.0-OpenSSH\r\n\r\n", "not a status line"),
                           (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "not a header field"),
                           (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "closed by the server")):
        thread = threading.Thread(target=answer, args=(reply,))
        thread.start()
        wire = Wire(listener.getsockname()[1], timeout=10)
        try:
            with pytest.raises(WireError, match=message):
                wire.request("GET", "/")
        finally:
            wire.close()
            thread.join()
    listener.close()
