"""
The ``tmdb-auth`` command: log in, make guest sessions, list, log out.

Strictly private; the entry point is `main`. Every expected failure is one
line on standard error and an exit status: 1 for an API or authentication
failure, 2 for usage or configuration.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import sys

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, TextIO

from .exceptions import ConfigurationError, TMDbAuthError


__all__ = ["main"]

PROG = "tmdb-auth"


def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--api-url and --cache-dir, accepted before or after the command."""
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--api-url",
        metavar="URL",
        default=default,
        help="the API origin (default: $TMDB_API_URL, else TMDb's)",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        default=default,
        help="the session cache (default: $TMDB_AUTH_CACHE_DIR, else the "
        "user cache directory)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Authenticate to The Movie Database (TMDb) API. The API "
        "key comes from $TMDB_API_KEY (or $TMDB_READ_ACCESS_TOKEN).",
    )
    _global_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
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
        help="only print the approval URL; do not open a browser",
    )
    login.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="how long to wait for the approval (default: 600)",
    )
    login.add_argument(
        "--force",
        action="store_true",
        help="make a new session even if one is cached",
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
        print(f"{PROG}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


# -- the commands ------------------------------------------------------


def _auth(args: argparse.Namespace, **options: Any) -> Any:
    from .requests import TMDbAuth  # noqa: PLC0415 -- keep --help fast

    if args.cache_dir is not None:
        options["cache"] = args.cache_dir
    return TMDbAuth(api_url=args.api_url, **options)


def _login(args: argparse.Namespace, out: TextIO) -> int:
    from . import approve_in_browser  # noqa: PLC0415

    if args.password_stdin and not args.username:
        raise ConfigurationError("--password-stdin needs --username.")
    if args.timeout <= 0:
        raise ConfigurationError("--timeout must be a positive number.")
    auth = _auth(args, session="user", username=args.username)
    sessions = auth._sessions  # noqa: SLF001 -- the CLI is part of the package
    if not args.force:
        found = sessions.user_session()
        if found is not None and (
            args.username is None or found.username == args.username
        ):
            print(
                f"Already logged in as {_who(found)} (session "
                f"{_mask(found.id)}); use --force for a new session.",
                file=out,
            )
            return 0
    if args.username:
        password = _read_password(args)
        session = auth._run(sessions.login(args.username, password))  # noqa: SLF001
    else:
        approve = functools.partial(
            approve_in_browser,
            timeout=args.timeout,
            open_browser=not args.no_browser,
        )
        session = auth._run(sessions.approve(approve))  # noqa: SLF001
    where = sessions.store.location or "memory"
    print(
        f"Logged in as {_who(session)}. Session {_mask(session.id)} is cached "
        f"in {where}.",
        file=out,
    )
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise ConfigurationError(
                "No terminal to ask for the password: use --password-stdin."
            )
        password = getpass.getpass(f"TMDb password for {args.username}: ")
    if not password:
        raise ConfigurationError("The password is empty.")
    return password


def _guest(args: argparse.Namespace, out: TextIO) -> int:
    from ._routes import Need  # noqa: PLC0415

    auth = _auth(args, session="guest")
    sessions = auth._sessions  # noqa: SLF001
    session = auth._run(sessions.acquire(Need.GUEST_OK))  # noqa: SLF001
    print(
        f"Guest session {_mask(session.id)}, expires "
        f"{_when(session.expires_at)}.",
        file=out,
    )
    return 0


def _status(args: argparse.Namespace, out: TextIO) -> int:
    from ._config import default_cache_dir  # noqa: PLC0415
    from ._store import Store  # noqa: PLC0415

    directory = args.cache_dir or default_cache_dir()
    rows = []
    for _, record in Store(directory).records():
        rows.append(
            {
                "kind": record.get("kind"),
                "username": record.get("username"),
                "app": record.get("app"),
                "origin": record.get("origin"),
                "created": _when(record.get("created_at")),
                "expires": _when(record.get("expires_at")),
                "id": _mask(record.get("id")),
            }
        )
    rows.sort(key=lambda r: (str(r["origin"]), str(r["kind"]), r["created"]))
    if args.json:
        json.dump({"cache": directory, "sessions": rows}, out, indent=2)
        out.write("\n")
        return 0
    print(f"Cache: {directory}", file=out)
    if not rows:
        print("No cached sessions. Make one with 'tmdb-auth login'.", file=out)
        return 0
    columns = ["kind", "username", "app", "origin", "created", "expires", "id"]
    table = [[str(r[c] or "-") for c in columns] for r in rows]
    widths = [
        max(len(c), *(len(row[i]) for row in table))
        for i, c in enumerate(columns)
    ]
    for row in [columns, *table]:
        print(
            "  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip(),
            file=out,
        )
    return 0


def _logout(args: argparse.Namespace, out: TextIO) -> int:
    from ._sessions import _session_of  # noqa: PLC0415

    auth = _auth(args, session="user", username=args.username)
    sessions = auth._sessions  # noqa: SLF001
    targets = []
    if args.all:
        app = auth.settings.credential.fingerprint
        for _, record in sessions.store.records():
            if record.get("app") == app and record.get("origin") == (
                sessions.origin
            ):
                found = _session_of(record)
                if found is not None:
                    targets.append(found)
    else:
        found = sessions.user_session()
        if found is not None:
            targets.append(found)
    if not targets:
        print("No cached session to log out.", file=out)
        return 0
    for session in targets:
        deleted = auth._run(sessions.logout(session))  # noqa: SLF001
        said = "deleted at TMDb" if deleted else "dropped from the cache"
        print(
            f"Logged out {_who(session)} ({session.kind} session "
            f"{_mask(session.id)}): {said}.",
            file=out,
        )
    return 0


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    from .testing._serve import run  # noqa: PLC0415

    return run(args, out, prog=f"{PROG} serve")


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from ._demo import run  # noqa: PLC0415

    del args
    return run(out)


# -- formatting --------------------------------------------------------


def _mask(secret: object) -> str:
    from ._config import mask  # noqa: PLC0415

    return mask(secret if isinstance(secret, str) else None)


def _who(session: Any) -> str:
    return session.username or "the approving user"


def _when(epoch: object) -> str:
    if not isinstance(epoch, (int, float)) or not epoch:
        return "never"
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
