"""Every gate of the project, one nox session each."""

from __future__ import annotations

import nox


nox.options.sessions = ["lint", "mypy", "tests"]
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
