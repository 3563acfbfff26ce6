"""
The Redis store against a real ``redis-server``: a fleet of processes,
each with its own HOME and cache directory ("machines"), sharing one
Redis, makes exactly one session, and one after a revocation; a lock
holder killed mid-creation delays the others by the lock's TTL only;
Redis down, restarted, or hanging never fails a call; nothing but session
records (no credential, password or request token) is written to Redis.

The races are real: the stand-in holds each session creation open
(``session_delay``) while every process calls; no test sleeps.
"""

from __future__ import annotations

import logging
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.leaks import FIGURES, SECRET_PARAMS, collect_secrets
from tests.redis_server import RedisServer, redis_server, redis_url  # noqa: F401
from tests.test_store import _rate
from tmdb_auth import _store
from tmdb_auth._store import Store, key_for
from tmdb_auth.requests import TMDbAuth
from tmdb_auth.stores import RedisStore
from tmdb_auth.testing import TMDbServer


redis = pytest.importorskip("redis")

RATING = "/3/movie/550/rating"
GUEST = "/3/authentication/guest_session/new"

WORKER = """
import os, sys
import tmdb_auth._sessions
if len(sys.argv) > 1:
    tmdb_auth._sessions.LOCK_TTL = float(sys.argv[1])
import requests
from tmdb_auth.requests import TMDbAuth
mode, url = os.environ["MODE"], os.environ["TMDB_API_URL"]
auth = TMDbAuth(session=mode)
print("READY", flush=True)
with requests.Session() as s:
    for line in sys.stdin:
        if line.strip() != "call":
            break
        if mode == "user":
            r = s.get(url + "/3/account", auth=auth, timeout=60)
        else:
            r = s.post(url + "/3/movie/550/rating", json={"value": 8},
                       auth=auth, timeout=60)
        print(r.status_code, flush=True)
"""


def _line(proc: subprocess.Popen[str], timeout: float = 60.0) -> str:
    """The next line *proc* prints, waiting at most *timeout*."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        assert selector.select(timeout), "the worker printed nothing"
    return proc.stdout.readline().strip()


class Fleet:
    """Worker processes, one "machine" each: own HOME, own cache dir."""

    def __init__(
        self,
        server: TMDbServer,
        url: str,
        root: Path,
        count: int,
        mode: str,
        *,
        ttl: float | None = None,
    ) -> None:
        self.procs: list[subprocess.Popen[str]] = []
        base = {
            k: v for k, v in os.environ.items() if not k.startswith("TMDB_")
        }
        for i in range(count):
            home = root / f"machine{i}"
            home.mkdir(parents=True)
            env = {
                **base,
                "HOME": str(home),
                "MODE": mode,
                "TMDB_API_KEY": server.api_key,
                "TMDB_API_URL": server.url,
                "TMDB_AUTH_CACHE_URL": url,
                "TMDB_AUTH_CACHE_DIR": str(home / "cache"),
            }
            if mode == "user":
                env["TMDB_USERNAME"] = server.username
                env["TMDB_PASSWORD"] = server.password
            args = [sys.executable, "-c", WORKER]
            if ttl is not None:
                args.append(str(ttl))
            self.procs.append(
                subprocess.Popen(
                    args,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        for proc in self.procs:
            assert "READY" == _line(proc)

    def send(self, procs: list[subprocess.Popen[str]] | None = None) -> None:
        for proc in procs or self.procs:
            assert proc.stdin is not None
            proc.stdin.write("call\n")
            proc.stdin.flush()

    def call(self) -> list[int]:
        """Every worker makes one call at once; their statuses."""
        self.send()
        return [int(_line(proc)) for proc in self.procs]

    def close(self) -> None:
        for proc in self.procs:
            if proc.stdin is not None and not proc.stdin.closed:
                proc.stdin.close()
            if proc.poll() is None:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(30)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def fleets(tmp_path: Path) -> Iterator[list[Fleet]]:
    made: list[Fleet] = []
    yield made
    for fleet in made:
        fleet.close()


@pytest.fixture
def client(redis_url: str) -> Iterator[Any]:  # noqa: F811
    """A redis-py client of the test's own, to look inside."""
    found = redis.Redis.from_url(redis_url)
    yield found
    found.close()


def _everything(client: Any) -> list[bytes]:
    """Every key and value in Redis."""
    out = []
    for key in client.scan_iter(count=1000):
        out.append(key)
        if client.type(key) == b"string":
            out.append(client.get(key))
    return out


class TestFleet:
    @pytest.mark.parametrize("mode", ["user", "guest"])
    def test_16_machines_one_session(
        self,
        *,
        server: TMDbServer,
        redis_url: str,  # noqa: F811
        tmp_path: Path,
        fleets: list[Fleet],
        client: Any,
        mode: str,
    ) -> None:
        """16 processes, 16 cache dirs, one Redis: exactly one session."""
        server.session_delay = 0.3
        fleet = Fleet(server, redis_url, tmp_path, 16, mode)
        fleets.append(fleet)

        statuses = fleet.call()

        assert [200 if mode == "user" else 201] * 16 == statuses
        assert 1 == server.sessions_created[mode]
        FIGURES[f"redis_fleet_processes.{mode}"] += 16
        FIGURES[f"redis_fleet_sessions.{mode}"] += server.sessions_created[
            mode
        ]
        FIGURES["redis_fleet_calls_failed"] += sum(
            s not in (200, 201) for s in statuses
        )

    def test_revocation_under_8_machines(
        self,
        server: TMDbServer,
        redis_url: str,  # noqa: F811
        tmp_path: Path,
        fleets: list[Fleet],
    ) -> None:
        """8 processes find their user session revoked: one new session."""
        fleet = Fleet(server, redis_url, tmp_path, 8, "user")
        fleets.append(fleet)
        assert [200] * 8 == fleet.call()
        server.session_delay = 0.3

        server.revoke_all_sessions()
        statuses = fleet.call()

        assert [200] * 8 == statuses
        assert 2 == server.sessions_created["user"]
        FIGURES["redis_revocation_processes"] += 8
        FIGURES["redis_revocation_sessions_created"] += 1

    def test_new_machine_makes_no_session_call(
        self,
        server: TMDbServer,
        redis_url: str,  # noqa: F811
        tmp_path: Path,
        fleets: list[Fleet],
    ) -> None:
        """A new process with the session in Redis calls no session endpoint."""
        first = Fleet(server, redis_url, tmp_path / "a", 1, "guest")
        fleets.append(first)
        assert [201] == first.call()
        server.reset()

        later = Fleet(server, redis_url, tmp_path / "b", 1, "guest")
        fleets.append(later)

        assert [201] == later.call()
        assert [RATING] == [r.path for r in server.requests]

    def test_lock_holder_killed(
        self,
        server: TMDbServer,
        redis_url: str,  # noqa: F811
        tmp_path: Path,
        fleets: list[Fleet],
        client: Any,
    ) -> None:
        """SIGKILL the creator: the others proceed after the TTL, one session."""
        server.fail_next(GUEST, status=None, delay=30.0)
        holder = Fleet(server, redis_url, tmp_path / "a", 1, "guest", ttl=2)
        fleets.append(holder)
        holder.send()
        assert server.wait_for(GUEST, timeout=30)
        locks = [k for k in client.scan_iter() if k.endswith(b":lock")]
        assert 1 == len(locks)
        os.kill(holder.procs[0].pid, signal.SIGKILL)
        assert -signal.SIGKILL == holder.procs[0].wait(30)

        others = Fleet(server, redis_url, tmp_path / "b", 4, "guest", ttl=2)
        fleets.append(others)
        statuses = others.call()

        assert [201] * 4 == statuses
        assert 1 == server.sessions_created["guest"]
        used = {
            r.query["guest_session_id"]
            for r in server.requests
            if r.path == RATING
        }
        assert 1 == len(used)
        FIGURES["redis_lock_holders_killed"] += 1

    def test_nothing_secret_in_redis(
        self,
        server: TMDbServer,
        redis_url: str,  # noqa: F811
        tmp_path: Path,
        fleets: list[Fleet],
        client: Any,
    ) -> None:
        """Every key and value: no key, read token, password, request token."""
        for mode in ("user", "guest"):
            fleet = Fleet(server, redis_url, tmp_path / mode, 2, mode)
            fleets.append(fleet)
            fleet.call()
        sessions = {
            r.query.get(name)
            for r in server.requests
            for name in ("session_id", "guest_session_id")
        }
        secrets = collect_secrets(server) - sessions
        assert {"api_key", "password", "request_token"} <= set(SECRET_PARAMS)

        stored = b"\n".join(_everything(client)).decode()

        assert stored
        assert [] == [s for s in secrets if s in stored]
        FIGURES["redis_entries_scanned"] += len(_everything(client))


class TestFailures:
    def _call(self, server: TMDbServer, auth: TMDbAuth) -> int:
        with requests.Session() as s:
            return s.post(
                server.url + RATING, json={"value": 8}, auth=auth, timeout=30
            ).status_code

    def _auth(self, server: TMDbServer, cache: object) -> TMDbAuth:
        return TMDbAuth(
            server.api_key, api_url=server.url, session="guest", cache=cache
        )

    def _warnings(self, caplog: pytest.LogCaptureFixture) -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.name == "tmdb_auth" and r.levelno == logging.WARNING
        ]

    def test_down_at_start(
        self, server: TMDbServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Nothing listening: the calls succeed, one warning, no password."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"redis://tmdb:hunter2-secret@127.0.0.1:{port}/0"
        auth = self._auth(server, url)

        statuses = [self._call(server, auth) for _ in range(3)]

        assert [201] * 3 == statuses
        (warning,) = self._warnings(caplog)
        assert f"redis://tmdb@127.0.0.1:{port}/0" in warning
        assert "hunter2-secret" not in caplog.text

    def test_hanging_server(
        self, server: TMDbServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A server that accepts and never answers: bounded, then memory."""
        with socket.socket() as hang:
            hang.bind(("127.0.0.1", 0))
            hang.listen(64)
            url = f"redis://127.0.0.1:{hang.getsockname()[1]}/0"
            store = RedisStore(url, timeout=0.2)
            try:
                auth = self._auth(server, store)

                statuses = [self._call(server, auth) for _ in range(3)]
            finally:
                store.close()

        assert [201] * 3 == statuses
        assert 1 == len(self._warnings(caplog))
        assert "TimeoutError" in caplog.text

    def test_stopped_and_started_during_a_run(
        self,
        server: TMDbServer,
        redis_server: RedisServer,  # noqa: F811
        client: Any,
        caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Redis goes away and comes back: no call fails; the next session goes there."""
        key = key_for(server.api_key.lower(), server.url, "guest")
        auth = self._auth(server, redis_server.url)
        statuses = [self._call(server, auth)]
        assert client.get(key) is not None

        redis_server.stop()
        server.revoke_all_sessions()  # a new session must be made and kept
        statuses += [self._call(server, auth) for _ in range(3)]
        fresh = self._auth(server, redis_server.url)  # a new auth meanwhile
        statuses.append(self._call(server, fresh))

        redis_server.start()  # empty: no persistence
        monkeypatch.setattr(_store, "_MEMO", {})  # as a new process would
        server.revoke_all_sessions()
        statuses += [self._call(server, auth) for _ in range(3)]

        assert [201] * 8 == statuses
        assert 3 == server.sessions_created["guest"]
        last = server.requests[-1].query["guest_session_id"]
        assert last in client.get(key).decode()
        assert 1 == len(self._warnings(caplog))
        FIGURES["redis_restart_calls"] += len(statuses)
        FIGURES["redis_restart_calls_failed"] += sum(
            s != 201 for s in statuses
        )

    def test_password_through_the_url(
        self, server: TMDbServer, tmp_path: Path
    ) -> None:
        """A Redis with a password: the URL's password is used, never shown."""
        from tests.redis_server import binary

        secured = RedisServer(binary(), tmp_path, password="p4ssw0rd-redis")
        secured.start()
        try:
            auth = self._auth(server, secured.url)
            assert 201 == self._call(server, auth)
            store = Store(RedisStore(secured.url))

            assert ["guest"] == [r["kind"] for _, r in store.records()]
            assert "p4ssw0rd" not in repr(auth._sessions.store.location)
            store._open().close()
        finally:
            secured.stop()

    def test_tls_through_the_url(
        self, server: TMDbServer, tmp_path: Path
    ) -> None:
        """rediss:// with the CA in the URL: the session goes over TLS."""
        from tests.redis_server import binary

        openssl = shutil.which("openssl")
        if openssl is None:
            pytest.skip("openssl is not installed")
        cert = tmp_path / "cert.pem"
        subprocess.run(
            [
                openssl,
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(tmp_path / "key.pem"),
                "-out",
                str(cert),
            ],
            capture_output=True,
            check=True,
        )
        secured = RedisServer(
            binary(), tmp_path, password="tls-pw-0000", tls=cert
        )
        secured.start()
        try:
            auth = self._auth(server, secured.url)
            assert 201 == self._call(server, auth)
            store = RedisStore(secured.url)

            assert ["guest"] == [r["kind"] for _, r in store.records()]
            assert store.name.startswith("rediss://127.0.0.1:")
            assert "tls-pw" not in store.name
            store.close()
            auth._sessions.close()
        finally:
            secured.stop()


class TestClient:
    def test_users_client_is_used_and_not_closed(
        self,
        server: TMDbServer,
        redis_url: str,  # noqa: F811
    ) -> None:
        """cache=redis.Redis(...): sessions go there; the client stays open."""
        mine = redis.Redis.from_url(redis_url)
        try:
            assert 201 == _rate(server, mine)

            assert mine.ping()
            keys = [k for k in mine.scan_iter() if not k.endswith(b":lock")]
            assert 1 == len(keys)
            assert keys[0].startswith(b"tmdb-auth:v1:")
        finally:
            mine.close()

    def test_guest_ttl_follows_expires_at(
        self,
        server: TMDbServer,
        client: Any,
        redis_url: str,  # noqa: F811
    ) -> None:
        """A guest session gets a Redis TTL from TMDb's expires_at."""
        assert 201 == _rate(server, redis_url)
        key = key_for(server.api_key.lower(), server.url, "guest")

        ttl = client.pttl(key)

        assert 0 < ttl <= 24 * 3600 * 1000


def test_adapters_never_import_redis(redis_url: str) -> None:  # noqa: F811
    """Importing an adapter, even configured for Redis, imports no redis."""
    code = (
        "import sys, tmdb_auth.requests, tmdb_auth.httpx, tmdb_auth.stores;"
        "tmdb_auth.requests.TMDbAuth('0' * 32);"
        "tmdb_auth.httpx.TMDbAuth('0' * 32, cache=sys.argv[1]);"
        "print('redis' in sys.modules)"
    )
    env = {**os.environ, "TMDB_AUTH_CACHE_URL": redis_url}

    out = subprocess.run(
        [sys.executable, "-c", code, redis_url],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )

    assert "False" == out.stdout.strip()
