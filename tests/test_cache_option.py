"""
What ``cache=`` and the environment accept: directories, Redis URLs and
clients, stores, a diskcache.Cache; and a clear ConfigurationError at
construction for everything else. Then the lifecycle: what the plugin
opened, ``Sessions.close()`` closes; what the user passed, it never does.
"""

from __future__ import annotations

import importlib.util

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import diskcache
import pytest
import redis
import redis.asyncio

from tmdb_auth import ConfigurationError
from tmdb_auth._config import RedisCache, Settings
from tmdb_auth._store import Store
from tmdb_auth.httpx import TMDbAuth as HttpxAuth
from tmdb_auth.requests import TMDbAuth as RequestsAuth
from tmdb_auth.stores import (
    DiskStore,
    MemoryStore,
    RedisStore,
    SessionRecord,
    SessionStore,
)


KEY = "0123456789abcdef0123456789abcdef"


def _cache(**kwargs: Any) -> Any:
    return Settings.build(api_key=KEY, **kwargs).cache


class DictStore:
    """A user's own store: every method of the protocol, on a dict."""

    def __init__(self) -> None:
        self.data: dict[str, SessionRecord] = {}

    def get(self, key: str) -> SessionRecord | None:
        return self.data.get(key)

    def put(
        self, key: str, record: SessionRecord, expire: float | None = None
    ) -> None:
        self.data[key] = record

    def delete(self, key: str, only_id: str | None = None) -> bool:
        return self.data.pop(key, None) is not None

    def lock(self, key: str, owner: str, ttl: float) -> bool:
        return True

    def unlock(self, key: str, owner: str) -> None:
        pass

    def wait(self, key: str, timeout: float) -> None:
        pass

    def records(self) -> Iterable[tuple[str, SessionRecord]]:
        return list(self.data.items())

    def close(self) -> None:
        pass


class TestAccepted:
    @pytest.mark.parametrize(
        "url",
        [
            "redis://localhost:6379/0",
            "rediss://user:pw@redis.example:6380/2",
            "unix:///run/redis.sock",
        ],
    )
    def test_redis_urls(self, url: str) -> None:
        """A redis://, rediss:// or unix:// URL names Redis, memory behind."""
        assert RedisCache(url, None) == _cache(cache=url)

    def test_env_url_wins_over_the_directory(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """TMDB_AUTH_CACHE_URL wins; TMDB_AUTH_CACHE_DIR is the fallback."""
        monkeypatch.setenv("TMDB_AUTH_CACHE_URL", "redis://r:6379/0")
        monkeypatch.setenv("TMDB_AUTH_CACHE_DIR", str(tmp_path))

        assert RedisCache("redis://r:6379/0", str(tmp_path)) == _cache()
        assert str(tmp_path / "x") == _cache(cache=str(tmp_path / "x"))

    def test_objects(self, tmp_path: Path) -> None:
        """A diskcache.Cache, a redis.Redis, any SessionStore, None."""
        client = redis.Redis()
        store = DictStore()
        with diskcache.Cache(tmp_path) as cache:
            assert cache is _cache(cache=cache)
        assert RedisCache(client, None) == _cache(cache=client)
        assert store is _cache(cache=store)
        assert isinstance(store, SessionStore)
        assert _cache(cache=None) is None
        client.close()

    def test_users_store_is_used(self, server: Any) -> None:
        """A dict-backed store of the user's own holds the session."""
        import requests

        store = DictStore()
        auth = RequestsAuth(
            server.api_key, api_url=server.url, session="guest", cache=store
        )
        with requests.Session() as s:
            s.post(
                server.url + "/3/movie/550/rating",
                json={"value": 8},
                auth=auth,
            )

        assert ["guest"] == [r["kind"] for r in store.data.values()]

    def test_repr_hides_the_password(self) -> None:
        """The checked Redis URL's repr has no password."""
        found = _cache(cache="redis://u:sekrit-pw@h:1/0")

        assert "sekrit-pw" not in repr(found)
        assert "redis://u@h:1/0" in repr(found)


class TestRefused:
    @pytest.mark.parametrize("adapter", [RequestsAuth, HttpxAuth])
    def test_diskcache_index(self, adapter: Any, tmp_path: Path) -> None:
        """A diskcache.Index is refused at construction, by name."""
        index = diskcache.Index(str(tmp_path))
        try:
            with pytest.raises(
                ConfigurationError, match=r"not a diskcache\.Index"
            ):
                adapter(KEY, cache=index)
        finally:
            index.cache.close()

    def test_fanout_cache(self, tmp_path: Path) -> None:
        """A FanoutCache is refused too (its shards are not one database)."""
        with (
            diskcache.FanoutCache(str(tmp_path)) as cache,
            pytest.raises(ConfigurationError, match="FanoutCache"),
        ):
            _cache(cache=cache)

    def test_async_redis(self) -> None:
        """redis.asyncio.Redis is refused: the store is synchronous."""
        client = redis.asyncio.Redis()
        with pytest.raises(ConfigurationError, match=r"redis\.Redis"):
            _cache(cache=client)

    def test_incomplete_store(self) -> None:
        """An object missing part of the protocol is refused."""

        class Half:
            def get(self, key: str) -> None:
                return None

        with pytest.raises(ConfigurationError, match="SessionStore"):
            _cache(cache=Half())

    @pytest.mark.parametrize(
        "url", ["http://u:topsecret99@h/x", "ftp://h", "s3://bucket/cache"]
    )
    def test_other_url_schemes(self, url: str, tmp_path: Path) -> None:
        """A URL is never a directory: another scheme is refused, unshown."""
        with pytest.raises(ConfigurationError, match="redis://") as info:
            _cache(cache=url)

        assert "topsecret99" not in str(info.value)

    def test_url_in_the_directory_variable(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """TMDB_AUTH_CACHE_DIR holding a URL points at TMDB_AUTH_CACHE_URL."""
        monkeypatch.setenv("TMDB_AUTH_CACHE_DIR", "redis://h:6379/0")

        with pytest.raises(ConfigurationError, match="TMDB_AUTH_CACHE_URL"):
            _cache()

    def test_bad_port(self) -> None:
        """A Redis URL with a bad port fails at construction."""
        with pytest.raises(ConfigurationError, match="not a valid Redis URL"):
            _cache(cache="redis://h:99999999/0")

    def test_redis_py_missing(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without redis-py, a Redis URL says how to install it."""
        real = importlib.util.find_spec
        monkeypatch.setattr(
            importlib.util,
            "find_spec",
            lambda name, *a: None if name == "redis" else real(name, *a),
        )

        with pytest.raises(ConfigurationError, match=r"tmdb-auth\[redis\]"):
            _cache(cache="redis://h:6379/0")

    @pytest.mark.parametrize("value", [0, -1, float("nan"), "1"])
    def test_redis_store_timeout(self, value: Any) -> None:
        """RedisStore(timeout=) must be a positive number of seconds."""
        with pytest.raises(ConfigurationError, match="timeout"):
            RedisStore("redis://h", timeout=value)


class TestClose:
    def test_sessions_close_closes_what_it_opened(
        self, server: Any, tmp_path: Path
    ) -> None:
        """After a session is written, close() ends diskcache; twice is fine."""
        import requests

        auth = RequestsAuth(
            server.api_key,
            api_url=server.url,
            session="guest",
            cache=str(tmp_path / "c"),
        )
        with requests.Session() as s:
            s.post(
                server.url + "/3/movie/550/rating",
                json={"value": 8},
                auth=auth,
            )
        disk = auth._sessions.store._primary
        assert isinstance(disk, DiskStore)
        assert disk._writer is not None

        auth._sessions.close()
        auth._sessions.close()

        assert disk._writer is None

    def test_users_store_is_never_closed(self) -> None:
        """A store passed as cache= stays open: its owner closes it."""
        closed = []

        class Tracked(MemoryStore):
            def close(self) -> None:
                closed.append(True)

        store = Store(Tracked())
        store.put("k", {"kind": "guest", "id": "1"}, None)
        store.close()

        assert [] == closed
