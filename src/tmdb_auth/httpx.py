"""
TMDb authentication for httpx, sync and async.

.. code-block:: python

    import httpx
    from tmdb_auth.httpx import TMDbAuth

    auth = TMDbAuth(username="ann", password=pw)
    async with httpx.AsyncClient(auth=auth) as client:
        await client.get("https://api.themoviedb.org/3/account")

Session calls are yielded through the caller's own client, so they use its
transport, proxies and certificates, and the user request's timeout. This
module imports httpx, never requests.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import json
import time

from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any, NamedTuple, Union

import httpx

from . import _protocol
from ._base import AuthCore
from ._protocol import Call, Flow, Pause, Reply, Session
from ._routes import Need, need_for
from .exceptions import TMDbConnectionError


if TYPE_CHECKING:
    import anyio


__all__ = ["TMDbAuth"]


class _Locked(NamedTuple):
    """
    Run *flow* under the process-local lock. Strictly private.

    *need* and *stale* let a waiter skip the lock once another task has
    made the session it was waiting for.
    """

    flow: Flow[Session | None]
    need: Need
    stale: Session | None = None


class _ReadBody(NamedTuple):
    """Read *response* and send its body back. Strictly private."""

    response: httpx.Response


class _LoopLocks:
    """An event loop's lock, and the event of a creation under way."""

    def __init__(self, token: object) -> None:
        import anyio  # noqa: PLC0415 -- see async_auth_flow

        self.token = token
        self.lock = anyio.Lock()
        self.made: anyio.Event | None = None


_PlanStep = Union[httpx.Request, _Locked, _ReadBody]
_Plan = Generator[_PlanStep, Any, None]


def _has_fast_urls() -> bool:
    """Whether httpx.URL keeps its parts in a ``_replace``-able tuple."""
    ref = getattr(httpx.URL("https://h/p?q=1"), "_uri_reference", None)
    return isinstance(ref, tuple) and hasattr(ref, "_replace")


_FAST_URLS = _has_fast_urls()


def _with_query(url: httpx.URL, query: str) -> httpx.URL:
    """
    *url* with its query replaced by *query* (already percent-encoded).

    Re-parsing a URL costs more than the rest of a call's auth together, so
    where httpx keeps the parsed parts (every 0.2x release), the new URL
    shares them and only the query changes.
    """
    if _FAST_URLS:
        new = httpx.URL.__new__(httpx.URL)
        new._uri_reference = url._uri_reference._replace(query=query)  # noqa: SLF001
        return new
    return url.copy_with(query=query.encode("ascii"))


class TMDbAuth(AuthCore, httpx.Auth):
    """
    TMDb authentication as an httpx auth plugin, for `httpx.Client` and
    `httpx.AsyncClient`.

    Attaches the v3 API key (``api_key`` query parameter) or the read
    access token (``Authorization: Bearer``) to requests for the TMDb API
    origin, and nothing to any other host. Calls that need a session get
    one, made on first use through the same client and cached on disk; a
    session TMDb revoked is replaced once and the call resent.

    One object can serve several clients, threads and event loops (asyncio
    or trio) at once; concurrent first uses make exactly one session.

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
            `tmdb_auth.approve_in_browser`. On an `httpx.AsyncClient` it
            runs in a worker thread.
        cache: A directory, a ``diskcache.Cache``, or None for memory only.
            Default: ``TMDB_AUTH_CACHE_DIR``, else the user cache directory.
        api_url: The API origin (default ``TMDB_API_URL``, else
            ``https://api.themoviedb.org``). Credentials go there only.

    Raises:
        ConfigurationError: A value is missing or malformed.
    """

    # -- the plan: what a call does, independent of sync or async ------

    def _plan(self, request: httpx.Request) -> _Plan:
        url = request.url
        ref = url._uri_reference  # noqa: SLF001
        if ref.host not in self._hosts or (
            (ref.scheme != self._scheme or ref.port != self._port)
            # An explicit default port that httpx kept: the exact check.
            and not self._in_scope(str(url))
        ):
            yield request
            return
        query = ref.query
        need = Need.NONE
        if self.settings.mode is not None and not (
            query and "session_id=" in query
        ):
            need = need_for(request.method, ref.path)
        session = None
        if need is not Need.NONE:
            session = self._sessions.current(need)
            if session is None:
                session = yield _Locked(self._sessions.acquire(need), need)
        self._attach(request, url, need, session)
        response = yield request
        if session is None or response.status_code != 401:
            return
        body = yield _ReadBody(response)
        if _tmdb_code(body) not in (3, 17):
            return
        if not _replayable(request):
            # httpx hands the caller the response to the last request the
            # flow yielded, so a session made now would replace the 401 with
            # our own response. Drop the session; the next call makes one.
            self._sessions.forget(session)
            return
        fresh = yield _Locked(
            self._sessions.renew(need, session), need, session
        )
        if fresh is not None:
            self._attach(request, url, need, fresh)
            yield request

    def _attach(
        self,
        request: httpx.Request,
        url: httpx.URL,
        need: Need,
        session: Session | None,
    ) -> None:
        suffix = self._suffix(need, session)
        if suffix:
            query = url._uri_reference.query  # noqa: SLF001
            request.url = _with_query(
                url, f"{query}&{suffix}" if query else suffix
            )
        else:
            request.url = url
        if self._bearer is not None:
            request.headers["Authorization"] = self._bearer

    def _build(self, call: Call, request: httpx.Request) -> httpx.Request:
        """One of our own calls, with the user request's extensions."""
        url, headers = call.target(self._origin.url, self.settings.credential)
        extensions = dict(request.extensions)
        # hishel's cache transport, by default, replays every GET whatever
        # its headers; this asks it to follow RFC 9111, so that it honours
        # our no-cache (and drops a cache key the user's request set).
        extensions["caching"] = {"rfc": True}
        return httpx.Request(
            call.method,
            url,
            json=call.json,
            headers=headers,
            extensions=extensions,
        )

    # -- the two drivers -----------------------------------------------

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Drive the plan with a thread lock and blocking reads."""
        plan = self._plan(request)
        try:
            step = next(plan)
            while True:
                if isinstance(step, httpx.Request):
                    step = plan.send((yield step))
                elif isinstance(step, _ReadBody):
                    step = plan.send(step.response.read())
                else:
                    with self._lock:
                        result = yield from self._drive(step.flow, request)
                    step = plan.send(result)
        except StopIteration:
            return
        finally:
            plan.close()

    def _drive(
        self, flow: Flow[Session | None], request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, Session | None]:
        try:
            step = next(flow)
            while True:
                if isinstance(step, Call):
                    response = yield self._build(step, request)
                    step = flow.send(_reply(response, response.read()))
                elif isinstance(step, Pause):
                    time.sleep(step.seconds)
                    step = flow.send(None)
                else:
                    step.approve(step.url)
                    step = flow.send(None)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        finally:
            flow.close()

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Drive the plan with an anyio lock, async reads and sleeps."""
        # anyio is imported here, by the first async call: most programs
        # that import this module never run one, and it costs start-up time.
        import anyio.to_thread  # noqa: PLC0415

        plan = self._plan(request)
        try:
            step = next(plan)
            while True:
                if isinstance(step, httpx.Request):
                    step = plan.send((yield step))
                    continue
                if isinstance(step, _ReadBody):
                    step = plan.send(await step.response.aread())
                    continue
                flow = step.flow
                loop = self._loop_locks()
                found = await self._made_meanwhile(loop, step)
                if found is not None:
                    flow.close()
                    step = plan.send(found)
                    continue
                result: Session | None = None
                async with loop.lock:
                    made = loop.made = anyio.Event()
                    try:
                        sub = next(flow)
                        while True:
                            if isinstance(sub, Call):
                                response = yield self._build(sub, request)
                                body = await response.aread()
                                sub = flow.send(_reply(response, body))
                            elif isinstance(sub, Pause):
                                await anyio.sleep(sub.seconds)
                                sub = flow.send(None)
                            else:
                                await anyio.to_thread.run_sync(
                                    sub.approve, sub.url
                                )
                                sub = flow.send(None)
                    except StopIteration as stop:
                        result = stop.value
                    finally:
                        flow.close()
                        loop.made = None
                        made.set()
                step = plan.send(result)
        except StopIteration:
            return
        finally:
            plan.close()

    async def _made_meanwhile(
        self, loop: _LoopLocks, step: _Locked
    ) -> Session | None:
        """
        If another task is making a session, wait for it and return it.

        Everyone waiting wakes at once, rather than taking the lock in
        turn, one event-loop pass each.
        """
        made = loop.made
        if made is None or not loop.lock.locked():
            return None
        await made.wait()
        found = self._sessions.current(step.need)
        return found if found is not None and found != step.stale else None

    def _loop_locks(self) -> _LoopLocks:
        """
        The lock (and creation event) of the running event loop.

        An anyio lock belongs to one event loop, and one auth object may
        serve several (threads each running their own, or loops run one
        after another). Each loop gets its own; across loops, threads and
        processes the store's lock keeps creation to one.
        """
        import anyio.lowlevel  # noqa: PLC0415 -- see async_auth_flow

        token = anyio.lowlevel.current_token()
        with self._guard:
            entry = self._async_locks.get(id(token))
            if entry is None or entry.token is not token:
                if len(self._async_locks) >= 16:  # bound it
                    self._async_locks.clear()
                entry = _LoopLocks(token)
                self._async_locks[id(token)] = entry
            return entry

    # -- logout --------------------------------------------------------

    def logout(self, client: httpx.Client) -> bool:
        """
        Delete the user session at TMDb, through *client*, and in the cache.

        Returns:
            Whether TMDb deleted a session (False when there was none or
            TMDb had already forgotten it).
        """

        def send(call: Call) -> Reply:
            failure = None
            try:
                response = client.request(**self._call_args(call))
            except httpx.HTTPError as exc:
                failure = type(exc).__name__
            if failure is not None:  # raised here: unchained, no URL
                raise self._unreachable(failure)
            return _reply(response, response.content)

        with self._lock:
            return bool(_protocol.run(self._sessions.logout(), send))

    async def alogout(self, client: httpx.AsyncClient) -> bool:
        """The async `logout`, through an `httpx.AsyncClient`."""
        import anyio  # noqa: PLC0415 -- see async_auth_flow

        async with self._loop_locks().lock:
            flow = self._sessions.logout()
            try:
                step = next(flow)
                while True:
                    reply = None
                    if isinstance(step, Call):
                        failure = None
                        try:
                            response = await client.request(
                                **self._call_args(step)
                            )
                        except httpx.HTTPError as exc:
                            failure = type(exc).__name__
                        if failure is not None:
                            raise self._unreachable(failure)
                        reply = _reply(response, response.content)
                    elif isinstance(step, Pause):
                        await anyio.sleep(step.seconds)
                    step = flow.send(reply)
            except StopIteration as stop:
                return bool(stop.value)
            finally:
                flow.close()

    def _unreachable(self, failure: str) -> TMDbConnectionError:
        """
        The error of a logout call that got no answer.

        Not chained to httpx's exception, whose request carries the URL
        and its api_key. (Session calls inside the auth flow cannot do
        this: httpx raises their transport errors outside the flow.)
        """
        return TMDbConnectionError(
            f"Could not reach TMDb at {self._origin.url} ({failure}); "
            "check the network and api_url=."
        )

    def _call_args(self, call: Call) -> dict[str, Any]:
        url, headers = call.target(self._origin.url, self.settings.credential)
        return {
            "method": call.method,
            "url": url,
            "json": call.json,
            "headers": headers,
            "auth": None,
        }


def _reply(response: httpx.Response, body: bytes) -> Reply:
    return Reply(
        response.status_code,
        {k.lower(): v for k, v in response.headers.items()},
        body,
    )


def _tmdb_code(body: bytes) -> object:
    try:
        found = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: a body nested deeper than the recursion limit.
        return None
    return found.get("status_code") if isinstance(found, dict) else None


def _replayable(request: httpx.Request) -> bool:
    """Whether the body can be sent again: bytes, not a one-shot stream."""
    return isinstance(request.stream, httpx.ByteStream)
