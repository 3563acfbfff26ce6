"""
The disk store: diskcache's SQLite file, read without diskcache.

Strictly private; public as `tmdb_auth.stores.DiskStore`. The only module
that touches ``diskcache``, and only to write.

Reads go straight to the SQLite file through a read-only connection and
decode exactly one layout: a key and a value that are zlib-compressed
JSON, stored inline (what `diskcache.JSONDisk` writes for small values).
Nothing read is ever unpickled, whatever the ``Disk`` of the cache that
wrote it: a row in pickle mode, a pickled key, a value that does not
decompress or decode is ignored, with one warning. So reading costs no
diskcache import and no `diskcache.Cache` open (a tenth of the time), and
only a process that writes a session opens diskcache.

Creation is single-flight across processes through an OS file lock
(``flock``) beside the database, one file per key: the creator holds it
exclusively; waiters block on a shared lock and all wake the moment it is
released, or its holder dies. Where ``fcntl`` is missing, a diskcache row
lock with a short poll stands in.

Every file of the store must belong to the current user, and a directory
the plugin owns must be 0700 (it is repaired, with a warning, when it
holds nothing else); otherwise the store is refused, on every path.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import stat
import threading
import time
import weakref
import zlib

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .base import PREFIX, SessionRecord, decode, log, warn_once


try:
    import fcntl

    _FLOCK = True
except ImportError:  # pragma: no cover -- Windows: the row lock below
    _FLOCK = False


if TYPE_CHECKING:
    import diskcache


__all__ = ["DiskStore", "UnsafeCacheError"]

_DB = "cache.db"
_MODE_RAW = 1  # diskcache.core.MODE_RAW: bytes stored inline
_INLINE = 1 << 15  # diskcache's default min_file_size: smaller stays inline
_MAX_RECORD = 1 << 16  # a decompressed record is far smaller than this
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class UnsafeCacheError(OSError):
    """The cache directory or a file in it is not safe. Strictly private."""


class DiskStore:
    """
    Sessions in a diskcache directory, shared by the processes of a machine.

    The default store: ``cache="/some/dir"`` (or nothing, for the user's
    cache directory) uses one. Records are JSON, never pickle; the
    directory is 0700 and its files 0600; files owned by another user make
    the store refuse the directory. Only a process that writes a session
    imports and opens diskcache.

    Args:
        directory: The cache directory, or a `diskcache.Cache` of yours to
            keep the sessions in. Your cache is used safely: sessions are
            written as JSON whatever its ``Disk``, nothing in it is ever
            unpickled, and it is never closed by the plugin.

    Example::

        from tmdb_auth.stores import DiskStore

        store = DiskStore("/var/cache/my-app/tmdb")
        auth = TMDbAuth(cache=store)
        ...
        store.close()

    .. versionadded:: 0.2.0
    """

    def __init__(self, directory: str | os.PathLike[str] | diskcache.Cache):
        if isinstance(directory, (str, os.PathLike)):
            self._dir = os.fspath(directory)
            self._own = True
        else:
            self._dir = str(directory.directory)
            self._own = False
        #: What warnings and ``tmdb-auth status`` call this store.
        self.name = self._dir
        self._writer: diskcache.Cache | None = None
        self._prepared = False
        self._lock = threading.RLock()
        self._held: dict[str, tuple[int, str, int]] = {}  # fd, owner, pid
        weakref.finalize(self, _release, self._held)

    def __repr__(self) -> str:
        return f"<DiskStore {self._dir!r}>"

    # -- reading, without diskcache ------------------------------------

    def get(self, key: str) -> SessionRecord | None:
        """The record under *key*, if any (expired ones are gone)."""
        rows = self._query(
            "SELECT mode, value FROM Cache WHERE key = ? AND raw = 1"
            " AND (expire_time IS NULL OR expire_time > ?)",
            (_disk_key(key), time.time()),
        )
        if not rows:
            return None
        record = _value(*rows[0])
        if record is None:
            self._ignored()
        return record

    def records(self) -> Iterator[tuple[str, SessionRecord]]:
        """Every live session record of the plugin."""
        rows = self._query(
            "SELECT key, raw, mode, value FROM Cache"
            " WHERE expire_time IS NULL OR expire_time > ?",
            (time.time(),),
        )
        ignored = False
        for stored, raw, mode, value in rows:
            if not raw:  # a pickled key: never loaded
                ignored = True
                continue
            key = _key_of(stored)
            if key is None or not key.startswith(PREFIX):
                continue  # another application's row
            if key.endswith(":lock"):
                continue  # a lock row (the fallback, or release one)
            record = _value(mode, value)
            if record is None:
                ignored = True
                continue
            yield key, record
        if ignored:
            self._ignored()

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        path = self._database()
        if path is None:
            return []
        db = sqlite3.connect(
            f"file:{quote(path)}?mode=ro", uri=True, timeout=5
        )
        try:
            return db.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):  # created, not written yet
                return []
            raise
        finally:
            db.close()

    def _database(self) -> str | None:
        """The database's path once it is checked; None if there is none."""
        try:
            info = os.stat(self._dir)
        except FileNotFoundError:
            return None
        if not stat.S_ISDIR(info.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        uid = _uid()
        if uid is not None:
            if info.st_uid != uid:
                raise UnsafeCacheError("it belongs to another user")
            if not self._own:
                if info.st_mode & 0o022:
                    raise UnsafeCacheError("other users can write to it")
            elif stat.S_IMODE(info.st_mode) != 0o700:
                _prepare(self._dir)  # repaired, with a warning, or refused
        return os.path.join(self._dir, _DB) if _checked(self._dir) else None

    def _ignored(self) -> None:
        warn_once(
            self._dir,
            "ignored",
            "tmdb-auth: the session cache at %s holds entries that are not "
            "plain JSON (pickled, corrupt or another format); they are "
            "ignored, never loaded.",
            self._dir,
        )

    # -- writing, through diskcache ------------------------------------

    @contextlib.contextmanager
    def _writing(self) -> Iterator[diskcache.Cache]:
        with self._lock:
            self._ready()
            cache = self._writer
            if cache is None:
                cache = self._writer = _open(self._dir, own=self._own)
            try:
                yield cache
            finally:
                # diskcache keeps one connection per thread, which close()
                # ends for this thread only; writes are rare, so each one
                # ends its own and none outlives the store.
                cache.close()

    def _ready(self) -> None:
        with self._lock:
            if not self._prepared:
                if self._own:
                    _prepare(self._dir)
                elif self._database() is None:
                    raise FileNotFoundError(errno.ENOENT, "no cache.db")
                self._prepared = True

    def put(
        self, key: str, record: SessionRecord, expire: float | None = None
    ) -> None:
        """Keep *record* as JSON, for *expire* seconds or for good."""
        with self._writing() as cache:
            cache.set(key, dict(record), expire=expire)

    def delete(self, key: str, only_id: str | None = None) -> bool:
        """Drop *key*; with *only_id*, only if the record has that id."""
        if self._database() is None:
            return False
        with self._writing() as cache, cache.transact():
            # The transaction keeps every other writer out between the
            # read (on a connection of its own) and the delete.
            if only_id is not None:
                found = self.get(key)
                if found is None or found.get("id") != only_id:
                    return False
            return bool(cache.delete(key))

    # -- the creation lock ---------------------------------------------

    def _lock_file(self, key: str) -> str:
        import hashlib  # noqa: PLC0415 -- only a session creation locks

        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return os.path.join(self._dir, f"{_DB}-lock-{digest}")

    def lock(self, key: str, owner: str, ttl: float) -> bool:
        """
        Take the creation lock of *key*, without waiting.

        An OS file lock: it ends when its holder's process ends, so *ttl*
        is an upper bound that a crash never reaches.
        """
        if not _FLOCK:  # pragma: no cover -- Windows
            return self._row_lock(key, owner, ttl)
        self._ready()
        fd = _open_lock(self._lock_file(key), os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        with self._lock:
            self._held[key] = (fd, owner, os.getpid())
        return True

    def unlock(self, key: str, owner: str) -> None:
        """Release the creation lock of *key* if *owner* holds it."""
        if not _FLOCK:  # pragma: no cover -- Windows
            self._row_unlock(key, owner)
            return
        with self._lock:
            held = self._held.get(key)
            if held is None or held[1] != owner:
                return
            del self._held[key]
        _unlock(*held)

    def wait(self, key: str, timeout: float) -> None:
        """
        Block until the lock of *key* is free, or *timeout* seconds pass.

        Every waiter blocks on a shared lock, so all wake together when
        the creator releases its exclusive one (or dies).
        """
        if not _FLOCK:  # pragma: no cover -- Windows
            time.sleep(min(timeout, 0.01))
            return
        try:
            fd = _open_lock(self._lock_file(key), os.O_RDONLY)
        except FileNotFoundError:
            return  # never locked
        done = threading.Event()

        def take() -> None:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)
            except OSError:
                pass
            finally:
                os.close(fd)  # before waking the caller: it may lock next
                done.set()

        # flock has no timeout: a thread blocks in it, the caller waits
        # for the thread at most *timeout*. A thread left behind ends
        # when the holder releases or dies.
        threading.Thread(
            target=take, name="tmdb-auth-wait", daemon=True
        ).start()
        done.wait(timeout)

    def _row_lock(self, key: str, owner: str, ttl: float) -> bool:
        with self._writing() as cache:
            return bool(cache.add(key + ":lock", owner, expire=ttl))

    def _row_unlock(self, key: str, owner: str) -> None:
        with self._writing() as cache, cache.transact():
            if cache.get(key + ":lock") == owner:
                cache.delete(key + ":lock")

    def close(self) -> None:
        """Close diskcache if this store opened it, and release its locks."""
        with self._lock:
            writer, self._writer = self._writer, None
            self._prepared = False
        if writer is not None:
            writer.close()
        _release(self._held)


def _uid() -> int | None:
    getuid = getattr(os, "getuid", None)
    return None if getuid is None else int(getuid())


def _checked(directory: str) -> bool:
    """
    Refuse database files that are not ours; return whether it exists.

    The ``-wal`` and ``-shm`` files matter as much as the database: a
    planted write-ahead log adds rows to what SQLite reads.
    """
    uid = _uid()
    exists = False
    for suffix in ("", "-wal", "-shm"):
        try:
            info = os.lstat(os.path.join(directory, _DB + suffix))
        except FileNotFoundError:
            continue
        exists = exists or not suffix
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeCacheError(f"its {_DB}{suffix} is not a regular file")
        if uid is not None and info.st_uid != uid:
            raise UnsafeCacheError(
                f"its {_DB}{suffix} belongs to another user"
            )
    return exists


def _prepare(directory: str) -> None:
    """
    Create *directory* 0700 and its database 0600, whatever the umask.

    A directory owned by another user, or holding files that are, is
    refused (someone else could read or plant sessions); one that is
    group- or world-accessible is repaired with a warning. The database
    file is created before SQLite opens it, because SQLite gives its
    ``-wal`` and ``-shm`` files the database's mode.
    """
    os.makedirs(directory, mode=0o700, exist_ok=True)
    info = os.stat(directory)
    uid = _uid()
    if uid is not None:
        if info.st_uid != uid:
            raise UnsafeCacheError("it belongs to another user")
        _checked(directory)
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
    fd = _open_lock(os.path.join(directory, _DB), os.O_RDWR | os.O_CREAT)
    os.close(fd)


def _open_lock(path: str, flags: int) -> int:
    """Open a file of the store: ours, 0600, never through a symlink."""
    fd = os.open(path, flags | _NOFOLLOW | _CLOEXEC, 0o600)
    uid = _uid()
    try:
        info = os.fstat(fd)
        creating = uid is not None and flags & os.O_CREAT
        if creating and stat.S_IMODE(info.st_mode) != 0o600:
            os.fchmod(fd, 0o600)
    except BaseException:
        os.close(fd)
        raise
    if uid is not None and info.st_uid != uid:
        os.close(fd)
        raise UnsafeCacheError(
            f"its {os.path.basename(path)} belongs to another user"
        )
    return fd


def _unlock(fd: int, owner: str, pid: int) -> None:
    del owner
    try:
        # A forked child shares the parent's lock: it only closes its copy.
        if pid == os.getpid() and _FLOCK:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _release(held: dict[str, tuple[int, str, int]]) -> None:
    """Release every lock a store still holds (close, or finalizer)."""
    while held:
        with contextlib.suppress(KeyError, OSError):
            _unlock(*held.popitem()[1])


def _disk_key(key: str) -> bytes:
    """*key* as `diskcache.JSONDisk` stores it: zlib-compressed JSON."""
    return zlib.compress(json.dumps(key).encode(), 1)


def _inflate(data: object) -> bytes | None:
    """Decompress a stored blob, refusing anything but a small zlib stream."""
    if not isinstance(data, bytes):
        return None
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, _MAX_RECORD)
    except zlib.error:
        return None
    return out if inflater.eof and not inflater.unconsumed_tail else None


def _key_of(stored: object) -> str | None:
    data = _inflate(stored)
    if data is None:
        return None
    try:
        key = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return key if isinstance(key, str) else None


def _value(mode: object, stored: object) -> SessionRecord | None:
    """A row's value if it is inline zlib-compressed JSON; else None."""
    if mode != _MODE_RAW:  # pickle, text or a file: never read
        return None
    data = _inflate(stored)
    return None if data is None else decode(data)


_json_disk: type[diskcache.Disk] | None = None
_cache_class: type[diskcache.Cache] | None = None


def _open(directory: str, *, own: bool) -> diskcache.Cache:
    """Open diskcache on *directory* to write, with a JSON-only ``Disk``."""
    import diskcache  # noqa: PLC0415 -- only a process that writes pays

    global _json_disk  # noqa: PLW0603 -- one class, made on first use
    if _json_disk is None:

        class JSONOnlyDisk(diskcache.JSONDisk):
            """
            `diskcache.JSONDisk` that never unpickles, never writes files.

            Strictly private. The reads of this module do not go through
            a ``Disk`` at all; this guards diskcache's own code paths.
            """

            def __init__(self, directory: str, **kwargs: Any) -> None:
                # A user's cache may carry other disk_ settings: the
                # layout the reader expects is fixed here.
                kwargs.update(compress_level=1, min_file_size=_INLINE)
                super().__init__(directory, **kwargs)

            def get(self, key: Any, raw: bool) -> Any:
                if not raw:
                    raise _NotJSON
                return super().get(key, raw)

            def fetch(
                self,
                mode: int,
                filename: str | None,
                value: Any,
                read: bool,
            ) -> Any:
                if mode != _MODE_RAW or read:
                    raise _NotJSON
                parent: Any = super()
                return parent.fetch(mode, filename, value, read)

        _json_disk = JSONOnlyDisk

    global _cache_class  # noqa: PLW0603 -- likewise
    if _cache_class is None:

        class ClosingCache(diskcache.Cache):
            """
            `diskcache.Cache` that closes its connection if opening fails.

            Strictly private. A corrupt or full database makes the
            constructor raise after it connected; the half-made object
            would leak that connection.
            """

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                try:
                    super().__init__(*args, **kwargs)
                except BaseException:
                    with contextlib.suppress(Exception):
                        self.close()
                    raise

        _cache_class = ClosingCache
    settings: dict[str, Any] = {"eviction_policy": "none"} if own else {}
    return _cache_class(directory, disk=_json_disk, timeout=10, **settings)


class _NotJSON(ValueError):
    """A row that is not plain JSON reached diskcache's reader."""
