"""
Serving the stand-in by hand: the one implementation behind
``python -m tmdb_auth.testing`` and ``tmdb-auth serve``.

Strictly private.  `add_arguments` (declared in `tmdb_auth._serve_options`,
so that the ``tmdb-auth`` parser need not import the stand-in) declares
the options on either command's parser and `run` serves until Ctrl-C or
SIGTERM.  Every bad value or unusable address is one line on standard
error and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import TextIO

from tmdb_auth._serve_options import add_arguments


__all__ = ["add_arguments", "banner", "main", "run"]


def banner(server: object) -> str:
    """
    What a person needs to reach *server* (a started `TMDbServer`).
    """
    from ._server import TMDbServer  # noqa: PLC0415 -- keep --help fast

    assert isinstance(server, TMDbServer)  # noqa: S101 -- ours
    if server.control_url is not None:
        control = (
            f"  control API: {server.control_url} "
            f"(try: curl {server.control_url}state)"
        )
    else:
        control = (
            f"  control API: off (it only listens on loopback, and "
            f"{server.host} is not)"
        )
    return (
        f"Stand-in TMDb server at {server.url}\n"
        f"  TMDB_API_URL={server.url}\n"
        f"  TMDB_API_KEY={server.api_key}\n"
        f"  TMDB_READ_ACCESS_TOKEN={server.read_token}\n"
        f"  user: {server.username} / password: {server.password}\n"
        f"{control}\n"
        "Press Ctrl-C to stop."
    )


def _port(value: str) -> int:
    text = value.strip()
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        msg = f"--port {value!r} is not a port: give 0 (a free port) to 65535"
        raise ValueError(msg)
    return int(text)


def _host(value: str) -> str:
    if not value or value != value.strip() or any(c.isspace() for c in value):
        msg = (
            f"--host {value!r} is not an address: give one without spaces, "
            "such as 127.0.0.1"
        )
        raise ValueError(msg)
    return value


@contextmanager
def _until_signalled() -> Iterator[threading.Event]:
    """
    An event set by SIGINT or SIGTERM (handlers put back afterwards).
    """
    done = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    if threading.current_thread() is not threading.main_thread():
        yield done
        return
    old = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield done
    finally:
        for number, handler in old.items():
            signal.signal(number, handler)


def run(args: argparse.Namespace, out: TextIO, *, prog: str) -> int:
    """
    Serve with the options *args* until Ctrl-C or SIGTERM.

    Returns:
        0 after a stop; 2 (after one line on stderr) when an option is bad
        or the address cannot be bound.
    """
    from ._server import TMDbServer  # noqa: PLC0415 -- keep --help fast

    try:
        server = TMDbServer(
            host=_host(args.host),
            port=_port(str(args.port)),
            data=args.data,
        )
        server.start()
    except (ValueError, OSError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else e
        print(f"{prog}: {reason}", file=sys.stderr)  # noqa: T201
        return 2
    try:
        with _until_signalled() as done:
            print(banner(server), file=out, flush=True)
            while not done.wait(3600):
                pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """
    ``python -m tmdb_auth.testing``: parse *argv*, serve, return the status.
    """
    prog = "python -m tmdb_auth.testing"
    parser = argparse.ArgumentParser(
        prog=prog, description="Run the stand-in TMDb API server."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv), sys.stdout, prog=prog)
