"""
Browser approval: TMDb's preferred way to give an application a session.

Strictly private; `approve_in_browser` is re-exported by the package.
"""

from __future__ import annotations

import html
import http.server
import math
import re
import sys
import threading
import time
import webbrowser

from typing import Any, TextIO
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from .exceptions import ApprovalDenied, ApprovalTimeout, ConfigurationError


__all__ = ["DEFAULT_TIMEOUT", "approve_in_browser", "timeout_seconds"]

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

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
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
    too, for users on a remote shell. Returns when TMDb redirects the
    browser back with the approved token.

    Pass it as ``approve=approve_in_browser``; use `functools.partial` to
    change the keyword arguments.

    Args:
        url: The approval URL (TMDb's ``Authentication-Callback``).
        timeout: Seconds to wait, a positive finite number; the request
            token expires after 60 minutes, so the wait never goes past
            that.
        open_browser: False to only print the URL.
        out: Where to print (default: standard error).

    Raises:
        ApprovalDenied: The user clicked Deny.
        ApprovalTimeout: No answer before *timeout*.
        ConfigurationError: *timeout* is not a positive finite number
            (NaN, an infinity, a bool, a string), or *url* is not an
            approval URL; raised before anything is shown or started.

    .. versionadded:: 0.1.0
    """
    timeout = timeout_seconds(timeout, "approve_in_browser(timeout=)")
    # The URL comes from TMDb's answer (its Authentication-Callback header):
    # a control character in it must not reach the terminal, so everything
    # but printable ASCII is percent-encoded, in what is shown and opened.
    url = quote(str(url), safe=_PRINTABLE)
    found = re.search(r"/authenticate/([0-9A-Za-z]+)/?$", urlsplit(url).path)
    if found is None:
        raise ConfigurationError(
            "approve_in_browser() needs TMDb's approval URL, which ends with "
            "the request token."
        )
    token = found[1]
    out = out if out is not None else sys.stderr
    with _Listener() as listener:
        listener.token = token
        port = listener.server_address[1]
        redirect = f"http://127.0.0.1:{port}{_CALLBACK}"
        separator = "&" if urlsplit(url).query else "?"
        full = f"{url}{separator}{urlencode({'redirect_to': redirect})}"
        # The one place a request token is shown: to the person who must
        # open it.
        out.write(
            "To let tmdb-auth use your TMDb account, approve it here:\n"
            f"  {full}\n"
        )
        out.flush()
        if open_browser:
            webbrowser.open(full)
        _wait(listener, timeout, out)
    if listener.outcome == "denied":
        raise ApprovalDenied("The request was denied on TMDb's approval page.")


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


def _wait(listener: _Listener, timeout: float, out: TextIO) -> None:
    """Serve the listener until it has an answer or the deadline passes."""
    deadline = time.monotonic() + timeout
    tty = out.isatty()
    serving = threading.Thread(
        target=listener.serve_forever,
        kwargs={"poll_interval": 0.1},
        daemon=True,
    )
    serving.start()
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ApprovalTimeout(
                    f"No approval within {timeout:g} seconds; run the login "
                    "again."
                )
            if tty:
                minutes, seconds = divmod(int(left), 60)
                out.write(
                    f"\rWaiting for approval… {minutes}:{seconds:02d} left "
                )
                out.flush()
            if listener.answered.wait(min(left, 1.0)):
                return
    finally:
        listener.shutdown()
        if tty:
            out.write("\n")
