"""The internals of `tmdb_auth.cassettes`. Strictly private."""

__all__: list[str] = []
