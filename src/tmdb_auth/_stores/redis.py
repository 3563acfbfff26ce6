"""
The Redis store: one session for a whole fleet.

Strictly private; public as `tmdb_auth.stores.RedisStore`. The only module
that touches ``redis`` (redis-py, the ``tmdb-auth[redis]`` extra), and
only for a ``redis.Redis`` client given by the user or a URL option that
the store's own small client (`._resp`) does not speak: a URL store
speaks RESP2 itself, so a new process never pays redis-py's import
(about 50 ms) nor its handshake (``HELLO``, ``CLIENT SETINFO``).

Keys are the plugin's own (``tmdb-auth:v1:`` + SHA-256), values compact
JSON, guest sessions expire with a Redis TTL. The creation lock is
``SET lock owner NX PX ttl``, released by a script that deletes it only
for its owner and publishes on the key's channel; a `put` publishes too,
so waiters, subscribed before they look, wake at once. Revocation deletes
with a script that compares the record's ``id`` first: one round trip.

Every command has a bounded timeout; a pooled connection found dead (a
restarted server) is replaced once, at once. A failing server never breaks a call:
the operation goes to the fallback store, one warning says so, and after
`retry_interval` seconds Redis is tried again; writes always try Redis
first, so once it is back the next session written goes there.
"""

from __future__ import annotations

import math
import sys
import threading
import time
import weakref

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlsplit

from tmdb_auth.exceptions import ConfigurationError

from . import _resp
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
        self._link: _Link | None = None
        self._lock = threading.Lock()
        self._skip_until = 0.0
        self._outage = False

    def __repr__(self) -> str:
        return f"<RedisStore {self.name}>"

    # -- the connection and its failures -------------------------------

    def _connect(self) -> _Link:
        link = self._link
        if link is not None:
            return link
        with self._lock:
            if self._link is None:
                self._link = self._open()
                # A store dropped unclosed still closes its sockets.
                weakref.finalize(self, self._link.close)
            return self._link

    def _open(self) -> _Link:
        target = self._target
        if isinstance(target, str):
            where = _resp.parse(target, self._timeout)
            if where is not None:  # the common case: no redis-py at all
                return _Own(_resp.Client(where))
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
        if isinstance(target, str):  # a URL option only redis-py speaks
            client = redis.Redis.from_url(target, **bounds)
            return _Py(client, owned=True)
        pool = target.connection_pool
        if type(pool) not in (
            redis.ConnectionPool,
            redis.BlockingConnectionPool,
        ):
            return _Py(target, owned=False)  # a pool we cannot copy: as given
        kwargs = dict(pool.connection_kwargs)
        for name in ("socket_timeout", "socket_connect_timeout"):
            theirs = kwargs.get(name)
            if theirs is not None:
                bounds[name] = min(float(theirs), self._timeout)
        kwargs.update(bounds)
        own_pool = redis.ConnectionPool(
            connection_class=pool.connection_class, **kwargs
        )
        return _Py(redis.Redis(connection_pool=own_pool), owned=True)

    def _try(
        self,
        op: Callable[[_Link], T],
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

        def op(link: _Link) -> SessionRecord | None:
            (value,) = link.run(("GET", key))
            return self._decoded(value)

        return self._try(op, lambda: self._fallback.get(key))

    def put(
        self, key: str, record: SessionRecord, expire: float | None = None
    ) -> None:
        """Keep *record* as JSON, with a TTL of *expire* seconds if given."""
        write: tuple[Any, ...]
        if expire is not None and expire <= 0:
            write = ("DEL", key)
        elif expire is None:
            write = ("SET", key, encode(record))
        else:
            write = (
                "SET",
                key,
                encode(record),
                "PX",
                max(1, int(expire * 1000)),
            )

        def op(link: _Link) -> None:
            link.run(write, ("PUBLISH", key + _CHANNEL, "w"), atomic=True)

        self._try(
            op, lambda: self._fallback.put(key, record, expire), write=True
        )

    def delete(self, key: str, only_id: str | None = None) -> bool:
        """Drop *key*; with *only_id*, only if the record has that id."""

        def op(link: _Link) -> bool:
            return bool(link.script(_DELETE, [key], [only_id or ""]))

        # The fallback too: a session it kept during an outage must not
        # come back once it is revoked.
        dropped = self._fallback.delete(key, only_id)
        return self._try(op, lambda: dropped, write=True) or dropped

    def lock(self, key: str, owner: str, ttl: float) -> bool:
        """Take the creation lock of *key* (``SET NX PX``)."""
        ms = max(1, int(ttl * 1000))

        def op(link: _Link) -> bool:
            (taken,) = link.run(("SET", key + _LOCK, owner, "NX", "PX", ms))
            return bool(taken)

        return self._try(op, lambda: self._fallback.lock(key, owner, ttl))

    def unlock(self, key: str, owner: str) -> None:
        """Release the creation lock of *key* if *owner* holds it."""

        def op(link: _Link) -> None:
            link.script(_UNLOCK, [key + _LOCK], [owner, key + _CHANNEL])

        self._try(op, lambda: None, write=True)
        # A lock taken while Redis was down is in the fallback.
        self._fallback.unlock(key, owner)

    def wait(self, key: str, timeout: float) -> None:
        """
        Block until *key* is written, its lock is released or lapses.

        Subscribed to the key's channel before looking, so that a write
        between the look and the wait still wakes this waiter: one
        blocking read, woken by the writer's ``PUBLISH``, never a poll.
        """

        def op(link: _Link) -> None:
            listener = link.listen(key + _CHANNEL)
            try:
                written, lapse = link.run(
                    ("EXISTS", key), ("PTTL", key + _LOCK)
                )
                if written or lapse < 0:
                    return
                # Wake when the lock lapses too (its holder died): PTTL is
                # in whole milliseconds, rounded down, so a little after.
                listener.wait(min(timeout, (lapse + 2) / 1000))
            finally:
                listener.close()

        self._try(op, lambda: self._fallback.wait(key, timeout))

    def records(self) -> Iterator[tuple[str, SessionRecord]]:
        """Every live session record of the plugin (``SCAN``, bounded)."""

        def op(link: _Link) -> list[tuple[str, SessionRecord]]:
            keys: list[str] = []
            cursor: Any = 0
            for _ in range(_SCAN_LIMIT):  # Redis ends a scan; bounded anyway
                ((cursor, found),) = link.run(
                    ("SCAN", cursor, "MATCH", PREFIX + "*", "COUNT", 500)
                )
                for raw in found:
                    name = raw.decode() if isinstance(raw, bytes) else raw
                    if not name.endswith(_LOCK):
                        keys.append(name)
                if int(cursor) == 0 or len(keys) >= _SCAN_LIMIT:
                    break
            out = []
            for start in range(0, len(keys), 500):
                batch = keys[start : start + 500]
                (values,) = link.run(("MGET", *batch))
                for name, value in zip(batch, values, strict=True):
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
            link, self._link = self._link, None
        if link is not None:
            link.close()
        self._fallback.close()


class _Listener(Protocol):
    def wait(self, timeout: float) -> bool: ...
    def close(self) -> None: ...


class _Link(Protocol):
    """What the store needs of a Redis client: ours, or redis-py."""

    def run(self, *commands: _resp.Command, atomic: bool = False) -> list[Any]:
        """*commands* in one round trip (in ``MULTI``/``EXEC`` if *atomic*)."""

    def script(self, source: str, keys: list[str], args: list[str]) -> Any:
        """The Lua *source* run on *keys* and *args*, atomically."""

    def listen(self, channel: str) -> _Listener:
        """A subscription to *channel*, in effect when this returns."""

    def close(self) -> None:
        """Close the connections it opened."""


class _Own:
    """The store's own RESP2 client (`._resp`): a URL, no redis-py."""

    def __init__(self, client: _resp.Client) -> None:
        self._client = client

    def run(self, *commands: _resp.Command, atomic: bool = False) -> list[Any]:
        if not atomic:
            return self._client.run(*commands)
        *_, done = self._client.run(("MULTI",), *commands, ("EXEC",))
        if not isinstance(done, list):  # aborted
            raise _resp.RedisError("EXEC")
        for reply in done:
            if isinstance(reply, _resp.ReplyError):
                raise reply
        return done

    def script(self, source: str, keys: list[str], args: list[str]) -> Any:
        # EVAL, not EVALSHA: one round trip even on a new server (Redis
        # keeps each script compiled under its SHA-1 anyway).
        (result,) = self._client.run(("EVAL", source, len(keys), *keys, *args))
        return result

    def listen(self, channel: str) -> _resp.Listener:
        return self._client.listen(channel)

    def close(self) -> None:
        self._client.close()


class _Py:
    """A redis-py client: the user's, or for a URL option only it speaks."""

    def __init__(self, client: redis.Redis, *, owned: bool) -> None:
        self._client = client
        self._owned = owned
        self._scripts: dict[str, Any] = {}

    def run(self, *commands: _resp.Command, atomic: bool = False) -> list[Any]:
        with self._client.pipeline(transaction=atomic) as pipe:
            for command in commands:
                pipe.execute_command(*command)  # type: ignore[no-untyped-call]
            return pipe.execute()

    def script(self, source: str, keys: list[str], args: list[str]) -> Any:
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = self._client.register_script(
                source
            )
        return script(keys=keys, args=args)

    def listen(self, channel: str) -> _PyListener:
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(channel)
        except BaseException:
            pubsub.close()
            raise
        return _PyListener(pubsub)

    def close(self) -> None:
        if self._owned:
            pool = self._client.connection_pool
            self._client.close()
            pool.disconnect()


class _PyListener:
    def __init__(self, pubsub: Any) -> None:
        self._pubsub = pubsub

    def wait(self, timeout: float) -> bool:
        # The subscription's confirmation reads as None: bounded loop.
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if self._pubsub.get_message(timeout=left):
                return True
        return False

    def close(self) -> None:
        self._pubsub.close()


def _seconds(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _is_failure(exc: Exception) -> bool:
    """Whether *exc* is Redis failing (down, slow, refusing), not a bug."""
    if isinstance(exc, (OSError, _resp.RedisError)):
        return True
    errors = sys.modules.get("redis.exceptions")  # only if redis-py is used
    return errors is not None and isinstance(exc, errors.RedisError)


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
