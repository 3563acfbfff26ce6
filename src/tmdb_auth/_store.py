"""
The session store: the only module that touches ``diskcache``.

Strictly private. Records are JSON (``diskcache.JSONDisk``, never pickle),
keyed by a hash of (application, origin, kind, user), never by a secret. The
directory is 0700 and the database 0600 whatever the umask. A store that
cannot be opened, read or written degrades to memory with one warning: the
cache is an optimisation and must never break a call.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import sqlite3
import stat
import threading
import time
import zlib

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from ._config import CacheSpec


if TYPE_CHECKING:
    import diskcache


__all__ = ["Record", "Store", "key_for"]

log = logging.getLogger("tmdb_auth")

Record = dict[str, Any]
_PREFIX = "tmdb-auth:v1:"
_DB = "cache.db"
_MODE_RAW = 1  # diskcache.core.MODE_RAW: bytes stored inline


def key_for(identity: str, origin: str, kind: str, user: str = "") -> str:
    """The store key of a record: a hash, never the credential itself."""
    material = f"tmdb-auth\0{identity}\0{origin}\0{kind}\0{user}"
    return _PREFIX + hashlib.sha256(material.encode()).hexdigest()


class _Backend(Protocol):
    def get(self, key: str) -> Record | None: ...
    def put(self, key: str, record: Record, expire: float | None) -> None: ...
    def delete(self, key: str, only_id: str | None) -> bool: ...
    def add(self, key: str, value: str, expire: float) -> bool: ...
    def release(self, key: str, value: str) -> None: ...
    def items(self) -> Iterator[tuple[str, Record]]: ...


class _Memory:
    """A process-local backend, for ``cache=None`` and for degraded stores."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[Any, float | None]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str) -> Any:
        found = self._data.get(key)
        if found is None:
            return None
        value, deadline = found
        if deadline is not None and deadline <= time.time():
            del self._data[key]
            return None
        return value

    def get(self, key: str) -> Record | None:
        with self._lock:
            value = self._live(key)
        return dict(value) if isinstance(value, dict) else None

    def put(self, key: str, record: Record, expire: float | None) -> None:
        deadline = None if expire is None else time.time() + expire
        with self._lock:
            self._data[key] = (dict(record), deadline)

    def delete(self, key: str, only_id: str | None) -> bool:
        with self._lock:
            value = self._live(key)
            if value is None or (
                only_id is not None
                and not (
                    isinstance(value, dict) and value.get("id") == only_id
                )
            ):
                return False
            del self._data[key]
            return True

    def add(self, key: str, value: str, expire: float) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._data[key] = (value, time.time() + expire)
            return True

    def release(self, key: str, value: str) -> None:
        with self._lock:
            if self._live(key) == value:
                del self._data[key]

    def items(self) -> Iterator[tuple[str, Record]]:
        with self._lock:
            keys = list(self._data)
            found = [(k, self._live(k)) for k in keys]
        for key, value in found:
            if isinstance(value, dict):
                yield key, dict(value)


class _Disk:
    """
    diskcache, opened safely.

    diskcache keeps one SQLite connection per thread and closes only the
    calling thread's; a connection left in a worker thread is closed by
    the garbage collector, which Python 3.13 reports as a ResourceWarning.
    So the calling thread's connection is closed after each operation,
    a cache passed in included (it stays open: diskcache reconnects on its
    next use): the store is used when a session is made or looked up, not
    on every call, and reconnecting costs well under a millisecond.
    """

    def __init__(self, cache: diskcache.Cache, *, owned: bool = False) -> None:
        self._cache = cache
        self._owned = owned

    @classmethod
    def open(cls, directory: str) -> _Disk:
        import diskcache  # noqa: PLC0415 -- only calls that need a session pay

        _prepare(directory)
        # diskcache's constructor connects first and may fail after (a full
        # disk, a foreign file): the connection it made is closed here.
        cache = diskcache.Cache.__new__(diskcache.Cache)
        try:
            cache.__init__(  # type: ignore[misc]
                directory,
                disk=diskcache.JSONDisk,
                eviction_policy="none",
                timeout=10,
            )
        except BaseException:
            with contextlib.suppress(Exception):
                cache.close()
            raise
        return cls(cache, owned=True)

    @contextlib.contextmanager
    def _using(self) -> Iterator[diskcache.Cache]:
        try:
            yield self._cache
        finally:
            self._cache.close()

    def close(self) -> None:
        if self._owned:
            self._cache.close()

    def get(self, key: str) -> Record | None:
        with self._using() as cache:
            value = cache.get(key)
        return value if isinstance(value, dict) else None

    def put(self, key: str, record: Record, expire: float | None) -> None:
        with self._using() as cache:
            cache.set(key, record, expire=expire)

    def delete(self, key: str, only_id: str | None) -> bool:
        with self._using() as cache, cache.transact():
            value = cache.get(key)
            if value is None or (
                only_id is not None
                and not (
                    isinstance(value, dict) and value.get("id") == only_id
                )
            ):
                return False
            return bool(cache.delete(key))

    def add(self, key: str, value: str, expire: float) -> bool:
        with self._using() as cache:
            return bool(cache.add(key, value, expire=expire))

    def release(self, key: str, value: str) -> None:
        with self._using() as cache, cache.transact():
            if cache.get(key) == value:
                cache.delete(key)

    def items(self) -> Iterator[tuple[str, Record]]:
        with self._using() as cache:
            found = [(key, cache.get(key)) for key in list(cache.iterkeys())]
        for key, value in found:
            if isinstance(key, str) and isinstance(value, dict):
                yield key, value


def _peek(directory: str, key: str) -> Record | None:
    """
    Read one record straight from the cache's SQLite file, read-only.

    A process whose session is already cached needs one read; importing
    diskcache and opening a `diskcache.Cache` (pragmas, schema checks,
    settings) costs ten times that read, about 10 ms of start-up. So the
    first reads take this path: the row as `diskcache.JSONDisk` writes it
    (key: zlib-compressed JSON, raw; value: the same, inline), in a directory
    that passes the same ownership and mode checks as `_prepare`. Anything
    else (a miss, another layout, an error) returns None and the caller
    opens the cache properly; tests write with diskcache and read here.
    """
    getuid = getattr(os, "getuid", None)
    path = os.path.join(directory, _DB)
    try:
        info = os.stat(directory)
        if getuid is None or info.st_uid != getuid():
            return None
        if stat.S_IMODE(info.st_mode) != 0o700:
            return None
        if not os.path.isfile(path):
            return None
        db = sqlite3.connect(
            f"file:{quote(path)}?mode=ro", uri=True, timeout=1
        )
        try:
            row = db.execute(
                "SELECT mode, value FROM Cache WHERE key = ? AND raw = 1"
                " AND (expire_time IS NULL OR expire_time > ?)",
                (zlib.compress(json.dumps(key).encode(), 1), time.time()),
            ).fetchone()
        finally:
            db.close()
        if row is None or row[0] != _MODE_RAW or not isinstance(row[1], bytes):
            return None
        value = json.loads(zlib.decompress(row[1]))
    except (OSError, sqlite3.Error, ValueError, zlib.error):
        return None
    return value if isinstance(value, dict) else None


class UnsafeCacheError(OSError):
    """The cache directory belongs to someone else. Strictly private."""


def _prepare(directory: str) -> None:
    """
    Create *directory* 0700 and its database 0600, whatever the umask.

    A directory owned by another user is refused (someone else could read
    or plant sessions); one that is group- or world-accessible is repaired
    with a warning. The database file is created before SQLite opens it,
    because SQLite gives its ``-wal`` and ``-shm`` files the database's mode.
    """
    os.makedirs(directory, mode=0o700, exist_ok=True)
    info = os.stat(directory)
    getuid = getattr(os, "getuid", None)
    if getuid is not None:
        if info.st_uid != getuid():
            raise UnsafeCacheError("it belongs to another user")
        if stat.S_IMODE(info.st_mode) != 0o700:
            # Repair only a directory that is ours to repair: one holding
            # nothing but the cache. A shared directory passed by mistake
            # (a home, /tmp) is refused, never chmod-ed.
            if any(not name.startswith(_DB) for name in os.listdir(directory)):
                raise UnsafeCacheError(
                    "it is accessible to other users and holds other files; "
                    "use a directory of its own"
                )
            log.warning(
                "tmdb-auth: the cache directory %s was accessible to other "
                "users; its mode is now 0700.",
                directory,
            )
            os.chmod(directory, 0o700)
    path = os.path.join(directory, _DB)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if getuid is not None and stat.S_IMODE(os.fstat(fd).st_mode) != 0o600:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


# What a broken cache raises: file system and SQLite errors, a corrupt
# value, and diskcache's own Timeout (a plain Exception, matched by module so
# that diskcache is not imported before it is needed).
_BROKEN: tuple[type[BaseException], ...] = (OSError, sqlite3.Error, ValueError)


def _is_broken(exc: Exception) -> bool:
    return isinstance(exc, _BROKEN) or type(exc).__module__.startswith(
        "diskcache"
    )


class Store:
    """
    Session records on disk, or in memory.

    Args:
        spec: A directory path, a ``diskcache.Cache``, or None for memory.
    """

    def __init__(self, spec: CacheSpec) -> None:
        self._spec = spec
        self._backend: _Backend | None = None
        self._opening = threading.Lock()
        self.degraded = False

    @property
    def location(self) -> str | None:
        """The directory of the cache, if it is on disk."""
        if self._spec is None:
            return None
        spec = self._spec
        if isinstance(spec, (str, os.PathLike)):
            return os.fspath(spec)
        return str(spec.directory)

    def _open(self) -> _Backend:
        backend = self._backend
        if backend is not None:
            return backend
        with self._opening:
            if self._backend is None:
                self._backend = self._connect()
            return self._backend

    def _connect(self) -> _Backend:
        spec = self._spec
        if spec is None:
            return _Memory()
        if not isinstance(spec, (str, os.PathLike)):
            return _Disk(spec)
        try:
            return _Disk.open(os.fspath(spec))
        except Exception as exc:
            if not _is_broken(exc):
                raise
            return self._degrade(exc)

    def _degrade(self, exc: BaseException) -> _Backend:
        if not self.degraded:
            self.degraded = True
            log.warning(
                "tmdb-auth: the session cache at %s cannot be used (%s); "
                "sessions are kept in memory for this process.",
                self.location,
                _describe(exc),
            )
        backend = _Memory()
        self._backend = backend
        return backend

    def _run(self, name: str, *args: Any) -> Any:
        backend = self._open()
        try:
            return getattr(backend, name)(*args)
        except Exception as exc:
            if isinstance(backend, _Memory) or not _is_broken(exc):
                raise
            return getattr(self._degrade(exc), name)(*args)

    def get(self, key: str) -> Record | None:
        """The record under *key*, if any (expired ones are gone)."""
        spec = self._spec
        if self._backend is None and isinstance(spec, (str, os.PathLike)):
            found = _peek(os.fspath(spec), key)
            if found is not None:
                return found
        return self._run("get", key)  # type: ignore[no-any-return]

    def put(self, key: str, record: Record, expire: float | None) -> None:
        """Store *record*, for *expire* seconds or for good."""
        self._run("put", key, record, expire)

    def delete(self, key: str, only_id: str | None = None) -> bool:
        """Drop *key*; with *only_id*, only if the record has that id."""
        return self._run("delete", key, only_id)  # type: ignore[no-any-return]

    def try_lock(self, key: str, ttl: float) -> str | None:
        """
        Take the lock *key* for at most *ttl* seconds, or return None.

        Atomic across threads and processes (``Cache.add``). The lock
        expires by itself, so a holder that crashed blocks others for *ttl*
        at most.
        """
        token = secrets.token_hex(8)
        return token if self._run("add", key, token, ttl) else None

    def unlock(self, key: str, token: str) -> None:
        """Release the lock *key* if *token* still holds it."""
        with contextlib.suppress(Exception):
            self._run("release", key, token)

    def close(self) -> None:
        """Close the cache if this store opened it (never one passed in)."""
        backend, self._backend = self._backend, None
        if isinstance(backend, _Disk):
            backend.close()

    def records(self) -> list[tuple[str, Record]]:
        """Every session record, for ``tmdb-auth status``."""
        return [
            (key, record)
            for key, record in self._run("items")
            if key.startswith(_PREFIX) and "kind" in record
        ]


def _describe(exc: BaseException) -> str:
    """The kind of failure, without paths or values beyond the type."""
    if isinstance(exc, UnsafeCacheError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__
