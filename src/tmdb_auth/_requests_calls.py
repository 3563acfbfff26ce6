"""
The explicit calls (DESIGN §9, §11.1) of the requests adapter.

Strictly private: a mixin of `tmdb_auth.requests.TMDbAuth`, apart from the
hot path so that each module holds one thing. What both adapters share is
in `._calls`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from ._calls import ExplicitCalls, Kind
from ._values import AccessToken, RequestToken, Session


if TYPE_CHECKING:
    from ._steps import Flow


__all__ = ["RequestsCalls"]

T = TypeVar("T")


class RequestsCalls(ExplicitCalls):
    """The explicit calls, sent through the auth's own requests session."""

    if TYPE_CHECKING:  # provided by tmdb_auth.requests.TMDbAuth

        def _run(self, flow: Flow[T]) -> T: ...

    # -- the explicit calls (DESIGN §9) --

    def guest_session_new(self) -> Session:
        """
        Make a guest session (``GET /3/authentication/guest_session/new``).

        The session is kept as this auth's guest session (and cached), so
        the calls that accept a guest travel with it from now on.

        Returns:
            The new `Session` (kind ``"guest"``, with its ``expires_at``).

        Raises:
            ConfigurationError: This auth acts for one user (it was given
                ``session_id=`` or ``username=``, or ``session="user"``):
                it never travels as a guest.
            TMDbAuthError: TMDb refused (`InvalidCredentials`, …).

        .. versionadded:: 0.2.0
        """
        return self._run(self._guest_session_new())

    def token_new(self, redirect_to: str | None = None) -> RequestToken:
        """
        Make a request token (``GET /3/authentication/token/new``).

        Args:
            redirect_to: Where TMDb sends the person after the approval
                (a web application's callback URL), with
                ``request_token`` and ``approved=true`` added.

        Returns:
            The `RequestToken`; its ``approval_url`` is the page where the
            person approves it (TMDb's ``Authentication-Callback``, with
            ``redirect_to`` added). Show that URL to that person only.

        Raises:
            ConfigurationError: *redirect_to* is not an absolute URL.

        .. versionadded:: 0.2.0
        """
        return self._run(self._token_new(redirect_to))

    def token_validate_with_login(
        self, request_token: RequestToken | str, username: str, password: str
    ) -> RequestToken:
        """
        Approve a request token with a login
        (``POST /3/authentication/token/validate_with_login``).

        The password travels in the POST body only, and is never stored.

        Args:
            request_token: The `RequestToken` from `token_new`, or its
                token string.
            username: The TMDb username.
            password: Their password.

        Returns:
            The approved `RequestToken`, for `session_new`.

        Raises:
            LoginFailed: TMDb refused the username or password.
            SessionDenied: The token is unknown, expired or used.

        .. versionadded:: 0.2.0
        """
        try:
            flow = self._token_validate_with_login(
                request_token, username, password
            )
        finally:
            del password  # no frame on a traceback keeps it
        return self._run(flow)

    def session_new(
        self, request_token: RequestToken | str, *, callback: object = None
    ) -> Session:
        """
        Exchange an approved request token for a user session
        (``POST /3/authentication/session/new``, then ``GET /3/account``).

        The session is returned, not attached by this auth: keep it in your
        own store, and build ``TMDbAuth(session_id=s.id)`` to use it. One
        auth object exchanges a request token at most once.

        Args:
            request_token: The `RequestToken` from `token_new`, or its
                token string: the one this browser's login started with.
            callback: A web application's callback: the URL TMDb sent the
                browser back to, its query string, or its query parameters
                (``request.args``, ``request.GET``, ``request.query_params``).
                It must carry *request_token* and ``approved=true``.

        Returns:
            The `Session` (kind ``"user"``, ``username`` and ``account_id``
            filled).

        Raises:
            ApprovalDenied: The callback says the person pressed Deny.
            SessionDenied: The callback carries another token or none, or
                no ``approved=true``; the token was already exchanged; or
                TMDb refused it (not approved, expired, used).
            LoginFailed: This auth was given ``username=`` and another user
                approved (the new session is deleted at TMDb).

        .. versionadded:: 0.2.0
        """
        try:
            flow = self._session_new(request_token, callback)
        finally:
            del request_token, callback
        return self._run(flow)

    def session_delete(self, session: Session | str | None = None) -> bool:
        """
        Delete a user session at TMDb (``DELETE /3/authentication/session``)
        and in the cache.

        Args:
            session: The `Session` or its id; default: this auth's user
                session.

        Returns:
            True if TMDb deleted it; False if there was none, TMDb no
            longer knew it, or it is a guest session (TMDb cannot delete
            those).

        .. versionadded:: 0.2.0
        """
        try:
            flow = self._session_delete(session)
        finally:
            del session
        return self._run(flow)

    def login(
        self, username: str | None = None, password: str | None = None
    ) -> Session:
        """
        Log in now: ``token/new``, ``token/validate_with_login``,
        ``session/new``.

        Single-flight: concurrent logins of the same user (threads,
        processes) make one session. It is cached and attached as the lazy
        path would, so later calls travel with it.

        Args:
            username: The TMDb user; default ``username=`` of this auth.
            password: Their password; default ``password=`` of this auth.

        Returns:
            The new user `Session`.

        Raises:
            ConfigurationError: No username or password, or this auth acts
                for another identity (``username=`` of another user,
                ``session_id=``, ``session="guest"``).
            LoginFailed: TMDb refused the username or password.

        .. versionadded:: 0.2.0
        """
        try:
            flow = self._login(username, password)
        finally:
            del password
        return self._run(flow)

    # -- the explicit v4 calls (DESIGN §11.1) --

    def v4_request_token_new(
        self, redirect_to: str | None = None
    ) -> RequestToken:
        """
        Make a v4 request token (``POST /4/auth/request_token``).

        Args:
            redirect_to: Where TMDb sends the person after the approval.

        Returns:
            The `RequestToken` (``version=4``); its ``approval_url`` is
            ``https://www.themoviedb.org/auth/access?request_token=…``.
            Show that URL to that person only.

        Raises:
            ConfigurationError: This auth has a v3 API key (v4 needs the
                read token), or *redirect_to* is not an absolute URL.

        .. versionadded:: 0.2.0
        """
        return self._run(self._v4_request_token_new(redirect_to))

    def v4_access_token_new(
        self, request_token: RequestToken | str
    ) -> AccessToken:
        """
        Exchange an approved v4 request token for the user's access token
        (``POST /4/auth/access_token``).

        Args:
            request_token: The `RequestToken` of `v4_request_token_new`,
                or its string, once the person approved it.

        Returns:
            The `AccessToken`, with the v4 account object id.

        Raises:
            ConfigurationError: This auth has a v3 API key (v4 needs the
                read token), or *request_token* is not a v4 token.
            SessionDenied: The token is not approved, expired or used.

        .. versionadded:: 0.2.0
        """
        try:
            flow = self._v4_access_token_new(request_token)
        finally:
            del request_token
        return self._run(flow)

    def v4_access_token_delete(
        self, access_token: AccessToken | str | None = None
    ) -> bool:
        """
        Log a v4 access token out (``DELETE /4/auth/access_token``).

        Args:
            access_token: The `AccessToken` or its string; default: this
                auth's ``access_token=``.

        Returns:
            True if TMDb deleted it, False if TMDb no longer knew it.

        .. versionadded:: 0.2.0
        """
        try:
            flow = self._v4_access_token_delete(access_token)
        finally:
            del access_token
        return self._run(flow)

    def session_convert(
        self, access_token: AccessToken | str | None = None
    ) -> Session:
        """
        Turn a v4 access token into a v3 user session
        (``POST /3/authentication/session/convert/4``).

        The session is returned, not attached by this auth.

        Args:
            access_token: The `AccessToken` or its string; default: this
                auth's ``access_token=``.

        Returns:
            The user `Session` (its ``account_id`` the v4 account object
            id, its ``username`` from ``GET /3/account``).

        Raises:
            SessionDenied: TMDb refused the token (the read token, or a
                revoked access token).

        .. versionadded:: 0.2.0
        """
        try:
            flow = self._session_convert(access_token)
        finally:
            del access_token
        return self._run(flow)

    def session(self, kind: Kind = "user") -> Session | None:
        """
        The session this auth would attach now, without any call.

        From memory or the cache; nothing is made.

        Args:
            kind: ``"user"`` or ``"guest"``.

        Returns:
            The `Session`, or None when there is none (or this auth never
            attaches that kind).

        .. versionadded:: 0.2.0
        """
        return self._session(kind)
