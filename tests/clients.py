"""
One interface over the three ways a user calls TMDb with our auth.

The behavioural tests run once per flavour: requests, httpx sync, httpx
async on asyncio and httpx async on trio (each async call in a fresh event
loop, which also shows one auth object serving several loops).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import requests

import tmdb_auth.httpx
import tmdb_auth.requests

from tmdb_auth.testing import TMDbServer


@dataclass
class Result:
    status: int
    body: Any
    url: str
    history: int
    headers: dict[str, str]


class Flavour:
    name: str
    auth_class: Any

    def __init__(self, server: TMDbServer, **options: Any) -> None:
        options.setdefault("api_key", server.api_key)
        options.setdefault("api_url", server.url)
        self.server = server
        self.auth = self.auth_class(**options)

    def request(self, method: str, path: str, **kw: Any) -> Result:
        raise NotImplementedError

    def get(self, path: str, **kw: Any) -> Result:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Result:
        return self.request("POST", path, **kw)

    def logout(self) -> bool:
        raise NotImplementedError


def _result(
    status: int, content: bytes, url: str, history: int, headers: Any
) -> Result:
    try:
        body = __import__("json").loads(content)
    except ValueError:
        body = None
    return Result(
        status, body, url, history, {k.lower(): v for k, v in headers.items()}
    )


class Requests(Flavour):
    name = "requests"
    auth_class = tmdb_auth.requests.TMDbAuth

    def __init__(self, server: TMDbServer, **options: Any) -> None:
        super().__init__(server, **options)
        self.session = requests.Session()
        self.session.auth = self.auth

    def request(self, method: str, path: str, **kw: Any) -> Result:
        url = path if "://" in path else self.server.url + path
        r = self.session.request(method, url, timeout=10, **kw)
        return _result(
            r.status_code, r.content, r.url, len(r.history), r.request.headers
        )

    def logout(self) -> bool:
        return bool(self.auth.logout())


class HttpxSync(Flavour):
    name = "httpx"
    auth_class = tmdb_auth.httpx.TMDbAuth

    def request(self, method: str, path: str, **kw: Any) -> Result:
        url = path if "://" in path else self.server.url + path
        with httpx.Client(auth=self.auth, timeout=10) as client:
            r = client.request(method, url, **kw)
        return _result(
            r.status_code,
            r.content,
            str(r.request.url),
            len(r.history),
            r.request.headers,
        )

    def logout(self) -> bool:
        with httpx.Client(timeout=10) as client:
            return self.auth.logout(client)  # type: ignore[no-any-return]


class HttpxAsync(Flavour):
    name = "httpx-asyncio"
    auth_class = tmdb_auth.httpx.TMDbAuth
    backend = "asyncio"

    def _run(self, fn: Callable[[httpx.AsyncClient], Any]) -> Any:
        async def main() -> Any:
            async with httpx.AsyncClient(timeout=10) as client:
                return await fn(client)

        return anyio.run(main, backend=self.backend)

    def request(self, method: str, path: str, **kw: Any) -> Result:
        url = path if "://" in path else self.server.url + path

        async def call(client: httpx.AsyncClient) -> Result:
            r = await client.request(method, url, auth=self.auth, **kw)
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


FLAVOURS = [Requests, HttpxSync, HttpxAsync, HttpxTrio]
