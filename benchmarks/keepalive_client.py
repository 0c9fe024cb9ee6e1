"""A minimal HTTP/1.1 keep-alive client for the load benchmark: one request at a time per socket.

The load client runs on the same two cores as the service, so its own CPU is taken from the
service. httpx spent 1.2-1.7 ms of CPU per posted note (headers objects, URL parsing, its
connection pool); this client writes prepared bytes and reads the status line, the headers and a
``Content-Length`` body (0.2 ms). It speaks only what the benchmark needs: a response framed any
other way is reported as an error, never read wrongly.
"""

from __future__ import annotations

import asyncio
import contextlib

MAX_HEADER_LINES = 100


class ResponseFramingError(Exception):
    """The response was not ``HTTP/1.1`` with a ``Content-Length`` body."""


class KeepAliveClient:
    """POSTs JSON bodies to one path of ``host:port`` over one kept-alive connection."""

    def __init__(self, host: str, port: int, path: str, headers: dict[str, str]) -> None:
        self._host = host
        self._port = port
        lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._head = ("\r\n".join(lines) + "\r\nContent-Length: ").encode("latin-1")
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, body: bytes, timeout_s: float) -> int:
        """Send ``body``; the response's status once its whole body has been read."""
        try:
            return await asyncio.wait_for(self._exchange(body), timeout_s)
        except BaseException:
            await self.close()  # the connection's state is unknown: the next request reconnects
            raise

    async def _exchange(self, body: bytes) -> int:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._streams
        writer.write(self._head + str(len(body)).encode() + b"\r\n\r\n" + body)
        status_line = await reader.readline()
        parts = status_line.split(None, 2)
        if len(parts) < 2 or parts[0] != b"HTTP/1.1" or not parts[1].isdigit():
            raise ResponseFramingError(f"bad status line {status_line[:40]!r}")
        length: int | None = None
        keep_alive = True
        for _ in range(MAX_HEADER_LINES):
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"transfer-encoding":
                raise ResponseFramingError("chunked responses are not read by this client")
            elif name == b"connection" and value.strip().lower() == b"close":
                keep_alive = False
        else:
            raise ResponseFramingError(f"more than {MAX_HEADER_LINES} header lines")
        if length is None:
            raise ResponseFramingError("the response has no Content-Length")
        await reader.readexactly(length)
        if not keep_alive:
            await self.close()
        return int(parts[1])

    async def close(self) -> None:
        """Close the connection, if one is open."""
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
