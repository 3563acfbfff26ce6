"""
tmdbsimple, with ``tmdbsimple.REQUESTS_SESSION`` a session whose auth is ours.

tmdbsimple builds ``https://api.themoviedb.org/3`` URLs in each object's
``base_uri``; the tests point that at the stand-in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tmdb_auth.requests import TMDbAuth
from tmdb_auth.testing import TMDbServer


tmdb = pytest.importorskip("tmdbsimple")


@pytest.fixture
def http(server: TMDbServer) -> Iterator[requests.Session]:
    """tmdbsimple's global session, authenticated by tmdb-auth."""
    s = requests.Session()
    s.auth = TMDbAuth(
        server.api_key,
        api_url=server.url,
        username=server.username,
        password=server.password,
        cache=None,
    )
    s.sent = []  # type: ignore[attr-defined]
    s.hooks["response"].append(
        lambda r, **_: s.sent.append(r.request.url)  # type: ignore[attr-defined]
    )
    saved = tmdb.REQUESTS_SESSION, tmdb.API_KEY
    # tmdbsimple refuses to run without a key of its own, and adds it to
    # every URL: give it the same one.
    tmdb.REQUESTS_SESSION, tmdb.API_KEY = s, server.api_key
    yield s
    tmdb.REQUESTS_SESSION, tmdb.API_KEY = saved
    s.close()


def at(server: TMDbServer, thing: Any) -> Any:
    thing.base_uri = server.url + "/3"
    return thing


class TestTmdbsimple:
    def test_account_uses_our_user_session(
        self, server: TMDbServer, http: requests.Session
    ) -> None:
        """
        Account(None).info() works: tmdbsimple drops the None session_id,
        and tmdb-auth attaches the user session it made by login.
        """
        account = at(server, tmdb.Account(None))

        info = account.info()

        assert "ann" == info["username"]
        assert {"guest": 0, "user": 1} == server.sessions_created
        (call,) = [r for r in server.requests if r.path == "/3/account"]
        assert server.session_is_valid(call.query["session_id"])

    def test_rating_and_account_states(
        self, server: TMDbServer, http: requests.Session
    ) -> None:
        """Movies.rating() and account_states() carry the same session."""
        movie = at(server, tmdb.Movies(550))

        rated = movie.rating(value=8.5)
        states = movie.account_states()
        title = movie.info()["title"]

        assert rated["success"]
        assert {"value": 8.5} == states["rated"]
        assert "Fight Club" == title
        used = {
            r.query.get("session_id")
            for r in server.requests
            if r.path.startswith("/3/movie/550/")
        }
        assert 1 == len(used)
        assert {"guest": 0, "user": 1} == server.sessions_created

    def test_read_calls_carry_no_session(
        self, server: TMDbServer, http: requests.Session
    ) -> None:
        """A read call makes no session; the key appears twice, the same."""
        at(server, tmdb.Movies(550)).info()

        (url,) = http.sent  # type: ignore[attr-defined]
        assert {"guest": 0, "user": 0} == server.sessions_created
        assert "session_id" not in url
        assert 2 == url.count(f"api_key={server.api_key}")

    def test_guest_rating_with_session_guest(
        self, server: TMDbServer, http: requests.Session
    ) -> None:
        """With session="guest", tmdbsimple's ratings use a guest session."""
        http.auth = TMDbAuth(
            server.api_key, api_url=server.url, session="guest", cache=None
        )

        at(server, tmdb.Movies(550)).rating(value=7)

        assert {"guest": 1, "user": 0} == server.sessions_created

    def test_revoked_session_is_replaced(
        self, server: TMDbServer, http: requests.Session
    ) -> None:
        """
        TMDb revokes the session between two tmdbsimple calls: the second
        call still succeeds (raise_for_status sees the resent call's 200).
        """
        account = at(server, tmdb.Account(None))
        account.info()
        server.revoke_all_sessions()

        again = account.info()

        assert "ann" == again["username"]
        assert {"guest": 0, "user": 2} == server.sessions_created
