"""
Start-up: what importing the adapters and running the command load.

Start-up time is imports (issue 15): each test runs a fresh interpreter and
compares the modules it loaded with a baseline that does the same without
tmdb-auth (``import requests`` alone, a bare argparse parser), so that only
what tmdb-auth adds is judged. No timing: the benchmarks measure that.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import pickle
import subprocess
import sys

import pytest

from tmdb_auth import AccessToken, RequestToken, Session

from .redis_server import redis_server, redis_url  # noqa: F401 -- fixtures


#: Never imported by ``import tmdb_auth.<library>`` (on top of the library).
ADAPTER_NEVER = {
    "ast",
    "dataclasses",
    "diskcache",
    "inspect",
    "platformdirs",
    "sqlite3",
    "tmdb_auth._cli",
    "tmdb_auth._store",
    "tmdb_auth.testing",
}
#: Never imported by ``tmdb-auth --help`` (on top of argparse's own).
HELP_NEVER = {
    "hmac",
    "json",
    "logging",
    "signal",
    "sqlite3",
    "threading",
    "tmdb_auth._cli_login",
    "tmdb_auth._config",
    "tmdb_auth._store",
    "tmdb_auth.testing",
    "typing",
    "urllib.parse",
}
#: Never imported by ``tmdb-auth status`` on a directory store.
STATUS_NEVER = {
    "dataclasses",
    "diskcache",
    "hashlib",
    "hmac",
    "httpx",
    "logging",
    "requests",
    "signal",
    "tmdb_auth._cli_login",
    "tmdb_auth.testing",
}


def loaded(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a fresh interpreter has loaded after running *code*."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code + "\nimport sys\nprint('\\n'.join(sys.modules))",
        ],
        capture_output=True,
        text=True,
        # Without coverage's start-up in the child: it imports json,
        # sqlite3 and datetime for its own use.
        env={
            k: v for k, v in (env or os.environ).items() if "COVERAGE" not in k
        },
        timeout=60,
        check=True,
    )
    return set(done.stdout.splitlines())


@pytest.mark.parametrize("library", ["requests", "httpx"])
def test_adapter_imports_nothing_it_does_not_need(library: str) -> None:
    """``import tmdb_auth.<library>`` adds no store, CLI, or dataclasses."""
    alone = loaded(f"import {library}")
    ours = loaded(f"import tmdb_auth.{library}")

    assert f"tmdb_auth.{library}" in ours
    assert set() == (ours - alone) & ADAPTER_NEVER


def test_help_imports_only_the_parser() -> None:
    """``tmdb-auth --help`` loads the parser and the command's own modules."""
    run = "try:\n    {}\nexcept SystemExit:\n    pass"
    bare = loaded(
        run.format(
            "import argparse; argparse.ArgumentParser().parse_args(['-h'])"
        )
    )
    ours = loaded(
        run.format("from tmdb_auth._cli import main; main(['--help'])")
    )

    assert "tmdb_auth._serve_options" in ours
    assert set() == (ours - bare) & HELP_NEVER


def test_status_imports_no_http_library(
    tmp_path: os.PathLike[str],
) -> None:
    """``tmdb-auth status`` reads the store without the HTTP libraries."""
    env = {
        **os.environ,
        "TMDB_AUTH_CACHE_DIR": os.path.join(os.fspath(tmp_path), "sessions"),
    }
    env.pop("TMDB_AUTH_CACHE_URL", None)
    ours = loaded(
        "from tmdb_auth._cli import main\nassert main(['status']) == 0",
        env,
    )

    assert "tmdb_auth._cli_sessions" in ours
    assert set() == ours & STATUS_NEVER


def test_a_redis_store_reads_without_sqlite_nor_redis_py(
    redis_url: str,  # noqa: F811 -- the fixture
) -> None:
    """A process on a Redis URL store reads it speaking RESP itself."""
    ours = loaded(
        "import tmdb_auth.requests as t\n"
        f"auth = t.TMDbAuth('0' * 32, cache={redis_url!r})\n"
        "assert auth._sessions.store.get('tmdb-auth:v1:nothing') is None\n"
        "auth.close()"
    )

    assert "tmdb_auth._stores._resp" in ours
    assert set() == ours & {"diskcache", "redis", "sqlite3"}


VALUES = [
    Session("guest", "a" * 32, expires_at=5.0),
    Session("user", "b" * 40, "someone", 1.0, None, 7),
    RequestToken("c" * 40, 9.0, "https://example.invalid/approve"),
    AccessToken("x.y.z", "d" * 24, 2.0),
]


class TestValuesAreFrozenDataclasses:
    """The values behave as the frozen dataclasses they were."""

    @pytest.mark.parametrize("value", VALUES, ids=repr)
    def test_dataclass_functions(self, value: object) -> None:
        assert dataclasses.is_dataclass(value)
        names = [f.name for f in dataclasses.fields(value)]  # type: ignore[arg-type]
        assert names == list(value.__match_args__)  # type: ignore[attr-defined]
        assert dataclasses.asdict(value) == value._asdict()  # type: ignore[call-overload, attr-defined]
        assert dataclasses.astuple(value) == tuple(value._asdict().values())  # type: ignore[call-overload, attr-defined]
        assert dataclasses.replace(value) == value  # type: ignore[type-var]

    def test_replace_makes_a_new_value(self) -> None:
        session = VALUES[0]
        assert isinstance(session, Session)

        renamed = dataclasses.replace(session, username="someone")

        assert renamed.username == "someone"
        assert session.username is None
        assert renamed != session

    @pytest.mark.parametrize("value", VALUES, ids=repr)
    def test_frozen(self, value: object) -> None:
        name = value.__match_args__[0]  # type: ignore[attr-defined]
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, name, "x")
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(value, name)
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.other = 1  # type: ignore[attr-defined]
        assert not hasattr(value, "__dict__")

    @pytest.mark.parametrize("value", VALUES, ids=repr)
    def test_equal_hashable_copyable(self, value: object) -> None:
        twin = type(value)(**value._asdict())  # type: ignore[attr-defined]

        assert twin == value
        assert hash(twin) == hash(value)
        assert twin != object()
        assert copy.copy(value) == value
        assert copy.deepcopy(value) == value
        assert pickle.loads(pickle.dumps(value)) == value  # noqa: S301 -- ours
        assert type(value).from_json(value.to_json()) == value  # type: ignore[attr-defined]

    def test_positional_and_match(self) -> None:
        session = Session("user", "b" * 40, "someone")

        match session:
            case Session(kind, sid, username):
                assert (kind, sid, username) == ("user", "b" * 40, "someone")
            case _:  # pragma: no cover
                pytest.fail("no match")

    def test_other_value_types_are_not_equal(self) -> None:
        assert Session("guest", "a" * 32) != RequestToken("a" * 32)
        assert not dataclasses.is_dataclass(object())
