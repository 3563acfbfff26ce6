"""The cassettes' errors, and the requests and answers they hold."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar


__all__ = [
    "FORMAT",
    "UNKNOWN_KIND",
    "_UNRECORDED",
    "CassetteError",
    "UnmatchedRequest",
    "_Held",
    "_Request",
    "_Response",
    "_bytes",
    "_text",
]

T = TypeVar("T")

#: The version of the file format, written as ``tmdb_auth_cassette``.
FORMAT = 1
#: The kind of a secret whose kind the code that made it did not say.
UNKNOWN_KIND = "secret"
#: Response headers not recorded: the body is kept decoded and whole, and
#: its length is counted again on replay.
_UNRECORDED = frozenset(
    {"content-encoding", "content-length", "transfer-encoding"}
)


class CassetteError(Exception):
    """
    A cassette cannot be read or written, or cannot answer a request.

    .. versionadded:: 0.2.0
    """

    __module__ = "tmdb_auth.cassettes"


class UnmatchedRequest(CassetteError, LookupError):
    """
    On replay, a request that no unplayed recording of the cassette matches.

    The test made a request that the recorded run did not (or more of
    them): record the cassette again. *method* and *url* show the request
    with its secrets replaced by the cassette's placeholders.

    Attributes:
        method: The request's method.
        url: Its URL, secrets replaced by placeholders.

    .. versionadded:: 0.2.0
    """

    __module__ = "tmdb_auth.cassettes"

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


# -- what goes over the wire, held behind masked reprs ---------------------


class _Request:
    """One request as it went out, secrets included. Strictly private."""

    __slots__ = ("body", "headers", "method", "url")

    def __init__(
        self,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]],
        body: str | None,
    ) -> None:
        self.method = method.upper()
        self.url = url
        self.headers = list(headers)
        self.body = body

    @property
    def content(self) -> bytes:
        return _bytes(self.body or "")

    def __repr__(self) -> str:
        return f"<request {self.method}>"


class _Response:
    """One answer, as it came or as it is replayed. Strictly private."""

    __slots__ = ("body", "headers", "reason", "status")

    def __init__(
        self,
        status: int,
        reason: str,
        headers: Iterable[tuple[str, str]],
        body: str,
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = list(headers)
        self.body = body

    @property
    def content(self) -> bytes:
        return _bytes(self.body)

    def __repr__(self) -> str:
        return f"<response {self.status}>"


class _Held(Generic[T]):
    """
    An object behind a masked repr. Strictly private.

    An ``httpx.Request``'s repr shows its URL, ``api_key`` and all: a frame
    of ours that an error passes through holds one only in here.
    """

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<held>"


def _text(body: bytes) -> str:
    """*body* as text, any byte kept (`_bytes` gives them back)."""
    return body.decode("utf-8", "surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
