"""
The servers the harness talks to, each in a process of its own.

A server in its own process does not compete with the measured clients for
the GIL, and on two cores it gets one of them.

* ``fast``: a minimal HTTP/1.1 keep-alive server on asyncio that answers
  every request with the same small JSON body, so that it is never the
  bottleneck of an end-to-end measurement.
* ``standin``: `tmdb_auth.testing.TMDbServer`, driven over a line protocol
  on stdin/stdout (session counters, reset, session delay).

Run as a script, this module is the child; imported, it starts children.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


__all__ = ["StandIn", "fast_server", "standin"]

_BODY = json.dumps(
    {
        "id": 550,
        "title": "Fight Club",
        "original_language": "en",
        "release_date": "1999-10-15",
        "vote_average": 8.4,
        "success": True,
    }
).encode()
_RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: application/json;charset=utf-8\r\n"
    b"Content-Length: " + str(len(_BODY)).encode() + b"\r\n"
    b"Connection: keep-alive\r\n"
    b"\r\n" + _BODY
)


# -- the children ---------------------------------------------------------


class _Fast(asyncio.Protocol):
    """Answers each complete request (headers and body) at once."""

    def __init__(self) -> None:
        self._buf = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        buf = self._buf + data
        answers = 0
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            size = _content_length(buf[:end])
            if len(buf) < end + 4 + size:
                break
            buf = buf[end + 4 + size :]
            answers += 1
        self._buf = buf
        if answers and self._transport is not None:
            self._transport.write(_RESPONSE * answers)


def _content_length(head: bytes) -> int:
    at = head.lower().find(b"\r\ncontent-length:")
    if at < 0:
        return 0
    stop = head.find(b"\r\n", at + 2)
    return int(head[at + 17 : stop if stop >= 0 else len(head)])


async def _serve_fast() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        _Fast, "127.0.0.1", 0, backlog=1024, reuse_address=True
    )
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"url": f"http://127.0.0.1:{port}"}), flush=True)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    await reader.read()  # until the parent closes our stdin
    server.close()


def _serve_standin() -> None:
    from tmdb_auth.testing import TMDbServer

    with TMDbServer() as server:
        hello = {
            "url": server.url,
            "api_key": server.api_key,
            "read_token": server.read_token,
            "username": server.username,
            "password": server.password,
        }
        print(json.dumps(hello), flush=True)
        for line in sys.stdin:
            command = json.loads(line)
            op = command["op"]
            reply: Any = None
            if op == "created":
                reply = server.sessions_created
            elif op == "count":
                reply = server.count(command.get("path"))
            elif op == "reset":
                server.reset()
            elif op == "delay":
                server.session_delay = float(command["seconds"])
            print(json.dumps(reply), flush=True)


# -- the parent's side ----------------------------------------------------


def _start(kind: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    child = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), kind],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line:
        child.kill()
        msg = f"the {kind} server did not start"
        raise RuntimeError(msg)
    return child, json.loads(line)


def _stop(child: subprocess.Popen[str]) -> None:
    assert child.stdin is not None
    with contextlib.suppress(OSError):
        child.stdin.close()
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


@contextlib.contextmanager
def fast_server() -> Iterator[str]:
    """The fast server's base URL, while it runs."""
    child, hello = _start("fast")
    try:
        yield str(hello["url"])
    finally:
        _stop(child)


@dataclass
class StandIn:
    """The stand-in TMDb server in a child process, and its controls."""

    url: str
    api_key: str
    read_token: str
    username: str
    password: str
    _child: subprocess.Popen[str]

    def _ask(self, op: str, **args: Any) -> Any:
        assert self._child.stdin is not None
        assert self._child.stdout is not None
        self._child.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self._child.stdin.flush()
        return json.loads(self._child.stdout.readline())

    def sessions_created(self) -> dict[str, int]:
        """Successful session creations by kind since the last reset."""
        return dict(self._ask("created"))

    def count(self, path: str | None = None) -> int:
        """Requests received for *path* since the last reset."""
        return int(self._ask("count", path=path))

    def reset(self) -> None:
        """Clear the counters and the request log."""
        self._ask("reset")

    def set_session_delay(self, seconds: float) -> None:
        """How long each session creation waits before it is answered."""
        self._ask("delay", seconds=seconds)


@contextlib.contextmanager
def standin() -> Iterator[StandIn]:
    """The stand-in server in a child process, while it runs."""
    child, hello = _start("standin")
    try:
        yield StandIn(_child=child, **hello)
    finally:
        _stop(child)


if __name__ == "__main__":
    if sys.argv[1:] == ["fast"]:
        asyncio.run(_serve_fast())
    elif sys.argv[1:] == ["standin"]:
        _serve_standin()
    else:
        raise SystemExit("usage: servers.py fast|standin")
