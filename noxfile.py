"""
Every gate of the project, one nox session each.

``nox`` runs the default sessions; ``tests`` runs once per Python that
pyproject.toml declares. A declared Python that cannot be found is skipped
on a developer's machine and fails the run when ``CI`` is set (nox's own
rule), so CI always runs all of them.
"""

from __future__ import annotations

import os
import re

from pathlib import Path

import nox


nox.options.sessions = ["lint", "mypy", "tests", "coverage", "docs"]
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "uv|virtualenv"
# The machine's own Pythons, never a download (`--download-python auto`
# lets uv fetch the missing ones).
nox.options.download_python = "never"

PYPROJECT = nox.project.load_toml("pyproject.toml")
ALL_PYTHONS = nox.project.python_versions(PYPROJECT)
STRICT_WARNINGS = {"PYTHONWARNINGS": "error::ResourceWarning"}
# Percent of lines and branches, the figure the complete run reached.
COVERAGE_GATE = 95


def _groups(*names: str) -> tuple[str, ...]:
    return tuple(nox.project.dependency_groups(PYPROJECT, *names))


def _pyenv_bin_dirs(versions: list[str]) -> list[str]:
    """
    The ``bin`` directory of pyenv's newest CPython X.Y.Z, for each X.Y.

    pyenv's shims answer only for the versions that ``pyenv global`` or
    ``.python-version`` activates, so an installed ``python3.13`` is not
    found on PATH unless it is the active one.
    """
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found = []
    for version in versions:
        release = re.compile(rf"{re.escape(version)}\.(\d+)")
        patches = [
            (int(match[1]), path / "bin")
            for path in (root / "versions").glob(f"{version}.*")
            if (match := release.fullmatch(path.name))
            and (path / "bin" / f"python{version}").is_file()
        ]
        if patches:
            found.append(str(max(patches)[1]))
    return found


# Appended, not prepended: a Python already on PATH (a virtualenv, the
# system's, pyenv's active one) is still the one used.
os.environ["PATH"] = os.pathsep.join(
    [os.environ.get("PATH", os.defpath), *_pyenv_bin_dirs(ALL_PYTHONS)]
)


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
    """
    The test suite, against the installed package, under coverage.

    ``PYTHONWARNINGS`` (``-W error::ResourceWarning``) makes ResourceWarning
    an error in the whole process, from start to exit, and in the processes
    the tests start, not only inside each test as pyproject's
    ``filterwarnings`` does. Each run replaces this Python's coverage data
    (``.coverage.tests-3.X.*``); the ``coverage`` session combines them.
    """
    session.install(".", *_groups("tests"))
    data = f".coverage.{session.name}"
    for stale in Path().glob(f"{data}.*"):
        stale.unlink()
    session.run(
        "coverage",
        "run",
        "-m",
        "pytest",
        *session.posargs,
        env={"COVERAGE_FILE": data, **STRICT_WARNINGS},
    )


@nox.session
def coverage(session: nox.Session) -> None:
    """
    Branch coverage of the tests on every Python, combined, and its gate.

    Reads what the ``tests`` sessions left, so it runs after them, as in
    the default run. The gate holds under ``CI``, whose run is complete;
    elsewhere a Python, the browser or Redis may have been skipped, and
    the figure is only reported.
    """
    session.install(*_groups("coverage"))
    session.run("coverage", "combine")
    gate = [f"--fail-under={COVERAGE_GATE}"] if "CI" in os.environ else []
    session.run("coverage", "report", *gate)


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
        env={"TMDB_AUTH_SOAK": "1", **STRICT_WARNINGS},
    )
