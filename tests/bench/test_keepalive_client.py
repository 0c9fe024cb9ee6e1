"""The load benchmark's HTTP client reads whole responses, reconnects, and refuses what it cannot
read (``benchmarks/keepalive_client.py``)."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "keepalive_client.py"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _client_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("keepalive_client", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CLIENT = _client_module()


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return head + await reader.readexactly(length)


def _serve(respond: Callable[[int], bytes], seen: list[bytes], connections: list[int]) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            while True:
                seen.append(await _read_request(reader))
                writer.write(respond(len(seen)))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    return handle


async def _exchange(
    respond: Callable[[int], bytes], bodies: list[bytes]
) -> tuple[list[object], list[bytes], int]:
    seen: list[bytes] = []
    connections: list[int] = []
    server = await asyncio.start_server(_serve(respond, seen, connections), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = CLIENT.KeepAliveClient("127.0.0.1", port, "/v1/notes", {"Authorization": "Bearer k"})
    outcomes: list[object] = []
    for body in bodies:
        try:
            outcomes.append(await client.post(body, timeout_s=5.0))
        except CLIENT.ResponseFramingError as error:
            outcomes.append(type(error).__name__)
    await client.close()
    server.close()
    await server.wait_closed()
    return outcomes, seen, len(connections)


def _response(status: int, body: bytes, *extra: str) -> bytes:
    head = [f"HTTP/1.1 {status} X", f"content-length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def test_posts_over_one_connection_and_reads_each_whole_response() -> None:
    body = b"x" * 70_000  # larger than one read
    outcomes, seen, connections = asyncio.run(
        _exchange(lambda n: _response(201 if n == 1 else 409, body), [b'{"a": 1}', b'{"b": 2}'])
    )
    assert outcomes == [201, 409]
    assert connections == 1
    assert seen[0].startswith(b"POST /v1/notes HTTP/1.1\r\n")
    assert b"\r\nAuthorization: Bearer k\r\n" in seen[0]
    assert seen[0].endswith(b'\r\nContent-Length: 8\r\n\r\n{"a": 1}')
    assert seen[1].endswith(b'{"b": 2}')


def test_a_closing_server_gets_a_new_connection() -> None:
    outcomes, _, connections = asyncio.run(
        _exchange(lambda n: _response(200, b"{}", "connection: close"), [b"{}", b"{}"])
    )
    assert outcomes == [200, 200]
    assert connections == 2


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n{}",
        b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\n{}",
    ],
    ids=["chunked", "no length", "HTTP/1.0"],
)
def test_responses_it_cannot_frame_are_errors(response: bytes) -> None:
    outcomes, _, connections = asyncio.run(_exchange(lambda n: response, [b"{}", b"{}"]))
    assert outcomes == ["ResponseFramingError", "ResponseFramingError"]
    assert connections == 2  # the connection is dropped after each
