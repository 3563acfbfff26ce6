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

import contextlib
import time

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import httpx

from ._auth import AuthCore
from ._errors import access_gone, session_gone
from ._httpx_calls import HttpxCalls
from ._routes import NONE, V4_USER, Need
from ._steps import (
    Call,
    Flow,
    Guard,
    Pause,
    Reply,
    Steps,
    own_reply,
    run,
    unreachable,
)
from ._values import AccessToken, Session
from .exceptions import RedirectRefused


if TYPE_CHECKING:
    import anyio


__all__ = ["TMDbAuth"]

T = TypeVar("T")
#: The deadline of one own call when the request has no timeout.
_DEFAULT_DEADLINE = 60.0


class _Locked(NamedTuple):
    """
    Run *flow* under the process-local lock. Strictly private.

    *need* and *stale* let a waiter skip the lock once another task has
    made the session it was waiting for.
    """

    flow: Flow[Session | AccessToken | None]
    need: Need
    stale: Session | AccessToken | None = None


class _ReadBody(NamedTuple):
    """Read *response* and send its body back. Strictly private."""

    response: httpx.Response


#: A session route attached with the session in memory: its URL as it came,
#: query, need and session. A plain tuple: a NamedTuple's construction
#: would cost a tenth of a call's budget.
_Sent = tuple[httpx.URL, str, Need, Session | AccessToken]


class _LoopLocks:
    """An event loop's lock, and the event of a creation under way."""

    def __init__(self) -> None:
        import anyio  # noqa: PLC0415 -- see async_auth_flow

        self.lock = anyio.Lock()
        self.made: anyio.Event | None = None

    @contextlib.contextmanager
    def making(self) -> Iterator[None]:
        """While a session is made: the event its waiters wait for."""
        import anyio  # noqa: PLC0415 -- see async_auth_flow

        event = self.made = anyio.Event()
        try:
            yield
        finally:
            self.made = None
            event.set()


_PlanStep = httpx.Request | _Locked | _ReadBody
_Plan = Generator[_PlanStep, Any, None]


# -- httpx internals, each behind a capability check ------------------------


def _has_fast_urls() -> bool:
    """Whether httpx.URL keeps its parts in a ``_replace``-able tuple."""
    ref = getattr(httpx.URL("https://h/p?q=1"), "_uri_reference", None)
    return (
        isinstance(ref, tuple)
        and hasattr(ref, "_replace")
        and all(
            hasattr(ref, name) for name in ("scheme", "host", "port", "query")
        )
    )


def _has_fillable_responses() -> bool:
    """Whether a read httpx.Response keeps its body in ``_content``."""
    response = httpx.Response(200, content=b"x")
    return getattr(response, "_content", None) == b"x"


_FAST_URLS = _has_fast_urls()
_FILLABLE = _has_fillable_responses()


def _parts(url: httpx.URL) -> tuple[str, str, int | None, str, str]:
    """
    Scheme, host, port (None if default), path and query of *url*, the
    path and query as sent (percent-encoded).
    """
    if _FAST_URLS:
        ref = url._uri_reference  # noqa: SLF001
        return ref.scheme, ref.host, ref.port, ref.path, ref.query or ""
    return (
        url.scheme,
        url.host,
        url.port,
        url.raw_path.split(b"?", 1)[0].decode("ascii"),
        url.query.decode("ascii"),
    )


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


def _fill(response: httpx.Response, chunks: list[bytes]) -> bytes:
    """Keep what was read as the body, as ``response.read()`` would."""
    content = b"".join(chunks)
    response._content = content  # noqa: SLF001
    return content


class _OwnBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """
    The body of one of our own calls: it can be sent once.

    httpx re-sends a body on a followed 307 or 308, even to another host,
    whatever the auth flow wants; this body refuses to go a second time.
    """

    def __init__(self, content: bytes) -> None:
        self._content: bytes | None = content

    def _take(self) -> bytes:
        content, self._content = self._content, None
        if content is None:
            raise RedirectRefused(
                "TMDb redirected one of tmdb-auth's own calls, which is "
                "never followed: check api_url= and any proxy on the way."
            )
        return content

    def __iter__(self) -> Iterator[bytes]:
        yield self._take()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._take()


def _deadline(request: httpx.Request) -> float:
    """When one own call made for *request* must have its whole answer."""
    return _deadline_of(request.extensions.get("timeout"))


def _deadline_of(timeout: object) -> float:
    """The deadline for an httpx timeout dict: connect and read added."""
    total = _DEFAULT_DEADLINE
    if isinstance(timeout, dict):
        connect, read = timeout.get("connect"), timeout.get("read")
        if isinstance(connect, (int, float)) and isinstance(
            read, (int, float)
        ):
            total = float(connect + read)
    return time.monotonic() + total


class TMDbAuth(AuthCore, HttpxCalls, httpx.Auth):
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

    Raises:
        ConfigurationError: A value is missing or malformed.
    """

    # -- the plan: what a call does, independent of sync or async ------

    def _begin(self, request: httpx.Request) -> _Sent | _Plan | None:
        """
        Attach what *request* needs when nothing must be made: None then,
        or the `_Sent` of a session route (its response may say the session
        is gone). Otherwise, the plan that makes what it needs.
        """
        url = request.url
        scheme, host, port, path, query = _parts(url)
        if host not in self._hosts or (
            (scheme != self._scheme or port != self._port)
            # An explicit default port that httpx kept: the exact check.
            and not self._in_scope(str(url))
        ):
            return None
        if (
            "account" not in path
            and "rating" not in path
            and "/list" not in path
        ):
            need = NONE  # a read call: most are (see _routes)
        else:
            need = self._need(request.method, path, query)
        if need is NONE:
            self._attach(request, url, query, NONE, None)
            return None
        held = self._held(need)
        if held is None:
            return self._plan(request, url, query, need)
        self._attach(request, url, query, need, held)
        return (url, query, need, held)

    def _held(self, need: Need) -> Session | AccessToken | None:
        """What *need* travels with, if it is in memory (and alive)."""
        if need is V4_USER:
            return self._sessions.access
        return self._sessions.current(need)

    def _plan(
        self, request: httpx.Request, url: httpx.URL, query: str, need: Need
    ) -> _Plan:
        """Make (or find) what *request* needs, then send it."""
        sessions = self._sessions
        made = yield _Locked(
            sessions.v4_access()
            if need is V4_USER
            else sessions.acquire(need),
            need,
        )
        self._attach(request, url, query, need, made)
        response = yield request
        if made is not None:
            yield from self._recovery(
                request, (url, query, need, made), response
            )

    def _recovery(
        self, request: httpx.Request, sent: _Sent, response: httpx.Response
    ) -> _Plan:
        """
        After the response to a call that carried a session (or a v4
        access token): if TMDb says it is gone, renew it and resend.
        """
        # Only the origin's own answer counts: a 401 that came from another
        # host after a redirect is the user's response, never a revocation.
        if response.status_code != 401 or response.request is not request:
            return
        url, query, need, held = sent
        body = yield _ReadBody(response)
        v4 = isinstance(held, AccessToken)
        if not (access_gone(401, body) if v4 else session_gone(401, body)):
            return
        request.url = url
        if not isinstance(request.stream, httpx.ByteStream):
            # httpx hands the caller the response to the last request the
            # flow yielded, so one made now would replace the 401 with our
            # own response. Drop what is gone; the next call makes one.
            self._sessions.forget(held)
            return
        renew = (
            self._sessions.renew_v4(held)
            if isinstance(held, AccessToken)
            else self._sessions.renew(need, held)
        )
        fresh = yield _Locked(renew, need, held)
        if fresh is not None:
            self._attach(request, url, query, need, fresh)
            yield request

    def _attach(
        self,
        request: httpx.Request,
        url: httpx.URL,
        query: str,
        need: Need,
        held: Session | AccessToken | None,
    ) -> None:
        if isinstance(held, AccessToken):  # a v4 call acting for the user
            request.url = url
            request.headers["Authorization"] = f"Bearer {held.access_token}"
            return
        if held is None:
            suffix = self._query
        elif (cached := self._suffixes.get(need)) and cached[0] is held:
            suffix = cached[1]  # the hot path: no call
        else:
            suffix = self._suffix(need, held)
        if suffix:
            request.url = _with_query(
                url, f"{query}&{suffix}" if query else suffix
            )
        else:
            request.url = url
        if self._bearer is not None:
            request.headers["Authorization"] = self._bearer

    def _build(self, call: Call, request: httpx.Request) -> httpx.Request:
        """One of our own calls, with the user request's extensions."""
        extensions = dict(request.extensions)
        # hishel's cache transport, by default, replays every GET whatever
        # its headers; this asks it to follow RFC 9111, so that it honours
        # our no-cache (and drops a cache key the user's request set).
        extensions["caching"] = {"rfc": True}
        return self._request(call, extensions)

    def _request(
        self, call: Call, extensions: dict[str, Any] | None = None
    ) -> httpx.Request:
        """*call* as an httpx.Request, its body sendable once."""
        request = httpx.Request(
            **call.wire(self._origin.url, self.settings.credential),
            json=call.body(),
            extensions=extensions,
        )
        if call.json is not None:
            # The same bytes (and the Host and Content-Length headers that
            # httpx worked out), in a stream that goes once.
            request.stream = _OwnBody(request.read())
        return request

    # -- the two drivers -----------------------------------------------

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach what the call needs; first make, under a thread lock, what
        must be made."""
        url = request.url
        begun = self._begin(request)
        try:
            if begun is None or isinstance(begun, tuple):
                # The hot path: nothing to make, no generator but this one.
                response = yield request
                if begun is None or response.status_code != 401:
                    return
                begun = self._recovery(request, begun, response)
            with Steps(begun) as plan:
                for step in plan:
                    if isinstance(step, httpx.Request):
                        plan.answer((yield step))
                    elif isinstance(step, _ReadBody):
                        plan.answer(step.response.read())
                    else:
                        with self._lock:
                            made = yield from self._drive(step.flow, request)
                        plan.answer(made)
        except BaseException:
            # The request leaves as it came: its repr shows its URL, and
            # error reporters show the frames that hold it.
            request.url = url
            raise

    def _drive(
        self, flow: Flow[T], request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, T]:
        """Walk *flow*, its calls yielded through the user's client."""
        with Steps(flow) as steps:
            for step in steps:
                if isinstance(step, Call):
                    deadline = _deadline(request)
                    own = self._build(step, request)
                    sent = id(own)  # not the request: its repr shows the URL
                    response = yield own
                    del own
                    body = self._read(response, deadline)
                    steps.answer(_own(response, body, sent))
                elif isinstance(step, Pause):
                    time.sleep(step.seconds)
                else:
                    step.approve(step.url.reveal())
        return steps.result

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Attach what the call needs; first make, under an anyio lock, what
        must be made."""
        url = request.url
        begun = self._begin(request)
        try:
            if begun is None or isinstance(begun, tuple):
                response = yield request  # the hot path, as in sync
                if begun is None or response.status_code != 401:
                    return
                begun = self._recovery(request, begun, response)
            walk = self._awalk(begun, request)
            try:
                # What ``yield from`` does, which an async generator cannot,
                # with no local holding what goes by: our own calls carry
                # the credential, and error reporters show locals.
                step = anext(walk)
                while True:
                    step = walk.asend((yield await step))
            except StopAsyncIteration:
                pass
            finally:
                await walk.aclose()
        except BaseException:
            request.url = url  # the request leaves as it came (see sync)
            raise

    async def _awalk(
        self, begun: _Plan, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Walk *begun* with an anyio lock, async reads and sleeps."""
        # anyio is imported here, by the first call that makes something:
        # most programs that import this module never run one, and it
        # costs start-up time.
        import anyio.to_thread  # noqa: PLC0415

        with Steps(begun) as plan:
            for step in plan:
                if isinstance(step, httpx.Request):
                    plan.answer((yield step))
                    continue
                if isinstance(step, _ReadBody):
                    plan.answer(await step.response.aread())
                    continue
                made = await self._made_meanwhile(step)
                loop = self._loop_locks()
                if made is None:
                    async with loop.lock:
                        made = self._fresh(step)
                        if made is None:
                            with loop.making(), Steps(step.flow) as steps:
                                # The flow's steps run in a worker thread:
                                # they read and write the store, which
                                # must not block the event loop. (An
                                # async generator cannot delegate with
                                # yield from.)
                                while sub := await anyio.to_thread.run_sync(
                                    steps.advance
                                ):
                                    if isinstance(sub, Call):
                                        deadline = _deadline(request)
                                        own = self._build(sub, request)
                                        sent = id(own)
                                        response = yield own
                                        del own
                                        body = await self._aread(
                                            response, deadline
                                        )
                                        steps.answer(
                                            _own(response, body, sent)
                                        )
                                    elif isinstance(sub, Pause):
                                        await anyio.sleep(sub.seconds)
                                    else:
                                        await anyio.to_thread.run_sync(
                                            sub.approve, sub.url.reveal()
                                        )
                            made = steps.result
                plan.answer(made)

    def _fresh(self, step: _Locked) -> Session | AccessToken | None:
        """What another caller made for *step* meanwhile, if anything."""
        found = self._held(step.need)
        return found if found is not None and found != step.stale else None

    async def _made_meanwhile(
        self, step: _Locked
    ) -> Session | AccessToken | None:
        """
        If another task is making a session, wait for it and return it.

        Everyone waiting wakes at once, rather than taking the lock in
        turn, one event-loop pass each.
        """
        made = self._loop_locks().made
        if made is None:
            return None
        await made.wait()
        return self._fresh(step)

    def _loop_locks(self) -> _LoopLocks:
        """
        The lock (and creation event) of the running event loop.

        An anyio lock belongs to one event loop, and one auth object may
        serve several (threads each running their own, or loops run one
        after another). Each loop gets its own, keyed by anyio's token for
        the loop (equal, though not always identical, on each call); across
        loops, threads and processes the store's lock keeps creation to one.
        """
        import anyio.lowlevel  # noqa: PLC0415 -- see async_auth_flow

        token = anyio.lowlevel.current_token()
        with self._guard:
            entry = self._async_locks.get(token)
            if entry is None:
                if len(self._async_locks) >= 16:  # bound it
                    self._async_locks.clear()
                entry = self._async_locks[token] = _LoopLocks()
            return entry

    # -- logout --------------------------------------------------------

    def logout(self, client: httpx.Client) -> bool:
        """
        Delete the user session at TMDb, through *client*, and in the cache.

        Returns:
            Whether TMDb deleted a session (False when there was none or
            TMDb had already forgotten it).
        """
        with self._lock:
            return run(
                self._sessions.logout(), lambda c: self._call(client, c)
            )

    async def alogout(self, client: httpx.AsyncClient) -> bool:
        """The async `logout`, through an `httpx.AsyncClient`."""
        async with self._loop_locks().lock:
            return await self._arun(self._sessions.logout(), client)

    def _call(self, client: httpx.Client, call: Call) -> Reply:
        """One own call sent on its own through *client*, never redirected."""
        timeout = client.timeout.as_dict()
        deadline = _deadline_of(timeout)
        guard = Guard(self._origin.url, httpx.HTTPError)
        with guard:
            response = client.send(
                self._request(call, {"timeout": timeout}),
                auth=None,
                follow_redirects=False,
                stream=True,
            )
            try:
                body = self._read(response, deadline)
            finally:
                response.close()
        guard.check()
        return _own(response, body, id(response.request))

    async def _acall(self, client: httpx.AsyncClient, call: Call) -> Reply:
        """The async `_call`."""
        timeout = client.timeout.as_dict()
        deadline = _deadline_of(timeout)
        guard = Guard(self._origin.url, httpx.HTTPError)
        with guard:
            response = await client.send(
                self._request(call, {"timeout": timeout}),
                auth=None,
                follow_redirects=False,
                stream=True,
            )
            try:
                body = await self._aread(response, deadline)
            finally:
                await response.aclose()
        guard.check()
        return _own(response, body, id(response.request))

    def _read(self, response: httpx.Response, deadline: float) -> bytes:
        """
        The body of an own call's *response*, whole before *deadline*.

        A server that drips its answer a byte at a time never trips a read
        timeout, which applies to each read; this bounds the whole body.
        """
        if not _FILLABLE:
            return response.read()
        chunks = []
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            if time.monotonic() > deadline:
                response.close()
                raise self._too_slow()
        return _fill(response, chunks)

    async def _aread(self, response: httpx.Response, deadline: float) -> bytes:
        """The async `_read`."""
        if not _FILLABLE:
            return await response.aread()
        chunks = []
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            if time.monotonic() > deadline:
                await response.aclose()
                raise self._too_slow()
        return _fill(response, chunks)

    def _too_slow(self) -> Exception:
        return unreachable(self._origin.url, "its answer came too slowly")

    async def _arun(self, flow: Flow[T], client: httpx.AsyncClient) -> T:
        """Walk *flow* with its calls sent through *client*, off the loop."""
        import anyio.to_thread  # noqa: PLC0415 -- see async_auth_flow

        with Steps(flow) as steps:
            # Each step runs in a worker thread: the flow reads and writes
            # the store, which must not block the event loop.
            while step := await anyio.to_thread.run_sync(steps.advance):
                if isinstance(step, Call):
                    steps.answer(await self._acall(client, step))
                elif isinstance(step, Pause):
                    await anyio.sleep(step.seconds)
                else:
                    await anyio.to_thread.run_sync(
                        step.approve, step.url.reveal()
                    )
        return steps.result


def _own(response: httpx.Response, body: bytes, sent: int) -> Reply:
    """
    The reply to an own call; a redirect, followed or not, is refused.

    A followed redirect shows as a response to another request than the
    one sent, whose id is *sent* (``history`` also holds the auth flow's
    earlier responses, so it cannot tell). The request that was sent is
    still referenced by the redirect's response, so its id is not reused.
    """
    return own_reply(
        response.status_code,
        response.headers.multi_items(),
        body,
        redirected=id(response.request) != sent,
    )
