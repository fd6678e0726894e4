"""A minimal HTTP/1.1 client on one kept-alive connection, for the single-client HTTP rows (bench.http).

Those rows hold the server's time against the engine's: the client's own work is not Alur's. ``http.client``
parses each response's header block with ``email.parser``, which cost the client about 0.17 ms of CPU a
request on this machine, counted in every sample as if the server had spent it. This client sends the
request in one write and reads the response by its ``Content-Length`` (or its chunks), as wrk does; it
checks what it reads and refuses what it does not understand.
"""
from __future__ import annotations

import socket


class WireError(RuntimeError):
    """A response this client cannot read (or the server closed the connection)."""


class Wire:
    """One connection to ``127.0.0.1:port``, kept open between requests."""

    def __init__(self, port: int, timeout: float = 120) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._host = f"127.0.0.1:{port}"
        self._pending = b""

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
        """(status, header fields by lower-cased name, body); the body read whole."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host}",
                 *(f"{name}: {value}" for name, value in (headers or {}).items())]
        if body or method not in ("GET", "HEAD"):
            lines.append(f"Content-Length: {len(body)}")
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = self._until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        try:
            version, code, *_reason = head[0].split(" ", 2)
            status = int(code)
        except ValueError:
            raise WireError(f"not a status line: {head[0]!r}") from None
        if not version.startswith("HTTP/1."):
            raise WireError(f"not HTTP/1.x: {head[0]!r}")
        fields: dict[str, str] = {}
        for line in head[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise WireError(f"not a header field: {line!r}")
            fields[name.strip().lower()] = value.strip()
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return status, fields, b""
        if "content-length" in fields:
            return status, fields, self._exactly(int(fields["content-length"]))
        if fields.get("transfer-encoding", "").lower() == "chunked":
            return status, fields, self._chunks()
        raise WireError("a response without Content-Length or chunks (read to the close) is not kept alive")

    def close(self) -> None:
        self._sock.close()

    def _fill(self) -> None:
        data = self._sock.recv(262144)
        if not data:
            raise WireError("connection closed by the server")
        self._pending += data

    def _until(self, marker: bytes) -> bytes:
        """The bytes before ``marker`` (consumed with it)."""
        while (end := self._pending.find(marker)) < 0:
            self._fill()
        found, self._pending = self._pending[:end], self._pending[end + len(marker):]
        return found

    def _exactly(self, n: int) -> bytes:
        while len(self._pending) < n:
            self._fill()
        found, self._pending = self._pending[:n], self._pending[n:]
        return found

    def _chunks(self) -> bytes:
        parts = []
        while True:
            size_line = self._until(b"\r\n").split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise WireError(f"not a chunk size: {size_line!r}") from None
            if size == 0:
                while self._until(b"\r\n"):  # trailer fields, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self._exactly(size))
            if self._exactly(2) != b"\r\n":
                raise WireError("a chunk not ended by CRLF")
