"""
The ``login`` command of ``tmdb-auth``: by password or approval, v3 and v4.

Strictly private, like `tmdb_auth._cli`; imports are deferred to keep
``tmdb-auth --help`` fast.
"""

from __future__ import annotations

import argparse
import functools
import sys

from ._cli_sessions import (
    _auth,
    _cached_user,
    _cached_v4,
    _id,
    _keep_v4,
    _login_by_approval,
    _login_with_password,
    _place,
    _shown,
    _store_location,
    _who,
    _who_v4,
)
from .exceptions import ConfigurationError


# typing costs a third of the start-up of `tmdb-auth --help`; the names are
# only needed by the type checkers, which treat TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Self, TextIO

    from ._secret import Secret

__all__ = ["_login"]


def _login(args: argparse.Namespace, out: TextIO) -> int:
    from ._browser import timeout_seconds  # noqa: PLC0415

    if args.password_stdin and not args.username:
        raise ConfigurationError("--password-stdin needs --username.")
    timeout = timeout_seconds(_number(args.timeout), "--timeout")
    if args.v4:
        return _login_v4(args, out, timeout)
    auth = _auth(args, session="user", username=args.username)
    if not args.force:
        found = _cached_user(auth)
        if found is not None and (
            args.username is None or found.username == args.username
        ):
            print(
                f"Already logged in as {_who(found)} (session "
                f"{_id(found.id)}); use --force for a new session.",
                file=out,
            )
            return 0
    if args.username:
        session = _login_with_password(
            auth, args.username, _read_password(args)
        )
    else:
        approve = _approver(timeout, browser=not args.no_browser)
        session = _login_by_approval(auth, approve)
    print(
        f"Logged in as {_who(session)}. Session {_id(session.id)} "
        f"is cached in {_shown(_place(_store_location(auth)))}.",
        file=out,
    )
    return 0


def _login_v4(args: argparse.Namespace, out: TextIO, timeout: float) -> int:
    """
    ``login --v4``: request token, approval, access token, and the v3
    session converted from it; both cached.
    """
    if args.username or args.password_stdin:
        raise ConfigurationError(
            "--v4 logs in by approval only: drop --username and "
            "--password-stdin."
        )
    auth = _auth(args, session="user")
    if not args.force:
        found = _cached_v4(auth)
        if found:
            print(
                f"Already logged in to TMDb v4 as {_who_v4(found[0][1])} "
                f"(access token {_id(found[0][1].get('id'))}); use --force "
                "for a new one.",
                file=out,
            )
            return 0
    if not args.no_browser and _can_open_browser():
        with _V4Listener() as listener:
            token = auth.v4_request_token_new(redirect_to=listener.url)
            listener.wait(token.approval_url, timeout)
    else:
        token = auth.v4_request_token_new()
        _approve_v4(token.approval_url, timeout)
    access = auth.v4_access_token_new(token)
    session = auth.session_convert(access)
    _keep_v4(args, auth, access, session)
    print(
        f"Logged in to TMDb v4 as {_who(session)} (account "
        f"{_shown(access.account_id or '-')}). Access token "
        f"{_id(access.access_token)} and v3 session {_id(session.id)} are "
        f"cached in {_shown(_place(_store_location(auth)))}.",
        file=out,
    )
    return 0


def _approve_v4(url: str, timeout: float) -> None:
    """
    The person approves the v4 request token on any device, then presses
    Enter (a remote shell, or no browser here).

    Whether they approved is TMDb's to say when the token is exchanged
    (`SessionDenied`).
    """
    from ._browser import _Line, _wait  # noqa: PLC0415
    from ._secret import Secret  # noqa: PLC0415

    shown = Secret(url)
    del url
    out = sys.stderr
    # The one place a request token is shown: to the person who approves.
    out.write(
        "To let tmdb-auth use your TMDb account (v4), open this page in a "
        "browser on any device and approve it:\n"
        f"  {_shown(shown.reveal())}\n"
        "Then press Enter here.\n"
    )
    out.flush()
    line = _Line(sys.stdin)
    line.start()
    _wait(line.done, timeout, out, "Press Enter once approved")
    if not line.text:
        raise ConfigurationError(
            "Standard input ended before Enter was pressed: run the login in "
            "a terminal."
        )


class _V4Listener:
    """
    A one-shot loopback page for the ``redirect_to`` of a v4 request token.

    TMDb's v4 approval sends the browser back with nothing appended, so
    the page only says that the person answered; whether they approved is
    TMDb's to say when the token is exchanged. The path carries a random
    part, so that no other page answers in the person's place by chance.
    """

    def __init__(self) -> None:
        import http.server  # noqa: PLC0415
        import secrets  # noqa: PLC0415
        import threading  # noqa: PLC0415

        from ._browser import _PAGE  # noqa: PLC0415

        path = f"/tmdb-auth/v4/{secrets.token_urlsafe(16)}"
        answered = self.answered = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 5.0

            def do_GET(self) -> None:
                ours = self.path.split("?", 1)[0] == path
                body = _PAGE.format(
                    title="Answered" if ours else "Not found",
                    text="Return to the terminal; you can close this tab."
                    if ours
                    else "This page belongs to tmdb-auth.",
                ).encode()
                self.send_response(200 if ours else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                if ours:
                    answered.set()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Silent."""

        self._server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), Handler
        )
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{path}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="tmdb-auth v4 listener",
            daemon=True,
        )
        self._thread.start()

    def wait(self, url: str, timeout: float) -> None:
        """Show and open the approval *url*; return once it was answered."""
        from ._browser import _Browser, _wait  # noqa: PLC0415
        from ._secret import Secret  # noqa: PLC0415

        shown = Secret(url)
        del url
        out = sys.stderr
        # The one place a request token is shown: to the person who approves.
        out.write(
            "To let tmdb-auth use your TMDb account (v4), approve it here:\n"
            f"  {_shown(shown.reveal())}\n"
        )
        out.flush()
        browser = _Browser(shown.reveal(), out)
        browser.start()
        _wait(
            self.answered,
            timeout,
            out,
            "Waiting for approval",
            quiet=browser.in_front,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _can_open_browser() -> bool:
    import webbrowser  # noqa: PLC0415 -- only a login opens a browser

    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def _approver(timeout: float, *, browser: bool) -> Callable[[str], None]:
    """
    How the user approves: in a browser here, or on any device.

    In a browser on this machine when one can be opened (`webbrowser`'s own
    answer: ``BROWSER``, a display, a terminal browser); else, and with
    ``--no-browser``, the URL is shown to open anywhere and Enter pressed
    here, which also works over SSH.
    """
    from ._browser import approve_in_browser, approve_in_terminal  # noqa: PLC0415

    if browser:
        import webbrowser  # noqa: PLC0415 -- only a login opens a browser

        try:
            webbrowser.get()
        except webbrowser.Error:
            pass
        else:
            return functools.partial(approve_in_browser, timeout=timeout)

        def noted(url: str) -> None:
            print(
                "No browser can be opened here; approve on any device "
                "instead.",
                file=sys.stderr,
            )
            approve_in_terminal(url, timeout=timeout)

        return noted
    return functools.partial(approve_in_terminal, timeout=timeout)


def _number(text: str) -> float | str:
    """*text* as a number if it reads as one; else the text, to be refused."""
    try:
        return float(text)
    except ValueError:
        return text


def _read_password(args: argparse.Namespace) -> Secret:
    from ._secret import Secret  # noqa: PLC0415 -- start-up time

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise ConfigurationError(
                "No terminal to ask for the password: use --password-stdin."
            )
        import getpass  # noqa: PLC0415

        password = getpass.getpass(f"TMDb password for {args.username}: ")
    if not password:
        raise ConfigurationError("The password is empty.")
    return Secret(password)
