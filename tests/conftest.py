"""
Fixtures shared by the whole suite.

Every test runs with no ``TMDB_*`` variable from the outside world and a
cache directory of its own. Tests that use the stand-in server get the
`server` fixture, and afterwards every log record emitted during the test
(all loggers at DEBUG) is scanned for the secrets that went over the wire.

On top of that, one secret scan spans the whole run (`leaks.SecretScanner`):
every log record of every test (all loggers at DEBUG), every TMDbAuthError
created, every exception that went through the plugin's code (raised by a
test or caught with pytest.raises), including their ``__cause__`` and
``__context__`` chains, and every output of the CLI's main() are checked
after each test against every secret of the stand-in servers it used (keys,
read tokens, passwords, request tokens, session ids, revoked ones too); at
the end, every file name under the run's temporary directory is checked
too. A secret fails the test it appeared in, and the run. The terminal
summary ends with the figures of the run as one JSON line.
"""

from __future__ import annotations

import json
import logging
import os

from collections.abc import Generator, Iterator

import pytest

from tmdb_auth.testing import TMDbServer

from .leaks import (
    FIGURES,
    SecretScanner,
    _through_plugin,
    collect_secrets,
    find_leaks,
)


_SCANNER = pytest.StashKey[SecretScanner]()


def pytest_configure(config: pytest.Config) -> None:
    scanner = SecretScanner()
    scanner.install()
    config.stash[_SCANNER] = scanner


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    scanner = item.config.stash[_SCANNER]
    exc = call.excinfo.value if call.excinfo is not None else None
    if exc is not None and _through_plugin(exc):
        scanner.add_exception(exc, own=False)
    if call.when == "teardown":
        leaks = scanner.finish_test(item.nodeid)
        if leaks:
            report.outcome = "failed"
            report.longrepr = (
                f"{len(leaks)} secret(s) appeared in a log record, an "
                "exception or CLI output (shown masked):\n"
                + "\n".join(leak[:500] for leak in leaks[:20])
            )
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    scanner = session.config.stash.get(_SCANNER, None)
    if scanner is None:
        return
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None and factory._basetemp is not None:
        scanner.scan_paths(str(factory._basetemp))
    if scanner.leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    scanner = terminalreporter.config.stash.get(_SCANNER, None)
    if scanner is None:
        return
    FIGURES["secrets_found"] += 0
    figures = dict(FIGURES)
    for prefix in (
        "faults_injected",
        "faults_survived",
        "fuzz_examples",
        "storage_faults_survived",
    ):
        total = sum(
            v for k, v in FIGURES.items() if k.startswith(prefix + ".")
        )
        if total:
            figures[prefix + ".total"] = total
    line = json.dumps(figures, sort_keys=True)
    terminalreporter.write_sep("-", "tmdb-auth figures")
    terminalreporter.write_line(f"TMDB-AUTH-FIGURES {line}")
    for leak in scanner.leaks[:20]:
        terminalreporter.write_line(f"SECRET FOUND: {leak[:300]}")
    target = os.environ.get("TMDB_AUTH_FIGURES")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2, sort_keys=True)
            out.write("\n")


@pytest.fixture(autouse=True)
def _clean_environ(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for name in list(os.environ):
        if name.startswith("TMDB_"):
            monkeypatch.delenv(name)
    cache = tmp_path_factory.mktemp("cache") / "tmdb-auth"
    monkeypatch.setenv("TMDB_AUTH_CACHE_DIR", str(cache))


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


@pytest.fixture
def debug_log() -> Iterator[_Capture]:
    """Every logger at DEBUG, every record kept as formatted text."""
    handler = _Capture()
    root = logging.getLogger()
    names = ["", "tmdb_auth", "httpx", "httpcore", "urllib3", "requests"]
    levels = {n: logging.getLogger(n).level for n in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def server(
    tmdb_server: TMDbServer, debug_log: _Capture
) -> Iterator[TMDbServer]:
    """
    The stand-in TMDb, with the log scanned for secrets after the test.

    The secrets are the server's key, read token and password, and every
    session id and request token that went over the wire.
    """
    yield tmdb_server
    secrets = collect_secrets(tmdb_server)
    leaks = find_leaks(debug_log.texts, secrets)
    assert [] == leaks, "a secret appeared in a log record"


@pytest.fixture
def env(server: TMDbServer, monkeypatch: pytest.MonkeyPatch) -> TMDbServer:
    """The server's key and URL in the environment, as a user would set."""
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    return server
