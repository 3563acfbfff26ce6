"""
Tests of the stand-in server's v4 lists, ``/4/list`` (reference §6, v4):
each endpoint's success and refusals in TMDb's check order (credential,
user access token, body, list), and lists shared with v3.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tmdb_auth.testing import TMDbServer

from .helpers import err
from .test_v4 import bearer, convert, status, v4_login


Item = dict[str, Any]


class Owner:
    """
    A user with an access token, and the calls they make on lists.
    """

    def __init__(self, raw: httpx.Client, access: str) -> None:
        self.raw = raw
        self.access = access

    def call(
        self, method: str, path: str, body: object = None, **params: object
    ) -> httpx.Response:
        return self.raw.request(
            method,
            path,
            headers=bearer(self.access),
            json=body,
            params=params or None,
        )

    def create(self, name: str = "Mine", **fields: object) -> int:
        body = {"name": name, "iso_639_1": "en", **fields}
        list_id: int = self.call("POST", "/4/list", body).json()["id"]
        return list_id

    def add(self, list_id: int, *items: tuple[str, int]) -> httpx.Response:
        return self.items("POST", list_id, *items)

    def items(
        self, method: str, list_id: int, *items: tuple[str, int]
    ) -> httpx.Response:
        body = {"items": [{"media_type": t, "media_id": i} for t, i in items]}
        return self.call(method, f"/4/list/{list_id}/items", body)

    def get(self, list_id: int, **params: object) -> httpx.Response:
        return self.call("GET", f"/4/list/{list_id}", **params)

    def item_status(self, list_id: int, **params: object) -> httpx.Response:
        return self.call("GET", f"/4/list/{list_id}/item_status", **params)


@pytest.fixture
def ann(server: TMDbServer, raw: httpx.Client) -> Owner:
    return Owner(raw, v4_login(server, raw)[0])


@pytest.fixture
def bob(server: TMDbServer, raw: httpx.Client) -> Owner:
    server.add_user("bob", "bob-pw")
    return Owner(raw, v4_login(server, raw, "bob")[0])


@pytest.fixture
def reader(server: TMDbServer, raw: httpx.Client) -> Owner:
    """
    The application's read token, acting for nobody.
    """
    return Owner(raw, server.read_token)


def titles(r: httpx.Response) -> list[str]:
    return [i.get("title") or i["name"] for i in r.json()["results"]]


class TestCreate:
    """
    ``POST /4/list``.
    """

    def test_created(self, server: TMDbServer, ann: Owner):
        """
        201 with the new list's id; the list is ann's, public, empty.
        """
        r = ann.call(
            "POST",
            "/4/list",
            {"name": "Best", "iso_639_1": "en", "description": "mine"},
        )
        got = ann.get(r.json()["id"]).json()

        assert 201 == r.status_code
        assert [
            "status_message", "id", "success", "status_code"
        ] == list(r.json())  # fmt: skip
        assert (1, "The item/record was created successfully.") == (
            r.json()["status_code"],
            r.json()["status_message"],
        )
        assert ("Best", "mine", True, 0) == (
            got["name"],
            got["description"],
            got["public"],
            got["total_results"],
        )
        assert "ann" == got["created_by"]["username"]
        assert server.account_object_id() == got["created_by"]["id"]

    def test_read_token(self, reader: Owner):
        """
        The read token cannot write: 401/36, before the body is looked at.
        """
        r = reader.call("POST", "/4/list", {})

        assert (401, 36) == status(r)

    def test_key_only(self, server: TMDbServer, raw: httpx.Client):
        """
        A v4 write with the v3 key alone: 401/7.
        """
        r = raw.post(
            "/4/list",
            params={"api_key": server.api_key},
            json={"name": "x", "iso_639_1": "en"},
        )

        assert (401, 7) == status(r)

    @pytest.mark.parametrize(
        "body",
        [
            {"iso_639_1": "en"},
            {"name": " ", "iso_639_1": "en"},
            {"name": "x"},
            {"name": "x", "iso_639_1": "en", "public": "maybe"},
        ],
    )
    def test_body(self, ann: Owner, body: dict[str, object]):
        """
        name and iso_639_1 are required, public a boolean: 422/5.
        """
        r = ann.call("POST", "/4/list", body)

        assert (422, 5) == status(r)


class TestGet:
    """
    ``GET /4/list/{list_id}``.
    """

    def test_details(self, server: TMDbServer, ann: Owner, reader: Owner):
        """
        A public list with the read token: its items (movies and shows,
        with media_type), comments, object ids and totals.
        """
        list_id = ann.create()
        ann.add(list_id, ("movie", 550), ("tv", 1399))

        r = reader.get(list_id)
        body = r.json()

        assert 200 == r.status_code
        assert ["Fight Club", "Game of Thrones"] == titles(r)
        assert ["movie", "tv"] == [i["media_type"] for i in body["results"]]
        assert {"movie:550": None, "tv:1399": None} == body["comments"]
        assert {"movie:550", "tv:1399"} == set(body["object_ids"])
        assert (1, 1, 2, 2) == (
            body["page"],
            body["total_pages"],
            body["total_results"],
            body["item_count"],
        )
        assert "original_order.asc" == body["sort_by"]

    def test_private(
        self, server: TMDbServer, ann: Owner, bob: Owner, reader: Owner
    ):
        """
        A private list: 401/39 for the read token and other users; its
        owner reads it.
        """
        list_id = ann.create(public=False)

        refused = [status(o.get(list_id)) for o in (reader, bob)]

        assert [(401, 39), (401, 39)] == refused
        assert (
            err(39, "This resource is private.") == reader.get(list_id).json()
        )
        assert 200 == ann.get(list_id).status_code

    def test_unknown(self, reader: Owner):
        """
        No such list: 404/34.
        """
        assert (404, 34) == status(reader.get(999))

    def test_api_key(self, server: TMDbServer, raw: httpx.Client, ann: Owner):
        """
        A GET on v4: the v3 key is enough for a public list.
        """
        list_id = ann.create()

        r = raw.get(f"/4/list/{list_id}", params={"api_key": server.api_key})

        assert 200 == r.status_code

    def test_sort_and_pages(self, ann: Owner):
        """
        sort_by orders the items; 20 to a page.
        """
        list_id = ann.create()
        ann.add(list_id, ("movie", 13), ("movie", 550), ("movie", 278))

        by_title = ann.get(list_id, sort_by="title.desc")
        reversed_ = ann.get(list_id, sort_by="original_order.desc")

        assert [
            "The Shawshank Redemption", "Forrest Gump", "Fight Club"
        ] == titles(by_title)  # fmt: skip
        assert [
            "The Shawshank Redemption", "Fight Club", "Forrest Gump"
        ] == titles(reversed_)  # fmt: skip

    @pytest.mark.parametrize(
        ("sort_by", "field", "reverse"),
        [
            ("vote_average.desc", "vote_average", True),
            ("primary_release_date.asc", "release_date", False),
        ],
    )
    def test_sort_by_field(
        self,
        server: TMDbServer,
        ann: Owner,
        sort_by: str,
        field: str,
        reverse: bool,
    ):
        """
        By rating or release date, as /3/movie/{id} reports them.
        """
        ids = (13, 550, 278, 238)
        list_id = ann.create()
        ann.add(list_id, *(("movie", i) for i in ids))
        movies = [
            ann.raw.get(
                f"/3/movie/{i}", params={"api_key": server.api_key}
            ).json()
            for i in ids
        ]
        expected = sorted(movies, key=lambda m: m[field], reverse=reverse)

        r = ann.get(list_id, sort_by=sort_by)

        assert [m["title"] for m in expected] == titles(r)

    def test_unknown_sort_by(self, ann: Owner):
        """
        An unknown sort_by is the list's own order.
        """
        list_id = ann.create()
        ann.add(list_id, ("movie", 550), ("movie", 13))

        assert ["Fight Club", "Forrest Gump"] == titles(
            ann.get(list_id, sort_by="bogus")
        )

    def test_many_pages(self, server: TMDbServer, ann: Owner):
        """
        25 items are two pages.
        """
        movies = (
            ann.raw.get(
                "/3/discover/movie", params={"api_key": server.api_key}
            ).json()["results"]
            + ann.raw.get(
                "/3/discover/movie",
                params={"api_key": server.api_key, "page": 2},
            ).json()["results"]
        )
        list_id = ann.create()
        ann.add(list_id, *(("movie", m["id"]) for m in movies[:25]))

        second = ann.get(list_id, page=2).json()

        assert (2, 25, 5) == (
            second["total_pages"],
            second["total_results"],
            len(second["results"]),
        )


class TestUpdate:
    """
    ``PUT /4/list/{list_id}``.
    """

    def test_updated(self, ann: Owner):
        """
        201/12; the new name, description, privacy and order show.
        """
        list_id = ann.create()
        ann.add(list_id, ("movie", 13), ("movie", 550))

        r = ann.call(
            "PUT",
            f"/4/list/{list_id}",
            {
                "name": "Renamed",
                "description": "d",
                "public": False,
                "sort_by": "title.asc",
            },
        )
        got = ann.get(list_id)

        assert (201, 12) == status(r)
        assert ("Renamed", "d", False, "title.asc") == (
            got.json()["name"],
            got.json()["description"],
            got.json()["public"],
            got.json()["sort_by"],
        )
        assert ["Fight Club", "Forrest Gump"] == titles(got)

    def test_nothing(self, ann: Owner):
        """
        A body that changes nothing: 200/40.
        """
        list_id = ann.create()

        r = ann.call("PUT", f"/4/list/{list_id}", {"unknown": 1})

        assert 200 == r.status_code
        assert 40 == r.json()["status_code"]

    @pytest.mark.parametrize(
        "body",
        [
            {"name": ""},
            {"name": 5},
            {"description": None},
            {"public": "maybe"},
            {"sort_by": "popularity.desc"},
        ],
    )
    def test_body(self, ann: Owner, body: dict[str, object]):
        """
        An empty name, a non-string, a non-boolean public or an unknown
        sort_by: 422/5.
        """
        list_id = ann.create()

        r = ann.call("PUT", f"/4/list/{list_id}", body)

        assert (422, 5) == status(r)

    def test_refusals(self, ann: Owner, bob: Owner, reader: Owner):
        """
        The read token 401/36, a bad sort_by 422/5, bob 401/38, no list
        404/34: in that order.
        """
        list_id = ann.create()

        read = reader.call("PUT", f"/4/list/{list_id}", {"sort_by": "x"})
        bad = bob.call("PUT", "/4/list/999", {"sort_by": "x"})
        other = bob.call("PUT", f"/4/list/{list_id}", {"name": "x"})
        missing = ann.call("PUT", "/4/list/999", {"name": "x"})

        assert [(401, 36), (422, 5), (401, 38), (404, 34)] == [
            status(r) for r in (read, bad, other, missing)
        ]


class TestDelete:
    """
    ``DELETE /4/list/{list_id}``.
    """

    def test_deleted(self, ann: Owner):
        """
        200/13, then the list is gone (404/34).
        """
        list_id = ann.create()

        r = ann.call("DELETE", f"/4/list/{list_id}")

        assert (200, 13) == status(r)
        assert (404, 34) == status(ann.get(list_id))

    def test_refusals(self, ann: Owner, bob: Owner, reader: Owner):
        """
        The read token 401/36, bob 401/38, no list 404/34.
        """
        list_id = ann.create()

        got = [
            status(reader.call("DELETE", f"/4/list/{list_id}")),
            status(bob.call("DELETE", f"/4/list/{list_id}")),
            status(ann.call("DELETE", "/4/list/999")),
        ]

        assert [(401, 36), (401, 38), (404, 34)] == got
        assert 200 == ann.get(list_id).status_code


class TestItems:
    """
    ``POST``, ``PUT`` and ``DELETE /4/list/{list_id}/items``.
    """

    def test_add(self, ann: Owner):
        """
        200/1 with one result per item: added, already there, unknown.
        """
        list_id = ann.create()
        ann.add(list_id, ("movie", 550))

        r = ann.add(list_id, ("tv", 1399), ("movie", 550), ("movie", 999999))

        assert 200 == r.status_code
        assert (1, True) == (r.json()["status_code"], r.json()["success"])
        assert [
            {"media_type": "tv", "media_id": 1399, "success": True},
            {
                "media_type": "movie",
                "media_id": 550,
                "success": False,
                "error": ["Media has already been taken"],
            },
            {
                "media_type": "movie",
                "media_id": 999999,
                "success": False,
                "error": ["Media couldn't be found"],
            },
        ] == r.json()["results"]
        assert ["Fight Club", "Game of Thrones"] == titles(ann.get(list_id))

    def test_comment(self, ann: Owner):
        """
        PUT sets an item's comment (an empty one removes it); an item not
        on the list fails on its own.
        """
        list_id = ann.create()
        ann.add(list_id, ("movie", 550), ("movie", 13))

        r = ann.call(
            "PUT",
            f"/4/list/{list_id}/items",
            {
                "items": [
                    {"media_type": "movie", "media_id": 550, "comment": "!"},
                    {"media_type": "movie", "media_id": 278, "comment": "?"},
                ]
            },
        )

        commented = ann.get(list_id).json()["comments"]
        ann.call(
            "PUT",
            f"/4/list/{list_id}/items",
            {
                "items": [
                    {"media_type": "movie", "media_id": 550, "comment": ""}
                ]
            },
        )

        assert [True, False] == [i["success"] for i in r.json()["results"]]
        assert {"movie:550": "!", "movie:13": None} == commented
        assert {"movie:550": None, "movie:13": None} == ann.get(
            list_id
        ).json()["comments"]

    def test_remove(self, ann: Owner):
        """
        DELETE removes items; one not on the list fails on its own.
        """
        list_id = ann.create()
        ann.add(list_id, ("movie", 550), ("tv", 1399), ("movie", 13))

        r = ann.items(
            "DELETE", list_id, ("tv", 1399), ("tv", 1396), ("movie", 550)
        )

        assert [True, False, True] == [
            i["success"] for i in r.json()["results"]
        ]
        assert ["Forrest Gump"] == titles(ann.get(list_id))

    @pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"items": []},
            {"items": [{"media_type": "person", "media_id": 1}]},
            {"items": [{"media_type": "movie"}]},
            {"items": ["movie:550"]},
        ],
    )
    def test_body(self, ann: Owner, method: str, body: object):
        """
        items must be a non-empty list of movie or tv items: 422/5.
        """
        list_id = ann.create()

        r = ann.call(method, f"/4/list/{list_id}/items", body)

        assert (422, 5) == status(r)

    @pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
    def test_refusals(
        self, ann: Owner, bob: Owner, reader: Owner, method: str
    ):
        """
        The read token 401/36, bob 401/38, no list 404/34.
        """
        list_id = ann.create()

        got = [
            status(o.items(method, lid, ("movie", 550)))
            for o, lid in ((reader, list_id), (bob, list_id), (ann, 999))
        ]

        assert [(401, 36), (401, 38), (404, 34)] == got


class TestItemStatus:
    """
    ``GET /4/list/{list_id}/item_status``.
    """

    def test_present(self, ann: Owner):
        """
        An item on the list: 200 with its id and type.
        """
        list_id = ann.create()
        ann.add(list_id, ("tv", 1399))

        r = ann.item_status(list_id, media_type="tv", media_id=1399)

        assert 200 == r.status_code
        assert (list_id, 1399, "tv", 1) == (
            r.json()["id"],
            r.json()["media_id"],
            r.json()["media_type"],
            r.json()["status_code"],
        )

    def test_absent(self, ann: Owner):
        """
        Not on the list (a movie with the show's id neither): 404/34.
        """
        list_id = ann.create()
        ann.add(list_id, ("tv", 1399))

        r = ann.item_status(list_id, media_type="movie", media_id=1399)

        assert (404, 34) == status(r)

    def test_refusals(self, ann: Owner, bob: Owner, reader: Owner):
        """
        The read token 401/36, no media_type 422/5, bob 401/38.
        """
        list_id = ann.create()

        got = [
            status(
                reader.item_status(list_id, media_type="movie", media_id=1)
            ),
            status(ann.item_status(list_id, media_id=1)),
            status(bob.item_status(list_id, media_type="movie", media_id=1)),
        ]

        assert [(401, 36), (422, 5), (401, 38)] == got


class TestClear:
    """
    ``GET /4/list/{list_id}/clear``.
    """

    def test_cleared(self, ann: Owner):
        """
        Every item goes; the answer says how many.
        """
        list_id = ann.create()
        ann.add(list_id, ("movie", 550), ("tv", 1399))

        r = ann.call("GET", f"/4/list/{list_id}/clear")

        assert (200, 1) == status(r)
        assert (list_id, 2) == (r.json()["id"], r.json()["items_deleted"])
        assert [] == ann.get(list_id).json()["results"]

    def test_refusals(self, ann: Owner, bob: Owner, reader: Owner):
        """
        The read token 401/36, bob 401/38.
        """
        list_id = ann.create()

        got = [
            status(o.call("GET", f"/4/list/{list_id}/clear"))
            for o in (reader, bob)
        ]

        assert [(401, 36), (401, 38)] == got


class TestAccountLists:
    """
    ``GET /4/account/{account_object_id}/lists``.
    """

    def test_lists(self, server: TMDbServer, ann: Owner, bob: Owner):
        """
        The account's own lists (private ones too), oldest first, in v4's
        summary shape; not bob's.
        """
        first = ann.create("First", public=False)
        server.advance(1)
        ann.add(ann.create("Second"), ("movie", 550))
        bob.create("Bob's")
        account_id = server.account_object_id()

        r = ann.call("GET", f"/4/account/{account_id}/lists")
        body = r.json()

        assert 200 == r.status_code
        assert ["First", "Second"] == [i["name"] for i in body["results"]]
        assert (first, account_id, 0, 1) == (
            body["results"][0]["id"],
            body["results"][0]["account_object_id"],
            body["results"][0]["public"],
            body["results"][1]["number_of_items"],
        )
        assert {
            "account_object_id", "adult", "average_rating", "backdrop_path",
            "created_at", "description", "featured", "id", "iso_3166_1",
            "iso_639_1", "name", "number_of_items", "poster_path", "public",
            "revenue", "runtime", "sort_by", "updated_at",
        } == set(body["results"][0])  # fmt: skip


class TestSharedWithV3:
    """
    One list, whichever API made it.
    """

    def test_v3_list_in_v4(
        self, server: TMDbServer, raw: httpx.Client, ann: Owner
    ):
        """
        A list made through v3 is in v4's account lists, and v4 adds a
        show to it; v3 keeps seeing its movies.
        """
        sid = convert(server, raw, ann.access).json()["session_id"]
        v3 = {"api_key": server.api_key, "session_id": sid}
        list_id = raw.post(
            "/3/list", params=v3, json={"name": "Old", "language": "en"}
        ).json()["list_id"]
        raw.post(
            f"/3/list/{list_id}/add_item", params=v3, json={"media_id": 550}
        )

        ann.add(list_id, ("tv", 1399), ("movie", 13))
        mine = ann.call(
            "GET", f"/4/account/{server.account_object_id()}/lists"
        ).json()
        in_v3 = raw.get(f"/3/list/{list_id}", params=v3).json()

        assert ["Old"] == [i["name"] for i in mine["results"]]
        assert ["Fight Club", "Game of Thrones", "Forrest Gump"] == titles(
            ann.get(list_id)
        )
        assert ["Fight Club", "Forrest Gump"] == [
            i["title"] for i in in_v3["items"]
        ]

    def test_v3_changes_seen(
        self, server: TMDbServer, raw: httpx.Client, ann: Owner
    ):
        """
        Movies v3 removes from a v4 list are gone from it in v4 too.
        """
        list_id = ann.create()
        ann.add(list_id, ("movie", 550), ("tv", 1399), ("movie", 13))
        sid = convert(server, raw, ann.access).json()["session_id"]

        raw.post(
            f"/3/list/{list_id}/remove_item",
            params={"api_key": server.api_key, "session_id": sid},
            json={"media_id": 550},
        )

        assert ["Game of Thrones", "Forrest Gump"] == titles(ann.get(list_id))
