"""
Identity (DESIGN §8): a call never travels as somebody else.

One test per row of the table on docs/sessions.md ("Who a call travels
as") that tests/test_auth.py does not already cover, each on requests,
httpx, and httpx async (asyncio and trio), against the stand-in TMDb.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tmdb_auth import LoginFailed, SessionRequired, SessionRevoked
from tmdb_auth.testing import TMDbServer

from .clients import FLAVOURS, Flavour, Requests


RATING = "/3/movie/550/rating"
DELETE = "/3/authentication/session"


@pytest.fixture(params=FLAVOURS, ids=[f.name for f in FLAVOURS])
def flavour(request: pytest.FixtureRequest) -> type[Flavour]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def bob(server: TMDbServer) -> str:
    """A second TMDb user, bob; returns his password."""
    server.add_user("bob", "bob-password-1")
    return "bob-password-1"


def login(server: TMDbServer, username: str, password: str) -> str:
    """Log *username* in through the shared cache; their session id."""
    client = Requests(server, username=username, password=password)
    assert 200 == client.get("/3/account").status
    return server.requests[-1].query["session_id"]


def approving_as(server: TMDbServer, username: str) -> Callable[[str], None]:
    """An approve= callable: *username* approves on TMDb's page."""

    def approve(url: str) -> None:
        server.approve(url.rsplit("/", 1)[1], username=username)

    return approve


def carried(server: TMDbServer) -> set[str]:
    """Every session id (user or guest) that a logged call carried."""
    return {
        r.query[name]
        for r in server.requests
        for name in ("session_id", "guest_session_id")
        if name in r.query
    }


class TestNoIdentity:
    def test_pinned_to_the_cached_user_it_acted_as(
        self, flavour: type[Flavour], server: TMDbServer, bob: str
    ) -> None:
        """
        An auth given no identity takes the cache's latest user (ann); once
        TMDb revokes her session it raises SessionRevoked, even though bob
        logged in since: never bob's session, never a guest.
        """
        ann = login(server, server.username, server.password)
        client = flavour(server)
        assert "ann" == client.get("/3/account").body["username"]
        bobs = login(server, "bob", bob)
        server.revoke_session(ann)
        server.reset()

        with pytest.raises(SessionRevoked):
            client.get("/3/account")
        with pytest.raises(SessionRevoked):
            client.post(RATING, json={"value": 7})

        assert bobs not in carried(server)
        assert {"guest": 0, "user": 0} == server.sessions_created

    def test_session_user_is_never_a_guest(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """session="user" with nobody cached: SessionRequired, no guest."""
        with pytest.raises(SessionRequired):
            flavour(server, session="user").post(RATING, json={"value": 7})

        assert {"guest": 0, "user": 0} == server.sessions_created

    def test_password_alone_is_not_a_login(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """password= without username= logs nobody in: SessionRequired."""
        with pytest.raises(SessionRequired):
            flavour(server, password=server.password).get("/3/account")

        assert {"guest": 0, "user": 0} == server.sessions_created


class TestSessionId:
    def test_revoked_with_another_user_in_the_cache(
        self, flavour: type[Flavour], server: TMDbServer, bob: str
    ) -> None:
        """
        session_id= revoked, bob's session in the cache (and latest):
        SessionRevoked, never bob's session.
        """
        ann = login(server, server.username, server.password)
        bobs = login(server, "bob", bob)
        client = flavour(server, session_id=ann)
        assert "ann" == client.get("/3/account").body["username"]
        server.revoke_session(ann)
        server.reset()

        with pytest.raises(SessionRevoked):
            client.get("/3/account")

        assert bobs not in carried(server)
        assert {"guest": 0, "user": 0} == server.sessions_created

    def test_memory_only_revoked_is_never_a_guest(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """
        cache=None, session_id=, "auto", revoked: on a route that accepts
        guests too, SessionRevoked, never a guest session.
        """
        ann = login(server, server.username, server.password)
        client = flavour(server, session_id=ann, cache=None)
        assert 201 == client.post(RATING, json={"value": 6}).status
        server.revoke_session(ann)
        server.reset()

        with pytest.raises(SessionRevoked):
            client.post(RATING, json={"value": 7})

        assert {ann} == carried(server)
        assert {"guest": 0, "user": 0} == server.sessions_created

    def test_with_username_and_password_logs_in_as_that_user(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """session_id= + username= + password=, revoked: a login as them."""
        ann = login(server, server.username, server.password)
        client = flavour(
            server,
            session_id=ann,
            username=server.username,
            password=server.password,
            cache=None,
        )
        server.revoke_session(ann)
        server.reset()

        result = client.get("/3/account")

        assert (200, "ann") == (result.status, result.body["username"])
        assert {"guest": 0, "user": 1} == server.sessions_created


class TestUsername:
    def test_revoked_without_password(
        self, flavour: type[Flavour], server: TMDbServer, bob: str
    ) -> None:
        """
        username= alone uses that user's cached session; revoked, it raises
        SessionRevoked, never the latest user's (bob's) session.
        """
        ann = login(server, server.username, server.password)
        login(server, "bob", bob)
        client = flavour(server, username=server.username)
        assert "ann" == client.get("/3/account").body["username"]
        server.revoke_session(ann)
        server.reset()

        with pytest.raises(SessionRevoked):
            client.get("/3/account")

        assert {ann} == carried(server)

    def test_approval_as_another_user(
        self, flavour: type[Flavour], server: TMDbServer, bob: str
    ) -> None:
        """
        username="ann" with approve=, bob approves: LoginFailed naming both,
        and bob's new session is deleted at TMDb.
        """
        client = flavour(
            server,
            username=server.username,
            approve=approving_as(server, "bob"),
            cache=None,
        )

        with pytest.raises(LoginFailed) as info:
            client.get("/3/account")

        (deleted,) = [r for r in server.requests if r.path == DELETE]
        refused: Any = deleted.json()
        assert "'bob'" in str(info.value)
        assert "'ann'" in str(info.value)
        assert {"guest": 0, "user": 1} == server.sessions_created
        assert not server.session_is_valid(refused["session_id"])
        assert 0 == server.count("/3/account", method="GET") - 1

    def test_approval_as_that_user(
        self, flavour: type[Flavour], server: TMDbServer
    ) -> None:
        """username= with approve=, approved as that user: the session."""
        client = flavour(
            server,
            username=server.username,
            approve=approving_as(server, server.username),
            cache=None,
        )

        assert "ann" == client.get("/3/account").body["username"]


class TestApproveAlone:
    def test_renewal_must_be_the_same_user(
        self, flavour: type[Flavour], server: TMDbServer, bob: str
    ) -> None:
        """
        approve= alone: the first approval may be anybody (ann); after TMDb
        revokes her session, an approval as bob is LoginFailed.
        """
        who = ["ann"]

        def approve(url: str) -> None:
            server.approve(url.rsplit("/", 1)[1], username=who[0])

        client = flavour(server, approve=approve, cache=None)
        first = client.get("/3/account")
        ann = server.requests[-1].query["session_id"]
        server.revoke_session(ann)
        who[0] = "bob"

        with pytest.raises(LoginFailed, match="'bob'"):
            client.get("/3/account")

        assert "ann" == first.body["username"]
        assert {"guest": 0, "user": 2} == server.sessions_created


class TestExplicitCalls:
    def test_session_new_as_another_user(
        self, server: TMDbServer, bob: str
    ) -> None:
        """
        session_new on TMDbAuth(username="ann") with a token bob approved:
        LoginFailed naming both, and bob's session deleted at TMDb.
        """
        from tmdb_auth.requests import TMDbAuth

        auth = TMDbAuth(
            server.api_key, api_url=server.url, username="ann", cache=None
        )
        token = auth.token_new()
        server.approve(token.request_token, username="bob")

        with pytest.raises(LoginFailed, match=r"'bob'.*'ann'"):
            auth.session_new(token)

        (deleted,) = [r for r in server.requests if r.path == DELETE]
        refused: Any = deleted.json()
        assert not server.session_is_valid(refused["session_id"])
        assert auth.session() is None

    def test_login_as_another_user(self, server: TMDbServer) -> None:
        """login(username="bob") on TMDbAuth(username="ann"): refused."""
        from tmdb_auth import ConfigurationError
        from tmdb_auth.requests import TMDbAuth

        auth = TMDbAuth(
            server.api_key, api_url=server.url, username="ann", cache=None
        )

        with pytest.raises(ConfigurationError, match="'ann'"):
            auth.login("bob", "bob-password-1")
        with pytest.raises(ConfigurationError, match="session_id="):
            TMDbAuth(
                server.api_key, api_url=server.url, session_id="a" * 40
            ).login("bob", "bob-password-1")

        assert [] == server.requests


def test_the_table_names_tests_that_exist() -> None:
    """Each test the identity table on docs/sessions.md names exists."""
    import re

    from pathlib import Path

    root = Path(__file__).resolve().parent
    page = (root.parent / "docs" / "sessions.md").read_text("utf-8")
    table = page[page.index("## Who a call travels as") :]
    named = re.findall(r"`(test_\w+\.py)::(\w+)::(\w+)`", table)
    missing = []
    for file, cls, name in named:
        source = (root / file).read_text("utf-8")
        start = source.find(f"\nclass {cls}")
        end = source.find("\nclass ", start + 1)
        body = source[start : end if end > 0 else None]
        if start < 0 or f"def {name}(" not in body:
            missing.append(f"{file}::{cls}::{name}")

    assert len(named) >= 20
    assert [] == missing
