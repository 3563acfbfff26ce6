"""
4. Storage faults: a read-only cache directory, a full disk, a corrupt
``cache.db``, a directory owned by someone else or open to everyone, a
symlinked directory. Calls still succeed, through every adapter; a cache
that cannot be used gives one warning and memory; a loose one is repaired
with a warning; a foreign one is refused with a warning.

Where the machine allows (root with mount rights), the read-only directory
and the full disk are real: a tiny tmpfs, mounted read-only or filled up.
Elsewhere they are simulated at the same place: ``OSError(EROFS)`` from
opening the database, ``OSError(ENOSPC)`` from writing.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import stat
import subprocess

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients import Flavour as Driver
from tests.hardening.conftest import DRIVERS
from tests.leaks import FIGURES
from tmdb_auth.stores import DiskStore
from tmdb_auth.testing import TMDbServer


RATING = "/3/movie/550/rating"


@contextlib.contextmanager
def tmpfs(path: Path, options: str) -> Iterator[bool]:
    """Mount a tmpfs at *path*; yield whether that worked."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = False
    mount, umount = shutil.which("mount"), shutil.which("umount")
    if os.geteuid() == 0 and mount and umount:
        done = subprocess.run(
            [mount, "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
            capture_output=True,
            check=False,
        )
        mounted = done.returncode == 0
    try:
        yield mounted
    finally:
        if mounted and umount:
            subprocess.run([umount, "-l", str(path)], check=False)


def _fill(directory: Path) -> None:
    """Write until the file system is full."""
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for _ in range(1 << 20):  # bounded: 4 GiB
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC  # noqa: PT017
    else:
        pytest.fail("the tiny file system never filled up")
    finally:
        os.close(fd)


def _warnings(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(
        1
        for r in caplog.records
        if r.name == "tmdb_auth"
        and r.levelno == logging.WARNING
        and text in r.getMessage()
    )


def _rate_twice(driver: type[Driver], server: TMDbServer, cache: Any) -> None:
    """Two calls through one auth: both succeed, one session between them."""
    client = driver(server, session="guest", cache=cache)
    assert 201 == client.call("POST", RATING, json={"value": 8}).status
    assert 201 == client.call("POST", RATING, json={"value": 9}).status
    assert {"guest": 1, "user": 0} == server.sessions_created
    FIGURES[f"storage_faults_survived.{driver.name}"] += 1


@pytest.fixture(params=DRIVERS, ids=[d.name for d in DRIVERS])
def driver(request: pytest.FixtureRequest) -> type[Driver]:
    return request.param  # type: ignore[no-any-return]


def test_read_only_directory(
    server: TMDbServer,
    driver: type[Driver],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A read-only cache: memory, one warning, the calls succeed."""
    cache = tmp_path / "ro"
    with tmpfs(cache, "ro,size=64k,mode=0700") as mounted:
        if not mounted:
            real_open = os.open

            def read_only(path: Any, flags: int, *args: Any) -> int:
                if str(path).startswith(str(cache)) and flags & os.O_CREAT:
                    raise OSError(errno.EROFS, "Read-only file system")
                return real_open(path, flags, *args)

            cache.mkdir(mode=0o700, exist_ok=True)
            monkeypatch.setattr(os, "open", read_only)
        _rate_twice(driver, server, str(cache))
        assert not (cache / "cache.db").exists()
    assert 1 == _warnings(caplog, "cannot be used")


def test_disk_full_after_start(
    server: TMDbServer,
    driver: type[Driver],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """
    The disk fills up while the cache is in use: the renewal that must
    write the new session degrades to memory, and the call succeeds.
    """
    cache = tmp_path / "full"
    with tmpfs(cache, "size=512k,mode=0700") as mounted:
        client = driver(server, session="guest", cache=str(cache))
        assert 201 == client.call("POST", RATING, json={"value": 8}).status
        if mounted:
            _fill(cache)
        else:

            def full(*args: Any) -> None:
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(DiskStore, "put", full)
        server.revoke_all_sessions()

        assert 201 == client.call("POST", RATING, json={"value": 9}).status
        assert 201 == client.call("POST", RATING, json={"value": 7}).status
    assert {"guest": 2, "user": 0} == server.sessions_created
    assert 1 == _warnings(caplog, "cannot be used")
    FIGURES[f"storage_faults_survived.{driver.name}"] += 1


def test_disk_full_from_the_start(
    server: TMDbServer,
    driver: type[Driver],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No room for the database at all: memory, one warning."""
    cache = tmp_path / "full"
    with tmpfs(cache, "size=64k,mode=0700") as mounted:
        if mounted:
            _fill(cache)
        else:

            def full(*args: Any) -> None:
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(DiskStore, "put", full)
        _rate_twice(driver, server, str(cache))
    assert 1 == _warnings(caplog, "cannot be used")


def test_corrupt_database(
    server: TMDbServer,
    driver: type[Driver],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A cache.db that is not SQLite: memory, one warning, calls succeed."""
    cache = tmp_path / "corrupt"
    cache.mkdir(mode=0o700)
    (cache / "cache.db").write_bytes(b"SQLite format 3\0" + os.urandom(4096))
    (cache / "cache.db").chmod(0o600)

    _rate_twice(driver, server, str(cache))

    assert 1 == _warnings(caplog, "cannot be used")


def test_foreign_directory_is_refused(
    server: TMDbServer,
    driver: type[Driver],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Owned by another user: not used, nothing written, one warning."""
    cache = tmp_path / "foreign"
    cache.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chown(cache, 65534, 65534)
    else:
        real = os.getuid()
        monkeypatch.setattr(os, "getuid", lambda: real + 1)

    _rate_twice(driver, server, str(cache))

    assert [] == list(cache.iterdir())
    assert 1 == _warnings(caplog, "another user")


@pytest.mark.parametrize("mode", [0o777, 0o755, 0o750])
def test_loose_directory_is_repaired(
    server: TMDbServer,
    driver: type[Driver],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    mode: int,
) -> None:
    """Open to others: set back to 0700 with a warning, and used."""
    cache = tmp_path / "loose"
    cache.mkdir()
    cache.chmod(mode)

    _rate_twice(driver, server, str(cache))
    # A second auth object finds the session; it is on disk: the cache works.
    other = driver(server, session="guest", cache=str(cache))
    assert 201 == other.call("POST", RATING, json={"value": 8}).status
    assert ["guest"] == [r["kind"] for _, r in DiskStore(cache).records()]

    assert 0o700 == stat.S_IMODE(cache.stat().st_mode)
    assert 0o600 == stat.S_IMODE((cache / "cache.db").stat().st_mode)
    assert {"guest": 1, "user": 0} == server.sessions_created
    assert 1 == _warnings(caplog, "now 0700")


def test_symlinked_directory(
    server: TMDbServer, driver: type[Driver], tmp_path: Path
) -> None:
    """A symlink to the user's own directory is followed and used."""
    target = tmp_path / "real"
    target.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(target)

    _rate_twice(driver, server, str(link))
    other = driver(server, session="guest", cache=str(target))
    assert 201 == other.call("POST", RATING, json={"value": 8}).status
    assert ["guest"] == [r["kind"] for _, r in DiskStore(target).records()]

    assert link.is_symlink()
    assert (target / "cache.db").exists()
    assert {"guest": 1, "user": 0} == server.sessions_created


def test_symlink_to_a_foreign_directory(
    server: TMDbServer,
    driver: type[Driver],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A symlink to someone else's directory is refused like the directory."""
    target = tmp_path / "theirs"
    target.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chown(target, 65534, 65534)
    else:
        real = os.getuid()
        monkeypatch.setattr(os, "getuid", lambda: real + 1)
    link = tmp_path / "link"
    link.symlink_to(target)

    _rate_twice(driver, server, str(link))

    assert [] == list(target.iterdir())
    assert 1 == _warnings(caplog, "another user")


@pytest.mark.parametrize("shape", ["dangling symlink", "a file"])
def test_not_a_directory(
    server: TMDbServer,
    driver: type[Driver],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    shape: str,
) -> None:
    """A dangling symlink, or a file where the directory should be."""
    cache = tmp_path / "cache"
    if shape == "a file":
        cache.write_text("not a directory")
    else:
        cache.symlink_to(tmp_path / "nowhere")

    _rate_twice(driver, server, str(cache))

    assert 1 == _warnings(caplog, "cannot be used")
