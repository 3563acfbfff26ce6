"""
The lazy v4 login, ``TMDbAuth(v4=True, approve=…)`` (DESIGN §11, issue 14):
the first call that acts for the user gets their v4 login from the cache or
by one approval, whose access token serves the ``/4/`` calls and whose
converted v3 session serves the v3 ones; a revoked access token is
`SessionRevoked` or replaced by the same user only. On requests, httpx sync
and httpx async, against the stand-in TMDb over loopback.
"""

from __future__ import annotations

import threading

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tmdb_auth import (
    ConfigurationError,
    LoginFailed,
    SessionRequired,
    SessionRevoked,
)
from tmdb_auth.testing import TMDbServer, click

from .clients import FLAVOURS, Flavour


RATING = "/3/movie/550/rating"
LIST = {"name": "Next", "iso_639_1": "en"}


@pytest.fixture(params=FLAVOURS, ids=[f.name for f in FLAVOURS])
def flavour(request: pytest.FixtureRequest) -> type[Flavour]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def bea(server: TMDbServer) -> str:
    server.add_user("bea", "pw-of-bea-123")
    return "bea"


class Person:
    """Approves every approval URL as *user*, and counts them."""

    def __init__(self, user: str | None) -> None:
        self.user = user
        self.approvals = 0

    def __call__(self, url: str) -> None:
        self.approvals += 1
        click(url, user=self.user)


def v4_auth(
    flavour: type[Flavour],
    server: TMDbServer,
    cache: Path,
    approve: Callable[[str], object] | None = None,
) -> Flavour:
    return flavour(
        server,
        api_key=server.read_token,
        v4=True,
        approve=approve,
        cache=cache,
    )


def bearer(server: TMDbServer) -> str:
    return server.requests[-1].headers.get("authorization") or ""


def sent_token(server: TMDbServer) -> str:
    """The access token the last request carried."""
    return bearer(server).removeprefix("Bearer ")


def deleted_tokens(server: TMDbServer) -> int:
    return server.count("/4/auth/access_token", "DELETE")


class TestOneApproval:
    def test_serves_v4_and_v3(
        self,
        flavour: type[Flavour],
        server: TMDbServer,
        bea: str,
        tmp_path: Path,
    ) -> None:
        """A v4 list made and read, the v3 account and a rating: one login."""
        person = Person(bea)
        f = v4_auth(flavour, server, tmp_path, person)

        made = f.post("/4/list", json=LIST)
        sent = bearer(server)
        lists = f.get(f"/4/account/{server.account_object_id(bea)}/lists")
        me = f.get("/3/account")
        rated = f.post(RATING, json={"value": 8})

        assert 201 == made.status
        assert ["Next"] == [x["name"] for x in lists.body["results"]]
        assert sent.startswith("Bearer ey")
        assert sent != f"Bearer {server.read_token}"  # the user's, not ours
        assert bea == me.body["username"]
        assert 201 == rated.status
        assert 1 == person.approvals
        assert 1 == server.v4_created["access_tokens"]
        assert 1 == server.v4_created["conversions"]

    def test_a_v3_call_first(
        self,
        flavour: type[Flavour],
        server: TMDbServer,
        bea: str,
        tmp_path: Path,
    ) -> None:
        """A v3 user route first approves through v4; v4 then needs nothing."""
        person = Person(bea)
        f = v4_auth(flavour, server, tmp_path, person)

        assert bea == f.get("/3/account").body["username"]
        assert 201 == f.post("/4/list", json=LIST).status
        assert 1 == person.approvals
        assert 1 == server.v4_created["conversions"]

    def test_the_next_auth_reuses_the_login(
        self,
        flavour: type[Flavour],
        server: TMDbServer,
        bea: str,
        tmp_path: Path,
    ) -> None:
        """Another auth on the same cache, without approve=: no TMDb call."""
        v4_auth(flavour, server, tmp_path, Person(bea)).post(
            "/4/list", json=LIST
        )
        made = dict(server.v4_created)
        before = len(server.requests)

        again = v4_auth(flavour, server, tmp_path)
        lists = again.get(f"/4/account/{server.account_object_id(bea)}/lists")
        me = again.get("/3/account")

        assert 200 == lists.status
        assert bea == me.body["username"]
        assert made == server.v4_created
        assert 2 == len(server.requests) - before  # the two calls, no more

    def test_the_v3_plugin_sees_the_v4_login(
        self,
        flavour: type[Flavour],
        server: TMDbServer,
        bea: str,
        tmp_path: Path,
    ) -> None:
        """As after 'tmdb-auth login --v4': the cache's latest user is bea."""
        v4_auth(flavour, server, tmp_path, Person(bea)).get("/3/account")

        plain = flavour(server, cache=tmp_path)

        assert bea == plain.get("/3/account").body["username"]

    def test_nobody_to_approve(
        self, flavour: type[Flavour], server: TMDbServer, tmp_path: Path
    ) -> None:
        f = v4_auth(flavour, server, tmp_path)
        before = len(server.requests)

        with pytest.raises(SessionRequired, match="login --v4"):
            f.post("/4/list", json=LIST)
        with pytest.raises(SessionRequired, match="login --v4"):
            f.get("/3/account")
        assert before == len(server.requests)

    def test_another_user_than_username_is_refused(
        self,
        flavour: type[Flavour],
        server: TMDbServer,
        bea: str,
        tmp_path: Path,
    ) -> None:
        """username= with v4=True: the approval must come back as them."""
        f = flavour(
            server,
            api_key=server.read_token,
            v4=True,
            username=bea,
            approve=Person(None),  # the stand-in's default user approves
            cache=tmp_path,
        )

        with pytest.raises(LoginFailed, match="bea"):
            f.post("/4/list", json=LIST)
        assert 1 == deleted_tokens(server)  # nobody asked for that one


class TestRevocation:
    def test_a_given_token_revoked_is_session_revoked(
        self, flavour: type[Flavour], server: TMDbServer, tmp_path: Path
    ) -> None:
        """access_token= is the identity: nothing replaces it."""
        first = v4_auth(flavour, server, tmp_path, Person(None))
        first.post("/4/list", json=LIST)
        token = sent_token(server)
        f = flavour(
            server,
            api_key=server.read_token,
            access_token=token,
            cache=tmp_path,
        )
        assert 201 == f.post("/4/list", json=LIST).status
        server.revoke_access_token(token)

        with pytest.raises(SessionRevoked, match="v4 access token"):
            f.post("/4/list", json=LIST)
        before = len(server.requests)
        with pytest.raises(SessionRevoked):
            f.post("/4/list", json=LIST)
        assert before == len(server.requests)  # known revoked: no call

    def test_replaced_once_by_the_same_user(
        self,
        flavour: type[Flavour],
        server: TMDbServer,
        bea: str,
        tmp_path: Path,
    ) -> None:
        """With approve=: bea approves again, the call is sent again."""
        person = Person(bea)
        f = v4_auth(flavour, server, tmp_path, person)
        f.post("/4/list", json=LIST)
        old = sent_token(server)
        server.revoke_access_token(old)

        again = f.post("/4/list", json=LIST)

        assert 201 == again.status
        assert 2 == person.approvals
        assert server.access_token_is_valid(sent_token(server))
        assert not server.access_token_is_valid(old)

    def test_not_replaced_by_another_user(
        self,
        flavour: type[Flavour],
        server: TMDbServer,
        bea: str,
        tmp_path: Path,
    ) -> None:
        person = Person(bea)
        f = v4_auth(flavour, server, tmp_path, person)
        f.post("/4/list", json=LIST)
        server.revoke_access_token(sent_token(server))
        person.user = None  # now the default user approves

        with pytest.raises(LoginFailed, match="bea"):
            f.post("/4/list", json=LIST)
        assert 1 == deleted_tokens(server)

    def test_another_accounts_401_is_the_users_answer(
        self,
        flavour: type[Flavour],
        server: TMDbServer,
        bea: str,
        tmp_path: Path,
    ) -> None:
        """401/3 on someone else's account: returned, the token kept."""
        person = Person(bea)
        f = v4_auth(flavour, server, tmp_path, person)
        f.post("/4/list", json=LIST)

        theirs = f.get(f"/4/account/{server.account_object_id()}/lists")
        mine = f.get(f"/4/account/{server.account_object_id(bea)}/lists")

        assert 401 == theirs.status
        assert 3 == theirs.body["status_code"]
        assert 200 == mine.status
        assert 1 == person.approvals


class TestConfiguration:
    @pytest.mark.parametrize(
        ("options", "match"),
        [
            ({"v4": "yes"}, "True or False"),
            ({"v4": True, "session": None}, "session='auto'"),
            ({"v4": True, "session": "guest"}, "session='auto'"),
            ({"v4": True, "password": "pw-123456"}, "approval only"),
            (
                {"v4": True, "approve": print, "api_key": "0" * 32},
                "Read Access Token",
            ),
        ],
    )
    def test_refused_at_construction(
        self,
        flavour: type[Flavour],
        server: TMDbServer,
        options: dict[str, object],
        match: str,
    ) -> None:
        options.setdefault("api_key", server.read_token)
        with pytest.raises(ConfigurationError, match=match):
            flavour(server, cache=None, **options)


@pytest.mark.parametrize("flavour", FLAVOURS[:2], ids=["requests", "httpx"])
def test_16_threads_one_approval(
    flavour: type[Flavour], server: TMDbServer, bea: str, tmp_path: Path
) -> None:
    """One auth, 16 threads at once on v4 and v3 calls: one v4 login."""
    person = Person(bea)
    f = v4_auth(flavour, server, tmp_path, person)
    barrier = threading.Barrier(16)

    def call(i: int) -> int:
        barrier.wait()
        if i % 2:
            return f.get("/3/account").status
        return f.post("/4/list", json=LIST).status

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(call, range(16)))

    assert [201, 200] * 8 == statuses
    assert 1 == person.approvals
    assert 1 == server.v4_created["access_tokens"]
    assert 1 == server.v4_created["conversions"]
