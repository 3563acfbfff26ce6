"""
TMDb authentication for requests.

.. code-block:: python

    import requests
    from tmdb_auth.requests import TMDbAuth

    s = requests.Session()
    s.auth = TMDbAuth(session="guest")  # the key comes from TMDB_API_KEY
    s.post(
        "https://api.themoviedb.org/3/movie/550/rating", json={"value": 8.5}
    )

This module imports requests, never httpx.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import json
import time

from collections.abc import Callable
from typing import Any

import requests

from requests.cookies import extract_cookies_to_jar
from requests.utils import rewind_body

from . import _protocol
from ._base import AuthCore
from ._config import CacheSpec, PasswordSource, SessionMode
from ._protocol import Call, Flow, Reply, Session
from ._routes import Need, need_for
from .exceptions import TMDbConnectionError


__all__ = ["TMDbAuth"]

T = Any


def _no_auth(r: requests.PreparedRequest) -> requests.PreparedRequest:
    """Our own calls carry their credential already; no session auth."""
    return r


class TMDbAuth(AuthCore, requests.auth.AuthBase):
    """
    TMDb authentication as a requests auth plugin.

    Attaches the v3 API key (``api_key`` query parameter) or the read
    access token (``Authorization: Bearer``) to requests for the TMDb API
    origin, and nothing to any other host. Calls that need a session
    (account, ratings, lists, watchlist) get one, made on first use and
    cached on disk; a session TMDb revoked is replaced once and the call
    resent.

    Args:
        api_key: The v3 API key or the API Read Access Token. Default: the
            environment variable ``TMDB_API_KEY``, then
            ``TMDB_READ_ACCESS_TOKEN``.
        session: ``"auto"`` (a user session when one is available, else a
            guest session where TMDb allows guests), ``"guest"``,
            ``"user"``, or None to never attach a session.
        username: The TMDb user (default ``TMDB_USERNAME``).
        password: Their password, or a callable returning it (default
            ``TMDB_PASSWORD``). Sent in POST bodies only; never stored.
        session_id: An existing user session id (default
            ``TMDB_SESSION_ID``).
        approve: A callable that receives the approval URL and returns
            once the user approved, such as
            `tmdb_auth.approve_in_browser`. Without it no interactive flow
            ever starts.
        cache: A directory, a ``diskcache.Cache``, or None for memory only.
            Default: ``TMDB_AUTH_CACHE_DIR``, else the user cache directory.
        api_url: The API origin (default ``TMDB_API_URL``, else
            ``https://api.themoviedb.org``). Credentials go there only.
        http: The ``requests.Session`` that session calls go through
            (default: a private one), to share adapters, proxies or
            certificates.
        timeout: The timeout of the plugin's own session calls.

    Raises:
        ConfigurationError: A value is missing or malformed.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        session: SessionMode | None = "auto",
        username: str | None = None,
        password: PasswordSource | None = None,
        session_id: str | None = None,
        approve: Callable[[str], object] | None = None,
        cache: CacheSpec | Any = ...,
        api_url: str | None = None,
        http: requests.Session | None = None,
        timeout: float | tuple[float, float] = (10.0, 30.0),
    ) -> None:
        super().__init__(
            api_key,
            session=session,
            username=username,
            password=password,
            session_id=session_id,
            approve=approve,
            cache=cache,
            api_url=api_url,
        )
        self._http = http
        self._timeout = timeout
        self._hook = self._recover

    # -- every call ----------------------------------------------------

    def __call__(  # noqa: C901 -- the hot path, inlined on purpose
        self, r: requests.PreparedRequest
    ) -> requests.PreparedRequest:
        """Attach the credential (and session) if *r* is bound for TMDb."""
        url = r.url or ""
        if not url.startswith(self._prefixes) or "#" in url:
            if not self._in_scope(url):
                return r
            url = url.split("#", 1)[0]
        start = url.index("/", 8)
        query_at = url.find("?", start)
        sep = "&" if query_at >= 0 else "?"
        if self._bearer is not None:
            r.headers["Authorization"] = self._bearer
        need = Need.NONE
        if self._sessions_on and not (
            query_at >= 0 and "session_id=" in url[query_at:]
        ):
            path = url[start:query_at] if query_at >= 0 else url[start:]
            need = need_for(r.method or "GET", path)
        if need is Need.NONE:
            if self._query:
                r.url = f"{url}{sep}{self._query}"
            return r
        # The hot path of a session route: the session in memory, its
        # query text computed when it was first seen; no lock.
        session = self._sessions.active.get(need)
        if session is None or (
            session.expires_at is not None
            and time.time() >= session.expires_at
        ):
            session = self._acquire(need)
        cached = self._suffixes.get(need)
        if cached is not None and cached[0] is session:
            suffix = cached[1]
        else:
            suffix = self._suffix(need, session)
        if suffix:
            r.url = f"{url}{sep}{suffix}"
        if session is not None:
            # What the recovery hook needs to know, kept on the request (a
            # closure per call would cost a fifth of the budget), and what
            # register_hook does, without its isinstance(Callable).
            r._tmdb_auth = (need, session, url, sep)  # type: ignore[attr-defined]  # noqa: SLF001
            r.hooks["response"].append(self._hook)
        return r

    # -- sessions ------------------------------------------------------

    def _send(self, call: Call) -> Reply:
        """Send one of our own calls; errors never carry the URL."""
        url, headers = call.target(self._origin.url, self.settings.credential)
        http = self._http
        if http is None:
            http = self._http = requests.Session()
        failure = None
        try:
            response = http.request(
                call.method,
                url,
                json=call.json,
                headers=headers,
                timeout=self._timeout,
                auth=_no_auth,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            # Raised below, outside this block, so that the exception,
            # whose message holds the URL and its api_key, is not chained.
            failure = type(exc).__name__
        if failure is not None:
            raise TMDbConnectionError(
                f"Could not reach TMDb at {self._origin.url} ({failure}); "
                "check the network and api_url=."
            )
        return Reply(
            response.status_code,
            {k.lower(): v for k, v in response.headers.items()},
            response.content,
        )

    def _run(self, flow: Flow[T]) -> T:
        with self._lock:
            return _protocol.run(flow, self._send)

    def _acquire(self, need: Need) -> Session | None:
        return self._run(self._sessions.acquire(need))  # type: ignore[no-any-return]

    def _recover(
        self, r: requests.Response, **kwargs: Any
    ) -> requests.Response:
        """
        On a 401 saying the session is gone, renew it and resend once.

        A response hook, as ``requests.auth.HTTPDigestAuth.handle_401``: the
        resent request goes through ``r.connection``, so it uses the
        caller's adapter, and the 401 ends up in ``history``.
        """
        state = getattr(r.request, "_tmdb_auth", None)
        if (
            r.status_code != 401
            or state is None
            or _tmdb_code(r) not in (3, 17)
        ):
            return r
        need, stale, url, sep = state
        fresh = self._run(self._sessions.renew(need, stale))
        prep = r.request.copy()
        if fresh is None or not _rewind(prep):
            return r
        r.content  # noqa: B018 -- drain, so the connection can be reused
        r.close()
        extract_cookies_to_jar(prep._cookies, r.request, r.raw)  # type: ignore[attr-defined,no-untyped-call]  # noqa: SLF001
        prep.prepare_cookies(prep._cookies)  # type: ignore[attr-defined]  # noqa: SLF001
        prep.url = f"{url}{sep}{self._suffix(need, fresh)}"
        retried: requests.Response = r.connection.send(prep, **kwargs)
        retried.history.append(r)
        retried.request = prep
        return retried

    def logout(self) -> bool:
        """
        Delete the user session at TMDb and drop it from the cache.

        Returns:
            Whether TMDb deleted a session (False when there was none or
            TMDb had already forgotten it).
        """
        return self._run(self._sessions.logout())  # type: ignore[no-any-return]


def _tmdb_code(r: requests.Response) -> object:
    try:
        body = json.loads(r.content)
    except (ValueError, UnicodeDecodeError, RuntimeError):
        return None
    return body.get("status_code") if isinstance(body, dict) else None


def _rewind(prep: requests.PreparedRequest) -> bool:
    """Make the body readable again; False if it cannot be replayed."""
    body: object = prep.body
    if body is None or isinstance(body, (bytes, str)):
        return True
    if getattr(prep, "_body_position", None) is None:
        return False
    try:
        rewind_body(prep)
    except requests.exceptions.UnrewindableBodyError:
        return False
    return True
