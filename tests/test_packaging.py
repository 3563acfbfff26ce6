"""What the installed distribution promises."""

from __future__ import annotations

import importlib.metadata
import importlib.resources

import tmdb_auth


CLASSIFIER = "Programming Language :: Python :: 3."


def test_version() -> None:
    """__version__ is the installed distribution's version."""
    assert importlib.metadata.version("tmdb-auth") == tmdb_auth.__version__


def test_typed() -> None:
    """The package ships its py.typed marker."""
    assert (
        importlib.resources.files("tmdb_auth").joinpath("py.typed").is_file()
    )


def test_entry_points() -> None:
    """The console script and the pytest plugin are registered."""
    eps = importlib.metadata.entry_points()
    scripts = {ep.name: ep.value for ep in eps.select(group="console_scripts")}
    plugins = {ep.name: ep.value for ep in eps.select(group="pytest11")}

    assert "tmdb_auth._cli:main" == scripts["tmdb-auth"]
    assert "tmdb_auth.testing._plugin" == plugins["tmdb_auth"]


def test_declared_pythons() -> None:
    """
    Requires-Python starts at the oldest Python the classifiers name, and
    the classifiers name every minor version from there, none skipped.
    """
    meta = importlib.metadata.metadata("tmdb-auth")
    minors = sorted(
        int(classifier.removeprefix(CLASSIFIER))
        for classifier in meta.get_all("Classifier", [])
        if classifier.startswith(CLASSIFIER)
    )

    assert f">=3.{minors[0]}" == meta["Requires-Python"]
    assert list(range(minors[0], minors[-1] + 1)) == minors
