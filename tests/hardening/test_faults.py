"""
1. The fault matrix: every auth endpoint the plugin calls, every way it can
fail, through requests, httpx and httpx async.

Each fault gives a typed `TMDbAuthError` subclass at once, or a bounded,
honoured retry (a 429 with a short ``Retry-After``); the stand-in's call
count proves there is no loop; and the next call after the fault succeeds,
quickly (so no lock was left behind). Two faults are transport faults (a
dropped connection, an answer later than the client's timeout): through
requests they are `TMDbConnectionError`, with no chained exception;
through httpx they are httpx's own exception, because httpx raises it
outside the auth flow, which cannot catch it. What is true of those is
asserted: no secret in their ``str``, ``repr`` or ``args`` (their
``request.url`` does carry the api_key).
"""

from __future__ import annotations

import time

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.clients import Flavour as Driver
from tests.clients import Requests as RequestsDriver
from tests.hardening.conftest import DRIVERS
from tests.leaks import FIGURES, assert_no_secret, collect_secrets
from tmdb_auth import (
    RateLimited,
    SessionDenied,
    TMDbAuthError,
    TMDbConnectionError,
    TMDbServerError,
)
from tmdb_auth.testing import TMDbServer


RATING = "/3/movie/550/rating"
AUTH = "/3/authentication"
TIMEOUT = 0.25  # the client's timeout in the "slow" fault


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str
    user: bool  # log in (else a guest session)
    logout: bool = False


ENDPOINTS = {
    "guest_session/new": Endpoint(f"{AUTH}/guest_session/new", "GET", False),
    "token/new": Endpoint(f"{AUTH}/token/new", "GET", True),
    "validate_with_login": Endpoint(
        f"{AUTH}/token/validate_with_login", "POST", True
    ),
    "session/new": Endpoint(f"{AUTH}/session/new", "POST", True),
    "session (logout)": Endpoint(f"{AUTH}/session", "DELETE", True, True),
}

HTML = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr>"
    b"<center>cloudflare</center></body></html>"
)
GARBAGE = bytes(range(256)) + b'\x00\xff{"success": tru'


@dataclass(frozen=True)
class Fault:
    options: dict[str, Any]
    #: What the faulty call gives: an error class, "retried" (a bounded,
    #: honoured retry, then success) or "transport".
    expect: Any
    #: Calls the faulty call makes to the endpoint.
    calls: int = 1
    count: int = 1
    no_retry_after: bool = False
    tweak: Callable[[str], Any] | None = field(default=None)


FAULTS = {
    "500": Fault({"status": 500}, TMDbServerError),
    "502": Fault({"status": 502}, TMDbServerError),
    "503": Fault({"status": 503}, TMDbServerError),
    "429 Retry-After 0": Fault(
        {"status": 429, "headers": {"Retry-After": "0"}}, "retried", calls=2
    ),
    "429 twice": Fault(
        {"status": 429, "headers": {"Retry-After": "0"}},
        RateLimited,
        calls=2,
        count=2,
    ),
    "429 Retry-After 120": Fault(
        {"status": 429, "headers": {"Retry-After": "120"}}, RateLimited
    ),
    "429 no Retry-After": Fault(
        {"status": 429}, RateLimited, no_retry_after=True
    ),
    "garbage": Fault(
        {
            "status": 200,
            "body": GARBAGE,
            "content_type": "application/octet-stream",
        },
        TMDbServerError,
    ),
    "html error page": Fault(
        {"status": 502, "body": HTML, "content_type": "text/html"},
        TMDbServerError,
    ),
    "json without the field": Fault(
        {"status": 200, "json": {"success": True}}, TMDbServerError
    ),
    "success false in a 200": Fault(
        {"status": 200, "json": {"success": False}}, TMDbServerError
    ),
    "dropped connection": Fault({"drop": True}, "transport"),
    "slower than the timeout": Fault(
        {"status": None, "delay": 30.0}, "transport"
    ),
}


def _expected(endpoint: str, fault: Fault) -> Any:
    """What TMDb's answers mean where a field is optional."""
    if fault.expect is TMDbServerError and fault.options.get("json") == {
        "success": True
    }:
        if endpoint == "validate_with_login":
            # validate_with_login answers nothing the flow needs; the token
            # was not validated, so session/new refuses it (401/17).
            return SessionDenied
        if endpoint == "session (logout)":
            return "deleted"  # {"success": true}: TMDb deleted it
    return fault.expect


def _trigger(driver: Driver, endpoint: Endpoint) -> Any:
    if endpoint.logout:
        return driver.logout()
    if endpoint.user:
        return driver.call("GET", "/3/account")
    return driver.call("POST", RATING, json={"value": 8})


def _succeeded(result: Any, endpoint: Endpoint) -> bool:
    if endpoint.logout:
        return result is True
    return result.status in (200, 201)


@pytest.mark.parametrize("driver", DRIVERS, ids=[d.name for d in DRIVERS])
@pytest.mark.parametrize("name", list(ENDPOINTS))
@pytest.mark.parametrize("fault_name", list(FAULTS))
def test_fault(  # noqa: C901, PLR0915 -- one matrix cell, start to end
    server: TMDbServer, driver: type[Driver], name: str, fault_name: str
) -> None:
    """One fault on one endpoint through one adapter: typed, bounded, over."""
    endpoint = ENDPOINTS[name]
    fault = FAULTS[fault_name]
    expect = _expected(name, fault)
    slow = "delay" in fault.options
    options: dict[str, Any] = (
        {"username": server.username, "password": server.password}
        if endpoint.user
        else {"session": "guest"}
    )
    client = driver(server, timeout=TIMEOUT if slow else 10.0, **options)
    if endpoint.logout:
        assert 200 == client.call("GET", "/3/account").status
    if fault.no_retry_after:
        server.retry_after = None
    before = server.count(endpoint.path, endpoint.method)
    server.fail_next(
        endpoint.path, fault.count, method=endpoint.method, **fault.options
    )
    FIGURES[f"faults_injected.{driver.name}"] += fault.count

    error: BaseException | None = None
    try:
        result = _trigger(client, endpoint)
    except Exception as exc:
        error = exc

    calls = server.count(endpoint.path, endpoint.method) - before
    if expect == "retried":
        assert error is None, repr(error)
        assert _succeeded(result, endpoint)
    elif expect == "deleted":
        assert error is None, repr(error)
        assert result is True
    elif expect == "transport":
        assert error is not None
        _check_transport_error(error, driver, endpoint, server)
    else:
        assert isinstance(error, expect), repr(error)
    if isinstance(error, RateLimited):
        wanted = {"429 Retry-After 120": 120.0, "429 twice": 0.0}
        assert wanted.get(fault_name) == error.retry_after
    assert fault.calls == calls, f"{calls} calls to {endpoint.path}"
    if isinstance(error, TMDbAuthError):
        assert_no_secret(error, collect_secrets(server) | {server.password})

    # The next call works, and at once: no lock was left held.
    if slow:
        client.timeout = 10.0
        client.auth = type(client)(server, **options).auth
    if endpoint.logout:
        assert 200 == client.call("GET", "/3/account").status
    started = time.monotonic()
    after = _trigger(client, endpoint)
    elapsed = time.monotonic() - started
    assert _succeeded(after, endpoint), after
    assert elapsed < 5.0, f"the next call took {elapsed:.1f} s"
    if not endpoint.logout:
        # One session for the call that succeeded; one more at most made
        # by the stand-in for the faulty call (its answer was lost).
        made = sum(server.sessions_created.values())
        assert 1 <= made <= 2
    FIGURES[f"faults_survived.{driver.name}"] += fault.count


def _check_transport_error(
    error: BaseException,
    driver: type[Driver],
    endpoint: Endpoint,
    server: TMDbServer,
) -> None:
    secrets = collect_secrets(server) | {server.password}
    if driver is RequestsDriver or endpoint.logout:
        # requests, and logout (which the httpx adapter sends itself,
        # outside any auth flow): our typed error, chained to nothing.
        assert isinstance(error, TMDbConnectionError), repr(error)
        assert error.__cause__ is None
        assert error.__context__ is None
        assert_no_secret(error, secrets)
        return
    # httpx raises a transport error outside the auth flow: it is httpx's
    # own exception (a known limitation). Its message has no URL; its
    # request does carry the api_key, like any httpx error of a user call.
    assert isinstance(error, httpx.TransportError), repr(error)
    FIGURES[f"httpx_transport_errors_outside_the_flow.{driver.name}"] += 1
    for text in (str(error), repr(error), repr(error.args)):
        assert not [s for s in secrets if s in text], text
    assert server.api_key in str(error.request.url)
