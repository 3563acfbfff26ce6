"""The public names: complete, sorted, importable (as httpx tests them)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tmdb_auth
import tmdb_auth.cassettes
import tmdb_auth.exceptions
import tmdb_auth.stores
import tmdb_auth.testing


@pytest.mark.parametrize(
    "module",
    [
        tmdb_auth,
        tmdb_auth.cassettes,
        tmdb_auth.exceptions,
        tmdb_auth.stores,
        tmdb_auth.testing,
    ],
)
def test_all_is_sorted_and_importable(module: object) -> None:
    """__all__ is sorted, and every name in it resolves."""
    names = module.__all__  # type: ignore[attr-defined]

    assert sorted(names) == names
    assert all(getattr(module, name) is not None for name in names)


def test_package_exports_every_error() -> None:
    """Every exception of tmdb_auth.exceptions is at the top level too."""
    assert set(tmdb_auth.exceptions.__all__) <= set(tmdb_auth.__all__)


def test_private_modules_declare_all() -> None:
    """Every private module says what it exports."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(tmdb_auth.__path__):
        if info.name.startswith("_") and info.name != "__main__":
            module = importlib.import_module(f"tmdb_auth.{info.name}")
            assert isinstance(module.__all__, list), info.name


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("tmdb_auth.requests", "httpx"),
        ("tmdb_auth.httpx", "requests"),
        ("tmdb_auth", "requests"),
        ("tmdb_auth", "httpx"),
        ("tmdb_auth.requests", "diskcache"),
        ("tmdb_auth.httpx", "diskcache"),
    ],
)
def test_adapters_import_only_their_library(
    module: str, forbidden: str
) -> None:
    """Each adapter imports its own HTTP library; diskcache waits for a session."""
    code = f"import sys, {module}; print({forbidden!r} in sys.modules)"

    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )

    assert "False" == out.stdout.strip()


def test_stand_in_is_independent() -> None:
    """The stand-in server imports nothing of the client side."""
    code = (
        "import sys, tmdb_auth.testing as t; t.TMDbServer;"
        "print(sorted(m for m in sys.modules if m.startswith('tmdb_auth.')"
        " and not m.startswith('tmdb_auth.testing')))"
    )

    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )

    # tmdb_auth/__init__.py, which Python imports first, brings the errors.
    assert "['tmdb_auth.exceptions']" == out.stdout.strip()
