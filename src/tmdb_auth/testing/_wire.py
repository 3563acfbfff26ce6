"""
The HTTP messages of the stand-in server, as every layer of it sees them.

Strictly private; `RecordedRequest` is re-exported by
:mod:`tmdb_auth.testing`.  The plumbing (``_http.py``) builds a
`RecordedRequest` from the bytes of a connection and writes a `Response`
back; traffic control, the control API and the TMDb application in between
only ever see these two values.
"""

from __future__ import annotations

import json

from dataclasses import dataclass, field


__all__ = [
    "HTML_TYPE",
    "JSON_TYPE",
    "RecordedRequest",
    "Response",
    "json_response",
]

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

_SECRET_FIELDS = frozenset(
    {
        "api_key",
        "session_id",
        "guest_session_id",
        "request_token",
        "access_token",
        "password",
        "authorization",
    }
)


def _mask(values: dict[str, str]) -> dict[str, str]:
    return {k: "***" if k in _SECRET_FIELDS else v for k, v in values.items()}


@dataclass(frozen=True, repr=False)
class RecordedRequest:
    """
    One request as the stand-in server received it.

    Attributes:
        method: The HTTP method, e.g. ``"GET"``.
        path: The path without the query string, e.g. ``"/3/account"``.
        query: The query parameters; for a repeated name the last value wins.
        headers: The request headers, with lower-case names.
        body: The raw request body.

    The ``repr`` masks credentials, so a failing assertion never prints
    them.

    .. versionadded:: 0.1.0
    """

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> object:
        """
        Decode the body as JSON.

        Raises:
            ValueError: The body is not JSON.
        """
        return json.loads(self.body)

    def __repr__(self) -> str:
        return (
            f"RecordedRequest(method={self.method!r}, path={self.path!r}, "
            f"query={_mask(self.query)!r}, headers={_mask(self.headers)!r}, "
            f"body=<{len(self.body)} bytes>)"
        )


@dataclass
class Response:
    """
    One HTTP response to send.  Strictly private.
    """

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(
    status: int, obj: object, headers: list[tuple[str, str]] | None = None
) -> Response:
    """
    Serialise *obj* compactly, as TMDb does.  Strictly private.
    """
    body = json.dumps(obj, separators=(",", ":")).encode()
    return Response(
        status, body, [("Content-Type", JSON_TYPE), *(headers or [])]
    )
