"""
Tests of the stand-in server's v4 authentication: request token, approval,
access token, logout, conversion to a v3 session (reference §9, §3.6), and
the v4 controls and settings of `TMDbServer`.

The v4 account and list endpoints are in test_v4_account.py and
test_v4_lists.py, which share the helpers at the top of this module.
"""

from __future__ import annotations

import contextlib
import re

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tmdb_auth.testing import TMDbServer, click

from .helpers import HEX40, TLS, err, jwt_part


MSG36 = "This token hasn't been granted write permission by the user."


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def v4_request_token(
    server: TMDbServer, raw: httpx.Client, redirect_to: str | None = None
) -> str:
    body = {"redirect_to": redirect_to} if redirect_to else None
    r = raw.post(
        "/4/auth/request_token", headers=bearer(server.read_token), json=body
    )
    token: str = r.json()["request_token"]
    return token


def as_app(
    server: TMDbServer, raw: httpx.Client, path: str, **body: str
) -> httpx.Response:
    """
    POST *body* to *path* with the application's read token.
    """
    return raw.post(path, headers=bearer(server.read_token), json=body)


def exchange(
    server: TMDbServer, raw: httpx.Client, request_token: str
) -> httpx.Response:
    return as_app(
        server, raw, "/4/auth/access_token", request_token=request_token
    )


def v4_login(
    server: TMDbServer, raw: httpx.Client, username: str | None = None
) -> tuple[str, str]:
    """
    A user access token of *username* (approved by the control) and its
    account object id.
    """
    token = v4_request_token(server, raw)
    server.approve(token, username=username)
    body = exchange(server, raw, token).json()
    return body["access_token"], body["account_id"]


def convert(
    server: TMDbServer, raw: httpx.Client, access_token: str
) -> httpx.Response:
    return as_app(
        server,
        raw,
        "/3/authentication/session/convert/4",
        access_token=access_token,
    )


def logout(
    raw: httpx.Client, header_token: str, access_token: str
) -> httpx.Response:
    return raw.request(
        "DELETE",
        "/4/auth/access_token",
        headers=bearer(header_token),
        json={"access_token": access_token},
    )


def status(r: httpx.Response) -> tuple[int, int]:
    return r.status_code, r.json()["status_code"]


@contextlib.contextmanager
def started(**settings: Any) -> Iterator[tuple[TMDbServer, httpx.Client]]:
    """
    A server of its own made with *settings*, and a bare client for it.
    """
    with (
        TMDbServer(**settings) as server,
        httpx.Client(verify=TLS, base_url=server.url) as raw,
    ):
        yield server, raw


class TestRequestToken:
    """
    §9.1: ``POST /4/auth/request_token``.
    """

    def test_body(self, server: TMDbServer, raw: httpx.Client):
        """
        With the read token: 200, the token and status 1, in TMDb's key
        order.
        """
        r = raw.post(
            "/4/auth/request_token", headers=bearer(server.read_token)
        )

        assert 200 == r.status_code
        assert [
            "request_token", "status_code", "status_message", "success"
        ] == list(r.json())  # fmt: skip
        assert (1, "Success.", True) == (
            r.json()["status_code"],
            r.json()["status_message"],
            r.json()["success"],
        )

    def test_jwt_claims(self, server: TMDbServer, raw: httpx.Client):
        """
        The token is an HS256 JWT: aud is the key, a 24-hex jti, scope
        pending_request_token, version 2, exp = nbf + 900, redirect_to.
        """
        token = v4_request_token(server, raw, "http://app.test/back")
        claims = jwt_part(token, 1)

        assert {"alg": "HS256"} == jwt_part(token, 0)
        assert [
            "aud", "nbf", "jti", "scopes", "version", "exp", "redirect_to"
        ] == list(claims)  # fmt: skip
        assert server.api_key == claims["aud"]
        assert re.fullmatch(r"[0-9a-f]{24}", str(claims["jti"]))
        assert ["pending_request_token"] == claims["scopes"]
        assert 2 == claims["version"]
        assert 900 == int(str(claims["exp"])) - int(float(str(claims["nbf"])))
        assert "http://app.test/back" == claims["redirect_to"]

    def test_redirect_to_optional(self, server: TMDbServer, raw: httpx.Client):
        """
        No body at all is fine (tmdbapis sends none): redirect_to is null.
        """
        r = raw.post(
            "/4/auth/request_token", headers=bearer(server.read_token)
        )

        assert 200 == r.status_code
        assert jwt_part(r.json()["request_token"], 1)["redirect_to"] is None

    def test_needs_a_bearer(self, server: TMDbServer, raw: httpx.Client):
        """
        §2.1: a POST on v4 needs a Bearer; the v3 key alone, the key as a
        Bearer, or a forged token: 401/7.
        """
        key_only = raw.post(
            "/4/auth/request_token", params={"api_key": server.api_key}
        )
        key_as_bearer = raw.post(
            "/4/auth/request_token", headers=bearer(server.api_key)
        )
        forged = raw.post(
            "/4/auth/request_token",
            headers=bearer(server.read_token[:-2] + "xx"),
        )

        assert [(401, 7)] * 3 == [
            status(r) for r in (key_only, key_as_bearer, forged)
        ]

    def test_counted(self, server: TMDbServer, raw: httpx.Client):
        """
        v4_created counts the request tokens made.
        """
        v4_request_token(server, raw)
        v4_request_token(server, raw)

        assert 2 == server.v4_created["request_tokens"]


class TestApprovalPage:
    """
    §9.1: the person approves at ``/auth/access?request_token=…``.
    """

    def test_page(self, server: TMDbServer, raw: httpx.Client):
        """
        The page names the application and offers Approve and Deny.
        """
        token = v4_request_token(server, raw)

        page = raw.get("/auth/access", params={"request_token": token})

        assert 200 == page.status_code
        assert "text/html" in page.headers["content-type"]
        assert '<button id="allow"' in page.text
        assert '<button id="deny"' in page.text

    def test_approve_redirects(self, server: TMDbServer, raw: httpx.Client):
        """
        Approve sends the person to redirect_to, as given (nothing
        appended), and the token becomes exchangeable.
        """
        token = v4_request_token(server, raw, "http://app.test/done?x=1")

        r = raw.post("/auth/access/approve", data={"request_token": token})

        assert (302, "http://app.test/done?x=1") == (
            r.status_code,
            r.headers["location"],
        )
        assert 200 == exchange(server, raw, token).status_code

    def test_approve_without_redirect(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        Without redirect_to, approving lands on /auth/access/approve.
        """
        token = v4_request_token(server, raw)

        landed = click(f"{server.url}/auth/access?request_token={token}")

        assert f"{server.url}/auth/access/approve" == landed
        assert 200 == exchange(server, raw, token).status_code

    def test_deny_redirects(self, server: TMDbServer, raw: httpx.Client):
        """
        Deny also goes to redirect_to; the token then cannot be exchanged.
        """
        token = v4_request_token(server, raw, "http://app.test/done")

        r = raw.post("/auth/access/deny", data={"request_token": token})

        assert (302, "http://app.test/done") == (
            r.status_code,
            r.headers["location"],
        )
        assert (422, 41) == status(exchange(server, raw, token))

    def test_as_another_user(self, server: TMDbServer, raw: httpx.Client):
        """
        The page approves as the user picked: the access token is theirs.
        """
        server.add_user("bob", "bob-pw")
        token = v4_request_token(server, raw)

        click(f"{server.url}/auth/access?request_token={token}", user="bob")
        body = exchange(server, raw, token).json()

        assert server.account_object_id("bob") == body["account_id"]

    def test_expired_page(self, server: TMDbServer, raw: httpx.Client):
        """
        After 15 minutes the page is gone (404).
        """
        token = v4_request_token(server, raw)
        server.advance(900)

        page = raw.get("/auth/access", params={"request_token": token})

        assert 404 == page.status_code

    def test_v3_token_is_not_v4(self, server: TMDbServer, raw: httpx.Client):
        """
        A v3 request token has no v4 page.
        """
        v3 = raw.get(
            "/3/authentication/token/new", params={"api_key": server.api_key}
        ).json()["request_token"]

        page = raw.get("/auth/access", params={"request_token": v3})

        assert 404 == page.status_code


class TestAccessToken:
    """
    §9.2: ``POST /4/auth/access_token``.
    """

    def test_body(self, server: TMDbServer, raw: httpx.Client):
        """
        An approved token gives the access token and the 24-hex account
        object id (not the numeric v3 id), in TMDb's key order.
        """
        token = v4_request_token(server, raw)
        server.approve(token)

        r = exchange(server, raw, token)

        assert 200 == r.status_code
        assert [
            "access_token", "account_id", "status_code", "status_message",
            "success",
        ] == list(r.json())  # fmt: skip
        assert re.fullmatch(r"[0-9a-f]{24}", r.json()["account_id"])
        assert server.account_object_id() == r.json()["account_id"]
        assert server.access_token_is_valid(r.json()["access_token"])

    def test_jwt_claims(self, server: TMDbServer, raw: httpx.Client):
        """
        The access token: aud, nbf, the request token's jti, sub = the
        account object id, scopes api_read and api_write, version 2, and
        no exp.
        """
        token = v4_request_token(server, raw)
        server.approve(token)

        body = exchange(server, raw, token).json()
        claims = jwt_part(body["access_token"], 1)

        assert ["aud", "nbf", "jti", "sub", "scopes", "version"] == list(
            claims
        )
        assert jwt_part(token, 1)["jti"] == claims["jti"]
        assert body["account_id"] == claims["sub"]
        assert ["api_read", "api_write"] == claims["scopes"]
        assert (server.api_key, 2) == (claims["aud"], claims["version"])

    def test_unapproved(self, server: TMDbServer, raw: httpx.Client):
        """
        A token nobody approved: 422/41 (the default of an unconfirmed
        choice).
        """
        token = v4_request_token(server, raw)

        r = exchange(server, raw, token)

        assert 422 == r.status_code
        assert (
            err(41, "This request token hasn't been approved by the user.")
            == r.json()
        )

    def test_unapproved_configurable(self):
        """
        v4_unapproved_token=(401, 33) answers TMDb's other candidate.
        """
        with started(v4_unapproved_token=(401, 33)) as (server, raw):
            token = v4_request_token(server, raw)
            r = exchange(server, raw, token)

        assert (401, 33) == status(r)

    @pytest.mark.parametrize("value", ["garbage", "", None])
    def test_invalid(
        self, server: TMDbServer, raw: httpx.Client, value: str | None
    ):
        """
        An unknown, empty or missing request token: 401/33.
        """
        r = raw.post(
            "/4/auth/access_token",
            headers=bearer(server.read_token),
            json={"request_token": value} if value is not None else {},
        )

        assert (401, 33) == status(r)

    def test_single_use(self, server: TMDbServer, raw: httpx.Client):
        """
        A request token is exchanged once; the second time: 401/33.
        """
        token = v4_request_token(server, raw)
        server.approve(token)

        first = exchange(server, raw, token)
        second = exchange(server, raw, token)

        assert (200, (401, 33)) == (first.status_code, status(second))

    def test_fifteen_minutes(self, server: TMDbServer, raw: httpx.Client):
        """
        §5: approved but older than 15 minutes: 401/33; just under: fine.
        """
        late, in_time = (
            v4_request_token(server, raw),
            v4_request_token(server, raw),
        )
        server.approve(late)
        server.approve(in_time)
        server.advance(899)
        ok = exchange(server, raw, in_time)
        server.advance(1)

        assert 200 == ok.status_code
        assert (401, 33) == status(exchange(server, raw, late))

    def test_bound_to_the_key(self, server: TMDbServer, raw: httpx.Client):
        """
        §3.3: request tokens are key specific; another key's read token
        cannot exchange it (401/33).
        """
        token = v4_request_token(server, raw)
        server.approve(token)
        other = server.read_token_for(server.add_api_key())

        r = raw.post(
            "/4/auth/access_token",
            headers=bearer(other),
            json={"request_token": token},
        )

        assert (401, 33) == status(r)

    def test_v3_token_refused(self, server: TMDbServer, raw: httpx.Client):
        """
        An approved v3 request token is not a v4 one: 401/33.
        """
        v3 = raw.get(
            "/3/authentication/token/new", params={"api_key": server.api_key}
        ).json()["request_token"]
        server.approve(v3)

        assert (401, 33) == status(exchange(server, raw, v3))

    def test_bad_bearer(self, server: TMDbServer, raw: httpx.Client):
        """
        No Bearer (the key in the query) or a forged one: 401/7 by default.
        """
        token = v4_request_token(server, raw)
        server.approve(token)

        key_only = raw.post(
            "/4/auth/access_token",
            params={"api_key": server.api_key},
            json={"request_token": token},
        )
        forged = raw.post(
            "/4/auth/access_token",
            headers=bearer("a.b.c"),
            json={"request_token": token},
        )

        assert [(401, 7), (401, 7)] == [status(key_only), status(forged)]

    def test_bad_bearer_configurable(self, web: httpx.Client):
        """
        v4_bad_bearer=(401, 3) answers the other candidate, on every /4/
        call, before the credential check; v3 stays 401/7.
        """
        with TMDbServer(v4_bad_bearer=(401, 3)) as server:
            v4 = web.post(
                server.url + "/4/auth/access_token",
                params={"api_key": server.api_key},
                json={"request_token": "x"},
            )
            forged = web.get(server.url + "/4/list/1", headers=bearer("a.b.c"))
            v3 = web.get(server.url + "/3/movie/550", headers=bearer("a.b.c"))

        assert [(401, 3), (401, 3), (401, 7)] == [
            status(r) for r in (v4, forged, v3)
        ]

    def test_counted(self, server: TMDbServer, raw: httpx.Client):
        """
        v4_created counts the access tokens issued, failures not.
        """
        v4_login(server, raw)
        exchange(server, raw, v4_request_token(server, raw))

        assert 1 == server.v4_created["access_tokens"]


class TestLogout:
    """
    §9.3: ``DELETE /4/auth/access_token``.
    """

    def test_with_the_access_token(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        The user's access token as Bearer and in the body: 200/13, and the
        token is dead.
        """
        access, _ = v4_login(server, raw)

        r = logout(raw, access, access)

        assert 200 == r.status_code
        assert (
            b'{"success":true,"status_code":13,"status_message":"The '
            b'item/record was deleted successfully."}'
        ) == r.content
        assert not server.access_token_is_valid(access)

    def test_with_the_read_token(self, server: TMDbServer, raw: httpx.Client):
        """
        The read token as Bearer works too (the reference: accept either).
        """
        access, _ = v4_login(server, raw)

        r = logout(raw, server.read_token, access)

        assert (200, 13) == status(r)
        assert not server.access_token_is_valid(access)

    def test_dead_token_refused(self, server: TMDbServer, raw: httpx.Client):
        """
        After logout the token is refused as a Bearer (401/7), and by
        convert/4 (401/36).
        """
        access, account_id = v4_login(server, raw)
        logout(raw, access, access)

        lists = raw.get(
            f"/4/account/{account_id}/lists", headers=bearer(access)
        )

        assert (401, 7) == status(lists)
        assert (401, 36) == status(convert(server, raw, access))

    @pytest.mark.parametrize("value", ["used", "garbage", "read"])
    def test_unknown(self, server: TMDbServer, raw: httpx.Client, value: str):
        """
        A token already deleted, garbage, or the read token in the body:
        401/35 by default.
        """
        access, _ = v4_login(server, raw)
        logout(raw, server.read_token, access)
        body = {"used": access, "garbage": "x", "read": server.read_token}

        r = logout(raw, server.read_token, body[value])

        assert 401 == r.status_code
        assert err(35, "Invalid token.") == r.json()

    def test_unknown_configurable(self):
        """
        v4_unknown_access_token=(404, 34) chooses the answer.
        """
        with started(v4_unknown_access_token=(404, 34)) as (server, raw):
            r = logout(raw, server.read_token, "x")

        assert (404, 34) == status(r)

    def test_converted_session_stays(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        The v3 session converted from the token outlives its logout (a
        documented choice: a logout deletes both).
        """
        access, _ = v4_login(server, raw)
        sid = convert(server, raw, access).json()["session_id"]

        logout(raw, access, access)

        assert server.session_is_valid(sid)


class TestConvert:
    """
    §3.6 and §9.4: ``POST /3/authentication/session/convert/4``.
    """

    def test_session_of_the_same_user(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        The access token of bob becomes a v3 session of bob, counted as a
        user session and as a conversion.
        """
        server.add_user("bob", "bob-pw")
        access, _ = v4_login(server, raw, "bob")

        r = convert(server, raw, access)
        sid = r.json()["session_id"]
        account = raw.get(
            "/3/account",
            params={"api_key": server.api_key, "session_id": sid},
        )

        assert 200 == r.status_code
        assert ["success", "session_id"] == list(r.json())
        assert HEX40.fullmatch(sid)
        assert "bob" == account.json()["username"]
        assert {"guest": 0, "user": 1} == server.sessions_created
        assert 1 == server.v4_created["conversions"]

    def test_with_the_api_key(self, server: TMDbServer, raw: httpx.Client):
        """
        A v3 call: the v3 key in the query is a credential for it too.
        """
        access, _ = v4_login(server, raw)

        r = raw.post(
            "/3/authentication/session/convert/4",
            params={"api_key": server.api_key},
            json={"access_token": access},
        )

        assert 200 == r.status_code

    @pytest.mark.parametrize("value", ["read", "request", "missing"])
    def test_refused(self, server: TMDbServer, raw: httpx.Client, value: str):
        """
        The read token, a request token, or nothing: 401/36, failure true.
        """
        token = v4_request_token(server, raw)
        server.approve(token)
        body = {"read": server.read_token, "request": token}

        r = raw.post(
            "/3/authentication/session/convert/4",
            headers=bearer(server.read_token),
            json={"access_token": body[value]} if value in body else {},
        )

        assert 401 == r.status_code
        assert {
            "failure": True,
            "status_code": 36,
            "status_message": MSG36,
            "success": False,
        } == r.json()
        assert 0 == server.v4_created["conversions"]

    def test_another_keys_token(self, server: TMDbServer, raw: httpx.Client):
        """
        An access token made with another key does not convert with this
        one: 401/36.
        """
        access, _ = v4_login(server, raw)
        other = server.add_api_key()

        r = raw.post(
            "/3/authentication/session/convert/4",
            params={"api_key": other},
            json={"access_token": access},
        )

        assert (401, 36) == status(r)

    def test_read_token_configurable(self):
        """
        v4_read_token=(403, 36) changes the HTTP status (unconfirmed).
        """
        with started(v4_read_token=(403, 36)) as (server, raw):
            r = convert(server, raw, server.read_token)

        assert (403, 36) == status(r)


class TestControls:
    """
    The v4 controls of `TMDbServer`.
    """

    def test_approve_as_user(self, server: TMDbServer, raw: httpx.Client):
        """
        approve(token, username=) approves a v4 token as that user.
        """
        server.add_user("bob", "bob-pw")

        access, account_id = v4_login(server, raw, "bob")

        assert server.account_object_id("bob") == account_id
        assert account_id == jwt_part(access, 1)["sub"]
        assert server.account_object_id() != account_id

    def test_deny(self, server: TMDbServer, raw: httpx.Client):
        """
        deny(token) makes the exchange fail as unapproved (422/41).
        """
        token = v4_request_token(server, raw)

        server.deny(token)

        assert (422, 41) == status(exchange(server, raw, token))

    def test_approve_refuses(self, server: TMDbServer, raw: httpx.Client):
        """
        approve() refuses an unknown user, and a used or expired token.
        """
        used = v4_request_token(server, raw)
        server.approve(used)
        exchange(server, raw, used)
        expired = v4_request_token(server, raw)
        server.advance(900)

        with pytest.raises(ValueError, match="unknown user"):
            server.approve(v4_request_token(server, raw), username="zed")
        with pytest.raises(ValueError, match="already used"):
            server.approve(used)
        with pytest.raises(ValueError, match="expired"):
            server.approve(expired)

    def test_revoke_access_token(self, server: TMDbServer, raw: httpx.Client):
        """
        revoke_access_token() kills the token (401/7 as a Bearer) and is
        idempotent.
        """
        access, account_id = v4_login(server, raw)

        server.revoke_access_token(access)
        server.revoke_access_token(access)
        r = raw.get(f"/4/account/{account_id}/lists", headers=bearer(access))

        assert not server.access_token_is_valid(access)
        assert (401, 7) == status(r)

    def test_revoke_needs_an_access_token(self, server: TMDbServer):
        """
        revoke_access_token() of the read token or garbage is a ValueError
        saying what it takes.
        """
        for wrong in (server.read_token, "garbage"):
            with pytest.raises(ValueError, match="access_token from POST"):
                server.revoke_access_token(wrong)

    def test_revoke_all_sessions(self, server: TMDbServer, raw: httpx.Client):
        """
        revoke_all_sessions() takes the access tokens too.
        """
        access, _ = v4_login(server, raw)

        server.revoke_all_sessions()

        assert not server.access_token_is_valid(access)

    def test_is_valid(self, server: TMDbServer):
        """
        access_token_is_valid() is False for anything but an access token.
        """
        assert not server.access_token_is_valid(server.read_token)
        assert not server.access_token_is_valid("x")

    def test_account_object_id(self, server: TMDbServer):
        """
        account_object_id() is 24 hex, stable, one per user; unknown user:
        ValueError.
        """
        server.add_user("bob", "bob-pw")

        ids = {server.account_object_id(), server.account_object_id("bob")}

        assert 2 == len(ids)
        assert all(re.fullmatch(r"[0-9a-f]{24}", i) for i in ids)
        assert server.account_object_id() == server.account_object_id("ann")
        with pytest.raises(ValueError, match="add_user"):
            server.account_object_id("zed")

    def test_v4_created(self, server: TMDbServer, raw: httpx.Client):
        """
        v4_created counts the three v4 steps of one login.
        """
        access, _ = v4_login(server, raw)
        convert(server, raw, access)

        assert {
            "request_tokens": 1,
            "access_tokens": 1,
            "conversions": 1,
        } == server.v4_created

    @pytest.mark.parametrize(
        "setting",
        [
            {"v4_read_token": (401, 999)},
            {"v4_other_account": (200, 3)},
            {"v4_bad_bearer": 7},
            {"v4_unapproved_token": (422,)},
        ],
    )
    def test_settings_checked(self, setting: dict[str, object]):
        """
        A v4 setting that is not (HTTP error status, TMDb code) is a
        ValueError naming it.
        """
        name = next(iter(setting))

        with pytest.raises(ValueError, match=name):
            TMDbServer(**setting)  # type: ignore[arg-type]

    def test_secrets(self, server: TMDbServer, raw: httpx.Client):
        """
        secrets() knows the v4 request and access tokens.
        """
        token = v4_request_token(server, raw)
        server.approve(token)
        access = exchange(server, raw, token).json()["access_token"]

        assert {token, access} <= server.secrets()
