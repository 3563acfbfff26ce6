"""
A person on TMDb's approval page, and a web application seen by two browsers.

`press` plays the stand-in's real approval page over HTTP and returns where
it redirects the browser, without following it: the web application under
test runs in its framework's test client, not on a socket.

`check_two_users` is the story every framework app of
``docs/web-applications.md`` must pass, whatever the framework: each app's
test module wraps its test client in a `Browser`.
"""

from __future__ import annotations

import html
import re

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from tmdb_auth.testing import TMDbServer


_FORM = re.compile(r"<form\b.*?</form>", re.DOTALL)
_ACTION = re.compile(r'action="([^"]*)"')
_FIELD = re.compile(r'<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"')

DOCS = Path(__file__).resolve().parents[2] / "docs" / "web-applications.md"
TMDB = "https://api.themoviedb.org"


def press(url: str, button: str = "allow") -> str:
    """
    Open the approval page at *url*, press *button*, and return the URL
    TMDb redirects the browser to (the app's callback).
    """
    with requests.Session() as browser:
        page = browser.get(url, timeout=10)
        page.raise_for_status()
        for form in _FORM.findall(page.text):
            if f'id="{button}"' not in form:
                continue
            found = _ACTION.search(form)
            action = urljoin(url, html.unescape(found[1] if found else ""))
            fields = {
                html.unescape(k): html.unescape(v)
                for k, v in _FIELD.findall(form)
            }
            done = browser.post(
                action, data=fields, allow_redirects=False, timeout=10
            )
            assert 302 == done.status_code, done.text
            return str(done.headers["Location"])
    raise LookupError(f"no {button!r} button on the approval page")


def token_in(approval_url: str) -> str:
    """The request token an approval URL is for."""
    return urlsplit(approval_url).path.rsplit("/", 1)[1]


def example(marker: str) -> str:
    """
    The Python block of the docs page that follows the line *marker*,
    pointed at the stand-in by the same substitution as tests/test_docs.py.
    """
    text = DOCS.read_text(encoding="utf-8")
    start = text.index(marker)
    block = text.index("```python\n", start) + len("```python\n")
    return text[block : text.index("\n```", block)]


def load(marker: str, server: TMDbServer, name: str) -> dict[str, Any]:
    """Run the docs' app *marker* as module *name*, against *server*."""
    source = example(marker).replace(TMDB, server.url)
    namespace: dict[str, Any] = {"__name__": name}
    exec(compile(source, str(DOCS), "exec"), namespace)  # noqa: S102
    return namespace


@dataclass
class Page:
    status: int
    location: str
    text: str


class Browser:
    """One end user's browser on the app: a test client with its cookies."""

    def get(self, url: str) -> Page:
        raise NotImplementedError

    def post(self, url: str) -> Page:
        raise NotImplementedError

    def cookies(self) -> Any:
        """A copy of the browser's cookies."""
        raise NotImplementedError

    def restore(self, cookies: Any) -> None:
        """Put back cookies that `cookies` copied."""
        raise NotImplementedError


def sign_in(browser: Browser, user: str) -> None:
    """The app's own sign-in (a stand-in for whatever the app uses)."""
    assert browser.get(f"/signin?user={user}").status in (200, 302, 303)


def link(
    server: TMDbServer, browser: Browser, user: str | None = None
) -> Page:
    """
    /login → TMDb's approval page (approved as *user*) → /callback.

    Returns the app's answer to the callback.
    """
    started = browser.get("/login")
    assert started.status in (302, 303, 307), started
    approval = started.location
    assert approval.startswith(server.url + "/authenticate/")
    if user is not None:  # who is signed in to TMDb in that browser
        server.approve(token_in(approval), username=user)
    return browser.get(press(approval))


def sessions_of(server: TMDbServer, path: str) -> list[str]:
    """The session ids that calls to *path* carried, in order."""
    return [
        r.query["session_id"]
        for r in server.requests
        if r.path == path and "session_id" in r.query
    ]


def check_two_users(
    server: TMDbServer,
    open_browser: Callable[[], Browser],
    store: dict[str, str],
) -> None:
    """
    ann and bob link their TMDb accounts in their own browsers; each one's
    calls carry only their own session; revocation asks that user only to
    link again; logout deletes the session at TMDb.
    """
    server.add_user("bob", "bob-password-1")
    ann, bob = open_browser(), open_browser()
    sign_in(ann, "ann")
    sign_in(bob, "bob")

    assert link(server, ann).status in (302, 303)
    assert link(server, bob, user="bob").status in (302, 303)

    assert {"ann", "bob"} == set(store)
    assert store["ann"] != store["bob"]
    server.reset()
    assert "ann" in ann.get("/account").text
    assert [store["ann"]] == sessions_of(server, "/3/account")
    server.reset()
    assert "bob" in bob.get("/account").text
    assert [store["bob"]] == sessions_of(server, "/3/account")
    server.reset()
    rated = bob.post("/rate/550")
    assert 200 == rated.status, rated
    assert [store["bob"]] == sessions_of(server, "/3/movie/550/rating")

    # TMDb revokes ann's session: her next call asks her to link again,
    # and never travels as bob nor as a guest.
    revoked = store["ann"]
    server.revoke_session(revoked)
    server.reset()
    again = ann.get("/account")
    assert again.status in (302, 303)
    assert again.location.endswith("/login")
    assert [revoked] == sessions_of(server, "/3/account")
    assert {"guest": 0, "user": 0} == server.sessions_created
    assert "ann" not in store
    assert "bob" in bob.get("/account").text

    # bob logs out: his session is deleted at TMDb.
    gone = store["bob"]
    assert bob.post("/logout").status in (200, 302, 303)
    assert not server.session_is_valid(gone)
    assert "bob" not in store


def check_callback_refusals(
    server: TMDbServer,
    open_browser: Callable[[], Browser],
    store: dict[str, str],
) -> None:
    """
    A replayed callback, a callback carrying another browser's token
    (login CSRF), a denial and a callback with no login under way are all
    refused, and link nobody.
    """
    server.add_user("mallory", "mallory-password-1")
    ann, mallory = open_browser(), open_browser()
    sign_in(ann, "ann")
    sign_in(mallory, "mallory")

    # Login CSRF: mallory approves a token of her own login, and gets ann's
    # browser to open the callback; ann's browser started its own login.
    theirs = mallory.get("/login").location
    server.approve(token_in(theirs), username="mallory")
    forged = press(theirs)
    ann.get("/login")
    refused = ann.get(forged)
    assert refused.status == 403, refused
    assert "ann" not in store
    # ... and with no login under way in ann's browser, the same.
    assert ann.get(forged).status in (400, 403)
    assert "ann" not in store

    # A denial on TMDb's page.
    denied = ann.get("/login").location
    answer = ann.get(press(denied, "deny"))
    assert 403 == answer.status
    assert "denied" in answer.text.lower()
    assert "ann" not in store

    # A replay: the callback opened again, even with the browser's cookies
    # as they were before the first use (the token still pending in them).
    started = ann.get("/login")
    callback = press(started.location)
    before = ann.cookies()
    assert ann.get(callback).status in (302, 303)
    linked = store["ann"]
    assert ann.get(callback).status in (400, 403)
    ann.restore(before)
    server.reset()
    replayed = ann.get(callback)
    assert 403 == replayed.status, replayed
    assert linked == store["ann"]
    assert 0 == server.count("/3/authentication/session/new")


def link_v4(
    server: TMDbServer, browser: Browser, user: str | None = None
) -> Page:
    """
    /login/v4 → TMDb's v4 approval page (approved as *user*) → /callback/v4.

    Returns the app's answer to the callback.
    """
    started = browser.get("/login/v4")
    assert started.status in (302, 303, 307), started
    approval = started.location
    assert approval.startswith(server.url + "/auth/access?request_token=")
    if user is not None:  # who is signed in to TMDb in that browser
        server.approve(v4_token_in(approval), username=user)
    return browser.get(press(approval))


def v4_token_in(approval_url: str) -> str:
    """The request token a v4 approval URL is for."""
    return parse_qs(urlsplit(approval_url).query)["request_token"][0]


def bearers_of(server: TMDbServer, prefix: str) -> list[str]:
    """The Bearer tokens that calls to paths under *prefix* carried."""
    return [
        r.headers.get("authorization", "").removeprefix("Bearer ")
        for r in server.requests
        if r.path.startswith(prefix)
    ]
