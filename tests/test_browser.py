"""approve_in_browser: the loopback redirect listener, driven over HTTP."""

from __future__ import annotations

import functools
import io
import math
import socket
import threading

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tmdb_auth import (
    ApprovalDenied,
    ApprovalTimeout,
    ConfigurationError,
    approve_in_browser,
)
from tmdb_auth._browser import approve_in_terminal
from tmdb_auth.requests import TMDbAuth
from tmdb_auth.testing import TMDbServer, click

from .person import Screen, answer


def new_token(server: TMDbServer) -> tuple[str, str]:
    r = requests.get(
        server.url + "/3/authentication/token/new",
        params={"api_key": server.api_key},
        timeout=10,
    )
    return r.json()["request_token"], r.headers["Authentication-Callback"]


class TestApproveInBrowser:
    def test_approved(self, server: TMDbServer) -> None:
        """The person approves: it returns, and the token is approved."""
        token, url = new_token(server)
        screen = Screen()
        person = answer(screen, "allow")

        approve_in_browser(url, open_browser=False, out=screen)

        person.join(10)
        query = parse_qs(urlsplit(screen.url).query)
        redirect = urlsplit(query["redirect_to"][0])
        assert ("http", "127.0.0.1") == (redirect.scheme, redirect.hostname)
        assert screen.url.startswith(url + "?redirect_to=")
        session = requests.post(
            server.url + "/3/authentication/session/new",
            params={"api_key": server.api_key},
            json={"request_token": token},
            timeout=10,
        )
        assert 200 == session.status_code

    def test_denied(self, server: TMDbServer) -> None:
        """The person denies: ApprovalDenied."""
        _, url = new_token(server)
        screen = Screen()
        person = answer(screen, "deny")

        with pytest.raises(ApprovalDenied):
            approve_in_browser(url, open_browser=False, out=screen)

        person.join(10)

    def test_timeout(self, server: TMDbServer) -> None:
        """Nobody answers: ApprovalTimeout at the deadline."""
        _, url = new_token(server)

        with pytest.raises(ApprovalTimeout):
            approve_in_browser(
                url, open_browser=False, out=Screen(), timeout=0.3
            )

    def test_other_paths_and_tokens_are_ignored(
        self, server: TMDbServer
    ) -> None:
        """favicon.ico and a foreign token do not end the wait."""
        _, url = new_token(server)
        screen = Screen()
        seen: dict[str, Any] = {}

        def poke_then_click() -> None:
            assert screen.shown.wait(30)
            listener = parse_qs(urlsplit(screen.url).query)["redirect_to"][0]
            base = listener.rsplit("/", 2)[0]
            seen["favicon"] = requests.get(
                base + "/favicon.ico", timeout=5
            ).status_code
            seen["foreign"] = requests.get(
                listener + "?request_token=" + "0" * 40 + "&approved=true",
                timeout=5,
            ).status_code
            click(screen.url, "allow")

        thread = threading.Thread(target=poke_then_click, daemon=True)
        thread.start()

        approve_in_browser(url, open_browser=False, out=screen, timeout=30)

        thread.join(10)
        assert {"favicon": 404, "foreign": 400} == seen

    def test_idle_connection_does_not_block(self, server: TMDbServer) -> None:
        """A connection opened ahead and left idle (as browsers do) is no obstacle."""
        _, url = new_token(server)
        screen = Screen()
        idle: list[socket.socket] = []

        def preconnect_then_click() -> None:
            assert screen.shown.wait(30)
            listener = urlsplit(
                parse_qs(urlsplit(screen.url).query)["redirect_to"][0]
            )
            idle.append(
                socket.create_connection((listener.hostname, listener.port))
            )
            click(screen.url, "allow")

        thread = threading.Thread(target=preconnect_then_click, daemon=True)
        thread.start()
        try:
            approve_in_browser(url, open_browser=False, out=screen, timeout=30)
        finally:
            thread.join(10)
            for sock in idle:
                sock.close()

        assert 1 == len(idle)

    def test_as_approve_callable(self, server: TMDbServer) -> None:
        """With approve=, an account call gets a user session by approval."""
        screen = Screen()
        person = answer(screen, "allow")
        auth = TMDbAuth(
            server.api_key,
            api_url=server.url,
            approve=functools.partial(
                approve_in_browser, open_browser=False, out=screen
            ),
        )

        r = requests.get(server.url + "/3/account", auth=auth, timeout=30)

        person.join(10)
        assert (200, server.username) == (r.status_code, r.json()["username"])
        assert {"guest": 0, "user": 1} == server.sessions_created

    def test_control_characters_in_the_url(self) -> None:
        """A URL from TMDb with control characters is shown percent-encoded."""
        url = "https://tmdb.example/\x1b]0;owned\x07\x1b[2J/authenticate/abc1"
        screen = Screen()

        with pytest.raises(ApprovalTimeout):
            approve_in_browser(
                url, open_browser=False, out=screen, timeout=0.1
            )

        assert screen.url.startswith(
            "https://tmdb.example/%1B]0;owned%07%1B[2J/authenticate/abc1?"
        )
        assert "\x1b" not in screen.getvalue()
        assert "\x07" not in screen.getvalue()

    @pytest.mark.timeout(10)
    @pytest.mark.parametrize(
        "timeout",
        [math.nan, math.inf, -math.inf, -1, 0, True, "10", None, 10j],
        ids=repr,
    )
    def test_bad_timeout(self, server: TMDbServer, timeout: object) -> None:
        """A timeout that is no deadline is refused at the call, before the wait."""
        _, url = new_token(server)
        screen = Screen()

        with pytest.raises(ConfigurationError, match=r"timeout=\) must be"):
            approve_in_browser(
                url,
                open_browser=False,
                out=screen,
                timeout=timeout,
            )

        assert "" == screen.getvalue()

    def test_long_timeout_is_capped(self, server: TMDbServer) -> None:
        """A timeout past the token's life is accepted (and capped)."""
        _, url = new_token(server)
        screen = Screen()
        person = answer(screen, "allow")

        approve_in_browser(url, open_browser=False, out=screen, timeout=1e300)

        person.join(10)
        assert screen.url

    def test_not_an_approval_url(self) -> None:
        """A URL without a token is refused before anything starts."""
        with pytest.raises(ConfigurationError):
            approve_in_browser(
                "https://www.themoviedb.org/authenticate/", out=Screen()
            )


def new_v4_token(server: TMDbServer) -> tuple[str, str]:
    """A v4 request token and its approval URL on the stand-in."""
    r = requests.post(
        server.url + "/4/auth/request_token",
        headers={"Authorization": f"Bearer {server.read_token}"},
        timeout=10,
    )
    token = r.json()["request_token"]
    return token, f"{server.url}/auth/access?request_token={token}"


class TestV4ApprovalUrls:
    """v4's page sends nobody back: the person presses Enter."""

    def exchanged(self, server: TMDbServer, token: str) -> int:
        return requests.post(
            server.url + "/4/auth/access_token",
            headers={"Authorization": f"Bearer {server.read_token}"},
            json={"request_token": token},
            timeout=10,
        ).status_code

    @pytest.mark.parametrize("approve", ["browser", "terminal"])
    def test_enter_once_approved(
        self,
        server: TMDbServer,
        approve: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        token, url = new_v4_token(server)
        click(url)  # the person approves on another device
        screen = Screen()
        monkeypatch.setattr("sys.stdin", io.StringIO("\n"))

        if approve == "browser":
            approve_in_browser(url, open_browser=False, out=screen)
        else:
            approve_in_terminal(url, out=screen)

        assert url == screen.url  # as it is: no redirect_to added
        assert "press Enter" in screen.getvalue()
        assert 200 == self.exchanged(server, token)

    def test_stdin_ended(
        self, server: TMDbServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _, url = new_v4_token(server)
        monkeypatch.setattr("sys.stdin", io.StringIO(""))

        with pytest.raises(ConfigurationError, match="Enter"):
            approve_in_browser(url, open_browser=False, out=Screen())

    @pytest.mark.parametrize(
        "url",
        [
            "https://www.themoviedb.org/auth/access",
            "https://www.themoviedb.org/auth/access?request_token=",
            "https://www.themoviedb.org/auth/other?request_token=eyJ.a.b",
        ],
    )
    def test_not_a_v4_approval_url(self, url: str) -> None:
        for approve in (approve_in_browser, approve_in_terminal):
            with pytest.raises(ConfigurationError, match="request_token"):
                approve(url, out=Screen())
