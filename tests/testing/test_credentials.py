"""Tests of how the stand-in server checks the application credential."""

from __future__ import annotations

import re

import httpx
import pytest
import requests

from tmdb_auth.testing import TMDbServer

from .helpers import BODY7, err, jwt_part


class TestCredentials:
    """
    §2.1 and §10.2: the application credential is checked first.
    """

    def test_api_key_and_read_token(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        §2.1: the key in api_key and the read token as Bearer both work.
        """
        by_key = raw.get("/3/movie/550", params={"api_key": server.api_key})
        by_token = raw.get(
            "/3/movie/550",
            headers={"Authorization": f"Bearer {server.read_token}"},
        )

        assert (200, 200) == (by_key.status_code, by_token.status_code)
        assert by_key.json() == by_token.json()

    def test_read_token_shape(self, server: TMDbServer):
        """
        §2.1/§10.7: the read token is an HS256 JWT without exp.
        """
        token = server.read_token
        payload = jwt_part(token, 1)

        assert {"alg": "HS256"} == jwt_part(token, 0)
        assert ["aud", "nbf", "scopes", "sub", "version"] == sorted(payload)
        assert server.api_key == payload["aud"]
        assert isinstance(payload["nbf"], float)
        assert re.fullmatch(r"[0-9a-f]{24}", str(payload["sub"]))
        assert ["api_read"] == payload["scopes"]
        assert 1 == payload["version"]

    @pytest.mark.parametrize(
        "case", ["missing", "unknown", "key-as-bearer", "token-as-api_key",
                 "empty", "garbage-bearer", "foreign-token"]
    )  # fmt: skip
    def test_bad_credential(
        self, server: TMDbServer, raw: httpx.Client, case: str
    ):
        """
        §10.2: missing, invalid or wrong-slot credentials give 401/7.
        """
        foreign = TMDbServer(api_key=server.api_key).read_token
        params, headers = {
            "missing": ({}, {}),
            "unknown": ({"api_key": "1" * 32}, {}),
            "key-as-bearer": (
                {},
                {"Authorization": f"Bearer {server.api_key}"},
            ),
            "token-as-api_key": ({"api_key": server.read_token}, {}),
            "empty": ({"api_key": ""}, {}),
            "garbage-bearer": ({}, {"Authorization": "Bearer a.b.c"}),
            "foreign-token": ({}, {"Authorization": f"Bearer {foreign}"}),
        }[case]
        r = raw.get("/3/authentication", params=params, headers=headers)

        assert 401 == r.status_code
        assert BODY7 == r.content

    def test_empty_api_key_with_bearer(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        §2.1: an empty api_key next to a valid Bearer is ignored.
        """
        r = raw.get(
            "/3/authentication",
            params={"api_key": ""},
            headers={"Authorization": f"Bearer {server.read_token}"},
        )

        assert 200 == r.status_code

    @pytest.mark.parametrize("bad", ["api_key", "bearer"])
    def test_both_present_one_invalid(
        self, server: TMDbServer, raw: httpx.Client, bad: str
    ):
        """
        §12.9: with api_key and Bearer both present, either invalid is 401/7.
        """
        key = "2" * 32 if bad == "api_key" else server.api_key
        token = "x.y.z" if bad == "bearer" else server.read_token
        r = raw.get(
            "/3/authentication",
            params={"api_key": key},
            headers={"Authorization": f"Bearer {token}"},
        )

        assert 401 == r.status_code
        assert BODY7 == r.content

    def test_suspended_key(self, server: TMDbServer, raw: httpx.Client):
        """
        A suspended key, or its read token, gives 401/10.
        """
        key = server.add_api_key(suspended=True)
        by_key = raw.get("/3/authentication", params={"api_key": key})
        by_token = raw.get(
            "/3/authentication",
            headers={"Authorization": f"Bearer {server.read_token_for(key)}"},
        )

        assert (401, 401) == (by_key.status_code, by_token.status_code)
        assert (
            err(
                10,
                "Suspended API key: Access to your account has been "
                "suspended, contact TMDB.",
            )
            == by_key.json()
            == by_token.json()
        )

    def test_added_key_and_its_token(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        add_api_key() registers a key; read_token_for() signs its token.
        """
        key = server.add_api_key("ab" * 16)
        token = server.read_token_for(key)
        r = raw.get(
            "/3/authentication", headers={"Authorization": f"Bearer {token}"}
        )

        assert "ab" * 16 == key
        assert key == jwt_part(token, 1)["aud"]
        assert 200 == r.status_code

    def test_token_for_unknown_key_is_rejected(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        A read token whose aud the server does not know gives 401/7.
        """
        token = server.read_token_for("cd" * 16)
        r = raw.get(
            "/3/authentication", headers={"Authorization": f"Bearer {token}"}
        )

        assert BODY7 == r.content

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/3/authentication/token/new"),
            ("GET", "/3/authentication/guest_session/new"),
            ("POST", "/3/authentication/session/new"),
            ("DELETE", "/3/authentication/session"),
            ("GET", "/3/no/such/path"),
            ("POST", "/3/movie/550/rating"),
        ],
    )
    def test_credential_checked_first(
        self, raw: httpx.Client, method: str, path: str
    ):
        """
        §10.2: the credential is checked first on every route, even unknown.
        """
        r = raw.request(method, path, json={"value": 0})

        assert 401 == r.status_code
        assert BODY7 == r.content

    def test_any_host(self, server: TMDbServer, client: httpx.Client):
        """
        §10.1: the api.themoviedb.org paths work whatever the Host header.
        """
        r = client.get("/3/movie/11", headers={"Host": "api.themoviedb.org"})

        assert 200 == r.status_code
        assert "Star Wars" == r.json()["title"]

    def test_absolute_form_as_proxy(self, server: TMDbServer):
        """
        §10.1: as an HTTP proxy it answers absolute-form api.themoviedb.org
        URLs, so code with the real URL can be pointed at it.
        """
        with requests.Session() as s:
            s.trust_env = False
            r = s.get(
                "http://api.themoviedb.org/3/movie/13",
                params={"api_key": server.api_key},
                proxies={"http": server.url},
            )

        assert (200, "Forrest Gump") == (r.status_code, r.json()["title"])
        assert "/3/movie/13" == server.requests[-1].path

    def test_v4_write_needs_bearer(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §2.1: on v4, api_key only works on GET; a POST with it gives 401/7.
        """
        r = client.post("/4/auth/request_token")

        assert BODY7 == r.content
