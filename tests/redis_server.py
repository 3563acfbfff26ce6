"""
A real ``redis-server`` for the tests: started on a free loopback port in
a temporary directory, with no persistence, and stopped by its pid.

Under ``CI`` a missing ``redis-server`` fails the test that needs it;
elsewhere it is skipped with the reason. Fixtures: `redis_server` (one
server per test, which the test may stop and start again) and `redis_url`.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import socket
import subprocess
import threading
import time

from collections.abc import Iterator
from pathlib import Path

import pytest


__all__ = ["RedisServer", "redis_server", "redis_url"]

READY = "eady to accept connections"  # "Ready …", or "… now ready … at SOCKET"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """One ``redis-server`` process; `stop` and `start` keep its port."""

    def __init__(
        self,
        binary: str,
        directory: Path,
        *,
        password: str = "",
        tls: Path | None = None,
        unix: Path | None = None,
    ) -> None:
        self.binary = binary
        self.directory = directory
        self.port = _free_port()
        self.password = password
        #: A PEM certificate (and key, beside it as key.pem) to serve TLS.
        self.tls = tls
        #: A unix socket to serve on instead of a TCP port.
        self.unix = unix
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's URL (with the password, if it has one)."""
        auth = f":{self.password}@" if self.password else ""
        if self.unix is not None:
            return f"unix://{auth}{self.unix}?db=0"
        if self.tls is not None:
            return (
                f"rediss://{auth}127.0.0.1:{self.port}/0"
                f"?ssl_ca_certs={self.tls}"
            )
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it accepts connections (bounded)."""
        port = ["--port", str(self.port)]
        if self.unix is not None:
            port = ["--port", "0", "--unixsocket", str(self.unix)]
        elif self.tls is not None:
            port = [
                "--port",
                "0",
                "--tls-port",
                str(self.port),
                "--tls-cert-file",
                str(self.tls),
                "--tls-key-file",
                str(self.tls.with_name("key.pem")),
                "--tls-ca-cert-file",
                str(self.tls),
                "--tls-auth-clients",
                "no",
            ]
        args = [
            self.binary,
            *port,
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.directory),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ]
        if self.password:
            args += ["--requirepass", self.password]
        proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self.proc = proc
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        deadline = time.monotonic() + 15
        seen = b""
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while (left := deadline - time.monotonic()) > 0:
                if not selector.select(left):
                    break
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                seen += chunk
                if READY.encode() in seen:
                    # Keep reading its log, so that a full pipe never
                    # blocks the server.
                    threading.Thread(
                        target=_drain, args=(fd,), daemon=True
                    ).start()
                    return
        self.stop()
        pytest.fail("redis-server did not start:\n" + seen[-2000:].decode())

    def stop(self) -> None:
        """Stop the server by its pid (SIGTERM, then SIGKILL), bounded."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def _drain(fd: int) -> None:
    with contextlib.suppress(OSError):
        while os.read(fd, 65536):
            pass


def binary() -> str:
    """The path of redis-server; skip (or fail under CI) without it."""
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server"
        if os.path.exists("/usr/bin/redis-server")
        else None
    )
    if found is None:
        reason = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    pytest.importorskip("redis")
    return found


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh redis-server for one test."""
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(binary(), directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The URL of a fresh redis-server."""
    return redis_server.url
