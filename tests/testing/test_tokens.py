"""Tests of request tokens on the stand-in server and its approval page."""

from __future__ import annotations

import re

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import requests

from tmdb_auth.testing import TMDbServer

from .helpers import BODY17, new_token


class TestTokenStateMachine:
    """
    §10.5: issued -> approved -> consumed; 60-minute expiry; key-bound.
    """

    def test_unapproved_token_is_denied(self, client: httpx.Client):
        """
        session/new before approval gives 401/17.
        """
        r = client.post(
            "/3/authentication/session/new",
            json={"request_token": new_token(client)},
        )

        assert BODY17 == r.content

    def test_token_is_consumed(self, server: TMDbServer, client: httpx.Client):
        """
        A token makes one session; the second session/new gives 401/17,
        and validate_with_login on it gives 401/33.
        """
        token = new_token(client)
        server.approve(token)
        first = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )
        second = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )
        revalidate = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": server.username,
                "password": server.password,
                "request_token": token,
            },
        )

        assert 200 == first.status_code
        assert BODY17 == second.content
        assert 33 == revalidate.json()["status_code"]

    def test_token_expires_after_60_minutes(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        advance() past 60 minutes expires a token: 401/33, then 401/17.
        """
        token = new_token(client)
        server.advance(59 * 60)
        server.approve(token)
        server.advance(61)
        validate = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": server.username,
                "password": server.password,
                "request_token": token,
            },
        )
        session = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert 401 == validate.status_code
        assert 33 == validate.json()["status_code"]
        assert BODY17 == session.content
        with pytest.raises(ValueError, match="expired"):
            server.approve(token)

    def test_token_bound_to_key(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        A token of one key is invalid with another: 401/33 and 401/17.
        """
        other = server.add_api_key()
        token = new_token(client)
        server.approve(token)
        validate = client.post(
            "/3/authentication/token/validate_with_login",
            params={"api_key": other},
            json={
                "username": server.username,
                "password": server.password,
                "request_token": token,
            },
        )
        session = client.post(
            "/3/authentication/session/new",
            params={"api_key": other},
            json={"request_token": token},
        )

        assert 33 == validate.json()["status_code"]
        assert BODY17 == session.content

    def test_read_token_counts_as_its_key(
        self, server: TMDbServer, raw: httpx.Client, client: httpx.Client
    ):
        """
        A token made with the read token works with the same key's api_key.
        """
        bearer = {"Authorization": f"Bearer {server.read_token}"}
        token = raw.get("/3/authentication/token/new", headers=bearer).json()[
            "request_token"
        ]
        server.approve(token)
        r = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert 200 == r.status_code

    def test_denied_token(self, server: TMDbServer, client: httpx.Client):
        """
        deny() makes session/new 401/17 and validate_with_login 401/33.
        """
        token = new_token(client)
        server.deny(token)
        session = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert BODY17 == session.content

    def test_approve_unknown_token(self, server: TMDbServer):
        """
        approve() and deny() refuse tokens the server never issued.
        """
        with pytest.raises(ValueError, match="unknown"):
            server.approve("0" * 40)
        with pytest.raises(ValueError, match="unknown"):
            server.deny("0" * 40)

    def test_approve_as_other_user(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        approve(username=...) makes the session belong to that user.
        """
        bob = server.add_user("bob", "pw")
        token = new_token(client)
        server.approve(token, username="bob")
        sid = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        ).json()["session_id"]
        account = client.get("/3/account", params={"session_id": sid}).json()

        assert (bob.id, "bob") == (account["id"], account["username"])


class TestApprovalPage:
    """
    §4: the approval page at /authenticate/<token>, driven by plain HTTP.
    """

    def test_page_has_both_buttons(
        self, web: httpx.Client, server: TMDbServer, client: httpx.Client
    ):
        """
        GET /authenticate/<token> is HTML with Approve and Deny forms.
        """
        token = new_token(client)
        r = web.get(
            f"{server.url}/authenticate/{token}",
            params={"redirect_to": "http://app.test/cb?x=1"},
        )
        page = r.text

        assert 200 == r.status_code
        assert "text/html; charset=utf-8" == r.headers["content-type"]
        assert "<title>" in page
        assert "Application #1" in page
        assert '<button id="allow"' in page
        assert '<button id="deny"' in page
        assert f'action="/authenticate/{token}/allow"' in page
        assert f'action="/authenticate/{token}/deny"' in page
        assert 'value="http://app.test/cb?x=1"' in page

    def test_allow_redirects_with_approved(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §4: POST allow redirects to redirect_to with request_token and
        approved=true, keeping its query; the token then makes a session.
        """
        token = new_token(client)
        r = requests.post(
            f"{server.url}/authenticate/{token}/allow",
            data={"redirect_to": "http://app.test/cb?x=1#frag"},
            allow_redirects=False,
            timeout=5,
        )
        location = urlsplit(r.headers["location"])
        session = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert 302 == r.status_code
        assert ("app.test", "/cb", "frag") == (
            location.hostname,
            location.path,
            location.fragment,
        )
        assert {
            "x": ["1"],
            "request_token": [token],
            "approved": ["true"],
        } == parse_qs(location.query)
        assert 200 == session.status_code

    def test_allow_without_redirect(
        self, server: TMDbServer, http: requests.Session
    ):
        """
        §4: without redirect_to, an empty POST allow lands on
        /authenticate/<token>/allow, whose Authentication-Callback header
        is the session/new call.
        """
        token = http.get(server.url + "/3/authentication/token/new").json()[
            "request_token"
        ]
        r = requests.post(
            f"{server.url}/authenticate/{token}/allow",
            allow_redirects=False,
            timeout=5,
        )
        landing = requests.get(server.url + r.headers["location"], timeout=5)
        callback = landing.headers["authentication-callback"]
        session = http.get(callback)

        assert 302 == r.status_code
        assert f"/authenticate/{token}/allow" == r.headers["location"]
        assert 200 == landing.status_code
        assert "Approved" in landing.text
        assert (
            f"{server.url}/3/authentication/session/new?request_token={token}"
            == callback
        )
        assert 200 == session.status_code

    def test_deny_redirects_with_denied(
        self, web: httpx.Client, server: TMDbServer, client: httpx.Client
    ):
        """
        §12.1: POST deny redirects with request_token and denied=true (a
        guess), and the token is refused.
        """
        token = new_token(client)
        r = web.post(
            f"{server.url}/authenticate/{token}/deny",
            data={"redirect_to": "http://app.test/cb"},
        )
        session = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert 302 == r.status_code
        assert (
            f"http://app.test/cb?request_token={token}&denied=true"
            == r.headers["location"]
        )
        assert BODY17 == session.content

    def test_deny_param_none(self, web: httpx.Client):
        """
        §12.1: deny_param=None redirects with the token only.
        """
        with TMDbServer(deny_param=None) as server:
            token = web.get(
                server.url + "/3/authentication/token/new",
                params={"api_key": server.api_key},
            ).json()["request_token"]
            r = web.post(
                f"{server.url}/authenticate/{token}/deny",
                params={"redirect_to": "http://app.test/cb"},
            )

        assert (
            f"http://app.test/cb?request_token={token}"
            == r.headers["location"]
        )

    def test_deny_without_redirect(
        self, web: httpx.Client, server: TMDbServer, client: httpx.Client
    ):
        """
        Without redirect_to, deny lands on a "denied" page.
        """
        token = new_token(client)
        r = web.post(
            f"{server.url}/authenticate/{token}/deny", follow_redirects=True
        )

        assert 200 == r.status_code
        assert "Denied" in r.text

    def test_unknown_or_expired_token(
        self, web: httpx.Client, server: TMDbServer, client: httpx.Client
    ):
        """
        An unknown or expired token gets a 404 HTML page.
        """
        token = new_token(client)
        server.advance(3601)
        unknown = web.get(f"{server.url}/authenticate/{'0' * 40}")
        expired = web.post(f"{server.url}/authenticate/{token}/allow")

        assert (404, 404) == (unknown.status_code, expired.status_code)
        assert "text/html; charset=utf-8" == unknown.headers["content-type"]

    def test_callback_header_flow(
        self, web: httpx.Client, server: TMDbServer, client: httpx.Client
    ):
        """
        §10.6: following Authentication-Callback + redirect_to and pressing
        Approve reaches redirect_to with approved=true.
        """
        r = client.get("/3/authentication/token/new")
        page_url = (
            r.headers["authentication-callback"]
            + "?redirect_to=http://x.test/"
        )
        page = web.get(page_url)
        action = re.search(r'action="([^"]+/allow)"', page.text)
        assert action is not None
        done = web.post(
            server.url + action.group(1),
            data={"redirect_to": "http://x.test/"},
        )

        assert "approved=true" in done.headers["location"]

    def test_redirect_to_with_control_characters(
        self, web: httpx.Client, server: TMDbServer, client: httpx.Client
    ):
        """
        A redirect_to with control characters is refused (no header splitting).
        """
        token = new_token(client)
        r = web.post(
            f"{server.url}/authenticate/{token}/allow",
            data={"redirect_to": "http://x.test/\r\nSet-Cookie: a=b"},
        )

        assert 400 == r.status_code
        assert "set-cookie" not in r.headers
