"""The route table: which TMDb calls need which session (reference §6)."""

from __future__ import annotations

import pytest

from tmdb_auth._routes import ROUTES, Need, _check, need_for, route


class TestNeedFor:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/3/account"),
            ("GET", "/3/account/6089455"),
            ("GET", "/3/account/6089455/lists"),
            ("GET", "/3/account/6089455/favorite/movies"),
            ("GET", "/3/account/6089455/favorite/tv"),
            ("GET", "/3/account/6089455/rated/movies"),
            ("GET", "/3/account/6089455/rated/tv"),
            ("GET", "/3/account/6089455/rated/tv/episodes"),
            ("GET", "/3/account/6089455/watchlist/movies"),
            ("GET", "/3/account/6089455/watchlist/tv"),
            ("POST", "/3/account/6089455/favorite"),
            ("POST", "/3/account/6089455/watchlist"),
            ("POST", "/3/list"),
            ("DELETE", "/3/list/5861"),
            ("POST", "/3/list/5861/add_item"),
            ("POST", "/3/list/5861/remove_item"),
            ("POST", "/3/list/5861/clear"),
            ("get", "/3/account/"),
        ],
    )
    def test_user_routes(self, method: str, path: str) -> None:
        """Account endpoints and list writes need a user session."""
        assert Need.USER == need_for(method, path)

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("POST", "/3/movie/550/rating"),
            ("DELETE", "/3/movie/550/rating"),
            ("POST", "/3/tv/1399/rating"),
            ("DELETE", "/3/tv/1399/season/1/episode/1/rating"),
            ("POST", "/3/tv/1399/season/1/episode/1/rating"),
            ("GET", "/3/movie/550/account_states"),
            ("GET", "/3/tv/1399/account_states"),
            ("GET", "/3/tv/1399/season/1/account_states"),
            ("GET", "/3/tv/1399/season/1/episode/1/account_states"),
        ],
    )
    def test_guest_ok_routes(self, method: str, path: str) -> None:
        """Ratings and account states take a user or a guest session."""
        assert Need.GUEST_OK == need_for(method, path)

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/3/movie/550"),
            ("GET", "/3/configuration"),
            ("GET", "/3/list/5861"),
            ("GET", "/3/list/5861/item_status"),
            ("GET", "/3/movie/550/rating"),
            ("GET", "/3/authentication"),
            ("GET", "/3/authentication/guest_session/new"),
            ("DELETE", "/3/authentication/session"),
            ("GET", "/3/guest_session/abc/rated/movies"),
            ("GET", "/3/search/movie"),
            ("GET", "/3/movie/550/accountable"),
            ("POST", "/3/movie//rating"),
            ("POST", "/3/movie/550//rating"),
            ("GET", "/3/account/6089455/rated"),
            ("POST", "/3/account/6089455/favorite/movies"),
            ("GET", "/3/list/5861/add_item/x"),
        ],
    )
    def test_no_session_routes(self, method: str, path: str) -> None:
        """Everything else never triggers a session."""
        assert Need.NONE == need_for(method, path)


class TestActsForUser:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/4/account/5f2c0d2e3f9c1a0034d4b1a2/lists"),
            ("GET", "/4/account/5f2c0d2e3f9c1a0034d4b1a2/movie/rated"),
            ("GET", "/4/account/5f2c0d2e3f9c1a0034d4b1a2/tv/rated"),
            ("GET", "/4/account/5f2c0d2e3f9c1a0034d4b1a2/movie/favorites"),
            ("GET", "/4/account/5f2c0d2e3f9c1a0034d4b1a2/tv/favorites"),
            ("GET", "/4/account/5f2c0d2e3f9c1a0034d4b1a2/movie/watchlist"),
            ("GET", "/4/account/5f2c0d2e3f9c1a0034d4b1a2/tv/watchlist"),
            ("POST", "/4/list"),
            ("GET", "/4/list/12"),
            ("PUT", "/4/list/12"),
            ("DELETE", "/4/list/12/"),
            ("POST", "/4/list/12/items"),
            ("PUT", "/4/list/12/items"),
            ("DELETE", "/4/list/12/items"),
            ("GET", "/4/list/12/item_status"),
            ("GET", "/4/list/12/clear"),
        ],
    )
    def test_user_routes(self, method: str, path: str) -> None:
        """The v4 account endpoints and lists carry the access token."""
        assert need_for(method, path) is Need.V4_USER

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("POST", "/4/auth/request_token"),
            ("POST", "/4/auth/access_token"),
            ("DELETE", "/4/auth/access_token"),
            ("GET", "/4/discover/movie"),
            ("GET", "/4/list"),
            ("GET", "/3/account"),
            ("POST", "/3/list"),
            ("GET", "/4/account/x/lists/extra"),
        ],
    )
    def test_other_routes(self, method: str, path: str) -> None:
        """The auth calls and everything else carry the application's."""
        assert need_for(method, path) is not Need.V4_USER


class TestTheTree:
    def test_distinct_ids_decide_alike(self) -> None:
        """An id is any segment: the ten-thousandth distinct path as the first."""
        needs = {route("POST", f"/3/movie/{n}/rating") for n in range(10_000)}
        assert needs == {Need.GUEST_OK}
        assert route("POST", "/3/movie/tt0137523/rating") is Need.GUEST_OK

    def test_the_substring_test_is_exact(self) -> None:
        """Every route of the table passes the read-call shortcut's test."""
        for methods, template, need in ROUTES:
            path = template.replace("{id}", "1")
            for method in methods.split():
                assert need_for(method, path) is need, (method, path)

    def test_an_ambiguous_table_is_refused(self) -> None:
        """Named and id children side by side would need backtracking."""
        with pytest.raises(AssertionError, match="ambiguous"):
            _check({"3": {"{id}": {}, "movie": {}}})
