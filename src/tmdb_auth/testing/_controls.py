"""
The data and v4 controls of the stand-in's façade.

Strictly private: a part of :class:`~tmdb_auth.testing.TMDbServer`, kept
apart so that each module holds one thing (the façade's lifecycle, keys,
users and sessions stay in ``_server.py``; traffic in ``_traffic.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._app import State, _dataset, v4


__all__ = ["DataControls"]


class DataControls:
    """The v4 token and data-set controls of `TMDbServer`."""

    _state: State

    if TYPE_CHECKING:  # TMDbServer's

        @property
        def username(self) -> str: ...

    # --- v4 -----------------------------------------------------------------
    # approve() and deny() take v4 request tokens too.

    def account_object_id(self, username: str | None = None) -> str:
        """
        The v4 account id of *username* (the default user if ``None``):
        the ``account_id`` of ``POST /4/auth/access_token``, and the
        ``{account_object_id}`` of ``/4/account/…`` paths.

        Raises:
            ValueError: Unknown user.

        .. versionadded:: 0.2.0
        """
        name = username or self.username
        with self._state.lock:
            if name not in self._state.users:
                msg = f"unknown user {name!r}; add it with add_user()"
                raise ValueError(msg)
            return v4.account_object_id(self._state, name)

    def revoke_access_token(self, access_token: str) -> None:
        """
        Delete a v4 user access token, as its user's logout does; its
        later use gets 401 (``v4_bad_bearer`` as the Bearer,
        ``v4_read_token`` in ``session/convert/4``).  Idempotent.  The v3
        sessions converted from it stay.

        Raises:
            ValueError: *access_token* is not a user access token of this
                server.

        .. versionadded:: 0.2.0
        """
        v4.revoke_access_token(self._state, access_token)

    def access_token_is_valid(self, access_token: str) -> bool:
        """
        Whether *access_token* is a v4 user access token that would be
        accepted now.

        .. versionadded:: 0.2.0
        """
        return v4.access_token_is_valid(self._state, access_token)

    @property
    def v4_created(self) -> dict[str, int]:
        """
        Successful v4 calls by kind: ``{"request_tokens": n,
        "access_tokens": n, "conversions": n}`` (request tokens made,
        access tokens issued, v3 sessions converted from them; each
        conversion also counts in `sessions_created`), since the server
        was made or last `reset`.

        .. versionadded:: 0.2.0
        """
        return v4.counts(self._state)

    # --- data ---------------------------------------------------------------

    def add_movie(self, title: str, **fields: Any) -> dict[str, Any]:
        """
        Add a movie to the data set (or replace one, given its ``id``).

        Args:
            title: The title.
            fields: Any field of ``/3/movie/{id}``: ``id`` (a new one by
                default), ``release_date``, ``genres`` (ids or names),
                ``overview``, ``popularity``, ``vote_average`` ...

        Returns:
            The movie as ``/3/movie/{id}`` answers it.

        Raises:
            ValueError: No title, a bad id, or an unknown genre.

        .. versionadded:: 0.2.0
        """
        return dict(_dataset.add_movie(self._state, title, **fields))

    def add_tv(
        self, name: str, *, seasons: int | list[int] = 1, **fields: Any
    ) -> dict[str, Any]:
        """
        Add a TV show with seasons of numbered episodes.

        Args:
            name: The name.
            seasons: How many seasons of 10 episodes, or a list with the
                number of episodes of each season.
            fields: Any field of ``/3/tv/{id}``: ``id``, ``first_air_date``,
                ``genres`` (ids or names), ``overview`` ...

        Returns:
            The show as the stand-in stores it (``seasons`` by number).

        Raises:
            ValueError: No name, a bad id, bad seasons, or an unknown genre.

        .. versionadded:: 0.2.0
        """
        return dict(
            _dataset.add_tv(self._state, name, seasons=seasons, **fields)
        )
