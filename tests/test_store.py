"""The store: file modes, key scheme, expiry, locks and degradation."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import zlib

from pathlib import Path

import pytest

from tmdb_auth._store import Store, key_for


KEY = "0123456789abcdef0123456789abcdef"
RECORD = {"kind": "user", "id": "a" * 40, "username": "ann"}


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "cache"


class TestFiles:
    def test_modes_whatever_the_umask(self, directory: Path) -> None:
        """The directory is 0700 and every file 0600, even with umask 0."""
        old = os.umask(0)
        try:
            store = Store(str(directory))
            store.put("k", RECORD, None)
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

        Store(str(directory)).put("k", RECORD, None)

        assert 0o700 == stat.S_IMODE(directory.stat().st_mode)
        assert "now 0700" in caplog.text

    def test_values_are_json(self, directory: Path) -> None:
        """Records are stored as JSON text, never pickled."""
        Store(str(directory)).put("k", RECORD, None)

        with sqlite3.connect(directory / "cache.db") as db:
            rows = db.execute("SELECT key, value FROM Cache").fetchall()

        assert 1 == len(rows)
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


@pytest.fixture(params=["disk", "memory"])
def store(request: pytest.FixtureRequest, directory: Path) -> Store:
    return Store(str(directory) if request.param == "disk" else None)


class TestRecords:
    def test_roundtrip(self, store: Store) -> None:
        """What is put is got back."""
        store.put("k", RECORD, None)

        assert RECORD == store.get("k")

    def test_expired_records_are_gone(self, store: Store) -> None:
        """A record put with an expiry in the past is not returned."""
        store.put("k", RECORD, -1.0)

        assert store.get("k") is None

    def test_delete_only_if_same_id(self, store: Store) -> None:
        """delete(only_id=) leaves a record that was already replaced."""
        store.put("k", RECORD, None)

        assert not store.delete("k", only_id="b" * 40)
        assert RECORD == store.get("k")
        assert store.delete("k", only_id="a" * 40)
        assert store.get("k") is None

    def test_lock_is_exclusive(self, store: Store) -> None:
        """Only one holder at a time; releasing frees it."""
        token = store.try_lock("L", 30)

        assert token is not None
        assert store.try_lock("L", 30) is None
        store.unlock("L", "not-the-token")
        assert store.try_lock("L", 30) is None
        store.unlock("L", token)
        assert store.try_lock("L", 30) is not None

    def test_lock_expires(self, store: Store) -> None:
        """A holder that never releases blocks no one past the TTL."""
        assert store.try_lock("L", -1) is not None
        assert store.try_lock("L", 30) is not None

    def test_records_lists_sessions(self, store: Store) -> None:
        """records() lists session records only."""
        store.put(key_for(KEY, "o", "user", "ann"), RECORD, None)
        store.put(key_for(KEY, "o", "user-latest"), {"username": "ann"}, None)
        store.try_lock("x:lock", 30)

        assert [RECORD] == [r for _, r in store.records()]


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

        Store(str(link)).put("k", RECORD, None)

        assert RECORD == Store(str(real)).get("k")


class TestReadOnlyPeek:
    def test_reads_what_diskcache_wrote(self, directory: Path) -> None:
        """A new store reads a record without opening diskcache."""
        Store(str(directory)).put("k", RECORD, None)
        fresh = Store(str(directory))

        assert RECORD == fresh.get("k")
        assert fresh._backend is None

    def test_expired_is_a_miss(self, directory: Path) -> None:
        """An expired record is not returned by the peek either."""
        Store(str(directory)).put("k", RECORD, -1.0)
        fresh = Store(str(directory))

        assert fresh.get("k") is None

    def test_loose_directory_is_not_peeked(self, directory: Path) -> None:
        """The peek trusts only a private directory; the full path repairs it."""
        Store(str(directory)).put("k", RECORD, None)
        directory.chmod(0o755)
        fresh = Store(str(directory))

        assert RECORD == fresh.get("k")
        assert fresh._backend is not None
        assert 0o700 == stat.S_IMODE(directory.stat().st_mode)

    def test_missing_database(self, directory: Path) -> None:
        """No cache yet: a miss, then the normal open creates it."""
        fresh = Store(str(directory))

        assert fresh.get("k") is None
        assert (directory / "cache.db").exists()


class TestSharedDirectory:
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
