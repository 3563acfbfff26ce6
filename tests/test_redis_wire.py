"""
What the Redis store sends, counted by the real ``redis-server``.

A new process with the session in Redis sends one ``GET`` (and only the
``AUTH``/``SELECT`` its URL asks for) on one connection, and imports no
redis-py. A waiter subscribes, looks once, and blocks until the holder's
write or release wakes it: one ``SUBSCRIBE``, one ``EXISTS``, one ``PTTL``,
no polling. Counts come from ``INFO commandstats``; the waiter's blocking
read is observed through an event, never a sleep.
"""

from __future__ import annotations

import collections
import logging
import os
import subprocess
import sys
import threading
import warnings

from pathlib import Path
from typing import Any

import pytest
import requests

from tests.redis_server import RedisServer, binary, redis_server, redis_url  # noqa: F401
from tests.test_redis_store import _line
from tests.test_store import _rate
from tmdb_auth._store import key_for
from tmdb_auth._stores import _resp
from tmdb_auth._stores import redis as redis_store
from tmdb_auth.requests import TMDbAuth
from tmdb_auth.stores import RedisStore, SessionRecord
from tmdb_auth.testing import TMDbServer


redis = pytest.importorskip("redis")

RATING = "/3/movie/550/rating"

COLD = """
import sys, requests
from tmdb_auth.requests import TMDbAuth
url, key, cache = sys.argv[1:4]
auth = TMDbAuth(key, api_url=url, session="guest", cache=cache)
with requests.Session() as s:
    status = s.post(url + "/3/movie/550/rating", json={"value": 8}, auth=auth).status_code
auth.close()
print(status, "redis" in sys.modules, flush=True)
"""

WAITER = """
import sys
from tmdb_auth._stores import _resp
from tmdb_auth.stores import RedisStore
blocking = _resp.Listener.wait
def wait(self, timeout):
    print("BLOCKED", flush=True)
    return blocking(self, timeout)
_resp.Listener.wait = wait
store = RedisStore(sys.argv[1])
store.wait(sys.argv[2], 120)
store.close()
print("WOKE", flush=True)
"""


class Counts:
    """Commands, errors and connections a server counted since a snapshot."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._before = self._now()

    def _now(self) -> tuple[collections.Counter[str], int, int]:
        commands = collections.Counter(
            {
                name.removeprefix("cmdstat_"): stat["calls"]
                for name, stat in self._client.info("commandstats").items()
                if name != "cmdstat_info"  # the counting itself
            }
        )
        errors = sum(
            stat["count"] for stat in self._client.info("errorstats").values()
        )
        connections = self._client.info("stats")["total_connections_received"]
        return commands, errors, connections

    def since(self) -> tuple[dict[str, int], int, int]:
        """(commands by name, error replies, connections) since then."""
        commands, errors, connections = self._now()
        return (
            dict(commands - self._before[0]),
            errors - self._before[1],
            connections - self._before[2],
        )


def _client(url: str) -> Any:
    return redis.Redis.from_url(url)


@pytest.mark.parametrize(
    ("where", "handshake"),
    [
        ("db 0", {}),
        ("db 3", {"select": 1}),
        ("password", {"auth": 1}),
    ],
)
def test_cold_start_sends_one_get(
    server: TMDbServer,
    tmp_path: Path,
    where: str,
    handshake: dict[str, int],
) -> None:
    """A new process, the session in Redis: one GET, one connection, no redis-py."""
    password = "cold-start-pw-0" if where == "password" else ""
    redis_server_ = RedisServer(binary(), tmp_path, password=password)
    redis_server_.start()
    try:
        url = redis_server_.url
        if where == "db 3":
            url = url.removesuffix("/0") + "/3"
        assert 201 == _rate(server, url)  # the session, in Redis
        made = server.sessions_created["guest"]
        with _client(url) as client:
            counts = Counts(client)

            out = subprocess.run(
                [sys.executable, "-c", COLD, server.url, server.api_key, url],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
            commands, errors, connections = counts.since()
    finally:
        redis_server_.stop()

    assert "201 False" == out.stdout.strip()
    assert {**handshake, "get": 1} == commands
    assert (0, 1) == (errors, connections)
    assert made == server.sessions_created["guest"]


def _guest(server: TMDbServer) -> SessionRecord:
    return {"kind": "guest", "id": "a" * 32, "origin": server.url}


@pytest.mark.parametrize("ended_by", ["write", "release"])
def test_a_waiter_wakes_on_the_holders_message(
    server: TMDbServer,
    redis_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    ended_by: str,
) -> None:
    """A waiter blocks in one read and wakes on the write or the release."""
    key = key_for(server.api_key.lower(), server.url, "guest")
    holder, waiter = RedisStore(redis_url), RedisStore(redis_url)
    blocked, woke = threading.Event(), threading.Event()
    blocking = _resp.Listener.wait

    def wait(self: _resp.Listener, timeout: float) -> bool:
        blocked.set()
        return blocking(self, timeout)

    monkeypatch.setattr(_resp.Listener, "wait", wait)
    with _client(redis_url) as client:
        assert holder.lock(key, "the-holder", 120)
        counts = Counts(client)
        thread = threading.Thread(
            target=lambda: (waiter.wait(key, 120), woke.set())
        )
        thread.start()
        try:
            assert blocked.wait(30)
            assert not woke.is_set()
            if ended_by == "write":
                holder.put(key, _guest(server))
            else:
                holder.unlock(key, "the-holder")

            assert woke.wait(30)
            commands, errors, _ = counts.since()
        finally:
            holder.unlock(key, "the-holder")
            thread.join(30)
            holder.close()
            waiter.close()

    # The waiter's three, then the holder's own (the script's GET is its
    # compare-and-delete): the waiter never reads the key again (no poll).
    waited = {"subscribe": 1, "exists": 1, "pttl": 1}
    if ended_by == "write":
        assert {**waited, "multi": 1, "set": 1, "publish": 1, "exec": 1} == (
            commands
        )
        assert 0 == errors
    else:  # one EVAL: the compare-and-delete, its GET included
        assert {
            **waited,
            "eval": 1,
            "get": 1,
            "del": 1,
            "publish": 1,
        } == commands
        assert 0 == errors


def test_a_waiter_in_another_process_wakes_on_the_write(
    server: TMDbServer,
    redis_url: str,  # noqa: F811
) -> None:
    """Another machine's waiter wakes on the write, before any timeout."""
    key = key_for(server.api_key.lower(), server.url, "guest")
    holder = RedisStore(redis_url)
    assert holder.lock(key, "the-holder", 120)
    proc = subprocess.Popen(
        [sys.executable, "-c", WAITER, redis_url, key],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "BLOCKED" == _line(proc, 60)
        holder.put(key, _guest(server))

        assert "WOKE" == _line(proc, 30)
        assert 0 == proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        assert proc.stdout is not None
        proc.stdout.close()
        holder.unlock(key, "the-holder")
        holder.close()


def test_a_wrong_password_is_a_failure_not_a_crash(
    server: TMDbServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Redis refusing the password: the calls succeed, one warning."""
    secured = RedisServer(binary(), tmp_path, password="the-right-pw-0")
    secured.start()
    try:
        url = secured.url.replace("the-right-pw-0", "the-wrong-pw-0")
        auth = TMDbAuth(
            server.api_key, api_url=server.url, session="guest", cache=url
        )
        with requests.Session() as s:
            statuses = [
                s.post(
                    server.url + RATING, json={"value": 8}, auth=auth
                ).status_code
                for _ in range(3)
            ]
        auth.close()
    finally:
        secured.stop()

    assert [201] * 3 == statuses
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "tmdb_auth" and r.levelno == logging.WARNING
    ]
    assert 1 == len(warnings)
    assert "ReplyError" in warnings[0]
    assert "pw-0" not in caplog.text


def test_an_option_only_redis_py_speaks(
    server: TMDbServer,
    redis_url: str,  # noqa: F811
) -> None:
    """A URL option the store's own client does not speak goes to redis-py."""
    url = redis_url + "?health_check_interval=30"
    store = RedisStore(url)
    try:
        assert 201 == _rate(server, store)

        assert isinstance(store._connect(), redis_store._Py)
        assert ["guest"] == [r["kind"] for _, r in store.records()]
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://h", ("h", 6379, None, 0, None, None, None)),
        ("redis://h:7000/5", ("h", 7000, None, 5, None, None, None)),
        ("redis://u:p%40ss@h/1", ("h", 6379, None, 1, "u", "p@ss", None)),
        ("redis://:pw@h?db=2", ("h", 6379, None, 2, None, "pw", None)),
        (
            "rediss://h?ssl_cert_reqs=none",
            ("h", 6379, None, 0, None, None, {"ssl_cert_reqs": "none"}),
        ),
        (
            "unix:///run/redis.sock?db=4",
            ("localhost", 6379, "/run/redis.sock", 4, None, None, None),
        ),
    ],
)
def test_urls_the_own_client_speaks(
    url: str, expected: tuple[Any, ...]
) -> None:
    where = _resp.parse(url, 1.0)

    assert where is not None
    assert expected == (
        where.host,
        where.port,
        where.path,
        where.db,
        where.username,
        where.password,
        where.tls,
    )
    assert where.password is None or where.password not in repr(where)


@pytest.mark.parametrize(
    "url",
    [
        "redis://h?health_check_interval=3",
        "redis://h?ssl_ca_certs=/ca.pem",  # TLS options without rediss://
        "redis://h/x",
        "redis://h?socket_timeout=soon",
        "valkey://h",
    ],
)
def test_urls_left_to_redis_py(url: str) -> None:
    assert _resp.parse(url, 1.0) is None


def test_a_url_may_only_shorten_the_timeout() -> None:
    assert 0.5 == _resp.parse("redis://h?socket_timeout=0.5", 1.0).timeout  # type: ignore[union-attr]
    assert 1.0 == _resp.parse("redis://h?socket_timeout=9", 1.0).timeout  # type: ignore[union-attr]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")
def test_a_forked_child_never_writes_on_the_parents_connection(
    server: TMDbServer,
    redis_url: str,  # noqa: F811
) -> None:
    """After fork(), the child connects anew; the parent's connection stays good."""
    key = key_for(server.api_key.lower(), server.url, "guest")
    store = RedisStore(redis_url)
    store.put(key, _guest(server))
    with _client(redis_url) as client:
        counts = Counts(client)
        with warnings.catch_warnings():  # forking a threaded process
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                code = 0 if store.get(key) == _guest(server) else 2
            finally:
                os._exit(code)
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        found = store.get(key)
        commands, _, connections = counts.since()
    store.close()

    assert (0, _guest(server)) == (status, found)
    assert ({"get": 2}, 1) == (commands, connections)


def test_a_unix_socket(server: TMDbServer, tmp_path: Path) -> None:
    """unix:// URLs: the session goes over the socket, no redis-py."""
    local = RedisServer(binary(), tmp_path, unix=tmp_path / "redis.sock")
    local.start()
    try:
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                COLD,
                server.url,
                server.api_key,
                local.url,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        store = RedisStore(local.url)
        kinds = [r["kind"] for _, r in store.records()]
        store.close()
    finally:
        local.stop()

    assert "201 False" == out.stdout.strip()
    assert ["guest"] == kinds


@pytest.mark.parametrize("other_end", ["http", "tls-to-plain", "no-socket"])
def test_not_a_redis_at_the_other_end(
    other_end: str,
    server: TMDbServer,
    redis_url: str,  # noqa: F811 -- the fixture
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """
    A URL whose other end is no Redis: an HTTP server (a wrong port),
    TLS to a plain server, a missing socket. The calls succeed from
    memory, with one warning; nothing hangs.
    """
    port = redis_url.rsplit(":", 1)[1].split("/", maxsplit=1)[0]
    url = {
        "http": server.url.replace("http://", "redis://") + "/0",
        "tls-to-plain": f"rediss://127.0.0.1:{port}/0?ssl_cert_reqs=none",
        "no-socket": f"unix://{tmp_path}/none.sock",
    }[other_end]
    auth = TMDbAuth(
        server.api_key, api_url=server.url, session="guest", cache=url
    )
    with requests.Session() as s:
        statuses = [
            s.post(
                server.url + RATING, json={"value": 8}, auth=auth
            ).status_code
            for _ in range(3)
        ]
    auth.close()

    assert [201] * 3 == statuses
    assert 1 == server.sessions_created["guest"]
    warned = [
        r
        for r in caplog.records
        if r.name == "tmdb_auth" and r.levelno == logging.WARNING
    ]
    assert 1 == len(warned)


@pytest.mark.parametrize(
    ("options", "verify", "hostname"),
    [
        ({}, "CERT_REQUIRED", True),
        ({"ssl_cert_reqs": "optional"}, "CERT_OPTIONAL", True),
        ({"ssl_cert_reqs": "none"}, "CERT_NONE", False),
        ({"ssl_check_hostname": "false"}, "CERT_REQUIRED", False),
    ],
)
def test_tls_options_of_the_url(
    options: dict[str, str], verify: str, hostname: bool
) -> None:
    """rediss:// verifies by default; the URL's ssl_* options relax it."""
    context = _resp._context(options)

    assert verify == context.verify_mode.name
    assert hostname is context.check_hostname


@pytest.mark.parametrize("ended_by", ["write", "lapse"])
def test_a_waiter_on_a_redis_py_client_wakes(
    server: TMDbServer,
    redis_url: str,  # noqa: F811 -- the fixture
    monkeypatch: pytest.MonkeyPatch,
    ended_by: str,
) -> None:
    """A store on your own redis.Redis client waits by pub/sub too."""
    key = key_for(server.api_key.lower(), server.url, "guest")
    blocked, woke = threading.Event(), threading.Event()
    blocking = redis_store._PyListener.wait

    def wait(self: Any, timeout: float) -> bool:
        blocked.set()
        return bool(blocking(self, timeout))

    monkeypatch.setattr(redis_store._PyListener, "wait", wait)
    with _client(redis_url) as mine:
        holder, waiter = RedisStore(redis_url), RedisStore(mine)
        assert holder.lock(
            key, "the-holder", 120 if ended_by == "write" else 0.3
        )
        thread = threading.Thread(
            target=lambda: (waiter.wait(key, 60), woke.set())
        )
        thread.start()
        try:
            assert blocked.wait(30)
            if ended_by == "write":
                holder.put(key, _guest(server))
            assert woke.wait(30)
            assert ended_by == "write" or holder.lock(key, "next", 30)
        finally:
            thread.join(30)
            holder.close()
            waiter.close()
