"""
The options of ``tmdb-auth serve`` and ``python -m tmdb_auth.testing``.

Strictly private. Declared here, apart from the stand-in server, so that
building the ``tmdb-auth`` parser (``--help``, ``status``) does not import
`tmdb_auth.testing`.
"""

from __future__ import annotations


TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


__all__ = ["add_arguments"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """
    Declare ``--host``, ``--port`` and ``--data`` on *parser*.
    """
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to bind (default: %(default)s; the control API "
        "is off on any address that is not loopback)",
    )
    parser.add_argument(
        "--port", default="0", help="the port (default: 0, a free port)"
    )
    parser.add_argument(
        "--data",
        metavar="FILE",
        help="a JSON data set to load at start (movies, tv, users)",
    )
