"""
The steps a flow yields, and the loop that walks a flow.

Strictly private. A flow (see `._protocol`) is a generator in the style of
``httpx.Auth.auth_flow``: it yields *steps* — `Call` to send over HTTP,
`Pause` to wait, `Approve` to hand the approval URL to the person — and
receives a `Reply` for each `Call`. `Steps` walks one; each driver (requests,
httpx sync and async, the explicit calls) only says how it performs a step.
"""

from __future__ import annotations

import time

from collections.abc import Callable, Generator, Iterable, Mapping
from types import MappingProxyType, TracebackType
from typing import Any, Generic, NamedTuple, Self, TypeVar
from urllib.parse import urlencode

from ._config import Credential
from ._secret import Secret, reveal
from .exceptions import RedirectRefused, TMDbConnectionError


__all__ = [
    "Approve",
    "Call",
    "Flow",
    "Guard",
    "Pause",
    "Reply",
    "Step",
    "Steps",
    "own_reply",
    "run",
    "unreachable",
]

T = TypeVar("T")
S = TypeVar("S")
A = TypeVar("A")

#: What the plugin's own calls say they accept, and that an HTTP cache on
#: the way (requests-cache, hishel, a proxy) must not replay a session or
#: request token (no-cache) nor keep one (no-store, which hishel ignores).
#: No space: requests-cache 1.3 rewrites "a, b" into an invalid value.
_HEADERS = {"Accept": "application/json", "Cache-Control": "no-cache,no-store"}


class Call(NamedTuple):
    """
    An HTTP request for the driver to send to the API origin.

    Secret values in *params* and *json* are `Secret`s, revealed only by
    `target` and `body`, which the drivers call inline where they write
    the request.
    """

    method: str
    path: str
    params: Mapping[str, str | Secret] = MappingProxyType({})
    json: Mapping[str, str | Secret] | None = None
    #: A Bearer token to send instead of the application credential (the
    #: read token for v4's auth calls, a user's access token for v4 calls).
    bearer: Secret | None = None

    def __repr__(self) -> str:
        return f"Call({self.method!r}, {self.path!r})"

    def target(
        self, origin: str, credential: Credential
    ) -> tuple[str, dict[str, str]]:
        """The full URL and the headers, the credential attached."""
        params = {k: reveal(v) for k, v in self.params.items()}
        headers = dict(_HEADERS)
        if self.bearer is not None:
            headers["Authorization"] = f"Bearer {self.bearer.reveal()}"
        elif credential.kind == "api_key":
            params["api_key"] = credential.value.reveal()
        else:
            headers["Authorization"] = f"Bearer {credential.value.reveal()}"
        query = urlencode(params)
        return f"{origin}{self.path}{'?' if query else ''}{query}", headers

    def wire(self, origin: str, credential: Credential) -> dict[str, Any]:
        """``method``, ``url`` and ``headers`` keywords for an HTTP library."""
        url, headers = self.target(origin, credential)
        return {"method": self.method, "url": url, "headers": headers}

    def body(self) -> dict[str, str] | None:
        """The JSON body, secrets revealed."""
        if self.json is None:
            return None
        return {k: reveal(v) for k, v in self.json.items()}


class Reply:
    """
    What came back: status, headers (lower-case names) and body.

    Not a tuple: its body may hold a session id, and error reporters show
    an object by its repr, which says only the status and the size.
    """

    __slots__ = ("body", "headers", "status")

    def __init__(
        self, status: int, headers: Mapping[str, str], body: bytes
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @classmethod
    def of(
        cls, status: int, headers: Iterable[tuple[str, str]], body: bytes
    ) -> Reply:
        """A reply from an HTTP library's status, header pairs and body."""
        return cls(status, {k.lower(): v for k, v in headers}, body)

    def __repr__(self) -> str:
        return f"Reply({self.status}, {len(self.body)} bytes)"


class Pause(NamedTuple):
    """Wait this many seconds, then resume the flow with None."""

    seconds: float


class Approve(NamedTuple):
    """Hand *url* to the approve callable, then resume the flow with None."""

    approve: Callable[[str], object]
    url: Secret

    def __repr__(self) -> str:
        return "Approve(…)"


Step = Call | Pause | Approve
Flow = Generator[Step, Reply | None, T]


class Steps(Generic[S, A, T]):
    """
    Walk a flow: iterate for its steps, `answer` each one that wants it.

    Used as a context manager, it closes the flow however the walk ends,
    so that the flow's ``finally`` blocks (lock releases) always run. Its
    return value is `result` once the iteration is over.
    """

    def __init__(self, flow: Generator[S, A | None, T]) -> None:
        self._flow = flow
        self._answer: A | None = None
        self.result: T

    def __iter__(self) -> Steps[S, A, T]:
        return self

    def __next__(self) -> S:
        answer, self._answer = self._answer, None
        try:
            return self._flow.send(answer)
        except StopIteration as stop:
            self.result = stop.value
            raise StopIteration from None

    def advance(self) -> S | None:
        """
        The next step, or None at the end: for drivers that cannot let
        StopIteration through (a worker thread's future cannot hold it).
        """
        try:
            return self.__next__()
        except StopIteration:
            return None

    def answer(self, value: A) -> None:
        """What the step just taken gave (the reply to a `Call`)."""
        self._answer = value

    def __enter__(self) -> Steps[S, A, T]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._flow.close()


def run(
    flow: Flow[T],
    send: Callable[[Call], Reply],
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """
    Drive *flow* to its end, synchronously.

    *send* performs one `Call`; a `Pause` sleeps; an `Approve` calls the
    approve callable in this thread.
    """
    with Steps(flow) as steps:
        for step in steps:
            if isinstance(step, Call):
                steps.answer(send(step))
            elif isinstance(step, Pause):
                sleep(step.seconds)
            else:
                step.approve(step.url.reveal())
    return steps.result


class Guard:
    """
    Turn an HTTP library's errors into `TMDbConnectionError`, unchained.

    The library's exception carries the URL with its api_key, so it must
    be neither the error's ``__cause__`` nor its ``__context__``: the guard
    swallows it in ``__exit__``, and `check` raises ours afterwards,
    outside any ``except`` block::

        guard = Guard(origin, requests.RequestException)
        with guard:
            response = http.request(...)
        guard.check()
    """

    def __init__(self, origin: str, *errors: type[BaseException]) -> None:
        self._origin = origin
        self._errors = errors
        self.failure: str | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None or not isinstance(exc, self._errors):
            return False
        self.failure = type(exc).__name__
        return True

    def check(self) -> None:
        """Raise `TMDbConnectionError` if the block failed."""
        if self.failure is not None:
            raise unreachable(self._origin, self.failure)


def unreachable(origin: str, failure: str) -> TMDbConnectionError:
    """
    The error of one of our calls that got no (timely) answer.

    Raised outside the ``except`` block that saw the HTTP library's error,
    whose message and request carry the URL and its api_key: so it has no
    ``__cause__`` nor ``__context__``.
    """
    return TMDbConnectionError(
        f"Could not reach TMDb at {origin} ({failure}); check the network "
        "and api_url=."
    )


def elapsed(since: float) -> float:
    """Seconds on the monotonic clock since *since*."""
    return time.monotonic() - since


def own_reply(
    status: int,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    redirected: bool = False,
) -> Reply:
    """
    The `Reply` to one of our own calls, unless it was redirected.

    TMDb never redirects its authentication calls; a redirect means a
    misconfigured origin or something in the way, and following it would
    hand bodies with passwords, request tokens and session ids to another
    host. *redirected*: the HTTP library followed one already.
    """
    reply = Reply.of(status, headers, body)
    if redirected or (300 <= status < 400 and "location" in reply.headers):
        raise RedirectRefused(
            f"TMDb answered one of tmdb-auth's own calls with a redirect "
            f"(HTTP {status}), which is never followed: check api_url= and "
            "any proxy on the way.",
            http_status=status,
        )
    return reply
