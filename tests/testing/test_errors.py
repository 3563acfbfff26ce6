"""Tests of the stand-in server's error bodies, row by row of §7.1."""

from __future__ import annotations

import httpx
import pytest

from tmdb_auth.testing import TMDbServer

from .helpers import BODY7, BODY17, JSON_TYPE, err, login, new_token


class TestErrorShapes:
    """
    Every row of reference §7.1, byte for byte where the order is known.
    """

    def test_bad_api_key(self, raw: httpx.Client):
        """
        §7.1 row 1: a bad key gives 401/7 with status_code first.
        """
        r = raw.get("/3/movie/550", params={"api_key": "0" * 32})

        assert 401 == r.status_code
        assert BODY7 == r.content
        assert JSON_TYPE == r.headers["content-type"]

    @pytest.mark.parametrize(
        "path", ["/3/movie/999999", "/3/movie/top-rated", "/3/tv/1/season/1"]
    )
    def test_unknown_resource(self, client: httpx.Client, path: str):
        """
        §7.1 rows 2-3 and §10.1: unknown id or path segment gives 404/34.
        """
        r = client.get(path)

        assert 404 == r.status_code
        assert (
            b'{"success":false,"status_code":34,"status_message":'
            b'"The resource you requested could not be found."}'
        ) == r.content

    def test_no_session(self, client: httpx.Client):
        """
        §7.1 row 4: no session on a user endpoint gives 401/3.
        """
        r = client.get("/3/account")

        assert 401 == r.status_code
        assert (
            b'{"success":false,"status_code":3,"status_message":'
            b'"Authentication failed: You do not have permissions to access '
            b'the service."}'
        ) == r.content

    def test_session_denied(self, client: httpx.Client):
        """
        §7.1 row 5: session/new with a bad token gives 401/17 with failure.
        """
        r = client.post(
            "/3/authentication/session/new", json={"request_token": "bla"}
        )

        assert 401 == r.status_code
        assert BODY17 == r.content

    def test_bad_login(self, client: httpx.Client):
        """
        §7.1 row 6: validate_with_login with bad credentials gives 401/30.
        """
        r = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": "bla",
                "password": "bla",
                "request_token": new_token(client),
            },
        )

        assert 401 == r.status_code
        assert (
            b'{"success":false,"status_code":30,"status_message":"Invalid '
            b"username and/or password: You did not provide a valid "
            b'login."}'
        ) == r.content

    def test_invalid_request_token(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §7.1 row 7: validate_with_login with a bad token gives 401/33.
        """
        r = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": server.username,
                "password": server.password,
                "request_token": "f" * 40,
            },
        )

        assert 401 == r.status_code
        assert (
            err(
                33,
                "Invalid request token: The request token is either expired "
                "or invalid.",
            )
            == r.json()
        )

    def test_rating_invalid(self, server: TMDbServer, client: httpx.Client):
        """
        §7.1 row 8: an invalid rating value gives 400/18.
        """
        r = client.post(
            "/3/movie/550/rating",
            params={"session_id": login(server, client)},
            json={"value": 7.2},
        )

        assert 400 == r.status_code
        assert (
            err(18, "Value invalid: Values must be a multiple of 0.50.")
            == r.json()
        )

    def test_page_over_500(self, server: TMDbServer, client: httpx.Client):
        """
        §7.1 row 9: page > 500 gives 422 with the different errors shape.
        """
        r = client.get(
            "/3/account/6089455/favorite/movies",
            params={"session_id": login(server, client), "page": 501},
        )

        assert 422 == r.status_code
        assert {
            "errors": ["page must be less than or equal to 500"]
        } == r.json()

    def test_rate_limited(self, server: TMDbServer, client: httpx.Client):
        """
        §7.1 row 10 and §10.9: over the limit gives 429/25 + Retry-After.
        """
        server.set_rate_limit(0.001, burst=1)
        ok = client.get("/3/configuration")
        r = client.get("/3/configuration")

        assert 200 == ok.status_code
        assert 429 == r.status_code
        assert "1" == r.headers["retry-after"]
        assert (
            err(
                25,
                "Your request count (#) is over the allowed limit of (40).",
            )
            == r.json()
        )
