"""
The TMDb v4 Flask app of docs/web-applications.md, driven by Flask's test
client.

Two end users link their TMDb accounts with v4 access tokens through the
stand-in's real approval page; each one's v4 calls carry only their own
access token, and their v3 calls only the session converted from it.
"""

from __future__ import annotations

import json

from typing import Any

import pytest

from tmdb_auth import AccessToken
from tmdb_auth.testing import TMDbServer

from .test_webapp_flask import FlaskBrowser
from .webapp import (
    bearers_of,
    link_v4,
    load,
    press,
    sessions_of,
    sign_in,
    v4_token_in,
)


pytest.importorskip("flask")


@pytest.fixture
def app(server: TMDbServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TMDB_READ_ACCESS_TOKEN", server.read_token)
    return load("<!-- webapp: flask-v4 -->", server, "movies_flask_v4")


def _access(app: dict[str, Any], user: str) -> AccessToken:
    """The access token the app keeps for *user*."""
    return AccessToken.from_json(app["tmdb_access"][user])


def _account(
    server: TMDbServer, browser: FlaskBrowser, access: AccessToken
) -> tuple[dict[str, Any], set[str]]:
    """
    One /account/v4 page: its JSON, and the v3 sessions it used, after
    checking that every v4 call and conversion carried *access* only.
    """
    server.reset()
    page = browser.get("/account/v4")
    assert 200 == page.status, page
    assert {access.access_token} == set(bearers_of(server, "/4/account/"))
    converts = [
        json.loads(r.body or b"{}")["access_token"]
        for r in server.requests
        if r.path == "/3/authentication/session/convert/4"
    ]
    assert [access.access_token] == converts
    used = set(sessions_of(server, "/3/account"))  # the conversion's too
    assert len(used) == 1
    return json.loads(page.text), used


def test_two_users(server: TMDbServer, app: dict[str, Any]) -> None:
    """ann and bob link with v4, call v4 and v3, are revoked, log out."""
    server.add_user("bob", "bob-password-1")
    ann, bob = FlaskBrowser(app["app"]), FlaskBrowser(app["app"])
    sign_in(ann, "ann")
    sign_in(bob, "bob")
    assert link_v4(server, ann).status in (302, 303)
    assert link_v4(server, bob, user="bob").status in (302, 303)
    store = app["tmdb_access"]
    assert {"ann", "bob"} == set(store)
    ann_access, bob_access = _access(app, "ann"), _access(app, "bob")
    assert ann_access.access_token != bob_access.access_token
    assert ann_access.account_id == server.account_object_id("ann")
    assert bob_access.account_id == server.account_object_id("bob")

    ann_page, ann_sessions = _account(server, ann, ann_access)
    bob_page, bob_sessions = _account(server, bob, bob_access)
    assert "ann" == ann_page["account"]["username"]
    assert "bob" == bob_page["account"]["username"]
    assert [] == ann_page["lists"]
    assert not ann_sessions & bob_sessions
    assert all(server.session_is_valid(s) for s in ann_sessions)

    # TMDb revokes ann's access token: her next call asks her to link
    # again, and never travels as bob nor with the read token.
    server.revoke_access_token(ann_access.access_token)
    server.reset()
    again = ann.get("/account/v4")
    assert again.status in (302, 303)
    assert again.location.endswith("/login/v4")
    assert {ann_access.access_token} == set(bearers_of(server, "/4/account/"))
    assert "ann" not in store
    bob_again = json.loads(bob.get("/account/v4").text)
    assert "bob" == bob_again["account"]["username"]

    # bob logs out: his access token is deleted at TMDb.
    assert bob.post("/logout/v4").status in (200, 302, 303)
    assert not server.access_token_is_valid(bob_access.access_token)
    assert "bob" not in store


def test_callback_refusals(server: TMDbServer, app: dict[str, Any]) -> None:
    """A denial and replayed callbacks link nobody; a replay gets no token."""
    ann = FlaskBrowser(app["app"])
    sign_in(ann, "ann")
    store = app["tmdb_access"]

    # A callback with no login under way in this browser.
    assert 400 == ann.get("/callback/v4").status
    # A denial on TMDb's page: the exchange is refused.
    denied = ann.get("/login/v4").location
    answer = ann.get(press(denied, "deny"))
    assert 403 == answer.status, answer
    assert "ann" not in store

    # A replay, even with the browser's cookies as they were before the
    # first use (the request token still pending in them).
    started = ann.get("/login/v4")
    token = v4_token_in(started.location)
    callback = press(started.location)
    before = ann.cookies()
    assert ann.get(callback).status in (302, 303)
    linked = store["ann"]
    issued = server.v4_created["access_tokens"]
    assert 400 == ann.get(callback).status
    ann.restore(before)
    replayed = ann.get(callback)
    assert 403 == replayed.status, replayed
    assert token not in replayed.text
    assert linked == store["ann"]
    assert issued == server.v4_created["access_tokens"]
