"""The httpx transports (sync and async) that record and replay."""

from __future__ import annotations

import httpx

from ._requests import _recorded
from ._tape import _Tape
from ._wire import CassetteError, _Held, _Request, _Response, _text


__all__ = [
    "_AsyncRecordingTransport",
    "_AsyncReplayTransport",
    "_RecordingTransport",
    "_ReplayTransport",
]

# -- httpx ---------------------------------------------------------------------


def _forwarded(request: httpx.Request, body: bytes) -> httpx.Request:
    """
    A copy of *request* with its body read, for the transport underneath.

    The user's request keeps its consumed stream: a body that refuses to be
    sent twice (the plugin's own calls, on a redirect) still refuses.
    """
    return httpx.Request(
        request.method,
        request.url,
        headers=request.headers,
        content=body,
        extensions=request.extensions,
    )


def _httpx_request(request: httpx.Request, body: bytes) -> _Request:
    return _Request(
        request.method,
        str(request.url),
        request.headers.multi_items(),
        _text(body),
    )


def _httpx_answer(
    response: httpx.Response, raw: bytes
) -> tuple[_Response, httpx.Response]:
    """What to record of *response*, and the response to hand back."""
    decoded = httpx.Response(
        response.status_code, headers=response.headers, content=raw
    )
    recorded = _Response(
        response.status_code,
        response.reason_phrase,
        _recorded(response.headers.multi_items()),
        _text(decoded.read()),
    )
    return recorded, httpx.Response(
        response.status_code,
        headers=response.headers,
        content=raw,
        extensions=response.extensions,
    )


def _httpx_reply(answer: _Response) -> httpx.Response:
    return httpx.Response(
        answer.status,
        headers=answer.headers,
        content=answer.content,
        extensions={
            "reason_phrase": answer.reason.encode("ascii", "replace"),
            "http_version": b"HTTP/1.1",
        },
    )


def _sync_read(stream: httpx.SyncByteStream | httpx.AsyncByteStream) -> bytes:
    if not isinstance(stream, httpx.SyncByteStream):
        raise CassetteError("An httpx.Client needs Cassette.transport().")
    return b"".join(stream)


async def _async_read(
    stream: httpx.SyncByteStream | httpx.AsyncByteStream,
) -> bytes:
    if not isinstance(stream, httpx.AsyncByteStream):
        raise CassetteError(
            "An httpx.AsyncClient needs Cassette.async_transport()."
        )
    return b"".join([chunk async for chunk in stream])


class _RecordingTransport(httpx.BaseTransport):
    """Sends through another transport, and records. Strictly private."""

    def __init__(self, tape: _Tape, inner: httpx.BaseTransport) -> None:
        self._tape = tape
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        held = _Held(request)
        del request  # see _Held
        out = _httpx_request(held.value, _sync_read(held.value.stream))
        held.value = _forwarded(held.value, out.content)
        response = self._inner.handle_request(held.value)
        try:
            raw = _sync_read(response.stream)
        finally:
            response.close()
        recorded, handed = _httpx_answer(response, raw)
        self._tape.record(out, recorded)
        return handed

    def close(self) -> None:
        self._inner.close()


class _AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """The async twin of `_RecordingTransport`. Strictly private."""

    def __init__(self, tape: _Tape, inner: httpx.AsyncBaseTransport) -> None:
        self._tape = tape
        self._inner = inner

    async def handle_async_request(
        self, request: httpx.Request
    ) -> httpx.Response:
        held = _Held(request)
        del request  # see _Held
        out = _httpx_request(held.value, await _async_read(held.value.stream))
        held.value = _forwarded(held.value, out.content)
        response = await self._inner.handle_async_request(held.value)
        try:
            raw = await _async_read(response.stream)
        finally:
            await response.aclose()
        recorded, handed = _httpx_answer(response, raw)
        self._tape.record(out, recorded)
        return handed

    async def aclose(self) -> None:
        await self._inner.aclose()


class _ReplayTransport(httpx.BaseTransport):
    """Answers from the cassette; never opens a socket. Strictly private."""

    def __init__(
        self, tape: _Tape, unused: httpx.BaseTransport | None
    ) -> None:
        self._tape = tape
        self._unused = unused

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        held = _Held(request)
        del request  # see _Held
        seen = _httpx_request(held.value, _sync_read(held.value.stream))
        return _httpx_reply(self._tape.play(seen))

    def close(self) -> None:
        if self._unused is not None:
            self._unused.close()


class _AsyncReplayTransport(httpx.AsyncBaseTransport):
    """The async twin of `_ReplayTransport`. Strictly private."""

    def __init__(
        self, tape: _Tape, unused: httpx.AsyncBaseTransport | None
    ) -> None:
        self._tape = tape
        self._unused = unused

    async def handle_async_request(
        self, request: httpx.Request
    ) -> httpx.Response:
        held = _Held(request)
        del request  # see _Held
        seen = _httpx_request(held.value, await _async_read(held.value.stream))
        return _httpx_reply(self._tape.play(seen))

    async def aclose(self) -> None:
        if self._unused is not None:
            await self._unused.aclose()
