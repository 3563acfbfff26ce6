"""
Run the stand-in TMDb server: ``python -m tmdb_auth.testing``.

The same command as ``tmdb-auth serve`` (``_serve.py``): it prints the
URL, API key, read-access token, the default user's login and the
control API, then serves until Ctrl-C or SIGTERM and exits 0.
"""

from __future__ import annotations

from ._serve import main


__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
