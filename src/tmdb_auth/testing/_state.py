"""
Strictly private and transitional: the name ``_state.App`` of the
one-module stand-in, which the suite's secret scanner (tests/leaks.py)
still wraps.  The records now live in ``_app/_state.py``; remove this
module once the scanner asks ``TMDbServer.secrets()`` instead.
"""

from __future__ import annotations

from ._app._state import State as App


__all__ = ["App"]
