"""
The three ways a user calls TMDb with our auth, with a timeout of choice.

Like ``tests/clients.py``, but the timeout is a parameter (the fault
matrix needs one shorter than a delayed answer) and the async driver runs
each call in a fresh event loop of the given backend.
"""

from __future__ import annotations

import json
import ssl

from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import requests

from tests.hardening.conftest import SOAK
from tmdb_auth.httpx import TMDbAuth as HttpxAuth
from tmdb_auth.requests import TMDbAuth as RequestsAuth
from tmdb_auth.testing import TMDbServer


# httpx builds an SSL context per client (tens of ms); share one instead.
TLS = ssl.create_default_context()


@dataclass
class Result:
    status: int
    body: Any


def _body(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


class Driver:
    name = ""

    def __init__(
        self, server: TMDbServer, *, timeout: float = 10.0, **options: Any
    ) -> None:
        options.setdefault("api_key", server.api_key)
        options.setdefault("api_url", server.url)
        self.server = server
        self.timeout = timeout
        self.auth = self._make(timeout, options)

    def _make(self, timeout: float, options: dict[str, Any]) -> Any:
        return HttpxAuth(**options)

    def call(self, method: str, path: str, **kw: Any) -> Result:
        raise NotImplementedError

    def logout(self) -> bool:
        raise NotImplementedError


class RequestsDriver(Driver):
    name = "requests"

    def _make(self, timeout: float, options: dict[str, Any]) -> Any:
        return RequestsAuth(timeout=timeout, **options)

    def call(self, method: str, path: str, **kw: Any) -> Result:
        with requests.Session() as s:
            r = s.request(
                method,
                self.server.url + path,
                auth=self.auth,
                timeout=self.timeout,
                **kw,
            )
        return Result(r.status_code, _body(r.content))

    def logout(self) -> bool:
        return bool(self.auth.logout())


class HttpxDriver(Driver):
    name = "httpx"

    def call(self, method: str, path: str, **kw: Any) -> Result:
        with httpx.Client(
            auth=self.auth, timeout=self.timeout, verify=TLS
        ) as c:
            r = c.request(method, self.server.url + path, **kw)
        return Result(r.status_code, _body(r.content))

    def logout(self) -> bool:
        with httpx.Client(timeout=self.timeout, verify=TLS) as c:
            return bool(self.auth.logout(c))


class HttpxAsyncDriver(Driver):
    name = "httpx-asyncio"
    backend = "asyncio"

    def call(self, method: str, path: str, **kw: Any) -> Result:
        async def main() -> Result:
            async with httpx.AsyncClient(
                auth=self.auth, timeout=self.timeout, verify=TLS
            ) as c:
                r = await c.request(method, self.server.url + path, **kw)
            return Result(r.status_code, _body(r.content))

        return anyio.run(main, backend=self.backend)

    def logout(self) -> bool:
        async def main() -> bool:
            async with httpx.AsyncClient(
                timeout=self.timeout, verify=TLS
            ) as c:
                return bool(await self.auth.alogout(c))

        return anyio.run(main, backend=self.backend)


class HttpxTrioDriver(HttpxAsyncDriver):
    name = "httpx-trio"
    backend = "trio"


#: requests, httpx sync and httpx async; trio too in the soak run.
DRIVERS: list[type[Driver]] = [RequestsDriver, HttpxDriver, HttpxAsyncDriver]
if SOAK:
    DRIVERS.append(HttpxTrioDriver)
