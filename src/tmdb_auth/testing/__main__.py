"""
Run the stand-in TMDb server: ``python -m tmdb_auth.testing``.

It prints the URL, API key, read-access token and the default user's
login, then serves until Ctrl-C or SIGTERM and exits 0.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from collections.abc import Sequence
from types import FrameType

from ._server import TMDbServer


def main(argv: Sequence[str] | None = None) -> int:
    """
    Parse *argv*, serve until interrupted, and return the exit status.
    """
    parser = argparse.ArgumentParser(
        prog="python -m tmdb_auth.testing",
        description="Run the stand-in TMDb API server.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="default: %(default)s"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="default: 0 (a free port)"
    )
    args = parser.parse_args(argv)
    try:
        server = TMDbServer(host=args.host, port=args.port)
        server.start()
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)  # noqa: T201
        return 2
    done = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    lines = (
        f"TMDb stand-in server at {server.url}",
        f"TMDB_API_URL={server.url}",
        f"TMDB_API_KEY={server.api_key}",
        f"TMDB_READ_ACCESS_TOKEN={server.read_token}",
        f"username: {server.username}",
        f"password: {server.password}",
        "Press Ctrl-C to stop.",
    )
    print("\n".join(lines), flush=True)  # noqa: T201
    try:
        while not done.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
