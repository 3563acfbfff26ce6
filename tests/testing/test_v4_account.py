"""
Tests of the stand-in server's v4 account endpoints,
``/4/account/{account_object_id}/…`` (reference §6, v4): the user access
token, its account, and the records shared with v3.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tmdb_auth.testing import TMDbServer

from .helpers import TLS, err
from .test_v4 import MSG36, bearer, convert, started, status, v4_login


MSG3 = (
    "Authentication failed: You do not have permissions to access the service."
)
ENDPOINTS = [
    "lists",
    "movie/rated",
    "tv/rated",
    "movie/favorites",
    "tv/favorites",
    "movie/watchlist",
    "tv/watchlist",
]


def v3_session(server: TMDbServer, raw: httpx.Client, access: str) -> str:
    sid: str = convert(server, raw, access).json()["session_id"]
    return sid


def v3(server: TMDbServer, sid: str) -> httpx.Client:
    """
    A client sending the v3 key and the v3 session *sid*.
    """
    return httpx.Client(
        verify=TLS,
        base_url=server.url,
        params={"api_key": server.api_key, "session_id": sid},
    )


def listed(
    raw: httpx.Client, access: str, account_id: str, path: str
) -> dict[str, Any]:
    """
    The page of ``/4/account/{account_id}/{path}`` for *access*.
    """
    r = raw.get(f"/4/account/{account_id}/{path}", headers=bearer(access))
    page: dict[str, Any] = r.json()
    return page


class TestChecks:
    """
    Credential, then the user access token, then its account.
    """

    @pytest.mark.parametrize("path", ENDPOINTS)
    def test_empty(self, server: TMDbServer, raw: httpx.Client, path: str):
        """
        With the account's own access token: an empty page in TMDb's
        envelope.
        """
        access, account_id = v4_login(server, raw)

        r = raw.get(f"/4/account/{account_id}/{path}", headers=bearer(access))

        assert 200 == r.status_code
        assert {
            "page": 1,
            "results": [],
            "total_pages": 0,
            "total_results": 0,
        } == r.json()

    @pytest.mark.parametrize("path", ENDPOINTS)
    def test_read_token(
        self, server: TMDbServer, raw: httpx.Client, path: str
    ):
        """
        The read token (or the v3 key) is no user: 401/36 by default.
        """
        account_id = server.account_object_id()

        read = raw.get(
            f"/4/account/{account_id}/{path}",
            headers=bearer(server.read_token),
        )
        key = raw.get(
            f"/4/account/{account_id}/{path}",
            params={"api_key": server.api_key},
        )

        assert (401, 36) == status(read)
        assert MSG36 == read.json()["status_message"]
        assert (401, 36) == status(key)

    @pytest.mark.parametrize("path", ENDPOINTS)
    def test_other_account(
        self, server: TMDbServer, raw: httpx.Client, path: str
    ):
        """
        Bob's token on ann's account, or on an id nobody has: 401/3.
        """
        server.add_user("bob", "bob-pw")
        bobs, _ = v4_login(server, raw, "bob")

        anns = raw.get(
            f"/4/account/{server.account_object_id()}/{path}",
            headers=bearer(bobs),
        )
        nobody = raw.get(f"/4/account/{'0' * 24}/{path}", headers=bearer(bobs))

        assert 401 == anns.status_code
        assert err(3, MSG3) == anns.json()
        assert (401, 3) == status(nobody)

    def test_no_credential(self, server: TMDbServer, raw: httpx.Client):
        """
        No credential at all: 401/7 first.
        """
        r = raw.get(f"/4/account/{server.account_object_id()}/lists")

        assert (401, 7) == status(r)

    def test_page_checked(self, server: TMDbServer, raw: httpx.Client):
        """
        After the token, the page: 0 gives 400/22.
        """
        access, account_id = v4_login(server, raw)

        r = raw.get(
            f"/4/account/{account_id}/movie/rated",
            headers=bearer(access),
            params={"page": 0},
        )

        assert (400, 22) == status(r)

    def test_settings(self):
        """
        v4_read_token and v4_other_account choose the refusals.
        """
        with started(v4_read_token=(403, 3), v4_other_account=(404, 34)) as (
            server,
            raw,
        ):
            server.add_user("bob", "bob-pw")
            bobs, _ = v4_login(server, raw, "bob")
            path = f"/4/account/{server.account_object_id()}/lists"
            read = raw.get(path, headers=bearer(server.read_token))
            other = raw.get(path, headers=bearer(bobs))

        assert [(403, 3), (404, 34)] == [status(read), status(other)]


class TestSharedWithV3:
    """
    The account's v3 records are its v4 records.
    """

    def test_rated(self, server: TMDbServer, raw: httpx.Client):
        """
        A rating made through v3 shows in v4's rated list, with
        account_rating.
        """
        access, account_id = v4_login(server, raw)
        sid = v3_session(server, raw, access)
        with v3(server, sid) as c:
            c.post("/3/movie/550/rating", json={"value": 8.5})
            c.post("/3/tv/1399/rating", json={"value": 9})

        movies = listed(raw, access, account_id, "movie/rated")
        shows = listed(raw, access, account_id, "tv/rated")

        assert 1 == movies["total_results"]
        assert "Fight Club" == movies["results"][0]["title"]
        assert 8.5 == movies["results"][0]["account_rating"]["value"]
        assert movies["results"][0]["account_rating"]["created_at"].endswith(
            "Z"
        )
        assert ["Game of Thrones"] == [s["name"] for s in shows["results"]]

    @pytest.mark.parametrize("kind", ["favorite", "watchlist"])
    def test_marks(self, server: TMDbServer, raw: httpx.Client, kind: str):
        """
        Favorites and watchlist marked through v3 show in v4, movies and
        TV apart.
        """
        access, account_id = v4_login(server, raw)
        sid = v3_session(server, raw, access)
        with v3(server, sid) as c:
            v3_id = c.get("/3/account").json()["id"]
            for media_type, media_id in (("movie", 13), ("tv", 1396)):
                c.post(
                    f"/3/account/{v3_id}/{kind}",
                    json={
                        "media_type": media_type,
                        "media_id": media_id,
                        kind: True,
                    },
                )
        path = "favorites" if kind == "favorite" else "watchlist"

        movies = listed(raw, access, account_id, f"movie/{path}")
        shows = listed(raw, access, account_id, f"tv/{path}")

        assert ["Forrest Gump"] == [m["title"] for m in movies["results"]]
        assert ["Breaking Bad"] == [s["name"] for s in shows["results"]]

    def test_only_own_records(self, server: TMDbServer, raw: httpx.Client):
        """
        Bob's ratings are not ann's.
        """
        server.add_user("bob", "bob-pw")
        bobs, _ = v4_login(server, raw, "bob")
        anns, ann_id = v4_login(server, raw)
        with v3(server, v3_session(server, raw, bobs)) as c:
            c.post("/3/movie/550/rating", json={"value": 3})

        page = listed(raw, anns, ann_id, "movie/rated")

        assert 0 == page["total_results"]

    def test_sort_by(self, server: TMDbServer, raw: httpx.Client):
        """
        created_at.asc (default) and .desc, and title.asc.
        """
        access, account_id = v4_login(server, raw)
        with v3(server, v3_session(server, raw, access)) as c:
            for movie_id in (13, 278, 550):
                c.post(f"/3/movie/{movie_id}/rating", json={"value": 7})
                server.advance(1)

        def titles(sort_by: str | None) -> list[str]:
            r = raw.get(
                f"/4/account/{account_id}/movie/rated",
                headers=bearer(access),
                params={"sort_by": sort_by} if sort_by else {},
            )
            return [m["title"] for m in r.json()["results"]]

        assert ["Forrest Gump", "The Shawshank Redemption", "Fight Club"] == (
            titles(None)
        )
        assert ["Fight Club", "The Shawshank Redemption", "Forrest Gump"] == (
            titles("created_at.desc")
        )
        assert ["Fight Club", "Forrest Gump", "The Shawshank Redemption"] == (
            titles("title.asc")
        )

    def test_pages(self, server: TMDbServer, raw: httpx.Client):
        """
        20 to a page: 25 ratings are two pages.
        """
        access, account_id = v4_login(server, raw)
        movies = raw.get(
            "/3/discover/movie", params={"api_key": server.api_key}
        ).json()["results"]
        extra = raw.get(
            "/3/discover/movie",
            params={"api_key": server.api_key, "page": 2},
        ).json()["results"]
        with v3(server, v3_session(server, raw, access)) as c:
            for movie in (movies + extra)[:25]:
                c.post(f"/3/movie/{movie['id']}/rating", json={"value": 6})

        second = raw.get(
            f"/4/account/{account_id}/movie/rated",
            headers=bearer(access),
            params={"page": 2},
        ).json()

        assert (2, 2, 25, 5) == (
            second["page"],
            second["total_pages"],
            second["total_results"],
            len(second["results"]),
        )
