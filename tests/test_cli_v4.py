"""
``tmdb-auth login --v4``, ``status`` and ``logout`` with a v4 access token,
through main(argv), against the stand-in server.
"""

from __future__ import annotations

import io
import json
import re
import threading
import webbrowser

import pytest
import requests

from tmdb_auth._cli import main
from tmdb_auth.requests import TMDbAuth
from tmdb_auth.testing import TMDbServer, click

from . import leaks
from .person import Screen
from .test_cli import Keyboard, keyboard


__all__ = ["keyboard"]

CONVERT = "/3/authentication/session/convert/4"


@pytest.fixture
def v4env(env: TMDbServer, monkeypatch: pytest.MonkeyPatch) -> TMDbServer:
    """
    The read token as the credential: v4 logins need it.

    The one place a request token may show is the approval URL shown to
    the person who must open it (DESIGN §4.8): v4's is
    ``/auth/access?request_token=<JWT>``, which the run-wide scanner's
    pattern (v3's ``/authenticate/<token>``) is extended to here.
    """
    monkeypatch.setenv("TMDB_API_KEY", env.read_token)
    monkeypatch.setattr(
        leaks,
        "_APPROVAL_URL",
        re.compile(
            r"(/authenticate/|/auth/access\?request_token=)[0-9A-Za-z_.-]+"
        ),
    )
    return env


def login_v4(
    server: TMDbServer,
    keyboard: Keyboard,
    monkeypatch: pytest.MonkeyPatch,
    button: str = "allow",
) -> tuple[int, Screen]:
    screen = Screen()
    monkeypatch.setattr("sys.stderr", screen)
    person = keyboard.after(screen, button)
    code = main(["login", "--v4", "--no-browser"])
    person.join(10)
    return code, screen


def status(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert 0 == main(["status", "--json"])
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)[
        "sessions"
    ]
    return rows


class TestLoginV4:
    def test_approve_then_enter(
        self,
        v4env: TMDbServer,
        keyboard: Keyboard,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The v4 page shown, approved, Enter: access token and v3 session."""
        code, screen = login_v4(v4env, keyboard, monkeypatch)

        assert 0 == code
        assert screen.url.startswith(v4env.url + "/auth/access?request_token=")
        out = capsys.readouterr().out
        assert f"Logged in to TMDb v4 as {v4env.username}" in out
        assert v4env.account_object_id() in out
        assert 1 == v4env.v4_created["access_tokens"]
        assert 1 == v4env.v4_created["conversions"]

    def test_one_approval_serves_v3_in_a_new_auth(
        self,
        v4env: TMDbServer,
        keyboard: Keyboard,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """After the login, the plugin's v3 calls need no session call."""
        assert 0 == login_v4(v4env, keyboard, monkeypatch)[0]
        v4env.reset()

        with TMDbAuth(v4env.read_token, api_url=v4env.url) as auth:
            r = requests.get(v4env.url + "/3/account", auth=auth, timeout=10)

        assert v4env.username == r.json()["username"]
        assert {"guest": 0, "user": 0} == v4env.sessions_created

    def test_denied(
        self,
        v4env: TMDbServer,
        keyboard: Keyboard,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Deny, then Enter: exit 1, nothing issued."""
        code, screen = login_v4(v4env, keyboard, monkeypatch, "deny")

        assert 1 == code
        assert "approve" in screen.getvalue()
        assert 0 == v4env.v4_created["access_tokens"]

    def test_already_logged_in(
        self,
        v4env: TMDbServer,
        keyboard: Keyboard,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        assert 0 == login_v4(v4env, keyboard, monkeypatch)[0]
        capsys.readouterr()

        assert 0 == main(["login", "--v4", "--no-browser"])

        assert "Already logged in to TMDb v4" in capsys.readouterr().out
        assert 1 == v4env.v4_created["request_tokens"]

    def test_v3_key_refused(
        self, env: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """With the v3 key: exit 2, what to set instead, no call."""
        assert 2 == main(["login", "--v4", "--no-browser"])

        assert "Read Access Token" in capsys.readouterr().err
        assert [] == env.requests

    def test_with_username_refused(
        self, v4env: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert 2 == main(["login", "--v4", "--username", v4env.username])
        assert "--v4" in capsys.readouterr().err


class TestStatusAndLogout:
    def test_status_masks_the_access_token(
        self,
        v4env: TMDbServer,
        keyboard: Keyboard,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Listed masked, with the account object id; the table too."""
        assert 0 == login_v4(v4env, keyboard, monkeypatch)[0]

        rows = status(capsys)
        v4 = [r for r in rows if r["kind"] == "v4"]
        assert 1 == len(v4)
        assert v4env.account_object_id() == v4[0]["account"]
        assert str(v4[0]["id"]).startswith("…")
        assert v4env.username == v4[0]["username"]

        assert 0 == main(["status"])
        table = capsys.readouterr().out
        assert "account" in table
        assert v4env.account_object_id() in table

    def test_logout_revokes_both(
        self,
        v4env: TMDbServer,
        keyboard: Keyboard,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The access token and the converted session, at TMDb and here."""
        assert 0 == login_v4(v4env, keyboard, monkeypatch)[0]
        rows = status(capsys)
        assert {"user", "v4"} <= {r["kind"] for r in rows}
        session_id = next(
            r for r in v4env.requests if r.path == "/3/account"
        ).query["session_id"]

        issued = [
            t
            for t in v4env.secrets()
            if t.startswith("eyJ") and v4env.access_token_is_valid(t)
        ]
        assert 1 == len(issued)

        assert 0 == main(["logout"])

        out = capsys.readouterr().out
        assert "v4 access token" in out
        assert "deleted at TMDb" in out
        assert not v4env.session_is_valid(session_id)
        assert not v4env.access_token_is_valid(issued[0])
        assert [] == status(capsys)


class TestBrowser:
    def test_browser_answers_through_the_listener(
        self,
        v4env: TMDbServer,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A browser here: approved, sent back to the listener, no Enter."""
        opened: list[str] = []

        def browser(url: str, *_: object, **__: object) -> bool:
            opened.append(url)
            threading.Thread(target=click, args=(url,), daemon=True).start()
            return True

        monkeypatch.setattr(webbrowser, "get", lambda *_: object())
        monkeypatch.setattr(webbrowser, "open", browser)
        monkeypatch.setattr("sys.stdin", io.StringIO(""))  # nobody types

        assert 0 == main(["login", "--v4"])

        assert [url.split("=")[0] for url in opened] == [
            v4env.url + "/auth/access?request_token"
        ]
        assert "Logged in to TMDb v4" in capsys.readouterr().out
        assert 1 == v4env.v4_created["access_tokens"]

    def test_denied_in_the_browser(
        self,
        v4env: TMDbServer,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Deny: the listener hears back, the exchange is refused, exit 1."""

        def browser(url: str, *_: object, **__: object) -> bool:
            threading.Thread(
                target=click, args=(url, "deny"), daemon=True
            ).start()
            return True

        monkeypatch.setattr(webbrowser, "get", lambda *_: object())
        monkeypatch.setattr(webbrowser, "open", browser)

        assert 1 == main(["login", "--v4"])

        assert "approve" in capsys.readouterr().err
        assert 0 == v4env.v4_created["access_tokens"]


def test_demo_has_a_v4_step(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo's v4 step: one approval, one conversion for two v3 calls."""
    assert 0 == main(["demo"])

    out = capsys.readouterr().out
    assert "\n7. TMDb v4" in out
    assert "conversions: 1" in out
    assert "1 converted from a v4 access token" in out
