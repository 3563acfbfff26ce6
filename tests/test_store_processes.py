"""
The disk store across processes: waiting without polling diskcache, and a
cold start that opens nothing.

- Processes that wait for another's session block on a file lock beside
  the store and wake when it is released; they never import diskcache:
  only the process that writes does.
- A new process whose session is cached reads it without importing
  diskcache, in every mode, and so do clean misses (a user-latest record
  that is not there, a user with nothing cached, ``tmdb-auth status``).
"""

from __future__ import annotations

import os
import subprocess
import sys

from pathlib import Path

import pytest

from tests.leaks import FIGURES
from tmdb_auth._store import key_for
from tmdb_auth.stores import DiskStore
from tmdb_auth.testing import TMDbServer


RATING = "/3/movie/550/rating"

CALL = """
import os, sys
adapter, mode, url = sys.argv[1:4]
print("READY", flush=True)
sys.stdin.readline()
from tmdb_auth.exceptions import SessionRequired
try:
    if adapter == "requests":
        import requests
        from tmdb_auth.requests import TMDbAuth
        with requests.Session() as s:
            status = s.post(url + "/3/movie/550/rating", json={"value": 8},
                            auth=TMDbAuth(session=mode), timeout=60).status_code
    else:
        import httpx
        from tmdb_auth.httpx import TMDbAuth
        with httpx.Client(auth=TMDbAuth(session=mode), timeout=60) as c:
            status = c.post(url + "/3/movie/550/rating",
                            json={"value": 8}).status_code
except SessionRequired:
    status = "SessionRequired"
print(status, "diskcache" in sys.modules, flush=True)
"""


def _env(server: TMDbServer, cache: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TMDB_")}
    return {
        **base,
        "TMDB_API_KEY": server.api_key,
        "TMDB_API_URL": server.url,
        "TMDB_AUTH_CACHE_DIR": str(cache),
        **extra,
    }


def _spawn(
    server: TMDbServer, cache: Path, adapter: str, mode: str, **env: str
) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", CALL, adapter, mode, server.url],
        env=_env(server, cache, **env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert "READY" == proc.stdout.readline().strip()
    return proc


def _finish(proc: subprocess.Popen[str]) -> tuple[str, bool]:
    out, err = proc.communicate(timeout=120)
    assert 0 == proc.returncode, err[-2000:]
    status, imported = out.split()
    return status, imported == "True"


def _guest_cached(server: TMDbServer, cache: Path) -> None:
    """A live guest session in *cache*, made by a first process."""
    proc = _spawn(server, cache, "requests", "guest")
    proc.stdin.write("go\n")  # type: ignore[union-attr]
    assert ("201", True) == _finish(proc)  # it wrote: it opened diskcache
    server.reset()


class TestColdStart:
    @pytest.mark.parametrize("adapter", ["requests", "httpx"])
    @pytest.mark.parametrize("mode", ["auto", "guest"])
    def test_cached_session_opens_no_diskcache(
        self, server: TMDbServer, tmp_path: Path, adapter: str, mode: str
    ) -> None:
        """
        Only a guest session cached: in "auto" the missing user-latest
        record is a clean miss of the direct read; no diskcache import.
        """
        cache = tmp_path / "cache"
        _guest_cached(server, cache)
        proc = _spawn(server, cache, adapter, mode)
        proc.stdin.write("go\n")  # type: ignore[union-attr]

        assert ("201", False) == _finish(proc)
        assert [RATING] == [r.path for r in server.requests]

    def test_user_without_password_opens_no_diskcache(
        self, server: TMDbServer, tmp_path: Path
    ) -> None:
        """A user with nothing cached and no password: a clean miss."""
        proc = _spawn(
            server,
            tmp_path / "cache",
            "requests",
            "user",
            TMDB_USERNAME=server.username,
        )
        proc.stdin.write("go\n")  # type: ignore[union-attr]

        assert ("SessionRequired", False) == _finish(proc)

    def test_status_opens_no_diskcache(
        self, server: TMDbServer, tmp_path: Path
    ) -> None:
        """tmdb-auth status lists the sessions without diskcache."""
        cache = tmp_path / "cache"
        _guest_cached(server, cache)
        code = (
            "import sys; from tmdb_auth._cli import main;"
            "main(['status', '--cache-dir', sys.argv[1]]);"
            "print('diskcache' in sys.modules)"
        )

        out = subprocess.run(
            [sys.executable, "-c", code, str(cache)],
            capture_output=True,
            text=True,
            check=True,
            env=_env(server, cache),
        )

        assert "guest" in out.stdout
        assert "False" == out.stdout.split()[-1]


class TestWaiting:
    def test_waiters_block_on_the_file_lock(self, tmp_path: Path) -> None:
        """
        8 processes wait on a held lock: they block until it is released,
        all wake, and none imports diskcache.
        """
        store = DiskStore(tmp_path / "cache")
        key = key_for("k" * 32, "o", "guest")
        assert store.lock(key, "holder", 30)
        code = (
            "import sys; from tmdb_auth.stores import DiskStore;"
            "s = DiskStore(sys.argv[1]); print('WAITING', flush=True);"
            "s.wait(sys.argv[2], 60); print(s.get(sys.argv[2])['id'],"
            " 'diskcache' in sys.modules, flush=True)"
        )
        waiters = [
            subprocess.Popen(
                [sys.executable, "-c", code, str(tmp_path / "cache"), key],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(8)
        ]
        for proc in waiters:
            assert "WAITING" == proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert all(proc.poll() is None for proc in waiters)

        store.put(key, {"kind": "guest", "id": "s" * 32})
        store.unlock(key, "holder")
        outs = [proc.communicate(timeout=60) for proc in waiters]
        store.close()

        assert [("s" * 32 + " False\n", "")] * 8 == outs

    @pytest.mark.parametrize("adapter", ["requests", "httpx"])
    def test_8_processes_one_writer(
        self, server: TMDbServer, tmp_path: Path, adapter: str
    ) -> None:
        """8 processes race for one session: one writes; 7 never load diskcache."""
        server.session_delay = 0.3
        cache = tmp_path / "cache"
        procs = [_spawn(server, cache, adapter, "guest") for _ in range(8)]
        for proc in procs:
            proc.stdin.write("go\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]

        results = [_finish(proc) for proc in procs]

        assert ["201"] * 8 == [status for status, _ in results]
        assert 1 == server.sessions_created["guest"]
        assert 1 == sum(imported for _, imported in results)
        FIGURES["disk_stampede_processes"] += 8
        FIGURES["disk_stampede_diskcache_imports"] += sum(
            imported for _, imported in results
        )
