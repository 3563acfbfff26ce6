"""
The stores: the protocol on every store, the disk store's safety (no
unpickling, no foreign files, no corrupt row breaking a call), its file
modes and key scheme, the memory in front, and degradation.

Tests of the Redis store against a real server are in
``tests/test_redis_store.py``; the protocol tests below run on it too.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import pickle
import sqlite3
import stat
import subprocess
import sys
import threading
import zlib

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import diskcache
import pytest
import requests

from tests.hardening.test_storage_faults import _warnings
from tests.redis_server import redis_server, redis_url  # noqa: F401
from tmdb_auth import _store
from tmdb_auth._cli import main
from tmdb_auth._store import Store, key_for
from tmdb_auth.requests import TMDbAuth
from tmdb_auth.stores import (
    DiskStore,
    MemoryStore,
    RedisStore,
    SessionRecord,
    SessionStore,
)
from tmdb_auth.testing import TMDbServer


KEY = "0123456789abcdef0123456789abcdef"
K = key_for(KEY, "o", "guest")
RECORD: SessionRecord = {"kind": "user", "id": "a" * 40, "username": "ann"}
RATING = "/3/movie/550/rating"


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "cache"


# -- the protocol, on every store -----------------------------------------


@pytest.fixture(params=["memory", "disk", "redis"])
def any_store(
    request: pytest.FixtureRequest, directory: Path
) -> Iterator[SessionStore]:
    store: SessionStore
    if request.param == "memory":
        store = MemoryStore()
    elif request.param == "disk":
        store = DiskStore(directory)
    else:
        store = RedisStore(request.getfixturevalue("redis_url"))
    try:
        yield store
    finally:
        store.close()


class TestProtocol:
    def test_is_a_session_store(self, any_store: SessionStore) -> None:
        """Every built-in store implements the public protocol."""
        assert isinstance(any_store, SessionStore)

    def test_roundtrip(self, any_store: SessionStore) -> None:
        """What is put is got back, and listed."""
        any_store.put(K, RECORD)

        assert RECORD == any_store.get(K)
        assert [(K, RECORD)] == list(any_store.records())

    def test_missing(self, any_store: SessionStore) -> None:
        """An unknown key is None, and nothing is listed."""
        assert any_store.get(K) is None
        assert [] == list(any_store.records())

    def test_expired_records_are_gone(self, any_store: SessionStore) -> None:
        """A record put with an expiry in the past is not returned."""
        any_store.put(K, RECORD, -1.0)

        assert any_store.get(K) is None
        assert [] == list(any_store.records())

    def test_delete_only_if_same_id(self, any_store: SessionStore) -> None:
        """delete(only_id=) leaves a record that was already replaced."""
        any_store.put(K, RECORD)

        assert not any_store.delete(K, only_id="b" * 40)
        assert RECORD == any_store.get(K)
        assert any_store.delete(K, only_id="a" * 40)
        assert any_store.get(K) is None
        assert not any_store.delete(K)

    def test_lock_is_exclusive(self, any_store: SessionStore) -> None:
        """One holder at a time; only the owner releases it."""
        assert any_store.lock(K, "one", 30)
        assert not any_store.lock(K, "two", 30)

        any_store.unlock(K, "two")
        assert not any_store.lock(K, "two", 30)
        any_store.unlock(K, "one")
        assert any_store.lock(K, "two", 30)

    def test_wait_returns_at_once_without_a_holder(
        self, any_store: SessionStore
    ) -> None:
        """Nobody holds the lock: wait() does not block (a 60 s timeout)."""
        any_store.wait(K, 60)

        any_store.put(K, RECORD)
        any_store.wait(K, 60)

    @pytest.mark.parametrize("how", ["put", "unlock"])
    def test_waiters_wake_when_the_holder_finishes(
        self, any_store: SessionStore, how: str
    ) -> None:
        """Waiters block while the lock is held and wake on put or unlock."""
        assert any_store.lock(K, "holder", 30)
        started = threading.Barrier(5)
        woke = threading.Semaphore(0)

        def waiter() -> None:
            started.wait()
            any_store.wait(K, 60)
            woke.release()

        threads = [threading.Thread(target=waiter) for _ in range(4)]
        for thread in threads:
            thread.start()
        started.wait()
        assert not woke.acquire(timeout=0.2)  # still held: nobody woke

        if how == "put":
            any_store.put(K, RECORD)
        any_store.unlock(K, "holder")
        for thread in threads:
            thread.join(30)

        assert all(woke.acquire(timeout=0) for _ in range(4))

    def test_close_is_idempotent(self, any_store: SessionStore) -> None:
        """close() twice is fine."""
        any_store.put(K, RECORD)

        any_store.close()
        any_store.close()


@pytest.mark.parametrize("kind", [MemoryStore, RedisStore])
def test_lock_lapses_after_its_ttl(
    kind: type[Any], request: pytest.FixtureRequest
) -> None:
    """A holder that never unlocks blocks nobody past the TTL."""
    store = (
        MemoryStore()
        if kind is MemoryStore
        else RedisStore(request.getfixturevalue("redis_url"))
    )
    try:
        assert store.lock(K, "gone", 0.05)
        store.wait(K, 60)  # returns when the lock lapses

        assert store.lock(K, "next", 30)
    finally:
        store.close()


def test_disk_lock_ends_with_its_process(directory: Path) -> None:
    """A disk lock held by a process that died is free at once."""
    code = (
        "import sys, os; from tmdb_auth.stores import DiskStore;"
        "s = DiskStore(sys.argv[1]); assert s.lock(sys.argv[2], 'x', 30);"
        "print('HELD', flush=True); os._exit(0)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(directory), K],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    store = DiskStore(directory)

    assert "HELD" == out.stdout.strip()
    store.wait(K, 60)
    assert store.lock(K, "mine", 30)
    store.close()


# -- item 1: nothing is ever unpickled ------------------------------------


class Marker:
    """Unpickling this creates a directory: proof that code ran."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.mkdir, (self.path,))


def _guest(server: TMDbServer, sid: str = "f" * 32) -> SessionRecord:
    return {
        "kind": "guest",
        "id": sid,
        "username": None,
        "created_at": 1.0,
        "expires_at": 4e9,
        "origin": server.url,
        "app": "x",
    }


def _guest_key(server: TMDbServer) -> str:
    return key_for(server.api_key.lower(), server.url, "guest")


def _pickle_row(database: Path, key: str, payload: object) -> None:
    """Switch the row of *key* to diskcache's pickle mode, as a tamperer."""
    disk_key = zlib.compress(json.dumps(key).encode(), 1)
    with sqlite3.connect(database) as db:
        db.execute(
            "UPDATE Cache SET mode = 4, value = ? WHERE key = ?",
            (pickle.dumps(payload), disk_key),
        )
    db.close()


def _every_read_path(
    server: TMDbServer, cache: Any, directory: Path, capsys: Any
) -> None:
    """get, records, `tmdb-auth status`, and a call through an adapter."""
    store = Store(cache)
    store.get(_guest_key(server))
    store.records()
    store.delete(_guest_key(server), only_id="0" * 32)
    assert 0 == main(["status", "--cache-dir", str(directory)])
    capsys.readouterr()
    assert 201 == _rate(server, cache)
    store.close()


def _rate(server: TMDbServer, cache: Any) -> int:
    """A guest rating through a new requests auth on *cache*, closed after."""
    auth = TMDbAuth(
        server.api_key, api_url=server.url, session="guest", cache=cache
    )
    with requests.Session() as s, contextlib.closing(auth._sessions):
        return s.post(
            server.url + RATING, json={"value": 8}, auth=auth
        ).status_code


class TestNeverUnpickled:
    """Issue 10.4: no row, key or value, is ever unpickled."""

    @pytest.mark.parametrize("planted", ["value", "key"])
    def test_planted_pickle(
        self,
        *,
        server: TMDbServer,
        directory: Path,
        tmp_path: Path,
        caplog: pytest.LogCaptureFixture,
        capsys: Any,
        planted: str,
    ) -> None:
        """A row switched to pickle mode, or a pickled key: never loaded."""
        marker = tmp_path / "ran"
        DiskStore(directory).put(_guest_key(server), _guest(server))
        if planted == "value":
            _pickle_row(
                directory / "cache.db", _guest_key(server), Marker(marker)
            )
        else:
            with diskcache.Cache(directory) as cache:  # pickling by default
                cache.set(Marker(marker), "x")
                cache.set(_guest_key(server) + "x", Marker(marker))

        _every_read_path(server, str(directory), directory, capsys)

        assert not marker.exists()
        assert 1 == _warnings(caplog, "not plain JSON")
        assert 1 == server.sessions_created["guest"]

    def test_users_own_pickling_cache(
        self,
        server: TMDbServer,
        directory: Path,
        tmp_path: Path,
        caplog: pytest.LogCaptureFixture,
        capsys: Any,
    ) -> None:
        """A diskcache.Cache passed in, with its pickling Disk: JSON in, nothing unpickled."""
        marker = tmp_path / "ran"
        with diskcache.Cache(directory) as cache:
            first = TMDbAuth(
                server.api_key,
                api_url=server.url,
                session="guest",
                cache=cache,
            )
            with requests.Session() as s:
                s.post(server.url + RATING, json={"value": 8}, auth=first)
            rows = sqlite3.connect(directory / "cache.db")
            modes = {m for (m,) in rows.execute("SELECT mode FROM Cache")}
            rows.close()
            assert {1} == modes  # raw JSON, not pickle (4)
            cache.set("theirs", Marker(marker))  # the user's own pickled row
            _pickle_row(
                directory / "cache.db", _guest_key(server), Marker(marker)
            )

            _every_read_path(server, cache, directory, capsys)

        assert not marker.exists()
        assert 1 == _warnings(caplog, "not plain JSON")

    def test_users_cache_is_not_closed(self, directory: Path) -> None:
        """The plugin never closes a diskcache.Cache it was given."""
        with diskcache.Cache(directory) as cache:
            store = Store(cache)
            store.put(K, RECORD, None)
            store.close()

            cache.set("still", "open")
            assert "open" == cache.get("still")


# -- item 2: files of another user are refused ----------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown")
class TestForeignFiles:
    """Issue 10.5: a store file owned by another uid is refused, everywhere."""

    def _plant(self, server: TMDbServer, directory: Path, name: str) -> None:
        DiskStore(directory).put(_guest_key(server), _guest(server))
        os.chown(directory / name, 12345, 12345)

    @pytest.mark.parametrize("name", ["cache.db", "cache.db-wal"])
    def test_foreign_file_in_own_directory(
        self,
        server: TMDbServer,
        directory: Path,
        caplog: pytest.LogCaptureFixture,
        name: str,
    ) -> None:
        """A cache.db (or its -wal) chowned away: never read, one warning."""
        self._plant(server, directory, "cache.db")
        (directory / "cache.db-wal").touch(0o600)
        if name != "cache.db":
            os.chown(directory / "cache.db", os.getuid(), os.getgid())
            os.chown(directory / name, 12345, 12345)

        store = Store(str(directory))

        assert store.get(_guest_key(server)) is None
        assert store.degraded
        assert 1 == _warnings(caplog, "belongs to another user")

    def test_foreign_database_in_a_loose_directory(
        self,
        server: TMDbServer,
        directory: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """0777 with a foreign cache.db: refused on this run and the next."""
        planted = "e" * 32
        self._plant(server, directory, "cache.db")
        with sqlite3.connect(directory / "cache.db") as db:
            db.execute(
                "UPDATE Cache SET value = ?",
                (zlib.compress(json.dumps(_guest(server, planted)).encode()),),
            )
        db.close()
        directory.chmod(0o777)

        for _ in range(2):  # two runs, as two processes
            monkeypatch.setattr(_store, "_MEMO", {})
            assert 201 == _rate(server, str(directory))
            used = {q.query.get("guest_session_id") for q in server.requests}
            assert planted not in used

        assert 2 == server.sessions_created["guest"]
        assert 12345 == (directory / "cache.db").stat().st_uid

    def test_every_path_refuses(
        self, server: TMDbServer, directory: Path
    ) -> None:
        """get, records, put, delete, lock: each refuses the directory."""
        self._plant(server, directory, "cache.db")
        store = DiskStore(directory)

        for op in (
            lambda: store.get(K),
            lambda: list(store.records()),
            lambda: store.put(K, RECORD),
            lambda: store.delete(K),
            lambda: store.lock(K, "o", 30),
        ):
            with pytest.raises(OSError, match="another user"):
                op()

    def test_foreign_lock_file(self, directory: Path) -> None:
        """A lock file planted by another user is refused too."""
        store = DiskStore(directory)
        assert store.lock(K, "o", 30)
        store.unlock(K, "o")
        (lock,) = directory.glob("cache.db-lock-*")
        os.chown(lock, 12345, 12345)

        with pytest.raises(OSError, match="another user"):
            store.lock(K, "o", 30)

    def test_users_cache_with_foreign_database(
        self, directory: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A diskcache.Cache passed in is held to the same rule."""
        with diskcache.Cache(directory) as cache:
            os.chown(directory / "cache.db", 12345, 12345)
            store = Store(cache)

            assert store.get(K) is None
            assert store.degraded
            os.chown(directory / "cache.db", os.getuid(), os.getgid())


# -- item 3: a corrupt row never breaks a call ----------------------------


CORRUPT = {
    "not zlib": (1, b"this is not zlib"),
    "plain text": (1, zlib.compress(b"plain text, not JSON")),
    "a JSON string": (1, zlib.compress(b'"a string"')),
    "a bad pickle": (4, b"\x80\x05not a pickle"),
    "unknown mode": (9, zlib.compress(b"{}")),
    "text mode": (3, None),
    "a zlib bomb": (1, zlib.compress(b"[" * (1 << 20))),
}


class TestCorruptRows:
    """Issue 10.6: a corrupt row is ignored with one warning."""

    @pytest.mark.parametrize("shape", list(CORRUPT))
    def test_call_succeeds(
        self,
        server: TMDbServer,
        directory: Path,
        caplog: pytest.LogCaptureFixture,
        shape: str,
    ) -> None:
        """The row is ignored: a new session, the call succeeds, one warning."""
        mode, value = CORRUPT[shape]
        DiskStore(directory).put(_guest_key(server), _guest(server))
        with sqlite3.connect(directory / "cache.db") as db:
            db.execute("UPDATE Cache SET mode = ?, value = ?", (mode, value))
        db.close()

        for _ in range(2):
            assert 201 == _rate(server, str(directory))

        assert 1 == server.sessions_created["guest"]
        assert 1 == _warnings(caplog, "not plain JSON")

    def test_records_skip_corrupt_rows(
        self, directory: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """status lists the sound rows and skips the corrupt one."""
        store = DiskStore(directory)
        store.put(K, {"kind": "guest", "id": "1" * 32})
        other = key_for(KEY, "o", "user", "ann")
        store.put(other, RECORD)
        with sqlite3.connect(directory / "cache.db") as db:
            db.execute(
                "UPDATE Cache SET value = ? WHERE key = ?",
                (b"junk", zlib.compress(json.dumps(K).encode(), 1)),
            )
        db.close()

        assert [(other, RECORD)] == list(store.records())
        assert 1 == _warnings(caplog, "not plain JSON")


# -- the disk store's files -----------------------------------------------


class TestFiles:
    def test_modes_whatever_the_umask(self, directory: Path) -> None:
        """The directory is 0700 and every file 0600, even with umask 0."""
        old = os.umask(0)
        try:
            store = DiskStore(directory)
            store.put(K, RECORD)
            store.get(K)
            assert store.lock(K, "o", 30)
            store.unlock(K, "o")
        finally:
            os.umask(old)

        assert 0o700 == stat.S_IMODE(directory.stat().st_mode)
        modes = {
            p.name: stat.S_IMODE(p.stat().st_mode) for p in directory.iterdir()
        }
        assert "cache.db" in modes
        assert {0o600} == set(modes.values())

    def test_loose_directory_is_repaired(
        self, directory: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A world-readable cache directory is set back to 0700, with a warning."""
        directory.mkdir(mode=0o755)
        directory.chmod(0o755)

        DiskStore(directory).put(K, RECORD)

        assert 0o700 == stat.S_IMODE(directory.stat().st_mode)
        assert "now 0700" in caplog.text

    def test_values_are_json(self, directory: Path) -> None:
        """Records are stored as zlib-compressed JSON, never pickled."""
        DiskStore(directory).put(K, RECORD)

        with sqlite3.connect(directory / "cache.db") as db:
            rows = db.execute("SELECT mode, value FROM Cache").fetchall()
        db.close()

        assert [1] == [mode for mode, _ in rows]
        assert RECORD == json.loads(zlib.decompress(rows[0][1]))

    def test_key_is_a_hash(self) -> None:
        """The key names no secret, and differs by each part."""
        key = key_for(KEY, "https://api.themoviedb.org", "user", "ann")

        assert KEY not in key
        assert key.startswith("tmdb-auth:v1:")
        assert key != key_for(KEY, "https://api.themoviedb.org", "user", "bob")
        assert key != key_for(KEY, "http://127.0.0.1:1", "user", "ann")
        assert key != key_for(
            KEY, "https://api.themoviedb.org", "guest", "ann"
        )

    def test_reading_opens_no_diskcache(self, directory: Path) -> None:
        """A new store reads a record, and misses, without diskcache."""
        DiskStore(directory).put(K, RECORD)
        fresh = DiskStore(directory)

        assert RECORD == fresh.get(K)
        assert fresh.get(K + "x") is None
        assert [(K, RECORD)] == list(fresh.records())
        assert fresh._writer is None

    def test_a_miss_creates_nothing(self, directory: Path) -> None:
        """No cache yet: a miss, and no directory is made for it."""
        assert DiskStore(directory).get(K) is None
        assert not directory.exists()

    def test_loose_directory_read_is_repaired(self, directory: Path) -> None:
        """A read trusts only a private directory: it repairs it first."""
        DiskStore(directory).put(K, RECORD)
        directory.chmod(0o755)

        assert RECORD == DiskStore(directory).get(K)
        assert 0o700 == stat.S_IMODE(directory.stat().st_mode)


# -- memory in front ------------------------------------------------------


class TestMemoryInFront:
    def test_new_store_finds_it_without_io(self, directory: Path) -> None:
        """A second auth's store finds a record in memory: no file is read."""
        Store(str(directory)).put(K, RECORD, None)
        (directory / "cache.db").unlink()

        assert RECORD == Store(str(directory)).get(K)

    def test_per_location(self, tmp_path: Path) -> None:
        """Two directories do not share memory."""
        Store(str(tmp_path / "a")).put(K, RECORD, None)

        assert Store(str(tmp_path / "b")).get(K) is None

    def test_delete_drops_it(self, directory: Path) -> None:
        """A deleted record is gone from memory too; a replaced one is not."""
        Store(str(directory)).put(K, RECORD, None)

        assert not Store(str(directory)).delete(K, only_id="b" * 40)
        assert RECORD == Store(str(directory)).get(K)
        assert Store(str(directory)).delete(K, only_id="a" * 40)
        assert Store(str(directory)).get(K) is None

    def test_expiry_holds_in_memory(self, directory: Path) -> None:
        """An expired record is not served from memory."""
        Store(str(directory)).put(K, RECORD, -1.0)

        assert Store(str(directory)).get(K) is None

    def test_none_is_private_to_the_auth(self) -> None:
        """cache=None: memory of one auth object, not shared."""
        Store(None).put(K, RECORD, None)

        assert Store(None).get(K) is None

    def test_bounded(
        self, directory: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The memory holds a bounded number of records."""
        monkeypatch.setattr(_store, "_MEMO_SIZE", 3)
        monkeypatch.setattr(_store, "_MEMO", {})
        store = Store(str(directory))
        for i in range(10):
            store.put(f"{K}{i}", RECORD, None)

        assert 3 == len(_store._MEMO)


# -- degradation ----------------------------------------------------------


class TestDegradation:
    def test_corrupt_database(
        self, directory: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A corrupt cache.db degrades to memory with one warning."""
        directory.mkdir(mode=0o700)
        (directory / "cache.db").write_bytes(b"this is not sqlite" * 100)
        (directory / "cache.db").chmod(0o600)
        store = Store(str(directory))

        with caplog.at_level(logging.WARNING, logger="tmdb_auth"):
            store.put("k", RECORD, None)
            store.put("k2", RECORD, None)

        assert RECORD == store.get("k")
        assert store.degraded
        assert 1 == caplog.text.count("cannot be used")

    @pytest.mark.parametrize(
        "content", [b"not sqlite" * 100, b"SQLite format 3\0" + b"\1" * 4096]
    )
    def test_no_connection_left_open(
        self, directory: Path, content: bytes
    ) -> None:
        """A store that fails, a write that fails, leave no SQLite open."""
        before = _open_connections()
        directory.mkdir(mode=0o700)
        (directory / "cache.db").write_bytes(content)
        (directory / "cache.db").chmod(0o600)
        disk = DiskStore(directory)
        with contextlib.suppress(sqlite3.Error):
            disk.put(K, RECORD)
        with contextlib.suppress(sqlite3.Error):
            disk.get(K)
        disk.close()
        store = Store(str(directory))
        store.put(K, RECORD, None)  # degrades to memory
        store.close()
        gc.collect()

        assert before >= _open_connections()

    def test_unwritable_directory(self, tmp_path: Path) -> None:
        """A path that cannot be created degrades to memory."""
        blocker = tmp_path / "file"
        blocker.write_text("")
        store = Store(str(blocker / "cache"))

        store.put("k", RECORD, None)

        assert RECORD == store.get("k")
        assert store.degraded

    @pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown")
    def test_foreign_directory_is_refused(
        self, directory: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A cache directory owned by someone else is not used."""
        directory.mkdir(mode=0o700)
        os.chown(directory, 12345, 12345)

        store = Store(str(directory))
        store.put("k", RECORD, None)

        assert store.degraded
        assert "another user" in caplog.text
        assert not (directory / "cache.db").exists()

    def test_symlinked_directory_is_followed(self, tmp_path: Path) -> None:
        """A symlink to a private directory works like the directory."""
        real = tmp_path / "real"
        real.mkdir(mode=0o700)
        link = tmp_path / "link"
        link.symlink_to(real)

        DiskStore(link).put(K, RECORD)

        assert RECORD == DiskStore(real).get(K)

    def test_loose_directory_with_other_files_is_refused(
        self, directory: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A shared directory (a home, /tmp) is never chmod-ed: memory instead."""
        directory.mkdir(mode=0o755)
        directory.chmod(0o755)
        (directory / "notes.txt").write_text("mine")

        store = Store(str(directory))
        store.put("k", RECORD, None)

        assert 0o755 == stat.S_IMODE(directory.stat().st_mode)
        assert store.degraded
        assert RECORD == store.get("k")
        assert "directory of its own" in caplog.text
        assert not (directory / "cache.db").exists()

    def test_users_store_that_raises(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A user's store raising anything: memory, one warning, no error."""

        class Broken(MemoryStore):
            def get(self, key: str) -> SessionRecord | None:
                raise RuntimeError("down")

            def put(
                self,
                key: str,
                record: SessionRecord,
                expire: float | None = None,
            ) -> None:
                raise RuntimeError("down")

        store = Store(Broken())
        store.put("k", RECORD, None)

        assert RECORD == store.get("k")
        assert 1 == _warnings(caplog, "cannot be used")

    def test_lock_taken_before_a_degradation_is_released(
        self, directory: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A disk lock held when the disk fails is still released."""
        store = Store(str(directory))
        assert store.lock(K, "o", 30)

        def full(*args: Any) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(DiskStore, "put", full)
        store.put(K, RECORD, None)
        store.unlock(K, "o")

        assert DiskStore(directory).lock(K, "other", 30)


def _open_connections() -> set[int]:
    """The ids of the SQLite connections alive and open in this process."""
    found = set()
    for obj in gc.get_objects():
        # type(), not isinstance(): the latter asks lazy objects (Django's
        # settings, once imported by another test) for their __class__.
        if type(obj) is sqlite3.Connection:
            try:
                obj.total_changes  # noqa: B018 -- raises once closed
            except sqlite3.ProgrammingError:
                continue
            found.add(id(obj))
    return found


def test_import_opens_nothing() -> None:
    """Importing the stores imports neither diskcache nor redis."""
    code = (
        "import sys, tmdb_auth.stores, tmdb_auth._store;"
        "print([m for m in ('diskcache', 'redis') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )

    assert "[]" == out.stdout.strip()
