"""
Counting what the library does, without changing what it does.

`store_ops` wraps the session store's operations (``Store.get``, ``put``,
``delete``, ``lock``, ``unlock``) and the opening of diskcache with
counters, for as long as the context lasts, in this process: the figure
the in-process single-flight is judged by (a 200-task burst that works
makes one read, one lock, one re-read, one write and one unlock: 5).

The wrapping is by name, on the class; a store module without one of the
names is counted without it (the store is being rewritten: what is not
there reads 0, and ``missing`` says so).
"""

from __future__ import annotations

import collections
import contextlib
import threading

from collections.abc import Callable, Iterator
from typing import Any


__all__ = ["OPS", "StoreOps", "store_ops"]

#: The store operations counted, on ``tmdb_auth._store.Store``.
OPS = ("get", "put", "delete", "lock", "unlock")


class StoreOps:
    """Counts of store operations (thread-safe)."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.missing: list[str] = []
        self._lock = threading.Lock()

    def add(self, name: str) -> None:
        """Count one *name*."""
        with self._lock:
            self.counts[name] += 1

    @property
    def total(self) -> int:
        """Every counted store operation (opening diskcache is not one)."""
        return sum(self.counts[name] for name in OPS)

    def as_dict(self) -> dict[str, int]:
        """The counts, every name present."""
        names = (*OPS, "diskcache_open", "sqlite_peek")
        return {name: self.counts[name] for name in names}


def _counted(ops: StoreOps, name: str, func: Callable[..., Any]) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ops.add(name)
        return func(*args, **kwargs)

    return wrapper


@contextlib.contextmanager
def store_ops() -> Iterator[StoreOps]:
    """Count the store's operations made in this process meanwhile."""
    from tmdb_auth import _store

    ops = StoreOps()
    patched: list[tuple[Any, str, Any]] = []
    targets = [(_store.Store, name, name) for name in OPS]
    disk = getattr(_store, "_Disk", None)
    if disk is not None:
        targets.append((disk, "open", "diskcache_open"))
    targets.append((_store, "_peek", "sqlite_peek"))
    for owner, attr, label in targets:
        original = owner.__dict__.get(attr)
        if original is None:
            ops.missing.append(f"{getattr(owner, '__name__', owner)}.{attr}")
            continue
        if isinstance(original, classmethod):
            wrapped: Any = classmethod(_counted(ops, label, original.__func__))
        else:
            wrapped = _counted(ops, label, original)
        setattr(owner, attr, wrapped)
        patched.append((owner, attr, original))
    try:
        yield ops
    finally:
        for owner, attr, original in reversed(patched):
            setattr(owner, attr, original)
