"""
The Redis store: one session for a whole fleet.

Strictly private; public as `tmdb_auth.stores.RedisStore`. The only module
that touches ``redis`` (redis-py, the ``tmdb-auth[redis]`` extra), and it
imports it on first use, never at import.

Keys are the plugin's own (``tmdb-auth:v1:`` + SHA-256), values compact
JSON, guest sessions expire with a Redis TTL. The creation lock is
``SET lock owner NX PX ttl``, released by a script that deletes it only
for its owner and publishes on the key's channel; a `put` publishes too,
so waiters, subscribed before they look, wake at once. Revocation deletes
with a script that compares the record's ``id`` first: one round trip.

Every command has a bounded timeout and one immediate retry (a restarted
server drops pooled connections). A failing server never breaks a call:
the operation goes to the fallback store, one warning says so, and after
`retry_interval` seconds Redis is tried again; writes always try Redis
first, so once it is back the next session written goes there.
"""

from __future__ import annotations

import math
import threading
import time
import weakref

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from tmdb_auth.exceptions import ConfigurationError

from .base import (
    PREFIX,
    SessionRecord,
    SessionStore,
    decode,
    encode,
    log,
    warn_once,
)
from .memory import MemoryStore


if TYPE_CHECKING:
    import redis


__all__ = ["RedisStore", "safe_url"]

T = TypeVar("T")

_LOCK = ":lock"
_CHANNEL = ":written"
_SCAN_LIMIT = 100_000  # keys looked at by records(): bounded

# Delete KEYS[1] if it holds a JSON object whose id is ARGV[1] (or
# unconditionally if ARGV[1] is empty): compare and delete, atomically.
_DELETE = """
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if ARGV[1] ~= '' then
  local ok, r = pcall(cjson.decode, v)
  if not ok or type(r) ~= 'table' or r['id'] ~= ARGV[1] then return 0 end
end
return redis.call('DEL', KEYS[1])
"""

# Release the lock KEYS[1] if ARGV[1] holds it, and wake the waiters.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], 'u')
  return 1
end
return 0
"""


class RedisStore:
    """
    Sessions in Redis, shared by every process of every machine.

    ``cache="redis://…"``, ``cache="rediss://…"``, ``cache=redis.Redis(…)``
    or the environment variable ``TMDB_AUTH_CACHE_URL`` make one. A fleet
    makes exactly one session per application, user and kind, and shares
    it; after a revocation, exactly one new one. Needs redis-py:
    ``pip install 'tmdb-auth[redis]'``.

    Args:
        client: A ``redis://``, ``rediss://`` or ``unix://`` URL (a
            password, an ACL user and TLS options go in the URL), or a
            ``redis.Redis`` client of yours; the store then uses a pool of
            its own with the same settings and bounded timeouts, and never
            closes your client.
        fallback: Where sessions go while Redis cannot be used; memory by
            default. With ``TMDB_AUTH_CACHE_URL``, the local directory
            (``TMDB_AUTH_CACHE_DIR`` or the user's cache directory).
        timeout: Seconds each Redis command may take (connect, send,
            answer) before the fallback is used.
        retry_interval: Seconds after a failure during which reads skip
            Redis, so that a server that hangs costs one timeout, not one
            per command. Writes always try Redis.

    Raises:
        ConfigurationError: A timeout that is not a positive number.

    Example::

        from tmdb_auth.stores import RedisStore

        store = RedisStore("rediss://tmdb:secret@redis.internal:6380/0")
        auth = TMDbAuth(cache=store)
        ...
        store.close()

    .. versionadded:: 0.2.0
    """

    def __init__(
        self,
        client: str | redis.Redis,
        *,
        fallback: SessionStore | None = None,
        timeout: float = 1.0,
        retry_interval: float = 1.0,
    ) -> None:
        if not _seconds(timeout) or timeout == 0:
            raise ConfigurationError(
                "RedisStore(timeout=) must be a number of seconds > 0."
            )
        if not _seconds(retry_interval):
            raise ConfigurationError(
                "RedisStore(retry_interval=) must be a number of seconds >= 0."
            )
        self._target = client
        #: What warnings and ``tmdb-auth status`` call this store: the
        #: server's URL without its password.
        self.name = (
            safe_url(client) if isinstance(client, str) else _named(client)
        )
        self._fallback: SessionStore = (
            MemoryStore() if fallback is None else fallback
        )
        self._timeout = float(timeout)
        self._retry_interval = float(retry_interval)
        self._client: redis.Redis | None = None
        self._pool: Any = None  # the pool this store made, if any
        self._scripts: tuple[Any, Any] = (None, None)
        self._lock = threading.Lock()
        self._skip_until = 0.0
        self._outage = False

    def __repr__(self) -> str:
        return f"<RedisStore {self.name}>"

    # -- the connection and its failures -------------------------------

    def _connect(self) -> redis.Redis:
        client = self._client
        if client is not None:
            return client
        with self._lock:
            if self._client is None:
                self._client = self._open()
                self._scripts = (
                    self._client.register_script(_DELETE),
                    self._client.register_script(_UNLOCK),
                )
            return self._client

    def _open(self) -> redis.Redis:
        import redis  # noqa: PLC0415 -- the optional extra, on first use
        import redis.backoff  # noqa: PLC0415
        import redis.retry  # noqa: PLC0415

        bounds: dict[str, Any] = {
            "socket_timeout": self._timeout,
            "socket_connect_timeout": self._timeout,
            # Once more at once (a restarted server closed the pooled
            # connection), never with redis-py's backoff of seconds.
            "retry": redis.retry.Retry(redis.backoff.NoBackoff(), 1),
        }
        target = self._target
        if isinstance(target, str):
            client = redis.Redis.from_url(target, **bounds)
            self._pool = client.connection_pool
            # A store dropped unclosed still closes its sockets.
            weakref.finalize(self, self._pool.disconnect)
            return client
        pool = target.connection_pool
        if type(pool) not in (
            redis.ConnectionPool,
            redis.BlockingConnectionPool,
        ):
            return target  # a pool we cannot copy (Sentinel…): as given
        kwargs = dict(pool.connection_kwargs)
        for name in ("socket_timeout", "socket_connect_timeout"):
            theirs = kwargs.get(name)
            if theirs is not None:
                bounds[name] = min(float(theirs), self._timeout)
        kwargs.update(bounds)
        self._pool = redis.ConnectionPool(
            connection_class=pool.connection_class, **kwargs
        )
        weakref.finalize(self, self._pool.disconnect)
        return redis.Redis(connection_pool=self._pool)

    def _try(
        self,
        op: Callable[[redis.Redis], T],
        fallback: Callable[[], T],
        *,
        write: bool = False,
    ) -> T:
        """Run *op* on Redis; on any failure, *fallback* instead."""
        if not write and time.monotonic() < self._skip_until:
            return fallback()
        try:
            result = op(self._connect())
        except Exception as exc:
            if not _is_failure(exc):
                raise
            self._failed(exc)
            return fallback()
        if self._outage:
            with self._lock:
                self._outage = False
            log.info(
                "tmdb-auth: the session store %s answers again.", self.name
            )
        return result

    def _failed(self, exc: Exception) -> None:
        self._skip_until = time.monotonic() + self._retry_interval
        with self._lock:
            first, self._outage = not self._outage, True
        if first:
            log.warning(
                "tmdb-auth: the session store %s cannot be used (%s); "
                "sessions are kept in %s until it answers again.",
                self.name,
                type(exc).__name__,
                getattr(self._fallback, "name", type(self._fallback).__name__),
            )

    # -- the protocol --------------------------------------------------

    def get(self, key: str) -> SessionRecord | None:
        """The record under *key*, if any (expired ones are gone)."""

        def op(client: redis.Redis) -> SessionRecord | None:
            return self._decoded(client.get(key))

        return self._try(op, lambda: self._fallback.get(key))

    def put(
        self, key: str, record: SessionRecord, expire: float | None = None
    ) -> None:
        """Keep *record* as JSON, with a TTL of *expire* seconds if given."""

        def op(client: redis.Redis) -> None:
            with client.pipeline(transaction=True) as pipe:
                if expire is not None and expire <= 0:
                    pipe.delete(key)
                else:
                    ms = None if expire is None else max(1, int(expire * 1000))
                    pipe.set(key, encode(record), px=ms)
                pipe.publish(key + _CHANNEL, b"w")
                pipe.execute()

        self._try(
            op, lambda: self._fallback.put(key, record, expire), write=True
        )

    def delete(self, key: str, only_id: str | None = None) -> bool:
        """Drop *key*; with *only_id*, only if the record has that id."""

        def op(client: redis.Redis) -> bool:
            script = self._scripts[0]
            return bool(
                script(keys=[key], args=[only_id or ""], client=client)
            )

        # The fallback too: a session it kept during an outage must not
        # come back once it is revoked.
        dropped = self._fallback.delete(key, only_id)
        return self._try(op, lambda: dropped, write=True) or dropped

    def lock(self, key: str, owner: str, ttl: float) -> bool:
        """Take the creation lock of *key* (``SET NX PX``)."""
        ms = max(1, int(ttl * 1000))

        def op(client: redis.Redis) -> bool:
            return bool(client.set(key + _LOCK, owner, nx=True, px=ms))

        return self._try(op, lambda: self._fallback.lock(key, owner, ttl))

    def unlock(self, key: str, owner: str) -> None:
        """Release the creation lock of *key* if *owner* holds it."""

        def op(client: redis.Redis) -> None:
            script = self._scripts[1]
            script(
                keys=[key + _LOCK], args=[owner, key + _CHANNEL], client=client
            )

        self._try(op, lambda: None, write=True)
        # A lock taken while Redis was down is in the fallback.
        self._fallback.unlock(key, owner)

    def wait(self, key: str, timeout: float) -> None:
        """
        Block until *key* is written, its lock is released or lapses.

        Subscribed to the key's channel before looking, so that a write
        between the look and the wait still wakes this waiter.
        """

        def op(client: redis.Redis) -> None:
            deadline = time.monotonic() + timeout
            pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
            try:
                pubsub.subscribe(key + _CHANNEL)
                with client.pipeline(transaction=False) as pipe:
                    pipe.exists(key)
                    pipe.pttl(key + _LOCK)
                    written, lapse = pipe.execute()
                if written or lapse < 0:
                    return
                # Wake when the lock lapses too (its holder died).
                deadline = min(deadline, time.monotonic() + lapse / 1000)
                while (left := deadline - time.monotonic()) > 0:
                    if pubsub.get_message(timeout=min(left, self._timeout)):
                        return
            finally:
                pubsub.close()

        self._try(op, lambda: self._fallback.wait(key, timeout))

    def records(self) -> Iterator[tuple[str, SessionRecord]]:
        """Every live session record of the plugin (``SCAN``, bounded)."""

        def op(client: redis.Redis) -> list[tuple[str, SessionRecord]]:
            keys: list[str] = []
            for found in client.scan_iter(match=PREFIX + "*", count=500):
                name = found.decode() if isinstance(found, bytes) else found
                if not name.endswith(_LOCK):
                    keys.append(name)
                if len(keys) >= _SCAN_LIMIT:
                    break
            out = []
            for start in range(0, len(keys), 500):
                batch = keys[start : start + 500]
                for name, value in zip(batch, client.mget(batch), strict=True):
                    record = None if value is None else self._decoded(value)
                    if record is not None:
                        out.append((name, record))
            return out

        yield from self._try(op, lambda: list(self._fallback.records()))

    def _decoded(self, value: bytes | str | None) -> SessionRecord | None:
        if value is None:
            return None
        record = decode(value)
        if record is None:
            warn_once(
                self.name,
                "ignored",
                "tmdb-auth: the session store %s holds entries that are not "
                "JSON objects; they are ignored.",
                self.name,
            )
        return record

    def close(self) -> None:
        """Close the connections this store opened, and its fallback."""
        with self._lock:
            client, self._client = self._client, None
            pool, self._pool = self._pool, None
        if client is not None and pool is not None:
            client.close()
            pool.disconnect()
        self._fallback.close()


def _seconds(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _is_failure(exc: Exception) -> bool:
    """Whether *exc* is Redis failing (down, slow, refusing), not a bug."""
    import redis.exceptions  # noqa: PLC0415 -- loaded by then

    return isinstance(exc, (redis.exceptions.RedisError, OSError))


def safe_url(url: str) -> str:
    """*url* without its password or query: safe to print."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "redis://?"
    user = f"{parts.username}@" if parts.username else ""
    if parts.scheme == "unix":
        return f"unix://{user}{parts.path}"
    host = parts.hostname or "localhost"
    if ":" in host:
        host = f"[{host}]"
    where = f":{port}" if port is not None else ""
    return f"{parts.scheme}://{user}{host}{where}{parts.path}"


def _named(client: Any) -> str:
    """A client's server as a URL without the password."""
    try:
        kwargs = client.connection_pool.connection_kwargs
    except AttributeError:
        return f"redis ({type(client).__name__})"
    if kwargs.get("path"):
        return f"unix://{kwargs['path']}"
    tls = "SSL" in type(client.connection_pool).__name__ or "SSL" in getattr(
        client.connection_pool.connection_class, "__name__", ""
    )
    scheme = "rediss" if tls else "redis"
    host = kwargs.get("host", "localhost")
    return (
        f"{scheme}://{host}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
    )
