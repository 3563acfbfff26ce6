"""
The ``tmdb-auth`` command: log in, make guest sessions, list, log out.

Strictly private; the entry point is `main`. Every expected failure is one
line on standard error and an exit status: 1 for an API or authentication
failure, 2 for usage or configuration.
"""

from __future__ import annotations

import argparse
import os
import sys

from ._cli_sessions import _OPENED, _guest, _logout, _shown, _status
from ._serve_options import add_arguments
from .exceptions import TMDbAuthError


# typing costs a third of the start-up of `tmdb-auth --help`; the names are
# only needed by the type checkers, which treat TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO


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


def _login(args: argparse.Namespace, out: TextIO) -> int:
    from ._cli_login import _login  # noqa: PLC0415 -- only login needs it

    return _login(args, out)


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    from .testing._serve import run  # noqa: PLC0415

    return run(args, out, prog=f"{PROG} serve")


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from ._demo import run  # noqa: PLC0415

    del args
    return run(out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
