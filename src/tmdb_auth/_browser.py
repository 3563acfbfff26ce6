"""
Approval of a request token by the user: TMDb's preferred way to give an
application a session.

Strictly private; `approve_in_browser` is re-exported by the package, and
`approve_in_terminal` serves ``tmdb-auth login --no-browser``.
"""

from __future__ import annotations

import contextlib
import html
import http.server
import math
import os
import re
import sys
import threading
import time
import webbrowser

from collections.abc import Callable
from typing import IO, Any, TextIO
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from ._secret import Secret
from .exceptions import ApprovalDenied, ApprovalTimeout, ConfigurationError


__all__ = [
    "DEFAULT_TIMEOUT",
    "approve_in_browser",
    "approve_in_terminal",
    "timeout_seconds",
]

#: TMDb's request tokens live 60 minutes; we wait a good part of that.
DEFAULT_TIMEOUT = 600.0
#: ... and never longer than they live.
_TOKEN_LIFETIME = 3600.0
_CALLBACK = "/tmdb-auth/callback"
_PRINTABLE = "".join(map(chr, range(0x21, 0x7F)))

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tmdb-auth</title>
<style>body{{font-family:system-ui,sans-serif;margin:4em auto;max-width:32em;
text-align:center;color:#032541}}</style></head>
<body><h1>{title}</h1><p>{text}</p></body></html>
"""


class _Listener(http.server.ThreadingHTTPServer):
    """
    A loopback server that waits for one redirect. Strictly private.

    Threaded, with a read timeout per connection: browsers open connections
    ahead of time and may leave them idle, which must not hold up the one
    that carries the answer.
    """

    daemon_threads = True
    token: str
    outcome: str | None = None

    def __init__(self, token: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token = token
        self.answered = threading.Event()


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Listener
    timeout = 5.0

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != _CALLBACK:
            self._page(404, "Not found", "This page belongs to tmdb-auth.")
            return
        query = parse_qs(parts.query)
        token = query.get("request_token", [""])[0]
        if token != self.server.token:
            # Not the token we asked about: ignore it and keep waiting, so
            # that another page cannot answer in the user's place.
            self._page(400, "Unexpected request", "Please use the link shown.")
            return
        approved = query.get("approved", [""])[0] == "true"
        if approved:
            self._page(
                200,
                "Approved",
                "tmdb-auth can now use your TMDb account. "
                "You can close this tab.",
            )
        else:
            self._page(
                200,
                "Not approved",
                "You did not approve the request. You can close this tab.",
            )
        # Only now, with the page sent: the waiting command may exit at
        # once, and this thread, a daemon, would go with it.
        self.wfile.flush()
        self.server.outcome = "approved" if approved else "denied"
        self.server.answered.set()

    def _page(self, status: int, title: str, text: str) -> None:
        body = _PAGE.format(
            title=html.escape(title), text=html.escape(text)
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silent: the request line holds the request token."""


def approve_in_browser(
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    open_browser: bool = True,
    out: TextIO | None = None,
) -> None:
    """
    Have the user approve a request token in their browser.

    Adds ``redirect_to`` to TMDb's approval URL, pointing at a one-shot
    listener on ``127.0.0.1`` (a free port), opens the URL with the
    standard `webbrowser` module (so ``BROWSER`` is honoured) and prints it
    too. Returns when TMDb redirects the browser back with the approved
    token.

    The listener serves before the browser opens, and the browser is opened
    from a thread of its own: a browser that stays in the foreground (w3m,
    lynx, a ``BROWSER`` command that does not return) answers through the
    listener like any other, and the wait ends as soon as it does. The
    browser must run on this machine; for a remote shell, see
    `approve_in_terminal`.

    A v4 approval URL (``…/auth/access?request_token=…``) is opened too,
    but TMDb's v4 page sends the browser back only to the ``redirect_to``
    its token was made with, which a URL cannot gain afterwards: the user
    presses Enter once approved, as with `approve_in_terminal`.
    (``tmdb-auth login --v4`` makes its token with a listener's address.)

    Pass it as ``approve=approve_in_browser``; use `functools.partial` to
    change the keyword arguments.

    Args:
        url: The approval URL (TMDb's ``Authentication-Callback``).
        timeout: Seconds to wait, a positive finite number; the request
            token expires after 60 minutes, so the wait never goes past
            that.
        open_browser: False to only print the URL, for the user to open on
            this machine.
        out: Where to print (default: standard error).

    Raises:
        ApprovalDenied: The user clicked Deny.
        ApprovalTimeout: No answer before *timeout*.
        ConfigurationError: *timeout* is not a positive finite number
            (NaN, an infinity, a bool, a string), or *url* is not an
            approval URL; raised before anything is shown or started.

    .. versionadded:: 0.1.0
    """
    # No local holds the URL or its token as text: an error reporter that
    # captures this frame's variables shows them masked.
    approval = Secret(str(url))
    del url
    timeout = timeout_seconds(timeout, "approve_in_browser(timeout=)")
    target, token = _approval_url(approval, "approve_in_browser()")
    out = out if out is not None else sys.stderr
    if token is None:  # v4: nothing comes back here; the person says so
        _press_enter(target, timeout, sys.stdin, out, browse=open_browser)
        return
    with _Listener(token.reveal()) as listener:
        port = listener.server_address[1]
        redirect = f"http://127.0.0.1:{port}{_CALLBACK}"
        separator = "&" if urlsplit(target.reveal()).query else "?"
        full = Secret(
            f"{target.reveal()}{separator}"
            f"{urlencode({'redirect_to': redirect})}"
        )
        serving = threading.Thread(
            target=listener.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="tmdb-auth approval listener",
            daemon=True,
        )
        serving.start()
        try:
            # The one place a request token is shown: to the person who
            # must open it.
            out.write(
                "To let tmdb-auth use your TMDb account, approve it here:\n"
                f"  {full.reveal()}\n"
            )
            out.flush()
            browser = None
            if open_browser:
                browser = _Browser(full.reveal(), out)
                browser.start()
            _wait(
                listener.answered,
                timeout,
                out,
                "Waiting for approval",
                quiet=browser.in_front if browser else None,
            )
        finally:
            listener.shutdown()
    if listener.outcome == "denied":
        raise ApprovalDenied("The request was denied on TMDb's approval page.")


def approve_in_terminal(
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    stdin: IO[str] | None = None,
    out: TextIO | None = None,
) -> None:
    """
    Have the user approve a request token on any device, then press Enter.

    For a remote shell, where a browser on the user's own machine cannot
    reach a listener here: prints TMDb's approval URL as it is (without
    ``redirect_to``, so TMDb shows its own page once approved), and returns
    when the user presses Enter. Whether they approved is TMDb's to say:
    exchanging a token that was not approved fails with `SessionDenied`.

    Args:
        url: The approval URL (TMDb's ``Authentication-Callback``).
        timeout: Seconds to wait for Enter, a positive finite number (at
            most the 60 minutes a request token lives).
        stdin: Where Enter is pressed (default: standard input).
        out: Where to print (default: standard error).

    Raises:
        ApprovalTimeout: No Enter before *timeout*.
        ConfigurationError: *timeout* is not a positive finite number, *url*
            is not an approval URL, or *stdin* ended before a line came
            (nobody can press Enter there).
    """
    approval = Secret(str(url))
    del url
    timeout = timeout_seconds(timeout, "approve_in_terminal(timeout=)")
    target, _ = _approval_url(approval, "approve_in_terminal()")
    _press_enter(
        target,
        timeout,
        stdin if stdin is not None else sys.stdin,
        out if out is not None else sys.stderr,
        browse=False,
    )


def _press_enter(
    target: Secret,
    timeout: float,
    stdin: IO[str],
    out: TextIO,
    *,
    browse: bool,
) -> None:
    """Show *target* (and open it with *browse*); wait for Enter."""
    line = _Line(stdin)
    out.write(
        "To let tmdb-auth use your TMDb account, open this page in a browser "
        "on any device and approve it:\n"
        f"  {target.reveal()}\n"
        "Then press Enter here.\n"
    )
    out.flush()
    if browse:
        _Browser(target.reveal(), out).start()
    line.start()
    _wait(line.done, timeout, out, "Press Enter once approved")
    if not line.text:
        raise ConfigurationError(
            "Standard input ended before Enter was pressed: run the login in "
            "a terminal, or log in with --username and --password-stdin."
        )


def _approval_url(
    approval: Secret, where: str
) -> tuple[Secret, Secret | None]:
    """
    The URL safe to show, and its request token if TMDb sends the browser
    back to a listener (v3); None for v4's page, which sends it only to the
    ``redirect_to`` its token was made with. Else ConfigurationError.
    """
    # The URL comes from TMDb's answer (its Authentication-Callback header):
    # a control character in it must not reach the terminal, so everything
    # but printable ASCII is percent-encoded, in what is shown and opened.
    shown = Secret(quote(approval.reveal(), safe=_PRINTABLE))
    parts = urlsplit(shown.reveal())
    found = re.search(r"/authenticate/([0-9A-Za-z]+)/?$", parts.path)
    if found is not None:
        return shown, Secret(found[1])
    if parts.path.rstrip("/").endswith("/auth/access") and re.search(
        r"(?:^|&)request_token=[0-9A-Za-z._-]+(?:&|$)", parts.query
    ):
        return shown, None
    raise ConfigurationError(
        f"{where} needs TMDb's approval URL, which ends with the request "
        "token (v3), or has it as request_token= (v4)."
    )


def timeout_seconds(value: object, where: str) -> float:
    """
    *value* checked as a wait: a positive, finite number of seconds.

    Capped at the life of a request token. NaN, infinities, booleans and
    anything that is not a number are refused here, before anything waits:
    a deadline that never comes would make the wait spin forever.
    """
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and 0 < value < math.inf
    ):
        return float(min(value, _TOKEN_LIFETIME))
    shown = (
        repr(value)[:40]
        if isinstance(value, (int, float, str))
        else type(value).__name__
    )
    raise ConfigurationError(
        f"{where} must be a positive number of seconds, not {shown}."
    )


class _Browser(threading.Thread):
    """
    Opens the URL with `webbrowser`, in a thread of its own. Strictly private.

    `webbrowser.open` returns only when the browser command ends: at once
    for a graphical browser, when the user quits for one that runs in the
    terminal. Meanwhile the wait goes on, without drawing over its screen.
    A browser still running when the login ends is left to the user.
    """

    def __init__(self, url: str, out: TextIO) -> None:
        super().__init__(name="tmdb-auth browser", daemon=True)
        self.url = url
        self.out = out
        self.ended = threading.Event()

    def run(self) -> None:
        try:
            opened = webbrowser.open(self.url)
        except (webbrowser.Error, OSError):
            opened = False
        finally:
            self.ended.set()
        if not opened:
            with contextlib.suppress(OSError, ValueError):
                self.out.write(
                    "\nNo browser could be opened: open the link above "
                    "yourself, on this machine.\n"
                )
                self.out.flush()

    def in_front(self) -> bool:
        """Whether the browser command still runs (and may hold the terminal)."""
        return not self.ended.is_set()


class _Line(threading.Thread):
    """
    Reads one line from a stream, in a thread of its own. Strictly private.

    A real file is read with `os.read` on its descriptor rather than through
    its buffer: a thread left blocked in a buffered read when the program
    exits would hold the buffer's lock and abort the interpreter.
    """

    def __init__(self, stream: IO[str]) -> None:
        super().__init__(name="tmdb-auth enter", daemon=True)
        self.stream = stream
        self.done = threading.Event()
        self.text = ""

    def run(self) -> None:
        try:
            self.text = self._read()
        except (OSError, ValueError):
            self.text = ""
        finally:
            self.done.set()

    def _read(self) -> str:
        try:
            fd = self.stream.fileno()
        except (AttributeError, OSError, ValueError):
            return self.stream.readline()
        data = b""
        while not data.endswith(b"\n"):
            chunk = os.read(fd, 1024)
            if not chunk:
                break
            data += chunk
        return data.decode(errors="replace")


def _wait(
    done: threading.Event,
    timeout: float,
    out: TextIO,
    what: str,
    *,
    quiet: Callable[[], bool] | None = None,
) -> None:
    """
    Wait until *done* is set, or raise `ApprovalTimeout` at the deadline.

    On a terminal, a countdown shows *what* the wait is for, except while
    *quiet* says another program holds the terminal.
    """
    deadline = time.monotonic() + timeout
    tty = out.isatty()
    drawn = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ApprovalTimeout(
                    f"No approval within {timeout:g} seconds; run the login "
                    "again."
                )
            if tty and not (quiet is not None and quiet()):
                minutes, seconds = divmod(int(left), 60)
                out.write(f"\r{what}… {minutes}:{seconds:02d} left ")
                out.flush()
                drawn = True
            if done.wait(min(left, 1.0)):
                return
    finally:
        if drawn:
            out.write("\n")
