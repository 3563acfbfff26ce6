"""Every gate of the project, one nox session each."""

from __future__ import annotations

import nox


nox.options.sessions = ["lint", "mypy", "tests", "docs"]
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "uv|virtualenv"

PYPROJECT = nox.project.load_toml("pyproject.toml")
ALL_PYTHONS = nox.project.python_versions(PYPROJECT)


def _groups(*names: str) -> tuple[str, ...]:
    return tuple(nox.project.dependency_groups(PYPROJECT, *names))


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff, as linter and as formatter."""
    session.install(*_groups("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def mypy(session: nox.Session) -> None:
    """Strict type checks of the package, the typing examples and this file."""
    session.install(".", *_groups("typing"))
    session.run("mypy")


@nox.session(python=ALL_PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite, against the installed package."""
    session.install(".", *_groups("tests"))
    session.run("pytest", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """
    The benchmarks: write bench/results/ and print the table.

    Not run by default; ``nox -s bench -- --quick`` for a short try.
    """
    session.install(".", *_groups("bench"))
    session.run("python", "bench/run.py", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site, built strictly into site/ (git-ignored)."""
    session.install(".", *_groups("docs"))
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        "site",
        *session.posargs,
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session
def soak(session: nox.Session) -> None:
    """
    The hardening suite with larger counts (TMDB_AUTH_SOAK=1): more faults,
    revocations and fuzzed examples, trio too. Not run by default.
    """
    session.install(".", *_groups("tests"))
    session.run(
        "pytest",
        "tests/hardening",
        "-o",
        "timeout=1800",
        *session.posargs,
        env={"TMDB_AUTH_SOAK": "1"},
    )
