"""
The plugin with a v4 user access token (DESIGN §11.2), on requests, httpx
sync and httpx async, against the stand-in TMDb over loopback: the user's
token on the v4 calls that act for them, the application credential on the
others, and one v3 session converted from the token, shared by threads and
processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tmdb_auth import ConfigurationError, SessionRevoked
from tmdb_auth.requests import TMDbAuth as RequestsAuth
from tmdb_auth.testing import TMDbServer

from .clients import FLAVOURS, Flavour


CONVERT = "/3/authentication/session/convert/4"
RATING = "/3/movie/550/rating"


@pytest.fixture(params=FLAVOURS, ids=[f.name for f in FLAVOURS])
def flavour(request: pytest.FixtureRequest) -> type[Flavour]:
    return request.param  # type: ignore[no-any-return]


def access_token_of(server: TMDbServer, username: str | None = None) -> str:
    """A v4 login done by hand, as docs/testing.md shows it."""
    app = {"Authorization": f"Bearer {server.read_token}"}
    token = requests.post(
        server.url + "/4/auth/request_token", headers=app, timeout=10
    ).json()["request_token"]
    server.approve(token, username=username)
    access = requests.post(
        server.url + "/4/auth/access_token",
        headers=app,
        json={"request_token": token},
        timeout=10,
    ).json()
    return str(access["access_token"])


def authorization(server: TMDbServer) -> str | None:
    return server.requests[-1].headers.get("authorization")


class TestBearer:
    def test_v4_user_calls_carry_the_access_token(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """A v4 list made and read with the user's token, no conversion."""
        access = access_token_of(server)
        f = flavour(server, access_token=access, cache=None)
        account = server.account_object_id()

        made = f.post("/4/list", json={"name": "Next", "iso_639_1": "en"})
        assert f"Bearer {access}" == authorization(server)
        lists = f.get(f"/4/account/{account}/lists")

        assert 201 == made.status
        assert ["Next"] == [x["name"] for x in lists.body["results"]]
        assert f"Bearer {access}" == authorization(server)
        assert "api_key" not in server.requests[-1].query
        assert 0 == server.v4_created["conversions"]

    def test_list_items_and_private_reads(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """Items added, their status and the private list read as the user."""
        f = flavour(server, access_token=access_token_of(server), cache=None)
        made = f.post(
            "/4/list",
            json={"name": "Mine", "iso_639_1": "en", "public": False},
        )
        list_id = made.body["id"]

        added = f.post(
            f"/4/list/{list_id}/items",
            json={"items": [{"media_type": "movie", "media_id": 550}]},
        )
        status = f.get(
            f"/4/list/{list_id}/item_status",
            params={"media_type": "movie", "media_id": 550},
        )
        read = f.get(f"/4/list/{list_id}")

        assert added.status in (200, 201)
        assert 200 == status.status
        assert 200 == read.status
        assert [550] == [item["id"] for item in read.body["results"]]
        assert 0 == server.v4_created["conversions"]

    def test_other_calls_carry_the_application_credential(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """A v3 read and a v4 read that acts for nobody: the app's key."""
        f = flavour(server, access_token=access_token_of(server), cache=None)

        assert 200 == f.get("/3/movie/550").status
        assert server.api_key == server.requests[-1].query["api_key"]
        assert authorization(server) is None

    def test_read_token_on_other_v4_calls(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        f = flavour(
            server,
            api_key=server.read_token,
            access_token=access_token_of(server),
            cache=None,
        )

        f.get("/3/movie/550")

        assert f"Bearer {server.read_token}" == authorization(server)


class TestConvertedSession:
    def test_v3_session_route_gets_the_converted_session(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """One approval serves v3: the account is the token's user's."""
        server.add_user("bea", "pw-of-bea-123")
        f = flavour(server, access_token=access_token_of(server, "bea"))

        first = f.get("/3/account")
        second = f.post(RATING, json={"value": 8})

        assert "bea" == first.body["username"]
        assert 201 == second.status
        assert 1 == server.v4_created["conversions"]
        assert 1 == server.count(CONVERT)

    def test_revoked_session_reconverted_from_the_same_token(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        server.add_user("bea", "pw-of-bea-123")
        f = flavour(server, access_token=access_token_of(server, "bea"))
        f.get("/3/account")
        server.revoke_session(server.requests[-1].query["session_id"])

        again = f.get("/3/account")

        assert "bea" == again.body["username"]
        assert 2 == server.v4_created["conversions"]

    def test_revoked_access_token_is_session_revoked(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """Never another identity: not the cached v3 user, not a guest."""
        access = access_token_of(server)
        v3 = flavour(
            server, username=server.username, password=server.password
        )
        assert 200 == v3.get("/3/account").status  # a cached user session
        f = flavour(server, access_token=access)
        f.get("/3/account")
        server.revoke_all_sessions()
        server.revoke_access_token(access)

        with pytest.raises(SessionRevoked, match="v4 access token"):
            f.get("/3/account")
        with pytest.raises(SessionRevoked):
            f.post(RATING, json={"value": 8})

    def test_not_a_token_refused_at_construction(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        # Another application's key: the constructor's own frames hold
        # api_key= as given (not this test's subject).
        key = "0123456789abcdef" * 2
        with pytest.raises(ConfigurationError, match="access token"):
            flavour(server, api_key=key, access_token="x" * 40)
        with pytest.raises(ConfigurationError, match="access token"):
            flavour(
                server, api_key=key, access_token="eyJ" + "a" * 5000 + ".b.c"
            )
        with pytest.raises(ConfigurationError, match="read access token"):
            flavour(server, api_key=key, access_token=server.read_token)
        with pytest.raises(ConfigurationError, match="identity"):
            flavour(
                server,
                api_key=key,
                access_token=access_token_of(server),
                username=server.username,
            )

    def test_from_the_environment(
        self,
        flavour: type[Flavour],
        server: TMDbServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        access = access_token_of(server)
        monkeypatch.setenv("TMDB_ACCESS_TOKEN", access)
        f = flavour(server, cache=None)

        f.get(f"/4/account/{server.account_object_id()}/lists")

        assert f"Bearer {access}" == authorization(server)


class TestSharing:
    def test_16_threads_one_conversion(
        self, server: TMDbServer, tmp_path: Path
    ) -> None:
        """16 threads, each its own auth over one cache: one conversion."""
        access = access_token_of(server)
        server.session_delay = 0.05
        barrier = threading.Barrier(16)
        cache = str(tmp_path / "shared")

        def account(_: int) -> str:
            auth = RequestsAuth(
                server.api_key,
                api_url=server.url,
                access_token=access,
                cache=cache,
            )
            with auth, requests.Session() as s:
                barrier.wait()
                r = s.get(server.url + "/3/account", auth=auth, timeout=30)
                return str(r.json()["username"])

        with ThreadPoolExecutor(16) as pool:
            names = list(pool.map(account, range(16)))

        assert [server.username] * 16 == names
        assert 1 == server.v4_created["conversions"]

        script = (
            "import json, sys, httpx\n"
            "from tmdb_auth.httpx import TMDbAuth\n"
            "url, key, cache = sys.argv[1:]\n"
            "with TMDbAuth(key, api_url=url, cache=cache) as auth:\n"
            "    r = httpx.get(url + '/3/account', auth=auth)\n"
            "print(json.dumps([r.status_code, r.json().get('username')]))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", script, server.url, server.api_key, cache],
            env={**os.environ, "TMDB_ACCESS_TOKEN": access},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )

        assert [200, server.username] == json.loads(out.stdout)
        assert 1 == server.v4_created["conversions"]


def test_repr_masks_the_access_token(server: TMDbServer) -> None:
    access = access_token_of(server)

    with RequestsAuth(
        server.api_key, api_url=server.url, access_token=access, cache=None
    ) as auth:
        shown = repr(auth)

    assert access not in shown
    assert f"access_token='…{access[-4:]}'" in shown
