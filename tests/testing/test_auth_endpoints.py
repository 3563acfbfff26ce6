"""Tests of the stand-in server's v3 authentication endpoints."""

from __future__ import annotations

import json

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import requests

from tmdb_auth.testing import TMDbServer

from .helpers import (
    BODY17,
    HEX32,
    HEX40,
    MSG3,
    TLS,
    err,
    login,
    new_token,
    parse_ts,
)


class TestAuthenticationEndpoints:
    """
    §3: the v3 authentication endpoints one by one.
    """

    def test_validate_key_official(self, client: httpx.Client):
        """
        §3.1/§10.8: the default GET /3/authentication body is the official one.
        """
        r = client.get("/3/authentication")

        assert (
            b'{"success":true,"status_code":1,"status_message":"Success."}'
            == r.content
        )

    def test_validate_key_minimal(self, web: httpx.Client):
        """
        §12.5: auth_body="minimal" answers the live {"success":true}.
        """
        with TMDbServer(auth_body="minimal") as server:
            r = web.get(
                server.url + "/3/authentication",
                params={"api_key": server.api_key},
            )

        assert b'{"success":true}' == r.content

    def test_guest_session_new(self, client: httpx.Client):
        """
        §3.2/§10.7: 32-hex id, expires_at now + 24 h, TMDb's key order.
        """
        r = client.get("/3/authentication/guest_session/new")
        body = r.json()
        expires = parse_ts(body["expires_at"])
        expected = datetime.now(UTC) + timedelta(hours=24)

        assert ["success", "guest_session_id", "expires_at"] == list(body)
        assert True is body["success"]
        assert HEX32.fullmatch(body["guest_session_id"])
        assert abs((expires - expected).total_seconds()) < 5

    def test_token_new(self, server: TMDbServer, client: httpx.Client):
        """
        §3.3/§10.6/§10.7: 40-hex token, 60 minutes, Authentication-Callback.
        """
        r = client.get("/3/authentication/token/new")
        body = r.json()
        expires = parse_ts(body["expires_at"])
        expected = datetime.now(UTC) + timedelta(minutes=60)

        assert ["success", "expires_at", "request_token"] == list(body)
        assert HEX40.fullmatch(body["request_token"])
        assert abs((expires - expected).total_seconds()) < 5
        assert (
            f"{server.url}/authenticate/{body['request_token']}"
            == r.headers["authentication-callback"]
        )

    def test_callback_base(self, web: httpx.Client):
        """
        §10.6: callback_base sets the base of Authentication-Callback.
        """
        with TMDbServer(callback_base="https://www.themoviedb.org/") as server:
            r = web.get(
                server.url + "/3/authentication/token/new",
                params={"api_key": server.api_key},
            )
        token = r.json()["request_token"]

        assert (
            f"https://www.themoviedb.org/authenticate/{token}"
            == r.headers["authentication-callback"]
        )

    def test_validate_with_login_post_json(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §3.4/§10.4: POST with a JSON body approves and echoes the token.
        """
        token = new_token(client)
        r = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": server.username,
                "password": server.password,
                "request_token": token,
            },
        )

        assert 200 == r.status_code
        assert ["success", "expires_at", "request_token"] == list(r.json())
        assert token == r.json()["request_token"]

    def test_validate_with_login_get_query(
        self, server: TMDbServer, http: requests.Session
    ):
        """
        §3.4/§10.4: GET with query parameters works too (tmdbsimple).
        """
        token = http.get(server.url + "/3/authentication/token/new").json()[
            "request_token"
        ]
        r = http.get(
            server.url + "/3/authentication/token/validate_with_login",
            params={
                "request_token": token,
                "username": server.username,
                "password": server.password,
            },
        )
        session = http.get(
            server.url + "/3/authentication/session/new",
            params={"request_token": token},
        )

        assert 200 == r.status_code
        assert True is r.json()["success"]
        assert 200 == session.status_code
        assert HEX40.fullmatch(session.json()["session_id"])

    def test_validate_with_login_form(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §12.10: a form-encoded POST body is accepted (lenient_bodies).
        """
        r = client.post(
            "/3/authentication/token/validate_with_login",
            data={
                "username": server.username,
                "password": server.password,
                "request_token": new_token(client),
            },
        )

        assert 200 == r.status_code

    def test_strict_bodies(self):
        """
        §12.10: lenient_bodies=False ignores form bodies and POST queries.
        """
        with (
            TMDbServer(lenient_bodies=False) as server,
            httpx.Client(
                verify=TLS,
                base_url=server.url,
                params={"api_key": server.api_key},
            ) as c,
        ):
            login_fields = {
                "username": server.username,
                "password": server.password,
                "request_token": new_token(c),
            }
            form = c.post(
                "/3/authentication/token/validate_with_login",
                data=login_fields,
            )
            query = c.post(
                "/3/authentication/token/validate_with_login",
                params=login_fields,
            )

        assert (400, 400) == (form.status_code, query.status_code)
        assert 26 == form.json()["status_code"]

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"username": "ann"}, 26),
            ({"password": "x"}, 26),
            ({"username": "", "password": ""}, 26),
        ],
    )
    def test_validate_missing_fields(
        self, client: httpx.Client, fields: dict[str, str], code: int
    ):
        """
        §3.4: a missing username or password gives 400/26.
        """
        r = client.post(
            "/3/authentication/token/validate_with_login",
            json={**fields, "request_token": new_token(client)},
        )

        assert 400 == r.status_code
        assert (
            err(code, "You must provide a username and password.") == r.json()
        )

    @pytest.mark.parametrize(
        ("flags", "code", "message"),
        [
            (
                {"disabled": True},
                31,
                "Account disabled: Your account is no longer active. "
                "Contact TMDB if this is an error.",
            ),
            (
                {"verified": False},
                32,
                "Email not verified: Your email address has not been verified.",
            ),
        ],
    )
    def test_validate_account_state(
        self,
        server: TMDbServer,
        client: httpx.Client,
        flags: dict[str, bool],
        code: int,
        message: str,
    ):
        """
        §10.5: disabled users get 401/31, unverified ones 401/32.
        """
        server.add_user("bob", "pw-bob", **flags)
        r = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": "bob",
                "password": "pw-bob",
                "request_token": new_token(client),
            },
        )

        assert 401 == r.status_code
        assert err(code, message) == r.json()

    def test_session_new_post_json(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §3.5/§10.4: POST session/new with JSON gives a 40-hex session id.
        """
        token = new_token(client)
        server.approve(token)
        r = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert 200 == r.status_code
        assert ["success", "session_id"] == list(r.json())
        assert HEX40.fullmatch(r.json()["session_id"])
        assert server.session_is_valid(r.json()["session_id"])

    def test_session_new_get_query(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §3.5/§10.4: GET session/new with the token in the query works.
        """
        token = new_token(client)
        server.approve(token)
        r = client.get(
            "/3/authentication/session/new", params={"request_token": token}
        )

        assert 200 == r.status_code

    def test_json_with_or_without_charset(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §1: JSON bodies are read with or without a charset parameter.
        """
        tokens = [new_token(client), new_token(client)]
        for t in tokens:
            server.approve(t)
        results = [
            client.post(
                "/3/authentication/session/new",
                content=json.dumps({"request_token": t}).encode(),
                headers={"Content-Type": ctype},
            ).status_code
            for t, ctype in zip(
                tokens,
                ["application/json;charset=utf-8", "application/json"],
                strict=True,
            )
        ]

        assert [200, 200] == results

    def test_malformed_body(self, client: httpx.Client):
        """
        §6/§10.3: a malformed JSON body gives 422/5.
        """
        r = client.post(
            "/3/authentication/session/new",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )

        assert 422 == r.status_code
        assert (
            err(
                5, "Invalid parameters: Your request parameters are incorrect."
            )
            == r.json()
        )

    def test_delete_session_json_body(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §3.7/§10.8: DELETE with a JSON body logs out; the session then 401/3.
        """
        sid = login(server, client)
        r = client.request(
            "DELETE",
            "/3/authentication/session",
            json={"session_id": sid, "username": "extra", "description": "x"},
        )
        after = client.get("/3/account", params={"session_id": sid})

        assert 200 == r.status_code
        assert b'{"success":true}' == r.content
        assert 401 == after.status_code
        assert err(3, MSG3) == after.json()
        assert not server.session_is_valid(sid)

    def test_delete_session_query(
        self, server: TMDbServer, http: requests.Session
    ):
        """
        §10.10: DELETE with session_id in the query is accepted too.
        """
        with httpx.Client(
            verify=TLS, base_url=server.url, params={"api_key": server.api_key}
        ) as c:
            sid = login(server, c)
        r = http.delete(
            server.url + "/3/authentication/session",
            params={"session_id": sid},
        )

        assert 200 == r.status_code

    def test_delete_unknown_session(self, client: httpx.Client):
        """
        §12.3: deleting an unknown session gives 404/37 by default.
        """
        r = client.request(
            "DELETE",
            "/3/authentication/session",
            json={"session_id": "0" * 40},
        )

        assert 404 == r.status_code
        assert err(37, "The requested session could not be found.") == r.json()

    def test_delete_unknown_session_configurable(self, web: httpx.Client):
        """
        §12.3: delete_unknown_session chooses the status and code.
        """
        with TMDbServer(delete_unknown_session=(401, 17)) as server:
            r = web.request(
                "DELETE",
                server.url + "/3/authentication/session",
                params={"api_key": server.api_key},
                json={"session_id": "0" * 40},
            )

        assert 401 == r.status_code
        assert BODY17 == r.content

    def test_convert_read_token(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §3.6: session/convert/4 with the read token gives 401/36.
        """
        r = client.post(
            "/3/authentication/session/convert/4",
            json={"access_token": server.read_token},
        )

        assert 401 == r.status_code
        assert (
            b'{"failure":true,"status_code":36,"status_message":"This token '
            b"hasn't been granted write permission by the user.\","
            b'"success":false}'
        ) == r.content
