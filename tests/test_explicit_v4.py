"""
The explicit v4 calls of DESIGN §11.1, on requests, httpx sync and httpx
async, against the stand-in TMDb over loopback.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tmdb_auth import (
    AccessToken,
    ConfigurationError,
    RequestToken,
    SessionDenied,
)
from tmdb_auth._protocol_v4 import TMDB_WEB, web_base
from tmdb_auth.testing import TMDbServer

from .integrations.webapp import press
from .test_explicit import Driver, driver


__all__ = ["driver"]

REQUEST_TOKEN = "/4/auth/request_token"
ACCESS_TOKEN = "/4/auth/access_token"
CONVERT = "/3/authentication/session/convert/4"


def v4(driver: type[Driver], server: TMDbServer, **options: object) -> Driver:
    """An auth with the read token, as v4 needs."""
    options.setdefault("api_key", server.read_token)
    options.setdefault("cache", None)
    return driver(server, **options)


def approved(
    d: Driver, server: TMDbServer, username: str | None = None
) -> AccessToken:
    token = d.v4_request_token_new()
    server.approve(token.request_token, username=username)
    return d.v4_access_token_new(token)  # type: ignore[no-any-return]


class TestV4RequestTokenNew:
    def test_token_and_approval_url(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """A v4 token whose URL is the stand-in's /auth/access page."""
        token = v4(driver, server).v4_request_token_new()

        assert isinstance(token, RequestToken)
        assert 4 == token.version
        parts = urlsplit(token.approval_url)
        assert f"{parts.scheme}://{parts.netloc}" == server.url
        assert "/auth/access" == parts.path
        assert [token.request_token] == parse_qs(parts.query)["request_token"]
        assert token.expires_at is not None
        assert 1 == server.v4_created["request_tokens"]
        sent = server.requests[-1]
        assert ("POST", REQUEST_TOKEN) == (sent.method, sent.path)

    def test_redirect_to_reaches_the_approval(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """The person pressing Approve is sent to redirect_to."""
        url = "https://app.example/v4/callback"
        token = v4(driver, server).v4_request_token_new(redirect_to=url)

        assert press(token.approval_url).startswith(url)

    def test_tmdb_origin_approves_on_www(self) -> None:
        """On TMDb's API hosts, the approval page is www.themoviedb.org."""
        assert TMDB_WEB == web_base(
            "https://api.themoviedb.org", "api.themoviedb.org"
        )
        assert TMDB_WEB == web_base("https://api.tmdb.org", "api.tmdb.org")
        assert "http://127.0.0.1:9" == web_base(
            "http://127.0.0.1:9", "127.0.0.1"
        )

    def test_v3_key_refused_before_any_call(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """A v3 API key cannot make v4 POSTs: said at once, no request."""
        d = driver(server, cache=None)

        with pytest.raises(ConfigurationError, match="Read Access Token"):
            d.v4_request_token_new()
        with pytest.raises(ConfigurationError, match="Read Access Token"):
            d.v4_access_token_new("eyJa.eyJb.c")

        assert [] == server.requests


class TestV4AccessTokenNew:
    def test_approved_token_exchanged(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """The access token and the account object id of the approver."""
        access = approved(v4(driver, server), server)

        assert isinstance(access, AccessToken)
        assert server.account_object_id() == access.account_id
        assert server.access_token_is_valid(access.access_token)
        assert access.access_token not in repr(access)
        assert access == AccessToken.from_json(access.to_json())

    def test_approved_through_the_page(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """Approve pressed on the approval page is what TMDb needs."""
        d = v4(driver, server)
        token = d.v4_request_token_new()
        press(token.approval_url)

        access = d.v4_access_token_new(token.request_token)

        assert server.account_object_id() == access.account_id

    def test_unapproved_refused(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        d = v4(driver, server)
        token = d.v4_request_token_new()

        with pytest.raises(SessionDenied, match="approve"):
            d.v4_access_token_new(token)

        server.approve(token.request_token)  # not spent by the refusal
        assert d.v4_access_token_new(token).account_id

    def test_exchanged_once(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """A replayed callback makes no call: one auth exchanges it once."""
        d = v4(driver, server)
        token = d.v4_request_token_new()
        server.approve(token.request_token)
        d.v4_access_token_new(token)

        with pytest.raises(SessionDenied, match="already exchanged"):
            d.v4_access_token_new(token.request_token)

        assert 1 == server.count(ACCESS_TOKEN, "POST")

    def test_v3_token_refused(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """A v3 request token is for session_new(): said at once."""
        d = v4(driver, server)

        with pytest.raises(ConfigurationError, match="session_new"):
            d.v4_access_token_new(RequestToken("a" * 40))

        assert [] == server.requests


class TestSessionConvert:
    def test_v3_session_of_the_same_user(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """One approval, a v3 session: the approver's, with the v4 id."""
        server.add_user("bea", "pw-of-bea-123")
        d = v4(driver, server)
        access = approved(d, server, "bea")

        session = d.session_convert(access)

        assert "user" == session.kind
        assert "bea" == session.username
        assert access.account_id == session.account_id
        assert server.session_is_valid(session.id)
        assert 1 == server.v4_created["conversions"]
        sent = [r for r in server.requests if r.path == CONVERT]
        assert 1 == len(sent)

    def test_default_is_the_auths_access_token(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """Without an argument, the auth's own access_token= converts."""
        access = approved(v4(driver, server), server)
        d = v4(driver, server, access_token=access.access_token)

        assert server.username == d.session_convert().username

    def test_with_a_v3_key(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """convert/4 is a v3 call: the v3 key authenticates it."""
        access = approved(v4(driver, server), server)

        made = driver(server, cache=None).session_convert(access.access_token)

        assert server.username == made.username

    def test_revoked_access_token_refused(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        d = v4(driver, server)
        access = approved(d, server)
        server.revoke_access_token(access.access_token)

        with pytest.raises(SessionDenied):
            d.session_convert(access)

    def test_not_a_token_refused(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        with pytest.raises(ConfigurationError, match="access_token="):
            v4(driver, server).session_convert("not-a-jwt")
        with pytest.raises(ConfigurationError, match="access_token="):
            v4(driver, server).session_convert()

        assert [] == server.requests


class TestV4AccessTokenDelete:
    def test_logged_out(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """Deleted at TMDb; a second delete says TMDb no longer knew it."""
        d = v4(driver, server)
        access = approved(d, server)

        assert d.v4_access_token_delete(access) is True
        assert not server.access_token_is_valid(access.access_token)
        assert d.v4_access_token_delete(access) is False
        sent = server.requests[-1]
        assert ("DELETE", ACCESS_TOKEN) == (sent.method, sent.path)

    def test_with_a_v3_key(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """The access token is its own Bearer: a v3 key suffices."""
        access = approved(v4(driver, server), server)

        assert driver(server, cache=None).v4_access_token_delete(access)
        assert not server.access_token_is_valid(access.access_token)
        assert (
            driver(server, cache=None).v4_access_token_delete(access) is False
        )
