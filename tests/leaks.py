"""Finding secrets where they must not be. Used by the fixtures and tests."""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import traceback
import weakref

from collections import Counter
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

import pytest

import tmdb_auth

from tmdb_auth.testing import TMDbServer


SECRET_PARAMS = (
    "api_key",
    "session_id",
    "guest_session_id",
    "request_token",
    "password",
)


def collect_secrets(server: TMDbServer) -> set[str]:
    """The server's credentials and every secret sent to it."""
    found = {server.api_key, server.read_token, server.password}
    for request in server.requests:
        for name in SECRET_PARAMS:
            value = request.query.get(name)
            if value:
                found.add(value)
        try:
            body = request.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            for name in SECRET_PARAMS:
                value = body.get(name)
                if isinstance(value, str) and value:
                    found.add(value)
    return {s for s in found if len(s) >= 8}


def find_leaks(texts: Iterable[str], secrets: set[str]) -> list[str]:
    """The texts that contain a secret (shown masked)."""
    return [
        text.replace(secret, "<SECRET>")
        for text in texts
        for secret in secrets
        if secret in text
    ]


def exception_texts(exc: BaseException) -> list[str]:
    """Everything an exception and its chain show: str, repr, args, trace."""
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args)]
        texts += [repr(v) for v in vars(current).values()]
        current = current.__cause__ or current.__context__
    texts.append(
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    )
    return texts


def assert_no_secret(exc: BaseException, secrets: Iterable[str]) -> None:
    """Fail if *exc*, or anything chained to it, shows a secret."""
    leaks = find_leaks(exception_texts(exc), set(secrets))
    assert [] == leaks


# -- the suite-wide scan -------------------------------------------------
#
# tests/conftest.py installs one `SecretScanner` for the whole pytest run:
# every log record (all loggers at DEBUG), every TMDbAuthError created,
# every exception a test raised or caught with pytest.raises that went
# through the plugin's code, and every output of the CLI's main() are
# scanned after each test for the secrets of the stand-in servers that test
# used (and for every secret seen so far in the run).

#: Figures of the run, printed as one JSON line in the terminal summary.
FIGURES: Counter[str] = Counter()

_TOKEN = re.compile(r"[A-Za-z0-9_.~-]{8,}")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
# The one place a request token may show: the approval URL shown to the
# person who must open it (DESIGN §4.8).
_APPROVAL_URL = re.compile(
    r"(/authenticate/|/auth/access\?request_token=)[0-9A-Za-z_.-]+"
)
_OWN_CODE = os.path.dirname(os.path.abspath(tmdb_auth.__file__))
_STAND_IN = os.path.join(_OWN_CODE, "testing")

#: Session ids issued by any stand-in, revoked or not (see `install`).
_ISSUED: set[str] = set()


def server_secrets(server: TMDbServer) -> set[str]:
    """
    Every secret a stand-in knows or saw: what `collect_secrets` finds in
    its log, plus its keys, read tokens, passwords, request tokens and
    every session id it ever issued (revoked ones too).
    """
    found = collect_secrets(server) | server.secrets()
    return {s for s in found if isinstance(s, str) and len(s) >= 8}


def _tokens(text: str) -> set[str]:
    return set(_TOKEN.findall(_PERCENT.sub(" ", text)))


def _through_plugin(exc: BaseException) -> bool:
    """Whether *exc* was raised in, or passed through, the plugin's code."""
    tb = exc.__traceback__
    while tb is not None:
        name = os.path.abspath(tb.tb_frame.f_code.co_filename)
        if name.startswith(_OWN_CODE) and not name.startswith(_STAND_IN):
            return True
        tb = tb.tb_next
    return False


def shown_by(exc: BaseException, *, own: bool) -> list[str]:
    """
    What an exception and its ``__cause__``/``__context__`` chain show.

    For our own errors (*own*) also the repr of every attribute. The
    traceback text is left out: it holds file names and source lines, no
    values, and formatting it costs more than the rest.
    """
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        try:
            texts += [str(current), repr(current), repr(current.args)]
            if own or isinstance(current, tmdb_auth.TMDbAuthError):
                texts += [repr(v) for v in vars(current).values()]
        except Exception as failure:  # a broken __str__ is a finding too
            texts.append(f"<unprintable {type(failure).__name__}>")
        texts += our_frame_locals(current.__traceback__)
        current = current.__cause__ or current.__context__
    return texts


def our_frame_locals(tb: TracebackType | None) -> list[str]:
    """
    The local variables of the plugin's frames on *tb*, as error reporters
    show them: by repr (``capture_locals``, ``pytest -l``, rich), and item
    by item for tuples, lists and dicts (sentry-sdk's serialiser).
    """
    texts: list[str] = []
    while tb is not None:
        name = os.path.abspath(tb.tb_frame.f_code.co_filename)
        if name.startswith(_OWN_CODE) and not name.startswith(_STAND_IN):
            FIGURES["frames_scanned"] += 1
            for value in tb.tb_frame.f_locals.values():
                texts += _serialised(value, 0)
        tb = tb.tb_next
    return texts


def _serialised(value: object, depth: int) -> list[str]:
    try:
        shown = [repr(value)]
    except Exception as failure:
        return [f"<unprintable {type(failure).__name__}>"]
    if depth >= 3:
        return shown
    if isinstance(value, dict):
        for k, v in list(value.items())[:200]:
            shown += _serialised(k, depth + 1) + _serialised(v, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in list(value)[:200]:
            shown += _serialised(item, depth + 1)
    elif isinstance(value, (str, bytes)):
        shown.append(str(value))
    return shown


class _Tee:
    """A text stream that keeps a copy of what is written through it."""

    def __init__(self, stream: Any, copy: list[str]) -> None:
        self._stream = stream
        self._copy = copy

    def write(self, text: str) -> int:
        self._copy.append(text)
        return int(self._stream.write(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class SecretScanner(logging.Handler):
    """
    The suite-wide secret scan: a root log handler plus what the patches
    of `install` feed it. `finish_test` scans one test's harvest.
    """

    LOGGERS = (
        "",
        "tmdb_auth",
        "httpx",
        "httpcore",
        "urllib3",
        "requests",
        "hpack",
        "asyncio",
        "trio",
        "diskcache",
    )

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(
            logging.Formatter("%(name)s %(levelname)s %(message)s")
        )
        self._texts: list[str] = []
        self._exceptions: list[tuple[BaseException, bool]] = []
        self._exceptions_lock = threading.Lock()
        self._servers: list[TMDbServer] = []
        self._live: weakref.WeakSet[TMDbServer] = weakref.WeakSet()
        self.secrets: set[str] = set()
        self.leaks: list[str] = []

    # -- feeding -------------------------------------------------------

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:
            text = f"{record.name} <unformattable {record.msg!r}>"
        self._texts.append(text)

    def add_text(self, text: str, *, cli: bool = False) -> None:
        """Output of the command line, or another text shown to people."""
        if cli:
            FIGURES["cli_outputs_scanned"] += 1
            text = _APPROVAL_URL.sub(r"\1<approval-token>", text)
        self._texts.append(text)

    def add_exception(self, exc: BaseException, *, own: bool) -> None:
        """An exception to scan at the end of the test."""
        with self._exceptions_lock:
            self._exceptions.append((exc, own))
            if len(self._exceptions) <= 4096:
                return
            # Keep memory bounded: the older ones have been raised by now,
            # so their chains are set and they can be turned into text.
            pending = self._exceptions[:-64]
            self._exceptions = self._exceptions[-64:]
        self._texts.extend(self._shown(pending))

    def add_server(self, server: TMDbServer) -> None:
        self._servers.append(server)
        self._live.add(server)

    @staticmethod
    def _shown(pending: list[tuple[BaseException, bool]]) -> list[str]:
        FIGURES["exceptions_scanned"] += len(pending)
        texts: list[str] = []
        for exc, own in pending:
            texts += shown_by(exc, own=own)
        return texts

    # -- scanning ------------------------------------------------------

    def finish_test(self, nodeid: str) -> list[str]:
        """Scan what the test left; return the leaks (masked), if any."""
        running = [s for s in self._live if s._httpd is not None]
        servers = {id(s): s for s in [*self._servers, *running]}
        self._servers = []
        mine: set[str] = set(_ISSUED)
        for server in servers.values():
            mine |= server_secrets(server)
        _ISSUED.clear()
        leaks = self._check(mine)
        if leaks:
            FIGURES["secrets_found"] += len(leaks)
            self.leaks += [f"{nodeid}: {leak[:300]}" for leak in leaks]
        return leaks

    def _check(self, mine: set[str]) -> list[str]:
        """Scan the harvest so far for *mine* and every earlier secret."""
        with self._exceptions_lock:
            pending, self._exceptions = self._exceptions, []
        self._texts.extend(self._shown(pending))
        texts, self._texts = self._texts, []
        FIGURES["log_records_and_texts_scanned"] += len(texts)
        leaks = find_leaks(texts, mine) if mine and texts else []
        older = self.secrets - mine
        if older and texts:
            shown = set().union(*(_tokens(t) for t in texts))
            leaks += [
                f"<a secret of an earlier test: …{s[-4:]}>"
                for s in shown & older
            ]
        # Across tests, only real secrets: made-up ones such as "0" * 40 or
        # "f" * 32 stand for "some id" in many tests.
        self.secrets |= {s for s in mine if len(set(s)) >= 8}
        return leaks

    def scan_paths(self, root: str) -> list[str]:
        """File and directory names under *root* that hold a secret."""
        found = []
        for directory, dirs, files in os.walk(root):
            for name in dirs + files:
                FIGURES["file_names_scanned"] += 1
                if _tokens(name) & self.secrets or any(
                    s in name for s in self.secrets if len(s) <= len(name)
                ):
                    found.append(os.path.join(directory, name))
        if found:
            FIGURES["secrets_found"] += len(found)
            self.leaks += [f"file name: {p}" for p in found]
        return found

    # -- installing ----------------------------------------------------

    def install(self) -> None:
        """
        Hook into logging, the stand-in, our errors, pytest.raises and the
        CLI, for the rest of the process.
        """
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            logger.setLevel(logging.DEBUG)
            logger.disabled = False
        logging.disable(logging.NOTSET)
        logging.getLogger().addHandler(self)
        # Importing an adapter installs the library's own log filter, as it
        # does in any program that uses tmdb-auth; tests that talk to the
        # stand-in without the plugin rely on it too.
        import tmdb_auth.requests  # noqa: F401

        self._patch_server()
        self._patch_errors()
        self._patch_raises()
        self._patch_cli()

    def _patch_server(self) -> None:
        from tmdb_auth.testing import _server, _state

        scanner = self
        start = _server.TMDbServer.start

        def started(server: TMDbServer) -> TMDbServer:
            scanner.add_server(server)
            return start(server)

        _server.TMDbServer.start = started  # type: ignore[method-assign]
        new_session = _state.App._new_session

        def issued(app: Any, kind: str, owner: str | None = None) -> Any:
            session = new_session(app, kind, owner)
            _ISSUED.add(session.id)
            return session

        _state.App._new_session = issued  # type: ignore[method-assign]

    def _patch_errors(self) -> None:
        scanner = self
        init = tmdb_auth.TMDbAuthError.__init__

        def created(exc: Any, *args: Any, **kwargs: Any) -> None:
            init(exc, *args, **kwargs)
            scanner.add_exception(exc, own=True)

        tmdb_auth.TMDbAuthError.__init__ = created  # type: ignore[method-assign]

    def _patch_raises(self) -> None:
        scanner = self
        fill = pytest.ExceptionInfo.fill_unfilled

        def filled(info: Any, exc_info: Any) -> None:
            fill(info, exc_info)
            exc = exc_info[1]
            if not isinstance(exc, tmdb_auth.TMDbAuthError) and (
                _through_plugin(exc)
            ):
                scanner.add_exception(exc, own=False)

        pytest.ExceptionInfo.fill_unfilled = filled  # type: ignore[method-assign]

    def _patch_cli(self) -> None:
        from tmdb_auth import _cli

        scanner = self
        main = _cli.main

        def teed(argv: Sequence[str] | None = None) -> int:
            args = list(sys.argv[1:] if argv is None else argv)
            if (
                "serve" in args
            ):  # prints the stand-in's credentials, on purpose
                return main(argv)
            copy: list[str] = []
            out, err = sys.stdout, sys.stderr
            sys.stdout, sys.stderr = _Tee(out, copy), _Tee(err, copy)  # type: ignore[assignment]
            try:
                return main(argv)
            finally:
                sys.stdout, sys.stderr = out, err
                scanner.add_text("".join(copy), cli=True)

        teed.__doc__ = main.__doc__
        _cli.main = teed
