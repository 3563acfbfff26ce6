"""
Session stores: where sessions live between calls, processes and machines.

``cache=`` on both adapters takes a directory (a `DiskStore`, the
default), a ``redis://`` or ``rediss://`` URL or a ``redis.Redis`` client
(a `RedisStore`), ``None`` (a `MemoryStore` of the auth object's own), or
any object implementing `SessionStore`::

    from tmdb_auth.stores import RedisStore
    from tmdb_auth.requests import TMDbAuth

    auth = TMDbAuth(cache="redis://redis.internal:6379/0")

Importing this module imports neither diskcache nor redis; each store
imports its library when it is first used. See the "Fleets and shared
stores" page of the documentation.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

from ._stores.base import SessionRecord, SessionStore
from ._stores.disk import DiskStore
from ._stores.memory import MemoryStore
from ._stores.redis import RedisStore


__all__ = [
    "DiskStore",
    "MemoryStore",
    "RedisStore",
    "SessionRecord",
    "SessionStore",
]
