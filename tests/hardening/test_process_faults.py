"""
3. Process faults: a process killed with SIGKILL while it holds the
cross-process lock (its session call is in flight), or while it writes the
session (inside the SQLite transaction, before the commit). The next
process gets a session within the lock's expiry, and the cache is readable
(SQLite's integrity check passes, the records list).

The lock's expiry is 30 s in the product; both processes here set it to
`TTL` so that the suite stays fast (the code reads it at each use).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import time

from pathlib import Path

import pytest

from tests.hardening.conftest import scale
from tests.leaks import FIGURES
from tmdb_auth._store import Store
from tmdb_auth.testing import TMDbServer


if not hasattr(signal, "SIGKILL"):  # pragma: no cover
    pytest.skip("needs SIGKILL", allow_module_level=True)

RATING = "/3/movie/550/rating"
GUEST = "/3/authentication/guest_session/new"
TTL = 1.5
ROUNDS = scale(1, 5)

CHILD = """
import sys, time
import tmdb_auth._sessions
url, key, cache, ttl, mode = sys.argv[1:]
tmdb_auth._sessions.LOCK_TTL = float(ttl)
if mode == "write":
    import diskcache
    original = diskcache.Cache.set
    def hold(self, name, value, *args, **kwargs):
        if isinstance(value, dict) and "kind" in value:
            with self.transact():
                original(self, name, value, *args, **kwargs)
                print("WRITING", flush=True)
                time.sleep(600)  # until SIGKILL
        return original(self, name, value, *args, **kwargs)
    diskcache.Cache.set = hold
import requests
from tmdb_auth.requests import TMDbAuth
auth = TMDbAuth(key, api_url=url, cache=cache, session="guest")
print("READY", flush=True)
r = requests.post(url + "/3/movie/550/rating", json={"value": 8},
                  auth=auth, timeout=60)
print(r.status_code, flush=True)
"""


def _spawn(server: TMDbServer, cache: str, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            server.url,
            server.api_key,
            cache,
            str(TTL),
            mode,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _line(proc: subprocess.Popen[str], timeout: float = 30.0) -> str:
    """The next line the child prints, waiting at most *timeout*."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        assert selector.select(timeout), "the child printed nothing"
    return proc.stdout.readline().strip()


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    assert -signal.SIGKILL == proc.wait(30)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    FIGURES["processes_killed_with_sigkill"] += 1


def _next_process(server: TMDbServer, cache: str) -> float:
    """Run the next process to its end; return how long it took."""
    started = time.monotonic()
    proc = _spawn(server, cache, "plain")
    out, err = proc.communicate(timeout=60)
    elapsed = time.monotonic() - started
    assert 0 == proc.returncode, err[-2000:]
    assert ["READY", "201"] == out.split(), out
    FIGURES["processes_recovered"] += 1
    return elapsed


def _readable(cache: str, server: TMDbServer) -> None:
    """SQLite says the database is sound; the store lists the session."""
    with contextlib.closing(
        sqlite3.connect(os.path.join(cache, "cache.db"))
    ) as db:
        assert [("ok",)] == db.execute("PRAGMA integrity_check").fetchall()
    store = Store(cache)
    try:
        records = [r for _, r in store.records()]
    finally:
        store.close()
    used = server.requests[-1].query["guest_session_id"]
    assert [("guest", used)] == [(r["kind"], r["id"]) for r in records]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_killed_holding_the_lock(
    server: TMDbServer, tmp_path: Path, round_: int
) -> None:
    """
    Killed while its guest_session/new call is in flight, the lock held:
    the next process waits out the lock, then makes the one session.
    """
    cache = str(tmp_path / "cache")
    # The first creation is answered only after 30 s: the child holds the
    # lock meanwhile.
    server.fail_next(GUEST, status=None, delay=30.0)
    child = _spawn(server, cache, "plain")
    assert "READY" == _line(child)
    assert server.wait_for(GUEST, timeout=30)
    _kill(child)

    elapsed = _next_process(server, cache)

    # Within the lock's expiry (plus a process start-up, generously).
    assert elapsed < TTL + 15
    # The lost call is still held by the stand-in: one session in all.
    assert {"guest": 1, "user": 0} == server.sessions_created
    assert 2 == server.count(GUEST)
    _readable(cache, server)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_killed_writing_the_session(
    server: TMDbServer, tmp_path: Path, round_: int
) -> None:
    """
    Killed inside the write transaction of the session it made: the
    write is lost, the database is sound, the next process makes a new
    session once the lock expires.
    """
    cache = str(tmp_path / "cache")
    child = _spawn(server, cache, "write")
    assert "READY" == _line(child)
    assert "WRITING" == _line(child)
    _kill(child)

    _next_process(server, cache)

    assert {"guest": 2, "user": 0} == server.sessions_created
    _readable(cache, server)
    ids = {r.query.get("guest_session_id") for r in server.requests}
    assert 1 == len(ids - {None})  # the child never sent its session
