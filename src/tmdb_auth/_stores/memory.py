"""
The memory store: one process, no files.

Strictly private; public as `tmdb_auth.stores.MemoryStore`.
"""

from __future__ import annotations

import threading
import time


TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from .base import SessionRecord


__all__ = ["MemoryStore"]


class MemoryStore:
    """
    Sessions in this process's memory: gone when it ends.

    What ``cache=None`` uses, one per auth object. Pass one instance to
    several auth objects (``cache=store``) to share their sessions inside
    one process; across processes, use `DiskStore` or `RedisStore`.

    Example::

        from tmdb_auth.stores import MemoryStore

        store = MemoryStore()
        auth = TMDbAuth(cache=store)

    .. versionadded:: 0.2.0
    """

    #: What warnings and ``tmdb-auth status`` call this store.
    name = "memory"

    def __init__(self) -> None:
        self._records: dict[str, tuple[SessionRecord, float | None]] = {}
        self._locks: dict[str, tuple[str, float]] = {}
        self._changed = threading.Condition()

    def __repr__(self) -> str:
        return f"<MemoryStore records={len(self._records)}>"

    def _live(self, key: str) -> SessionRecord | None:
        found = self._records.get(key)
        if found is None:
            return None
        record, deadline = found
        if deadline is not None and deadline <= time.time():
            del self._records[key]
            return None
        return record

    def _holder(self, key: str) -> str | None:
        found = self._locks.get(key)
        if found is None:
            return None
        owner, deadline = found
        if deadline <= time.monotonic():
            del self._locks[key]
            return None
        return owner

    def get(self, key: str) -> SessionRecord | None:
        """The record under *key*, if any (expired ones are gone)."""
        with self._changed:
            record = self._live(key)
        return None if record is None else record.copy()

    def put(
        self, key: str, record: SessionRecord, expire: float | None = None
    ) -> None:
        """Keep *record*, for *expire* seconds or for good."""
        deadline = None if expire is None else time.time() + expire
        with self._changed:
            self._records[key] = (record.copy(), deadline)
            self._changed.notify_all()

    def delete(self, key: str, only_id: str | None = None) -> bool:
        """Drop *key*; with *only_id*, only if the record has that id."""
        with self._changed:
            record = self._live(key)
            if record is None or (
                only_id is not None and record.get("id") != only_id
            ):
                return False
            del self._records[key]
            return True

    def lock(self, key: str, owner: str, ttl: float) -> bool:
        """Take the creation lock of *key*, for *ttl* seconds at most."""
        with self._changed:
            if self._holder(key) is not None:
                return False
            self._locks[key] = (owner, time.monotonic() + ttl)
            return True

    def unlock(self, key: str, owner: str) -> None:
        """Release the creation lock of *key* if *owner* holds it."""
        with self._changed:
            if self._holder(key) == owner:
                del self._locks[key]
                self._changed.notify_all()

    def wait(self, key: str, timeout: float) -> None:
        """Block until *key* is written, its lock is free, or *timeout*."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._live(key) is None:
                owner = self._locks.get(key)
                left = deadline - time.monotonic()
                if owner is None or self._holder(key) is None or left <= 0:
                    return
                # Wake when the lock lapses too, not only when notified.
                self._changed.wait(min(left, owner[1] - time.monotonic()))

    def records(self) -> Iterator[tuple[str, SessionRecord]]:
        """Every live record."""
        with self._changed:
            found = [(k, self._live(k)) for k in list(self._records)]
        for key, record in found:
            if record is not None:
                yield key, record.copy()

    def close(self) -> None:
        """Nothing to release: memory goes with the object."""
