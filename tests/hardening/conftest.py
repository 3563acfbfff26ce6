"""
The hardening suite: figures, not reassurance.

Runs inside the default ``pytest`` (and ``nox -s tests``) with small counts;
``TMDB_AUTH_SOAK=1`` (``nox -s soak``) runs the same tests with larger
counts, more adapters and random (not derandomised) fuzzing.
"""

from __future__ import annotations

import os


#: The soak variant: larger counts, random examples.
SOAK = os.environ.get("TMDB_AUTH_SOAK", "") not in ("", "0")


def scale(default: int, soak: int) -> int:
    """*default* in the normal run, *soak* in the soak run."""
    return soak if SOAK else default
