"""Tests of sessions on the stand-in server: endpoints and lifetimes."""

from __future__ import annotations

import httpx
import pytest

from tmdb_auth.testing import TMDbServer

from .helpers import MSG3, TLS, err, guest, login, new_token


class TestSessionEndpoints:
    """
    §6: the endpoints that need a session, with their check order.
    """

    def test_account(self, server: TMDbServer, client: httpx.Client):
        """
        GET /3/account with a session answers the account in TMDb's order.
        """
        r = client.get(
            "/3/account", params={"session_id": login(server, client)}
        )
        body = r.json()

        assert 200 == r.status_code
        assert [
            "avatar", "id", "iso_639_1", "iso_3166_1", "name",
            "include_adult", "username",
        ] == list(body)  # fmt: skip
        assert (6089455, "ann") == (body["id"], body["username"])

    @pytest.mark.parametrize("which", ["empty", "unknown", "guest-as-user"])
    def test_bad_session(self, client: httpx.Client, which: str):
        """
        §2.2: empty, unknown, or a guest id as session_id gives 401/3.
        """
        sid = {
            "empty": "",
            "unknown": "0" * 40,
            "guest-as-user": guest(client),
        }[which]
        r = client.get("/3/account", params={"session_id": sid})

        assert 401 == r.status_code
        assert err(3, MSG3) == r.json()

    def test_user_route_refuses_guest(self, client: httpx.Client):
        """
        Routes that need a user session refuse a guest session: 401/3.
        """
        params = {"guest_session_id": guest(client)}
        account = client.get("/3/account", params=params)
        new_list = client.post("/3/list", params=params, json={"name": "x"})

        assert (401, 401) == (account.status_code, new_list.status_code)

    def test_account_by_id(self, server: TMDbServer, client: httpx.Client):
        """
        /3/account/{id}: own id 200, another user's id 401/3, unknown 404/34.
        """
        params = {"session_id": login(server, client)}
        bob = server.add_user("bob", "pw")
        own = client.get("/3/account/6089455", params=params)
        other = client.get(f"/3/account/{bob.id}", params=params)
        unknown = client.get("/3/account/1", params=params)

        assert (200, 401, 404) == (
            own.status_code,
            other.status_code,
            unknown.status_code,
        )

    @pytest.mark.parametrize("kind", ["favorite", "watchlist"])
    def test_favorite_and_watchlist(
        self, server: TMDbServer, client: httpx.Client, kind: str
    ):
        """
        §6/§12.8: 201/1 when added, 201/12 when again, 200/13 when removed;
        the paged list shows it meanwhile.
        """
        params = {"session_id": login(server, client)}
        path = f"/3/account/6089455/{kind}"
        body = {"media_type": "movie", "media_id": 550, kind: True}
        first = client.post(path, params=params, json=body)
        again = client.post(path, params=params, json=body)
        listed = client.get(path + "/movies", params=params).json()
        removed = client.post(path, params=params, json={**body, kind: False})
        after = client.get(path + "/movies", params=params).json()

        assert (201, 1) == (first.status_code, first.json()["status_code"])
        assert (201, 12) == (again.status_code, again.json()["status_code"])
        assert (200, 13) == (
            removed.status_code,
            removed.json()["status_code"],
        )
        assert ["page", "results", "total_pages", "total_results"] == list(
            listed
        )
        assert [550] == [m["id"] for m in listed["results"]]
        assert (1, 1) == (listed["total_pages"], listed["total_results"])
        assert 0 == after["total_results"]

    def test_favorite_check_order(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §6 check order on favorite: 401/3, then 422/5 body, then 404/34.
        """
        sid = login(server, client)
        path = "/3/account/6089455/favorite"
        bad = {"media_type": "book", "media_id": 1, "favorite": True}
        unknown = {"media_type": "movie", "media_id": 1, "favorite": True}
        no_session = client.post(path, json=bad)
        bad_body = client.post(path, params={"session_id": sid}, json=bad)
        missing = client.post(path, params={"session_id": sid}, json=unknown)

        assert [(401, 3), (422, 5), (404, 34)] == [
            (r.status_code, r.json()["status_code"])
            for r in (no_session, bad_body, missing)
        ]

    def test_paging_errors(self, server: TMDbServer, client: httpx.Client):
        """
        page=0 or a non-integer page gives 400/22.
        """
        sid = login(server, client)
        results = [
            client.get(
                "/3/account/6089455/lists",
                params={"session_id": sid, "page": p},
            ).json()["status_code"]
            for p in ("0", "two")
        ]

        assert [22, 22] == results

    @pytest.mark.parametrize(
        "path",
        [
            "/3/movie/550",
            "/3/tv/1399",
            "/3/tv/1399/season/1/episode/1",
        ],
    )
    @pytest.mark.parametrize("kind", ["user", "guest"])
    def test_rating_lifecycle(
        self, server: TMDbServer, client: httpx.Client, path: str, kind: str
    ):
        """
        §10.8: rating create 201/1, update 201/12, delete 200/13, for
        user and guest sessions on movie, tv and episode.
        """
        if kind == "user":
            params = {"session_id": login(server, client)}
        else:
            params = {"guest_session_id": guest(client)}
        create = client.post(
            path + "/rating", params=params, json={"value": 8.5}
        )
        update = client.post(
            path + "/rating", params=params, json={"value": 9}
        )
        states = client.get(path + "/account_states", params=params).json()
        delete = client.delete(path + "/rating", params=params)
        after = client.get(path + "/account_states", params=params).json()

        assert (
            201,
            b'{"success":true,"status_code":1,"status_message":"Success."}',
        ) == (
            create.status_code,
            create.content,
        )
        assert (201, 12) == (update.status_code, update.json()["status_code"])
        assert (
            200,
            {
                "success": True,
                "status_code": 13,
                "status_message": "The item/record was deleted successfully.",
            },
        ) == (delete.status_code, delete.json())
        assert {"value": 9.0} == states["rated"]
        assert False is after["rated"]

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (0, "Value too low: Value must be greater than 0.0."),
            (-1, "Value too low: Value must be greater than 0.0."),
            (0.1, "Value invalid: Values must be a multiple of 0.50."),
            (0.4, "Value invalid: Values must be a multiple of 0.50."),
            (7.2, "Value invalid: Values must be a multiple of 0.50."),
            (
                10.1,
                "Value too high: Value must be less than, or equal to 10.0.",
            ),
            (
                10.5,
                "Value too high: Value must be less than, or equal to 10.0.",
            ),
        ],
    )
    def test_rating_validation(
        self, client: httpx.Client, value: float, message: str
    ):
        """
        §6: rating values outside 0.5-10.0 or off the 0.5 grid give 400/18.
        """
        r = client.post(
            "/3/movie/550/rating",
            params={"guest_session_id": guest(client)},
            json={"value": value},
        )

        assert 400 == r.status_code
        assert err(18, message) == r.json()

    def test_rating_check_order(self, client: httpx.Client, raw: httpx.Client):
        """
        §6/§10.3 check order: key 401/7, session 401/3, body 400/18 (even
        on movie 0), then unknown movie 404/34.
        """
        gid = guest(client)
        no_key = raw.post("/3/movie/0/rating", json={"value": 0})
        no_session = client.post("/3/movie/0/rating", json={"value": 0})
        bad_value = client.post(
            "/3/movie/0/rating",
            params={"guest_session_id": gid},
            json={"value": 0},
        )
        unknown = client.post(
            "/3/movie/0/rating",
            params={"guest_session_id": gid},
            json={"value": 5},
        )

        assert [(401, 7), (401, 3), (400, 18), (404, 34)] == [
            (r.status_code, r.json()["status_code"])
            for r in (no_key, no_session, bad_value, unknown)
        ]

    @pytest.mark.parametrize("body", [b"", b"[1]", b'{"value":"high"}', b"{"])
    def test_rating_malformed_body(self, client: httpx.Client, body: bytes):
        """
        §6: a missing or malformed rating body gives 422/5.
        """
        r = client.post(
            "/3/movie/550/rating",
            params={"guest_session_id": guest(client)},
            content=body,
            headers={"Content-Type": "application/json;charset=utf-8"},
        )

        assert (422, 5) == (r.status_code, r.json()["status_code"])

    def test_account_states(self, server: TMDbServer, client: httpx.Client):
        """
        §6: account_states shows favorite, rating and watchlist.
        """
        params = {"session_id": login(server, client)}
        client.post(
            "/3/account/6089455/watchlist",
            params=params,
            json={"media_type": "tv", "media_id": 1399, "watchlist": True},
        )
        client.post("/3/tv/1399/rating", params=params, json={"value": 10})
        tv = client.get("/3/tv/1399/account_states", params=params).json()
        season = client.get(
            "/3/tv/1399/season/1/account_states", params=params
        ).json()

        assert {
            "id": 1399,
            "favorite": False,
            "rated": {"value": 10.0},
            "watchlist": True,
        } == tv
        assert 3624 == season["id"]
        assert {"id": 63056, "episode_number": 1, "rated": False} == (
            season["results"][0]
        )
        assert 10 == len(season["results"])

    def test_guest_rated_lists(self, client: httpx.Client):
        """
        §6: /3/guest_session/{id}/rated/* list the guest's ratings.
        """
        gid = guest(client)
        params = {"guest_session_id": gid}
        client.post("/3/movie/550/rating", params=params, json={"value": 8})
        client.post("/3/movie/13/rating", params=params, json={"value": 7.5})
        client.post(
            "/3/tv/1399/season/1/episode/1/rating",
            params=params,
            json={"value": 9},
        )
        movies = client.get(
            f"/3/guest_session/{gid}/rated/movies",
            params={"sort_by": "created_at.desc"},
        ).json()
        episodes = client.get(
            f"/3/guest_session/{gid}/rated/tv/episodes"
        ).json()
        shows = client.get(f"/3/guest_session/{gid}/rated/tv").json()
        unknown = client.get(f"/3/guest_session/{'0' * 32}/rated/movies")

        assert [(13, 7.5), (550, 8.0)] == [
            (m["id"], m["rating"]) for m in movies["results"]
        ]
        assert [(63056, 9.0)] == [
            (e["id"], e["rating"]) for e in episodes["results"]
        ]
        assert 0 == shows["total_results"]
        assert (401, 3) == (unknown.status_code, unknown.json()["status_code"])

    def test_user_rated_lists(self, server: TMDbServer, client: httpx.Client):
        """
        §6: /3/account/{id}/rated/movies lists the user's ratings.
        """
        params = {"session_id": login(server, client)}
        client.post("/3/movie/11/rating", params=params, json={"value": 6.5})
        rated = client.get(
            "/3/account/6089455/rated/movies", params=params
        ).json()

        assert [(11, 6.5)] == [
            (m["id"], m["rating"]) for m in rated["results"]
        ]

    def test_lists(self, server: TMDbServer, client: httpx.Client):
        """
        §6 lists: create 201/1 with list_id, add 201/12, duplicate 403/8,
        item_status, remove 200/13, clear needs confirm (400/29), delete.
        """
        params = {"session_id": login(server, client)}
        created = client.post(
            "/3/list",
            params=params,
            json={"name": "Mine", "description": "d", "language": "en"},
        )
        list_id = created.json()["list_id"]
        base = f"/3/list/{list_id}"
        add = client.post(
            base + "/add_item", params=params, json={"media_id": 18}
        )
        dup = client.post(
            base + "/add_item", params=params, json={"media_id": 18}
        )
        client.post(base + "/add_item", params=params, json={"media_id": 550})
        shown = client.get(base).json()
        present = client.get(
            base + "/item_status", params={"movie_id": 18}
        ).json()
        removed = client.post(
            base + "/remove_item", params=params, json={"media_id": 18}
        )
        unconfirmed = client.post(base + "/clear", params=params)
        cleared = client.post(
            base + "/clear", params={**params, "confirm": "true"}
        )
        mine = client.get("/3/account/6089455/lists", params=params).json()
        deleted = client.delete(base, params=params)
        gone = client.get(base)

        assert (201, 1) == (created.status_code, created.json()["status_code"])
        assert [
            "status_message", "success", "status_code", "list_id"
        ] == list(created.json())  # fmt: skip
        assert (201, 12) == (add.status_code, add.json()["status_code"])
        assert (403, 8) == (dup.status_code, dup.json()["status_code"])
        assert [18, 550] == [m["id"] for m in shown["items"]]
        assert {"id": list_id, "item_present": True} == present
        assert (200, 13) == (
            removed.status_code,
            removed.json()["status_code"],
        )
        assert (400, 29) == (
            unconfirmed.status_code,
            unconfirmed.json()["status_code"],
        )
        assert (201, 12) == (
            cleared.status_code,
            cleared.json()["status_code"],
        )
        assert [(list_id, 0)] == [
            (lst["id"], lst["item_count"]) for lst in mine["results"]
        ]
        assert 12 == deleted.json()["status_code"]
        assert 404 == gone.status_code

    def test_list_of_other_user(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        Editing another user's list gives 401/38.
        """
        mine = {"session_id": login(server, client)}
        server.add_user("bob", "pw")
        token = new_token(client)
        server.approve(token, username="bob")
        bobs = {
            "session_id": client.post(
                "/3/authentication/session/new", json={"request_token": token}
            ).json()["session_id"]
        }
        list_id = client.post(
            "/3/list", params=bobs, json={"name": "b"}
        ).json()["list_id"]
        r = client.post(
            f"/3/list/{list_id}/add_item", params=mine, json={"media_id": 550}
        )

        assert (401, 38) == (r.status_code, r.json()["status_code"])

    def test_bearer_does_not_act_as_owner_by_default(
        self, server: TMDbServer, raw: httpx.Client
    ):
        """
        §2.3/§12.6: the read token alone does not open user endpoints.
        """
        r = raw.get(
            "/3/account",
            headers={"Authorization": f"Bearer {server.read_token}"},
        )

        assert (401, 3) == (r.status_code, r.json()["status_code"])

    def test_bearer_acts_as_owner(self):
        """
        §2.3/§12.6: bearer_acts_as_owner=True lets the read token act as the
        key owner's session.
        """
        with (
            TMDbServer(bearer_acts_as_owner=True) as server,
            httpx.Client(
                verify=TLS,
                base_url=server.url,
                headers={"Authorization": f"Bearer {server.read_token}"},
            ) as c,
        ):
            account = c.get("/3/account")
            rating = c.post("/3/movie/550/rating", json={"value": 8})
            by_key = c.get(
                "/3/account",
                params={"api_key": server.api_key},
                headers={"Authorization": ""},
            )

        assert (200, "ann") == (
            account.status_code,
            account.json()["username"],
        )
        assert 201 == rating.status_code
        assert 401 == by_key.status_code


class TestSessionLifetimes:
    """
    §5: user sessions last; guest sessions expire; controls revoke.
    """

    def test_revoke_session(self, server: TMDbServer, client: httpx.Client):
        """
        revoke_session() ends a user or guest session: 401/3 afterwards.
        """
        sid, gid = login(server, client), guest(client)
        server.revoke_session(sid)
        server.revoke_session(gid)
        server.revoke_session("not-a-session")
        account = client.get("/3/account", params={"session_id": sid})
        rating = client.post(
            "/3/movie/550/rating",
            params={"guest_session_id": gid},
            json={"value": 5},
        )

        assert (401, 401) == (account.status_code, rating.status_code)
        assert (3, 3) == (
            account.json()["status_code"],
            rating.json()["status_code"],
        )

    def test_revoke_all_sessions(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        revoke_all_sessions() ends every session.
        """
        sids = [login(server, client), guest(client)]
        server.revoke_all_sessions()

        assert [False, False] == [server.session_is_valid(s) for s in sids]

    def test_expire_guest_sessions(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §12.4: expire_guest_sessions() makes guests 401/3; users stay.
        """
        sid, gid = login(server, client), guest(client)
        server.expire_guest_sessions()
        r = client.get(
            "/3/movie/550/account_states", params={"guest_session_id": gid}
        )

        assert err(3, MSG3) == r.json()
        assert server.session_is_valid(sid)
        assert not server.session_is_valid(gid)

    def test_expired_guest_configurable(self):
        """
        §12.4: expired_guest_session chooses the status and code.
        """
        with (
            TMDbServer(expired_guest_session=(401, 35)) as server,
            httpx.Client(
                verify=TLS,
                base_url=server.url,
                params={"api_key": server.api_key},
            ) as c,
        ):
            gid = guest(c)
            server.advance(24 * 3600)
            r = c.get(
                "/3/movie/550/account_states", params={"guest_session_id": gid}
            )

        assert (401, err(35, "Invalid token.")) == (r.status_code, r.json())

    def test_guest_expires_after_24_hours(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        §5: a guest session is valid until its expires_at, 24 h later;
        a user session never expires.
        """
        sid, gid = login(server, client), guest(client)
        server.advance(24 * 3600 - 60)
        before = server.session_is_valid(gid)
        server.advance(61)

        assert before
        assert not server.session_is_valid(gid)
        server.advance(10 * 365 * 24 * 3600)
        assert server.session_is_valid(sid)

    def test_guest_unused_ttl(self):
        """
        §5: guest_unused_ttl deletes guest sessions not used in time.
        """
        with (
            TMDbServer(guest_unused_ttl=3600) as server,
            httpx.Client(
                verify=TLS,
                base_url=server.url,
                params={"api_key": server.api_key},
            ) as c,
        ):
            unused, used = guest(c), guest(c)
            c.post("/3/movie/550/rating", params={"guest_session_id": used},
                   json={"value": 5})  # fmt: skip
            server.advance(3601)
            r = c.get(
                "/3/movie/550/account_states",
                params={"guest_session_id": unused},
            )

            assert (401, 3) == (r.status_code, r.json()["status_code"])
            assert server.session_is_valid(used)
            assert not server.session_is_valid(unused)

    def test_advance_refuses_negative(self, server: TMDbServer):
        """
        The server clock only moves forward.
        """
        with pytest.raises(ValueError, match="forward"):
            server.advance(-1)
