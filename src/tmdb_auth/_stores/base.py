"""
The store protocol, the record type and the key scheme.

Strictly private; re-exported by `tmdb_auth.stores`.
"""

from __future__ import annotations

import json
import threading

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, runtime_checkable


if TYPE_CHECKING:
    import logging


__all__ = [
    "PREFIX",
    "SessionRecord",
    "SessionStore",
    "decode",
    "encode",
    "key_for",
    "warn_once",
]


class _Log:
    """
    The library's logger, ``logging.getLogger("tmdb_auth")``, found on first
    use: `logging` is start-up time that a store which logs nothing (the
    common case, and ``tmdb-auth status``) need not pay.
    """

    _logger: logging.Logger | None = None

    def __getattr__(self, name: str) -> Any:
        logger = self._logger
        if logger is None:
            import logging  # noqa: PLC0415

            logger = self._logger = logging.getLogger("tmdb_auth")
        return getattr(logger, name)


log: logging.Logger = _Log()  # type: ignore[assignment]

#: Every key the plugin writes starts with this: a namespace in a shared
#: Redis, and what ``tmdb-auth status`` lists.
PREFIX = "tmdb-auth:v1:"


class SessionRecord(TypedDict, total=False):
    """
    What a store keeps under one key: a JSON object.

    A session record has every field; the record that names the user who
    logged in last (``tmdb-auth login``) has only ``username``. A store
    keeps records as they are given and returns them unchanged; it needs
    no field but ``id`` (for `SessionStore.delete`).

    Attributes:
        kind: ``"user"`` or ``"guest"``; ``"v4"`` for a v4 login, whose
            ``id`` is the access token.
        id: The session id. A secret: stores keep it, nothing shows it.
        username: The TMDb username of a user session, if known.
        created_at: When the session was made (Unix time).
        expires_at: When a guest session expires (Unix time); ``None``
            for user sessions, which do not expire.
        origin: The API origin the session belongs to.
        app: A short one-way fingerprint of the application credential.
        account_id: A v4 login's account object id.

    .. versionadded:: 0.2.0
    """

    kind: str
    id: str
    username: str | None
    created_at: float
    expires_at: float | None
    origin: str
    app: str
    account_id: str | None


@runtime_checkable
class SessionStore(Protocol):
    """
    Where sessions are kept between calls, processes and machines.

    ``cache=`` takes any object with these methods. The plugin keeps the
    sessions it uses in memory in front of the store, so a store is called
    only when a process needs a session it does not have yet, makes one,
    or finds one revoked. Keys are opaque strings starting with
    ``"tmdb-auth:v1:"`` (a SHA-256 hash: never a secret); values are
    `SessionRecord` JSON objects.

    Every method must be safe to call from several threads at once and
    must return (or raise) within a bounded time. An exception from a
    store never breaks a call: the plugin logs one warning and keeps
    sessions in memory for the rest of the process.

    "Exactly one session" across processes and machines rests on `lock`,
    `unlock` and `wait`: a process that misses a session takes the lock
    of its key, checks the store again, makes the session, `put` s it and
    releases the lock; the others `wait`, then find it. The built-in
    stores: `DiskStore` (the default), `MemoryStore`, `RedisStore`.

    .. versionadded:: 0.2.0
    """

    def get(self, key: str) -> SessionRecord | None:
        """
        The record under *key*, or ``None`` if there is none or it expired.
        """

    def put(
        self, key: str, record: SessionRecord, expire: float | None = None
    ) -> None:
        """
        Keep *record* under *key*, replacing what was there.

        Args:
            key: The record's key.
            record: A JSON object.
            expire: Seconds from now after which the record is gone
                (guest sessions); ``None`` keeps it until it is deleted.

        Writing a record must wake the processes waiting on *key*
        (see `wait`).
        """

    def delete(self, key: str, only_id: str | None = None) -> bool:
        """
        Remove the record under *key*, atomically.

        Args:
            key: The record's key.
            only_id: Remove it only if its ``id`` is this one: a revoked
                session is dropped, a new session that another process
                already put there is kept. Compare and delete must be one
                atomic step.

        Returns:
            Whether a record was removed.
        """

    def lock(self, key: str, owner: str, ttl: float) -> bool:
        """
        Take the creation lock of *key* for *owner*, without waiting.

        Args:
            key: The key of the record about to be made.
            owner: A random token naming the holder; only it may unlock.
            ttl: Seconds after which the lock lapses by itself, so that a
                holder that died blocks the others this long at most. A
                store may end it sooner when the holder's process ends.

        Returns:
            Whether *owner* now holds the lock.
        """

    def unlock(self, key: str, owner: str) -> None:
        """
        Release the creation lock of *key* if *owner* holds it.

        Releasing must wake the processes waiting on *key*.
        """

    def wait(self, key: str, timeout: float) -> None:
        """
        Block until *key* is written or its lock is released.

        Return at once if the record is there or the lock is free, and
        at the latest after *timeout* seconds (or when the lock lapses).
        The caller checks again after each return: waking too early is
        harmless, waking late delays every waiter.
        """

    def records(self) -> Iterable[tuple[str, SessionRecord]]:
        """
        Every live record as ``(key, record)``, for ``tmdb-auth status``.

        Keys of other applications that share the store may be left out
        or included; the plugin keeps those starting with ``"tmdb-auth:"``.
        """

    def close(self) -> None:
        """
        Release what the store opened. Idempotent.

        The plugin never closes a store that was passed in as ``cache=``:
        whoever made it closes it.
        """


def key_for(identity: str, origin: str, kind: str, user: str = "") -> str:
    """The store key of a record: a hash, never the credential itself."""
    import hashlib  # noqa: PLC0415 -- start-up time of tmdb-auth status

    material = f"tmdb-auth\0{identity}\0{origin}\0{kind}\0{user}"
    return PREFIX + hashlib.sha256(material.encode()).hexdigest()


def encode(record: SessionRecord) -> bytes:
    """A record as compact JSON."""
    return json.dumps(record, separators=(",", ":")).encode()


def decode(data: bytes | str) -> SessionRecord | None:
    """
    A record from JSON, or None if *data* is not a JSON object.

    Only JSON: a store never runs what it reads.
    """
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None  # type: ignore[return-value]


_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


def warn_once(where: str, what: str, message: str, *args: object) -> None:
    """
    Log *message* once per process for this store and kind of problem.

    A web application that makes an auth object per request must not log
    the same warning on every request.
    """
    with _warned_lock:
        if (where, what) in _warned:
            return
        _warned.add((where, what))
    log.warning(message, *args)
