"""The requests transport adapters that record and replay."""

from __future__ import annotations

import io

from collections.abc import Iterable, Mapping
from typing import Any

import requests
import urllib3

from requests.adapters import BaseAdapter
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from ._tape import _Tape
from ._wire import _UNRECORDED, _Request, _Response, _text


__all__ = ["_RecordingAdapter", "_ReplayAdapter", "_recorded"]

# -- requests ------------------------------------------------------------------


class _RecordingAdapter(BaseAdapter):
    """Sends through another adapter, and records. Strictly private."""

    def __init__(self, tape: _Tape, inner: BaseAdapter) -> None:
        super().__init__()
        self._tape = tape
        self._inner = inner

    def send(  # noqa: PLR0917 -- requests' adapter signature
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        response = self._inner.send(
            request,
            stream=stream,
            timeout=timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )
        content = response.content  # read whole now, for the cassette
        # A resend from a response hook (HTTPDigestAuth's, the plugin's on
        # a revoked session) goes through r.connection: through this one.
        response.connection = self  # type: ignore[assignment]  # duck-typed: send()
        raw_headers = (
            getattr(response.raw, "headers", None) or response.headers
        )
        self._tape.record(
            _prepared(request),
            _Response(
                response.status_code,
                response.reason or "",
                _recorded(raw_headers.items()),
                _text(content),
            ),
        )
        return response

    def close(self) -> None:
        self._inner.close()


class _ReplayAdapter(BaseAdapter):
    """Answers from the cassette; never opens a socket. Strictly private."""

    def __init__(self, tape: _Tape, unused: BaseAdapter | None) -> None:
        super().__init__()
        self._tape = tape
        self._unused = unused

    def send(  # noqa: PLR0917 -- requests' adapter signature
        self,
        request: requests.PreparedRequest,
        stream: bool = False,  # noqa: ARG002 -- the adapter's signature
        timeout: Any = None,  # noqa: ARG002
        verify: bool | str = True,  # noqa: ARG002
        cert: Any = None,  # noqa: ARG002
        proxies: Mapping[str, str] | None = None,  # noqa: ARG002
    ) -> requests.Response:
        answer = self._tape.play(_prepared(request))
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(answer.content),
            headers=urllib3.HTTPHeaderDict(answer.headers),
            status=answer.status,
            reason=answer.reason,
            preload_content=False,
            decode_content=False,
        )
        # What HTTPAdapter.build_response does with a urllib3 response.
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(raw.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = raw
        response.reason = answer.reason
        response.url = str(request.url)
        extract_cookies_to_jar(response.cookies, request, raw)  # type: ignore[no-untyped-call]
        response.request = request
        response.connection = self  # type: ignore[assignment]  # duck-typed: send()
        return response

    def close(self) -> None:
        if self._unused is not None:
            self._unused.close()


def _prepared(request: requests.PreparedRequest) -> _Request:
    body = request.body
    return _Request(
        request.method or "GET",
        str(request.url),
        request.headers.items(),
        # A str body goes out as UTF-8; a stream is not kept.
        body
        if isinstance(body, str)
        else _text(body)
        if isinstance(body, bytes)
        else None,
    )


def _recorded(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() not in _UNRECORDED]
