"""
The ``tmdb-auth`` command: log in, make guest sessions, list, log out.

Strictly private; the entry point is `main`. Every expected failure is one
line on standard error and an exit status: 1 for an API or authentication
failure, 2 for usage or configuration.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time

from .exceptions import ConfigurationError, TMDbAuthError


# typing costs a third of the start-up of `tmdb-auth --help`; the names are
# only needed by the type checkers, which treat TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, Self, TextIO

    from ._secret import Secret

__all__ = ["main"]

PROG = "tmdb-auth"


def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--api-url and --cache, accepted before or after the command."""
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--api-url",
        metavar="URL",
        default=default,
        help="the API origin (default: $TMDB_API_URL, else TMDb's)",
    )
    parser.add_argument(
        "--cache",
        "--cache-dir",
        dest="cache",
        metavar="STORE",
        default=default,
        help="the session store: a directory, or a redis:// or rediss:// "
        "URL (default: $TMDB_AUTH_CACHE_URL, else $TMDB_AUTH_CACHE_DIR, "
        "else the user cache directory)",
    )


class _Formatter(argparse.HelpFormatter):
    """
    argparse's help layout, with the terminal's width found without shutil.

    argparse imports `shutil` (and with it bz2, lzma and fnmatch) for
    ``shutil.get_terminal_size``, and asks again for every argument: a
    tenth of the command's start-up. The width is read the same way.
    """

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_columns() - 2)


def _columns() -> int:
    """The terminal's width as `shutil.get_terminal_size` finds it."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Authenticate to The Movie Database (TMDb) API. The API "
        "key comes from $TMDB_API_KEY (or $TMDB_READ_ACCESS_TOKEN).",
        formatter_class=_Formatter,
    )
    _global_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name, help=text, description=text, formatter_class=_Formatter
        )
        _global_options(sub, top=False)
        return sub

    login = command(
        "login",
        "make a user session, by approval in the browser or with --username",
    )
    login.add_argument(
        "--username", help="log in with this TMDb user and a password"
    )
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (for scripts)",
    )
    login.add_argument(
        "--no-browser",
        action="store_true",
        help="for a remote shell: print the approval URL to open on any "
        "device, then wait for Enter (chosen by itself when no browser can "
        "be opened here)",
    )
    login.add_argument(
        "--timeout",
        default="600",
        metavar="SECONDS",
        help="how long to wait for the approval, or for Enter (default: 600)",
    )
    login.add_argument(
        "--force",
        action="store_true",
        help="make a new session even if one is cached",
    )
    login.add_argument(
        "--v4",
        action="store_true",
        help="a TMDb v4 login: a user access token, for v4 calls and (once "
        "converted) v3 ones; needs the read access token",
    )
    command("guest", "make (or show the cached) guest session")
    status = command("status", "list the cached sessions (ids masked)")
    status.add_argument("--json", action="store_true", help="print JSON")
    logout = command(
        "logout", "delete the user session at TMDb and in the cache"
    )
    logout.add_argument("--username", help="the user to log out")
    logout.add_argument(
        "--all",
        action="store_true",
        help="every cached session of this API key and origin",
    )
    from .testing._serve import add_arguments  # noqa: PLC0415

    add_arguments(
        command(
            "serve", "run the stand-in TMDb server on loopback, for testing"
        )
    )
    command(
        "demo",
        "the whole story, offline, against the built-in stand-in server",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the ``tmdb-auth`` command line.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 1 for an API or authentication
        failure, 2 for usage or configuration errors.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage line
        return int(exc.code or 0)
    run = {
        "login": _login,
        "guest": _guest,
        "status": _status,
        "logout": _logout,
        "serve": _serve,
        "demo": _demo,
    }[args.command]
    try:
        return run(args, sys.stdout)
    except TMDbAuthError as exc:
        print(f"{PROG}: {_shown(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    finally:
        while _OPENED:  # what the command opened, it closes
            _OPENED.pop().close()


#: The auth objects this run of the command made.
_OPENED: list[Any] = []


# -- the commands ------------------------------------------------------


def _auth(args: argparse.Namespace, **options: Any) -> Any:
    from .requests import TMDbAuth  # noqa: PLC0415 -- keep --help fast

    if args.cache is not None:
        options["cache"] = args.cache
    auth = TMDbAuth(api_url=args.api_url, **options)
    _OPENED.append(auth)
    return auth


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


def _guest(args: argparse.Namespace, out: TextIO) -> int:
    session = _guest_session(_auth(args, session="guest"))
    print(
        f"Guest session {_id(session.id)}, expires "
        f"{_when(session.expires_at)}.",
        file=out,
    )
    return 0


def _status(args: argparse.Namespace, out: TextIO) -> int:
    location, records = _cached_records(args.cache)
    where = _place(location)
    rows = [
        {
            "kind": record.get("kind"),
            "username": record.get("username"),
            "app": record.get("app"),
            "origin": record.get("origin"),
            "created": _when(record.get("created_at")),
            "expires": _when(record.get("expires_at")),
            "id": _mask(record.get("id")),
            **(
                {"account": record.get("account_id")}
                if record.get("kind") == "v4"
                else {}
            ),
        }
        for record in records
    ]
    rows.sort(key=lambda r: (str(r["origin"]), str(r["kind"]), r["created"]))
    if args.json:
        import json  # noqa: PLC0415

        json.dump({"cache": where, "sessions": rows}, out, indent=2)
        out.write("\n")
        return 0
    print(f"Cache: {_shown(where)}", file=out)
    if not rows:
        print("No cached sessions. Make one with 'tmdb-auth login'.", file=out)
        return 0
    columns = ["kind", "username", "app", "origin", "created", "expires", "id"]
    if any("account" in r for r in rows):
        columns.append("account")
    table = [[_shown(r.get(c) or "-") for c in columns] for r in rows]
    widths = [
        max(len(c), *(len(row[i]) for row in table))
        for i, c in enumerate(columns)
    ]
    for row in [columns, *table]:
        print(
            "  ".join(
                v.ljust(w) for v, w in zip(row, widths, strict=True)
            ).rstrip(),
            file=out,
        )
    return 0


def _logout(args: argparse.Namespace, out: TextIO) -> int:
    auth = _auth(args, session="user", username=args.username)
    if args.all:
        targets = _cached_sessions(auth)
    else:
        found = _cached_user(auth)
        targets = [] if found is None else [found]
    v4 = _cached_v4(auth)
    if not args.all:
        who = args.username or (targets[0].username if targets else None)
        v4 = [
            (key, record)
            for key, record in v4
            if who is None or record.get("username") == who
        ][:1]
    if not targets and not v4:
        print("No cached session to log out.", file=out)
        return 0
    for session in targets:
        print(_logged_out(session, deleted=_delete(auth, session)), file=out)
    for key, record in v4:
        print(
            _logged_out_v4(
                record, deleted=_forget_v4(args, auth, key, record)
            ),
            file=out,
        )
    return 0


def _logged_out_v4(record: dict[str, Any], *, deleted: bool) -> str:
    said = (
        "deleted at TMDb and in the cache"
        if deleted
        else "TMDb no longer knew it; dropped from the cache"
    )
    return (
        f"Logged out {_who_v4(record)} (v4 access token "
        f"{_id(record.get('id'))}): {said}."
    )


def _who_v4(record: dict[str, Any]) -> str:
    name = record.get("username")
    return (
        _shown(name) if isinstance(name, str) and name else "an unknown user"
    )


def _logged_out(session: Any, *, deleted: bool) -> str:
    """What logging *session* out did, in a sentence."""
    if session.kind == "guest":
        return (
            f"Forgot guest session {_id(session.id)} here: TMDb cannot "
            f"delete guest sessions, it expires {_when(session.expires_at)}."
        )
    said = (
        "deleted at TMDb and in the cache"
        if deleted
        else "TMDb no longer knew it; dropped from the cache"
    )
    return (
        f"Logged out {_who(session)} (user session {_id(session.id)}): {said}."
    )


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    from .testing._serve import run  # noqa: PLC0415

    return run(args, out, prog=f"{PROG} serve")


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from ._demo import run  # noqa: PLC0415

    del args
    return run(out)


# -- the library's internals -------------------------------------------
#
# The command goes through the explicit calls (DESIGN §9); the one place it
# reaches into the library's private parts is below: an approval cached as
# the lazy path caches it, and the store's records for `status`.


def _cached_user(auth: Any) -> Any:
    """The user session *auth* would use, without making one."""
    return auth.session("user")


def _login_with_password(auth: Any, username: str, password: Secret) -> Any:
    """A new user session by username and password, cached."""
    return auth.login(username, password.reveal())


def _login_by_approval(auth: Any, approve: Callable[[str], object]) -> Any:
    """A new user session by approval of a request token, cached."""
    sessions = auth._sessions  # noqa: SLF001
    return auth._run(sessions.approve(approve))  # noqa: SLF001


def _guest_session(auth: Any) -> Any:
    """The cached guest session, or a new one."""
    return auth.session("guest") or auth.guest_session_new()


def _delete(auth: Any, session: Any) -> bool:
    """Log *session* out at TMDb and in the store; True if TMDb deleted it."""
    return bool(auth.session_delete(session))


def _cached_sessions(auth: Any) -> list[Any]:
    """Every cached session of *auth*'s credential and origin."""
    from ._sessions import _session_of  # noqa: PLC0415

    sessions = auth._sessions  # noqa: SLF001
    app = auth.settings.credential.fingerprint
    found = []
    for _, record in sessions.store.records():
        if record.get("app") == app and record.get("origin") == (
            sessions.origin
        ):
            session = _session_of(record)
            if session is not None:
                found.append(session)
    return found


def _cached_v4(auth: Any) -> list[tuple[str, dict[str, Any]]]:
    """The cached v4 access tokens of *auth*'s credential and origin, newest first."""
    sessions = auth._sessions  # noqa: SLF001
    app = auth.settings.credential.fingerprint
    found = [
        (key, record)
        for key, record in sessions.store.records()
        if record.get("kind") == "v4"
        and record.get("app") == app
        and record.get("origin") == sessions.origin
        and isinstance(record.get("id"), str)
    ]
    found.sort(key=lambda kr: -float(kr[1].get("created_at") or 0))
    return found


def _keep_v4(
    args: argparse.Namespace, auth: Any, access: Any, session: Any
) -> None:
    """
    Cache the access token like a session, and its converted v3 session
    both as the user's session and where ``TMDbAuth(access_token=)`` looks.
    """
    sessions = auth._sessions  # noqa: SLF001
    sessions.save(session)
    record = {
        **sessions._record(session),  # noqa: SLF001
        "kind": "v4",
        "id": access.access_token,
        "account_id": access.account_id,
        "created_at": access.created_at,
    }
    sessions.store.put(
        sessions._key("v4", session.username or ""),  # noqa: SLF001
        record,
        None,
    )
    holder = _auth(args, access_token=access.access_token)
    holder._sessions.save(session)  # noqa: SLF001


def _forget_v4(
    args: argparse.Namespace, auth: Any, key: str, record: dict[str, Any]
) -> bool:
    """
    Revoke a cached access token and its converted v3 session at TMDb, and
    drop both here. True if TMDb deleted the access token.
    """
    token = record["id"]
    holder = _auth(args, access_token=token)
    converted = holder.session("user")
    if converted is not None:
        holder.session_delete(converted)
    deleted = bool(auth.v4_access_token_delete(token))
    auth._sessions.store.delete(key, token)  # noqa: SLF001
    return deleted


def _store_location(auth: Any) -> str | None:
    """Where *auth* keeps its sessions; None for memory."""
    return auth._sessions.store.location  # type: ignore[no-any-return]  # noqa: SLF001


def _cached_records(
    spec: str | None,
) -> tuple[str | None, list[dict[str, Any]]]:
    """
    Where the store of *spec* is, and every session record in it.

    *spec* is read as ``TMDbAuth(cache=…)`` reads it (None: the default,
    from the environment); no API key is needed.
    """
    from ._config import DEFAULT, _cache_spec  # noqa: PLC0415
    from ._store import Store  # noqa: PLC0415

    store = Store(_cache_spec(DEFAULT if spec is None else spec))
    try:
        return store.location, [dict(record) for _, record in store.records()]
    finally:
        store.close()


# -- formatting --------------------------------------------------------


def _mask(secret: object) -> str:
    from ._config import mask  # noqa: PLC0415

    return mask(secret if isinstance(secret, str) else None)


def _place(location: str | None) -> str:
    """Where sessions are kept, for a line of text: no URL's password."""
    if location is None:
        return "memory"
    if "://" not in location:
        return location
    from urllib.parse import urlsplit  # noqa: PLC0415

    parts = urlsplit(location)
    if parts.password is None:
        return location
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def _id(secret: object) -> str:
    """A session id, masked, for a line of text."""
    return _shown(_mask(secret))


def _who(session: Any) -> str:
    """The user of a session, by name; TMDb does not always say it."""
    if session.username:
        return _shown(session.username)
    return "an unknown user"


def _shown(value: object) -> str:
    """
    *value* as text that is safe to print on a terminal.

    Usernames, TMDb's messages and store records come from outside: a
    control character in them (ESC, BEL, a carriage return, a bidi override)
    could rewrite the screen or the window title. Every character that is
    not printable is shown escaped as in a Python literal (``\\x1b``);
    ``--json`` needs none of this, JSON escapes them itself.
    """
    text = str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _when(epoch: object) -> str:
    if not isinstance(epoch, (int, float)) or not epoch:
        return "never"
    try:
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch))
    except (OverflowError, OSError, ValueError):
        return "never"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
