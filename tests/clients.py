"""
One interface over the ways a user calls TMDb with our auth: requests,
httpx sync, httpx async on asyncio and httpx async on trio.

Each async call runs in a fresh event loop, which also shows one auth
object serving several loops. The timeout is a parameter (the fault matrix
needs one shorter than a delayed answer); for requests it is also the
auth's own-call timeout. ``call`` answers with the status and the body,
``request`` (and ``get``/``post``) with the URL, headers and history too.
"""

from __future__ import annotations

import json
import ssl

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
import requests

import tmdb_auth.httpx
import tmdb_auth.requests

from tmdb_auth.testing import TMDbServer


# httpx builds an SSL context per client (tens of ms); share one instead.
TLS = ssl.create_default_context()


@dataclass
class Result:
    status: int
    body: Any
    url: str = ""
    history: int = 0
    headers: dict[str, str] = field(default_factory=dict)


def _result(
    status: int, content: bytes, url: str, history: int, headers: Any
) -> Result:
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    return Result(
        status, body, url, history, {k.lower(): v for k, v in headers.items()}
    )


class Flavour:
    name = ""
    auth_class: Any = tmdb_auth.httpx.TMDbAuth

    def __init__(
        self, server: TMDbServer, *, timeout: float = 10.0, **options: Any
    ) -> None:
        options.setdefault("api_key", server.api_key)
        options.setdefault("api_url", server.url)
        self.server = server
        self.timeout = timeout
        self.auth = self._make(timeout, options)

    def _make(self, timeout: float, options: dict[str, Any]) -> Any:
        return self.auth_class(**options)

    def _url(self, path: str) -> str:
        return path if "://" in path else self.server.url + path

    def request(self, method: str, path: str, **kw: Any) -> Result:
        raise NotImplementedError

    def call(self, method: str, path: str, **kw: Any) -> Result:
        return self.request(method, path, **kw)

    def get(self, path: str, **kw: Any) -> Result:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Result:
        return self.request("POST", path, **kw)

    def logout(self) -> bool:
        raise NotImplementedError


class Requests(Flavour):
    name = "requests"
    auth_class = tmdb_auth.requests.TMDbAuth

    def _make(self, timeout: float, options: dict[str, Any]) -> Any:
        options.setdefault("timeout", timeout)
        return self.auth_class(**options)

    def request(self, method: str, path: str, **kw: Any) -> Result:
        with requests.Session() as s:
            r = s.request(
                method,
                self._url(path),
                auth=self.auth,
                timeout=self.timeout,
                **kw,
            )
        return _result(
            r.status_code, r.content, r.url, len(r.history), r.request.headers
        )

    def logout(self) -> bool:
        return bool(self.auth.logout())


class HttpxSync(Flavour):
    name = "httpx"

    def request(self, method: str, path: str, **kw: Any) -> Result:
        with httpx.Client(
            auth=self.auth, timeout=self.timeout, verify=TLS
        ) as client:
            r = client.request(method, self._url(path), **kw)
        return _result(
            r.status_code,
            r.content,
            str(r.request.url),
            len(r.history),
            r.request.headers,
        )

    def logout(self) -> bool:
        with httpx.Client(timeout=self.timeout, verify=TLS) as client:
            return bool(self.auth.logout(client))


class HttpxAsync(Flavour):
    name = "httpx-asyncio"
    backend = "asyncio"

    def _run(self, fn: Callable[[httpx.AsyncClient], Any]) -> Any:
        async def main() -> Any:
            async with httpx.AsyncClient(
                timeout=self.timeout, verify=TLS
            ) as client:
                return await fn(client)

        return anyio.run(main, backend=self.backend)

    def request(self, method: str, path: str, **kw: Any) -> Result:
        async def call(client: httpx.AsyncClient) -> Result:
            r = await client.request(
                method, self._url(path), auth=self.auth, **kw
            )
            return _result(
                r.status_code,
                r.content,
                str(r.request.url),
                len(r.history),
                r.request.headers,
            )

        return self._run(call)  # type: ignore[no-any-return]

    def logout(self) -> bool:
        return bool(self._run(self.auth.alogout))


class HttpxTrio(HttpxAsync):
    name = "httpx-trio"
    backend = "trio"


FLAVOURS: list[type[Flavour]] = [Requests, HttpxSync, HttpxAsync, HttpxTrio]
