"""
What users rely on, for each way of calling: requests, httpx, httpx async
on asyncio and on trio. Every call goes over a real loopback socket to the
stand-in TMDb server.
"""

from __future__ import annotations

import re

from pathlib import Path
from typing import Any

import pytest

from tmdb_auth import (
    InvalidCredentials,
    SessionRequired,
)
from tmdb_auth.testing import TMDbServer

from .clients import FLAVOURS, Flavour, HttpxAsync, HttpxSync, Requests
from .leaks import assert_no_secret, collect_secrets


@pytest.fixture(params=FLAVOURS, ids=[f.name for f in FLAVOURS])
def flavour(request: pytest.FixtureRequest) -> type[Flavour]:
    return request.param  # type: ignore[no-any-return]


def make(
    flavour: type[Flavour], server: TMDbServer, **options: Any
) -> Flavour:
    return flavour(server, **options)


RATING = "/3/movie/550/rating"


class TestCredential:
    def test_key_on_read_routes(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """A read call carries api_key and nothing else; no session is made."""
        client = make(flavour, server)

        result = client.get("/3/movie/550?language=en-US")

        assert 200 == result.status
        assert "Fight Club" == result.body["title"]
        last = server.requests[-1]
        assert {"api_key": server.api_key, "language": "en-US"} == last.query
        assert {"guest": 0, "user": 0} == server.sessions_created

    def test_read_call_never_opens_the_cache(
        self, flavour: type[Flavour], server: TMDbServer, tmp_path: Path
    ) -> None:
        """Calls without sessions do not touch the disk."""
        cache = tmp_path / "never"
        client = make(flavour, server, cache=str(cache))

        client.get("/3/movie/550")

        assert not cache.exists()

    def test_bearer(self, flavour: type[Flavour], server: TMDbServer) -> None:
        """A read token travels as Authorization: Bearer, not in the URL."""
        client = make(flavour, server, api_key=server.read_token)

        result = client.get("/3/movie/550")

        assert 200 == result.status
        last = server.requests[-1]
        assert f"Bearer {server.read_token}" == last.headers["authorization"]
        assert "api_key" not in last.query

    def test_other_hosts_get_nothing(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """The same server under another name is another origin: no key."""
        client = make(flavour, server, api_key=server.read_token)
        other = server.url.replace("127.0.0.1", "localhost")

        result = client.get(other + "/3/movie/550")

        assert 401 == result.status
        assert 7 == result.body["status_code"]
        last = server.requests[-1]
        assert "authorization" not in last.headers
        assert "api_key" not in last.query

    def test_wrong_key_on_read_route_is_the_users_response(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """The plugin does not raise on the user's own 401/7."""
        client = make(flavour, server, api_key="f" * 32)

        result = client.get("/3/movie/550")

        assert (401, 7) == (result.status, result.body["status_code"])

    def test_wrong_key_on_session_route_raises(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """Session creation with a refused key raises InvalidCredentials."""
        client = make(flavour, server, api_key="f" * 32, session="guest")

        with pytest.raises(InvalidCredentials) as info:
            client.post(RATING, json={"value": 8})

        assert 7 == info.value.status_code
        assert_no_secret(info.value, {"f" * 32})

    def test_users_404_is_returned(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """Not found is the user's business."""
        assert 404 == make(flavour, server).get("/3/movie/99999999").status


class TestGuest:
    def test_made_once_and_reused(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """The first rating makes a guest session; later ones reuse it."""
        client = make(flavour, server, session="guest")

        first = client.post(RATING, json={"value": 8.5})
        second = client.post(RATING, json={"value": 9})

        assert (201, 1) == (first.status, first.body["status_code"])
        assert (201, 12) == (second.status, second.body["status_code"])
        assert {"guest": 1, "user": 0} == server.sessions_created
        ratings = [r for r in server.requests if r.path == RATING]
        assert 1 == len({r.query["guest_session_id"] for r in ratings})
        assert "session_id" not in ratings[0].query

    def test_auto_falls_back_to_guest(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """auto with no user means a guest session where guests may go."""
        result = make(flavour, server).post(RATING, json={"value": 7})

        assert 201 == result.status
        assert {"guest": 1, "user": 0} == server.sessions_created

    def test_auto_without_user_on_account_route(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """An account call with no way to a user session says what to do."""
        with pytest.raises(SessionRequired, match="tmdb-auth login"):
            make(flavour, server).get("/3/account")

        assert 0 == server.count("/3/account")

    def test_guest_mode_refuses_user_routes(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """session='guest' on an account route is SessionRequired."""
        with pytest.raises(SessionRequired, match="guest"):
            make(flavour, server, session="guest").get("/3/account")

    def test_expired_guest_is_replaced(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """A guest session TMDb expired is replaced once, the call resent."""
        client = make(flavour, server, session="guest")
        client.post(RATING, json={"value": 8})
        server.expire_guest_sessions()

        result = client.post(RATING, json={"value": 8})

        assert 201 == result.status
        assert {"guest": 2, "user": 0} == server.sessions_created


class TestUser:
    def test_login(self, flavour: type[Flavour], server: TMDbServer) -> None:
        """username and password log in once; the password is in a body."""
        client = make(
            flavour, server, username=server.username, password=server.password
        )

        first = client.get("/3/account")
        second = client.get("/3/account")

        assert (200, server.username) == (first.status, first.body["username"])
        assert 200 == second.status
        assert {"guest": 0, "user": 1} == server.sessions_created
        login = [
            r
            for r in server.requests
            if r.path.endswith("validate_with_login")
        ]
        assert ["POST"] == [r.method for r in login]
        assert server.password == login[0].json()["password"]  # type: ignore[index]
        assert all(
            server.password not in str(r.query) for r in server.requests
        )

    def test_user_session_serves_ratings(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """With a user, ratings go with session_id, not a guest session."""
        client = make(
            flavour, server, username=server.username, password=server.password
        )

        client.post(RATING, json={"value": 8})

        assert "session_id" in server.requests[-1].query
        assert {"guest": 0, "user": 1} == server.sessions_created

    def test_password_callable(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """A password callable is asked at login time."""
        asked: list[int] = []

        def password() -> str:
            asked.append(1)
            return server.password

        make(flavour, server, username=server.username, password=password).get(
            "/3/account"
        )

        assert [1] == asked

    def test_explicit_session_id(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """session_id= is used as is; nothing is created."""
        sid = Requests(
            server, username=server.username, password=server.password
        )
        sid.get("/3/account")
        session_id = server.requests[-1].query["session_id"]
        server.reset()

        result = make(flavour, server, session_id=session_id, cache=None).get(
            "/3/account"
        )

        assert 200 == result.status
        assert session_id == server.requests[-1].query["session_id"]
        assert {"guest": 0, "user": 0} == server.sessions_created

    def test_username_without_password(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """A user with nothing cached and no password: what to do."""
        with pytest.raises(SessionRequired, match="--username ann"):
            make(flavour, server, username="ann").get("/3/account")

    def test_bad_password_raises_without_secret(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """A refused login is LoginFailed, and shows no secret."""
        from tmdb_auth import LoginFailed

        client = make(
            flavour,
            server,
            username=server.username,
            password="wrong-password",
        )

        with pytest.raises(LoginFailed) as info:
            client.get("/3/account")

        assert 30 == info.value.status_code
        assert_no_secret(
            info.value, collect_secrets(server) | {"wrong-password"}
        )

    def test_users_own_session_id_wins(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """A session_id the caller put in the query is left alone."""
        client = make(
            flavour, server, username=server.username, password=server.password
        )

        result = client.get("/3/account?session_id=" + "0" * 40)

        assert 401 == result.status
        assert {"guest": 0, "user": 0} == server.sessions_created

    def test_sessions_off(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """session=None never attaches a session: TMDb's 401/3 comes back."""
        result = make(flavour, server, session=None).get("/3/account")

        assert (401, 3) == (result.status, result.body["status_code"])

    def test_approval(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """approve= gets the approval URL; the session is made after it."""
        urls: list[str] = []

        def approve(url: str) -> None:
            urls.append(url)
            server.approve(url.rsplit("/", 1)[1])

        client = make(flavour, server, approve=approve)

        result = client.get("/3/account")

        assert 200 == result.status
        assert 1 == len(urls)
        assert urls[0].startswith(server.url + "/authenticate/")
        assert {"guest": 0, "user": 1} == server.sessions_created


class TestRecovery:
    def test_revoked_session_is_replaced_once(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """A revoked session: one new session, the call resent, 401 in history."""
        client = make(
            flavour, server, username=server.username, password=server.password
        )
        client.get("/3/account")
        server.revoke_all_sessions()

        result = client.post(RATING, json={"value": 6.5})

        assert 201 == result.status
        assert result.history >= 1
        assert {"guest": 0, "user": 2} == server.sessions_created
        assert 2 == server.count(RATING)

    def test_other_401_is_not_retried(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """A 401 that is not about the session comes back as it is."""
        client = make(
            flavour, server, username=server.username, password=server.password
        )
        client.get("/3/account")
        server.fail_next(
            "/3/account",
            status=401,
            json={"success": False, "status_code": 36, "status_message": "x"},
        )

        result = client.get("/3/account")

        assert (401, 36) == (result.status, result.body["status_code"])
        assert {"guest": 0, "user": 1} == server.sessions_created

    def test_revoked_twice_is_not_a_loop(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """If the resent call is refused again, that answer is returned."""
        client = make(
            flavour, server, username=server.username, password=server.password
        )
        client.get("/3/account")
        server.revoke_all_sessions()
        body = {"success": False, "status_code": 3, "status_message": "x"}
        server.fail_next("/3/account", count=2, status=401, json=body)

        result = client.get("/3/account")

        assert 401 == result.status
        assert 2 == server.count("/3/account", method="GET") - 1
        assert {"guest": 0, "user": 2} == server.sessions_created

    def test_revoked_explicit_session_without_means(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """A revoked session_id= with no login means is SessionRequired."""
        Requests(
            server, username=server.username, password=server.password
        ).get("/3/account")
        session_id = server.requests[-1].query["session_id"]
        server.revoke_all_sessions()

        with pytest.raises(SessionRequired):
            make(flavour, server, session_id=session_id, cache=None).get(
                "/3/account"
            )


class TestCacheSharing:
    def test_one_session_for_every_adapter(self, server: TMDbServer) -> None:
        """A session made through one adapter is found by the others."""
        options = {"username": server.username, "password": server.password}
        for flavour in FLAVOURS:
            assert 200 == flavour(server, **options).get("/3/account").status

        assert {"guest": 0, "user": 1} == server.sessions_created

    def test_key_and_read_token_share(self, server: TMDbServer) -> None:
        """The read token finds the session made with its API key."""
        Requests(server, session="guest").post(RATING, json={"value": 8})

        HttpxSync(server, api_key=server.read_token, session="guest").post(
            RATING, json={"value": 8}
        )

        assert {"guest": 1, "user": 0} == server.sessions_created

    def test_latest_user_without_username(self, server: TMDbServer) -> None:
        """Without username=, the user who logged in last is used."""
        Requests(
            server, username=server.username, password=server.password
        ).get("/3/account")

        result = HttpxAsync(server, session="user").get("/3/account")

        assert server.username == result.body["username"]
        assert {"guest": 0, "user": 1} == server.sessions_created

    def test_memory_only(self, server: TMDbServer) -> None:
        """cache=None keeps sessions in the auth object only."""
        Requests(server, session="guest", cache=None).post(
            RATING, json={"value": 8}
        )
        Requests(server, session="guest", cache=None).post(
            RATING, json={"value": 8}
        )

        assert {"guest": 2, "user": 0} == server.sessions_created


class TestLogout:
    def test_logout(self, flavour: type[Flavour], server: TMDbServer) -> None:
        """logout deletes at TMDb and in the cache; the next call logs in."""
        client = make(
            flavour, server, username=server.username, password=server.password
        )
        client.get("/3/account")
        session_id = server.requests[-1].query["session_id"]

        assert client.logout() is True
        assert not server.session_is_valid(session_id)
        assert client.logout() is False
        fresh = make(
            flavour, server, username=server.username, password=server.password
        )
        assert 200 == fresh.get("/3/account").status
        assert {"guest": 0, "user": 2} == server.sessions_created

    def test_logout_with_nothing(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """Logging out with no session sends nothing."""
        assert make(flavour, server).logout() is False
        assert 0 == server.count()


class TestSecrets:
    def test_no_secret_in_debug_logs(self, server: TMDbServer) -> None:
        """Every flavour, at DEBUG everywhere: no secret in any record."""
        for flavour in FLAVOURS:
            client = flavour(
                server, username=server.username, password=server.password
            )
            client.get("/3/account")
            client.post(RATING, json={"value": 8})
        # the `server` fixture scans every record after the test
        assert re.search(
            "[0-9a-f]{40}", server.requests[-1].query["session_id"]
        )


class TestUnreplayableBody:
    def test_requests_generator_body(self, server: TMDbServer) -> None:
        """A one-shot body is not resent, but the session is renewed."""
        client = Requests(
            server, username=server.username, password=server.password
        )
        client.get("/3/account")
        server.revoke_all_sessions()

        first = client.post(
            RATING,
            data=iter([b'{"value": 8}']),
            headers={"Content-Type": "application/json"},
        )
        second = client.post(RATING, json={"value": 8})

        assert (401, 201) == (first.status, second.status)
        assert {"guest": 0, "user": 2} == server.sessions_created

    def test_httpx_stream_body(self, server: TMDbServer) -> None:
        """The same with an httpx streaming body."""
        client = HttpxSync(
            server, username=server.username, password=server.password
        )
        client.get("/3/account")
        server.revoke_all_sessions()

        first = client.post(
            RATING,
            content=iter([b'{"value": 8}']),
            headers={"Content-Type": "application/json"},
        )
        second = client.post(RATING, json={"value": 8})

        assert (401, 201) == (first.status, second.status)
        assert {"guest": 0, "user": 2} == server.sessions_created
