"""Tests of the stand-in server's v4 authentication flow."""

from __future__ import annotations

import re

import httpx

from tmdb_auth.testing import TMDbServer

from .helpers import jwt_part


class TestV4:
    """
    §9: v4 request token -> approval -> access token -> v3 session.
    """

    def test_v4_flow(self, server: TMDbServer, raw: httpx.Client):
        """
        §9/§10.7: tokens are HS256 JWTs (exp = nbf + 900); an approved
        token becomes an access token, which converts to a v3 session.
        """
        bearer = {"Authorization": f"Bearer {server.read_token}"}
        r = raw.post(
            "/4/auth/request_token",
            headers=bearer,
            json={"redirect_to": "http://app.test/"},
        )
        request_token = r.json()["request_token"]
        claims = jwt_part(request_token, 1)
        unapproved = raw.post(
            "/4/auth/access_token",
            headers=bearer,
            json={"request_token": request_token},
        )
        server.approve(request_token)
        access = raw.post(
            "/4/auth/access_token",
            headers=bearer,
            json={"request_token": request_token},
        ).json()
        convert = raw.post(
            "/3/authentication/session/convert/4",
            headers=bearer,
            json={"access_token": access["access_token"]},
        )
        sid = convert.json()["session_id"]
        account = raw.get(
            "/3/account", headers=bearer, params={"session_id": sid}
        )
        logout = raw.request(
            "DELETE",
            "/4/auth/access_token",
            headers={"Authorization": f"Bearer {access['access_token']}"},
            json={"access_token": access["access_token"]},
        )

        assert [
            "request_token", "status_code", "status_message", "success"
        ] == list(r.json())  # fmt: skip
        assert ["pending_request_token"] == claims["scopes"]
        assert 900 == int(str(claims["exp"])) - int(float(str(claims["nbf"])))
        assert (422, 41) == (
            unapproved.status_code,
            unapproved.json()["status_code"],
        )
        assert re.fullmatch(r"[0-9a-f]{24}", access["account_id"])
        assert ["api_read", "api_write"] == jwt_part(
            access["access_token"], 1
        )["scopes"]
        assert 200 == convert.status_code
        assert "ann" == account.json()["username"]
        assert (200, 13) == (logout.status_code, logout.json()["status_code"])
        assert {"guest": 0, "user": 1} == server.sessions_created

    def test_v4_approval_page(self, server: TMDbServer, raw: httpx.Client):
        """
        §9.1: /auth/access?request_token= shows Approve/Deny; approving
        redirects to the token's redirect_to.
        """
        bearer = {"Authorization": f"Bearer {server.read_token}"}
        token = raw.post(
            "/4/auth/request_token",
            headers=bearer,
            json={"redirect_to": "http://app.test/done"},
        ).json()["request_token"]
        page = raw.get("/auth/access", params={"request_token": token})
        approve = raw.post(
            "/auth/access/approve", data={"request_token": token}
        )

        assert '<button id="allow"' in page.text
        assert '<button id="deny"' in page.text
        assert (302, "http://app.test/done") == (
            approve.status_code,
            approve.headers["location"],
        )
