"""
The store as the session policy sees it: memory in front, safety behind.

Strictly private. `Store` turns ``cache=`` into a `SessionStore` (disk,
Redis, memory, or the user's own), opened on first use, and adds what
every store needs the same way:

- Memory in front, process-wide: what one auth object reads or writes in
  a disk or Redis store is kept in this process's memory (per store
  location, bounded), so a new auth object per web request finds it with
  no I/O. The hot path of the adapters never gets here at all.
- Degradation: a store that fails (unreadable, corrupt, full, refused, a
  user's store that raises) gives one warning, and sessions stay in memory
  for the rest of the process: the cache never breaks a call. Redis
  handles its own outages (see `._stores.redis`), falling back to the
  local store and back again.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ._config import RedisCache
from ._stores.base import PREFIX, SessionRecord, SessionStore, key_for, log
from ._stores.memory import MemoryStore


if TYPE_CHECKING:
    from ._config import CacheSpec


__all__ = ["Record", "Store", "key_for"]

T = TypeVar("T")
Record = SessionRecord

# The memory in front: (store location, key) -> (record, deadline).
_MEMO: dict[tuple[str, str], tuple[SessionRecord, float | None]] = {}
_MEMO_LOCK = threading.Lock()
_MEMO_SIZE = 4096


def _after_fork() -> None:
    # A thread of the parent may have held the lock at fork(): the child
    # gets a new one (the records themselves are still good).
    global _MEMO_LOCK  # noqa: PLW0603
    _MEMO_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _memo_get(where: str, key: str) -> SessionRecord | None:
    with _MEMO_LOCK:
        found = _MEMO.get((where, key))
        if found is None:
            return None
        record, deadline = found
        if deadline is not None and deadline <= time.time():
            del _MEMO[where, key]
            return None
        return record.copy()


def _memo_put(
    where: str, key: str, record: SessionRecord, deadline: float | None
) -> None:
    with _MEMO_LOCK:
        _MEMO.pop((where, key), None)
        while len(_MEMO) >= _MEMO_SIZE:  # the oldest entry goes first
            del _MEMO[next(iter(_MEMO))]
        _MEMO[where, key] = (record.copy(), deadline)


def _memo_drop(where: str, key: str, only_id: str | None) -> None:
    with _MEMO_LOCK:
        found = _MEMO.get((where, key))
        if found is not None and only_id in (None, found[0].get("id")):
            del _MEMO[where, key]


class Store:
    """
    The sessions of one auth object's ``cache=``.

    Args:
        spec: What ``cache=`` said, checked (see `._config.CacheSpec`).
    """

    def __init__(self, spec: CacheSpec) -> None:
        self._spec = spec
        self._primary: SessionStore | None = None
        self._backend: SessionStore | None = None
        self._owned = False
        self._memo: str | None = None
        self._opening = threading.Lock()
        self.degraded = False

    @property
    def location(self) -> str | None:
        """Where the sessions are: a directory, a Redis URL; None for memory."""
        if self._spec is None:
            return None
        self._open()
        name = getattr(self._primary, "name", None)
        return name if isinstance(name, str) else type(self._primary).__name__

    def _open(self) -> SessionStore:
        backend = self._backend
        if backend is not None:
            return backend
        with self._opening:
            if self._backend is None:
                self._primary, self._owned, self._memo = _build(self._spec)
                self._backend = self._primary
            return self._backend

    def _run(self, op: Callable[[SessionStore], T]) -> T:
        backend = self._open()
        try:
            return op(backend)
        except Exception as exc:
            # Our own stores fail in known ways (anything else is a bug);
            # a user's store may raise anything, and never breaks a call.
            if self._owned and (
                isinstance(backend, MemoryStore) or not _is_broken(exc)
            ):
                raise
            return op(self._degrade(exc))

    def _degrade(self, exc: BaseException) -> SessionStore:
        if not self.degraded:
            self.degraded = True
            log.warning(
                "tmdb-auth: the session cache at %s cannot be used (%s); "
                "sessions are kept in memory for this process.",
                self.location,
                _describe(exc),
            )
        backend = MemoryStore()
        self._backend = backend
        return backend

    # -- what the policy calls -----------------------------------------

    def get(self, key: str) -> SessionRecord | None:
        """The record under *key*, if any (expired ones are gone)."""
        self._open()
        where = self._memo
        if where is not None:
            found = _memo_get(where, key)
            if found is not None:
                return found
        record = self._run(lambda store: store.get(key))
        if not isinstance(record, dict):
            return None
        if where is not None:
            expires = record.get("expires_at")
            deadline = expires if isinstance(expires, (int, float)) else None
            _memo_put(where, key, record, deadline)
        return record

    def put(
        self, key: str, record: SessionRecord, expire: float | None
    ) -> None:
        """Keep *record*, for *expire* seconds or for good."""
        self._run(lambda store: store.put(key, record, expire))
        if self._memo is not None:
            deadline = None if expire is None else time.time() + expire
            _memo_put(self._memo, key, record, deadline)

    def delete(self, key: str, only_id: str | None = None) -> bool:
        """Drop *key*; with *only_id*, only if the record has that id."""
        self._open()
        if self._memo is not None:
            _memo_drop(self._memo, key, only_id)
        return self._run(lambda store: store.delete(key, only_id))

    def lock(self, key: str, owner: str, ttl: float) -> bool:
        """Take the creation lock of *key* for *owner*, without waiting."""
        return self._run(lambda store: store.lock(key, owner, ttl))

    def unlock(self, key: str, owner: str) -> None:
        """Release the lock, where it was taken (before a degradation too)."""
        for store in {
            id(s): s for s in (self._primary, self._backend)
        }.values():
            if store is not None:
                with contextlib.suppress(Exception):
                    store.unlock(key, owner)

    def wait(self, key: str, timeout: float) -> None:
        """Block until *key* is written or its lock is free, at most *timeout*."""
        started = time.monotonic()
        self._run(lambda store: store.wait(key, timeout))
        if not self._owned and time.monotonic() - started < 0.001:
            # A user's store whose wait does not block: poll, never spin.
            time.sleep(min(timeout, 0.01))

    def records(self) -> list[tuple[str, SessionRecord]]:
        """Every session record, for ``tmdb-auth status``."""
        found: list[tuple[object, object]] = self._run(
            lambda store: list(store.records())
        )
        return [
            (key, record)  # type: ignore[misc]  # checked: a user's store
            for key, record in found
            if isinstance(key, str)
            and key.startswith(PREFIX)
            and isinstance(record, dict)
            and "kind" in record
        ]

    def close(self) -> None:
        """Close the store if this object opened it. Idempotent."""
        with self._opening:
            primary, backend = self._primary, self._backend
            self._backend = None
            self._primary = None
        if self._owned and primary is not None:
            primary.close()
        if backend is not None and backend is not primary:
            backend.close()


def _build(spec: CacheSpec) -> tuple[SessionStore, bool, str | None]:
    """
    The store for *spec*, whether this object owns it, its memo name.

    Each kind's module is imported by its branch only: a Redis store's
    process never imports SQLite, a disk store's never a socket library.
    """
    if spec is None:
        return MemoryStore(), True, None
    if isinstance(spec, (str, os.PathLike)):
        from ._stores.disk import DiskStore  # noqa: PLC0415

        path = os.fspath(spec)
        return DiskStore(path), True, "disk:" + os.path.abspath(path)
    if isinstance(spec, RedisCache):
        from ._stores.redis import RedisStore  # noqa: PLC0415

        fallback = None
        if spec.fallback is not None:
            from ._stores.disk import DiskStore  # noqa: PLC0415

            fallback = DiskStore(spec.fallback)
        redis_store = RedisStore(spec.target, fallback=fallback)  # type: ignore[arg-type]
        return redis_store, True, "redis:" + redis_store.name
    from ._stores.disk import DiskStore  # noqa: PLC0415

    if isinstance(spec, SessionStore):
        from ._stores.redis import RedisStore  # noqa: PLC0415

        memo = None
        if isinstance(spec, (DiskStore, RedisStore)):
            memo = f"{type(spec).__name__}:{spec.name}"
        return spec, False, memo
    # A diskcache.Cache of the user's: our store on it, never closing it.
    store = DiskStore(spec)
    return store, True, "disk:" + os.path.abspath(store.name)


# What a broken store raises: file system and SQLite errors, a corrupt
# value, and diskcache's own Timeout (a plain Exception, matched by module
# so that diskcache is not imported before it is needed).
_BROKEN: tuple[type[BaseException], ...] = (OSError, ValueError)


def _is_broken(exc: Exception) -> bool:
    # sqlite3.Error by its module too: a Redis store never imports SQLite.
    return isinstance(exc, _BROKEN) or type(exc).__module__.startswith(
        ("diskcache", "sqlite3")
    )


def _describe(exc: BaseException) -> str:
    """The kind of failure, without paths or values beyond the type."""
    from ._stores.disk import UnsafeCacheError  # noqa: PLC0415

    if isinstance(exc, UnsafeCacheError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__
