"""Tests of the stand-in server's routing: methods, headers, read endpoints."""

from __future__ import annotations

import httpx
import pytest

from .helpers import JSON_TYPE, err


class TestRouting:
    def test_wrong_method(self, client: httpx.Client):
        """
        §10.1/§10.4: a wrong method on a known path gives 405/42.
        """
        r = client.post("/3/authentication/token/new")

        assert 405 == r.status_code
        assert "GET" == r.headers["allow"]
        assert (
            err(42, "This request method is not supported for this resource.")
            == r.json()
        )

    @pytest.mark.parametrize(
        "path",
        [
            "/3/authentication",
            "/3/authentication/token/new",
            "/3/authentication/guest_session/new",
        ],
    )
    def test_get_only(self, client: httpx.Client, path: str):
        """
        §10.4: authentication, token/new and guest_session/new are GET only.
        """
        assert 200 == client.get(path).status_code
        assert 405 == client.post(path).status_code

    def test_common_headers(self, client: httpx.Client):
        """
        §1/§10.6: JSON content type, Server: openresty, keep-alive.
        """
        r = client.get("/3/configuration")

        assert JSON_TYPE == r.headers["content-type"]
        assert "openresty" == r.headers["server"]
        assert "keep-alive" == r.headers["connection"]
        assert str(len(r.content)) == r.headers["content-length"]

    def test_unknown_query_params_ignored(self, client: httpx.Client):
        """
        §1/§10.10: language, region and friends are ignored.
        """
        r = client.get(
            "/3/authentication/guest_session/new",
            params={"language": "en-US", "region": "BE", "watch_region": ""},
        )

        assert 200 == r.status_code

    @pytest.mark.parametrize(
        "path", ["/3/movie/550", "/3/tv/1399", "/3/tv/1399/season/1",
                 "/3/tv/1399/season/1/episode/1", "/3/configuration"]
    )  # fmt: skip
    def test_read_endpoints(self, client: httpx.Client, path: str):
        """
        The read endpoints need only the credential.
        """
        r = client.get(path)

        assert 200 == r.status_code

    def test_read_data(self, client: httpx.Client):
        """
        The built-in data has Fight Club and Game of Thrones S01E01.
        """
        movie = client.get("/3/movie/550").json()
        episode = client.get("/3/tv/1399/season/1/episode/1").json()
        config = client.get("/3/configuration").json()

        assert ("Fight Club", "tt0137523") == (
            movie["title"],
            movie["imdb_id"],
        )
        assert "Winter Is Coming" == episode["name"]
        assert (
            "https://image.tmdb.org/t/p/"
            == config["images"]["secure_base_url"]
        )

    def test_head(self, client: httpx.Client):
        """
        HEAD is answered without a body (as a wrong method).
        """
        r = client.head("/3/movie/550")

        assert 405 == r.status_code
        assert b"" == r.content
