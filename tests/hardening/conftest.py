"""
The hardening suite: figures, not reassurance.

Runs inside the default ``pytest`` (and ``nox -s tests``) with small counts;
``TMDB_AUTH_SOAK=1`` (``nox -s soak``) runs the same tests with larger
counts, more adapters and random (not derandomised) fuzzing.
"""

from __future__ import annotations

import os

from tests.clients import Flavour, HttpxAsync, HttpxSync, HttpxTrio, Requests


#: The soak variant: larger counts, random examples.
SOAK = os.environ.get("TMDB_AUTH_SOAK", "") not in ("", "0")


def scale(default: int, soak: int) -> int:
    """*default* in the normal run, *soak* in the soak run."""
    return soak if SOAK else default


#: The ways the hardening suite calls TMDb (see tests/clients.py).
DRIVERS: list[type[Flavour]] = []


def drivers() -> list[type[Flavour]]:
    """requests, httpx sync and httpx async; trio too in the soak run."""
    found: list[type[Flavour]] = [Requests, HttpxSync, HttpxAsync]
    return [*found, HttpxTrio] if SOAK else found


DRIVERS.extend(drivers())
