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

import math
import time

from collections.abc import Callable
from typing import Any, TypeVar

import requests

from requests.cookies import extract_cookies_to_jar
from requests.utils import rewind_body

from ._auth import AuthCore, forgets_arguments
from ._config import DEFAULT, CacheSpec, Default, PasswordSource, SessionMode
from ._errors import access_gone, session_gone
from ._requests_calls import RequestsCalls
from ._routes import NONE, V4_USER, Need
from ._steps import Call, Flow, Guard, Reply, own_reply, run, unreachable
from ._values import AccessToken, Session
from .exceptions import ConfigurationError


__all__ = ["TMDbAuth"]

T = TypeVar("T")
#: How much of an answer is read at a time, checking the deadline between.
_CHUNK = 1  # read() blocks until a chunk is whole: a byte at a time


def _no_auth(r: requests.PreparedRequest) -> requests.PreparedRequest:
    """Our own calls carry their credential already; no session auth."""
    return r


class TMDbAuth(AuthCore, RequestsCalls, requests.auth.AuthBase):
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
        access_token: A TMDb v4 user access token (default
            ``TMDB_ACCESS_TOKEN`` for an auth given no other identity):
            sent as ``Authorization: Bearer`` on the ``/4/`` calls that act
            for the user, and converted once into the v3 session of the
            calls that need one. It is this auth's identity.
        v4: The user logs in through TMDb v4: the first call that acts for
            them takes their v4 login from the cache (``tmdb-auth login
            --v4``), else has ``approve=`` approve one (the API Read Access
            Token is then the credential); its access token goes on the
            ``/4/`` calls that act for the user, and the v3 session
            converted from it on the v3 ones. One approval serves both.
        http: The ``requests.Session`` that session calls go through
            (default: a private one), to share adapters, proxies or
            certificates.
        timeout: The timeout of the plugin's own session calls.

    Raises:
        ConfigurationError: A value is missing or malformed.
    """

    @forgets_arguments
    def __init__(
        self,
        api_key: str | None = None,
        *,
        session: SessionMode | None = "auto",
        username: str | None = None,
        password: PasswordSource | None = None,
        session_id: str | None = None,
        approve: Callable[[str], object] | None = None,
        cache: CacheSpec | Default = DEFAULT,
        api_url: str | None = None,
        access_token: str | None = None,
        v4: bool = False,
        http: requests.Session | None = None,
        timeout: float | tuple[float, float] = (10.0, 30.0),
    ) -> None:
        try:
            super().__init__(
                api_key,
                session=session,
                username=username,
                password=password,
                session_id=session_id,
                approve=approve,
                cache=cache,
                api_url=api_url,
                access_token=access_token,
                v4=v4,
            )
        finally:
            del access_token  # no frame on a traceback keeps it
        if http is not None and not isinstance(http, requests.Session):
            raise ConfigurationError(
                "http= must be a requests.Session (or None for a private "
                f"one), not {type(http).__name__}."
            )
        self._timeout = _check_timeout(timeout)
        self._owns_http = http is None
        self._http = http
        self._hook = self._recover

    # -- every call ----------------------------------------------------

    def __call__(
        self, r: requests.PreparedRequest
    ) -> requests.PreparedRequest:
        """Attach the credential (and session) if *r* is bound for TMDb."""
        url = r.url or ""
        if not url.startswith(self._prefixes) or "#" in url:
            if not self._in_scope(url):
                return r
            url = url.split("#", 1)[0]
        if self._bearer is not None:
            r.headers["Authorization"] = self._bearer
        # The hot path, inlined on purpose: most calls are read calls, and
        # every route that needs more has one of these words.
        if "account" not in url and "rating" not in url and "/list" not in url:
            if self._query:
                r.url = f"{url}{'&' if '?' in url else '?'}{self._query}"
            return r
        return self._routed(r, url)

    def _routed(
        self, r: requests.PreparedRequest, url: str
    ) -> requests.PreparedRequest:
        """Attach what a call that may need more than the key needs."""
        start = url.index("/", 8)
        query_at = url.find("?", start)
        if query_at >= 0:
            sep = "&"
            need = self._need(
                r.method or "GET", url[start:query_at], url[query_at:]
            )
        else:
            sep = "?"
            need = self._need(r.method or "GET", url[start:], "")
        if need is V4_USER:
            access = self._sessions.access or self._run(
                self._sessions.v4_access()
            )
            r.headers["Authorization"] = f"Bearer {access.access_token}"
            r._tmdb_auth = (need, access, url, sep)  # type: ignore[attr-defined]  # noqa: SLF001
            r.hooks["response"].append(self._hook)
            return r
        if need is NONE:
            if self._query:
                r.url = f"{url}{sep}{self._query}"
            return r
        # A session route: the session in memory, its query text computed
        # when it was first seen; no lock.
        session = self._sessions.current(need)
        if session is None:
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

    def close(self) -> None:
        """
        Close what this auth opened itself: the session store and the
        private ``requests.Session`` of its own calls (never ``http=``).

        .. versionadded:: 0.2.0
        """
        super().close()
        http, owned = self._http, self._owns_http
        if owned and http is not None:
            self._http = None
            http.close()

    def _send(self, call: Call) -> Reply:
        """
        Send one of our own calls: never redirected, within a deadline.

        Errors never carry the URL: the HTTP library's exception is left in
        its ``except`` block, and the secrets are revealed inline, so no
        local variable of this frame holds them.
        """
        http = self._http
        if http is None:
            http = self._http = requests.Session()
        timeout = self._timeout
        deadline = time.monotonic() + _total(timeout)
        guard = Guard(self._origin.url, requests.RequestException)
        with guard:
            response = http.request(
                **call.wire(self._origin.url, self.settings.credential),
                json=call.body(),
                timeout=timeout,
                auth=_no_auth,
                allow_redirects=False,
                stream=True,
            )
            with response:
                body = self._read(response, deadline)
        guard.check()
        return own_reply(response.status_code, response.headers.items(), body)

    def _read(self, response: requests.Response, deadline: float) -> bytes:
        """
        The body of *response*, whole before *deadline*.

        A server that drips its answer a byte at a time never trips a read
        timeout, which applies to each read; this bounds the whole body.
        """
        chunks = []
        for chunk in response.iter_content(_CHUNK):
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise unreachable(
                    self._origin.url,
                    f"no whole answer within {_total(self._timeout):g} s",
                )
        return b"".join(chunks)

    def _run(self, flow: Flow[T]) -> T:
        with self._lock:
            return run(flow, self._send)

    def _acquire(self, need: Need) -> Session | None:
        return self._run(self._sessions.acquire(need))

    def _recover(
        self, r: requests.Response, **kwargs: Any
    ) -> requests.Response:
        """
        On a 401 saying the session is gone, renew it and resend once.

        A response hook, as ``requests.auth.HTTPDigestAuth.handle_401``: the
        resent request goes through ``r.connection``, so it uses the
        caller's adapter, and the 401 ends up in ``history``.
        """
        if r.status_code != 401:  # every call but one in a great many
            return r
        state = getattr(r.request, "_tmdb_auth", None)
        prep = None if state is None else self._replacement(r, *state)
        if prep is None:
            return r
        r.content  # noqa: B018 -- drain, so the connection can be reused
        r.close()
        extract_cookies_to_jar(prep._cookies, r.request, r.raw)  # type: ignore[attr-defined,no-untyped-call]  # noqa: SLF001
        prep.prepare_cookies(prep._cookies)  # type: ignore[attr-defined]  # noqa: SLF001
        retried: requests.Response = r.connection.send(prep, **kwargs)
        retried.history.append(r)
        retried.request = prep
        return retried

    def _replacement(
        self,
        r: requests.Response,
        need: Need,
        stale: Session | AccessToken,
        url: str,
        sep: str,
    ) -> requests.PreparedRequest | None:
        """
        The request to send again in place of *r*'s, if what it carried
        is gone and was replaced (None: *r* stands).
        """
        prep = r.request.copy()
        if isinstance(stale, AccessToken):
            if not access_gone(r.status_code, r.content):
                return None
            fresh = self._run(self._sessions.renew_v4(stale))
            prep.headers["Authorization"] = f"Bearer {fresh.access_token}"
        else:
            if not session_gone(r.status_code, r.content):
                return None
            renewed = self._run(self._sessions.renew(need, stale))
            if renewed is None:
                return None
            prep.url = f"{url}{sep}{self._suffix(need, renewed)}"
        return prep if _rewind(prep) else None

    def logout(self) -> bool:
        """
        Delete the user session at TMDb and drop it from the cache.

        Returns:
            Whether TMDb deleted a session (False when there was none or
            TMDb had already forgotten it).
        """
        return self._run(self._sessions.logout())


def _check_timeout(
    timeout: object,
) -> float | tuple[float, float]:
    """A positive, finite timeout, or a (connect, read) pair of them."""
    parts = timeout if isinstance(timeout, tuple) else (timeout,)
    if len(parts) == (2 if isinstance(timeout, tuple) else 1) and all(
        isinstance(p, (int, float))
        and not isinstance(p, bool)
        and math.isfinite(p)
        and p > 0
        for p in parts
    ):
        return timeout  # type: ignore[return-value]
    raise ConfigurationError(
        "timeout= must be a positive number of seconds or a (connect, "
        "read) pair of them, such as (10, 30)."
    )


def _total(timeout: float | tuple[float, float]) -> float:
    """The deadline of one own call: its connect and read timeouts added."""
    if isinstance(timeout, tuple):
        return float(sum(timeout))
    return 2.0 * timeout


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
