"""
The session stores: the protocol and its three implementations.

Strictly private; the public names are in `tmdb_auth.stores`. One module
per store (`.memory`, `.disk`, `.redis`), the protocol and what they share
in `.base`. Importing any of them imports neither diskcache nor redis: each
store imports its library when it is first used.
"""

from __future__ import annotations


__all__: list[str] = []
