"""``python -m tmdb_auth``: the ``tmdb-auth`` command."""

from __future__ import annotations

import sys

from ._cli import main


__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
