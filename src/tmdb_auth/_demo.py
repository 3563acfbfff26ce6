"""
``tmdb-auth demo``: the whole story, offline, in a few seconds.

Strictly private. Starts the stand-in TMDb server in this process, uses a
throw-away cache directory, and walks through what the library does, with
real HTTP on loopback. Each step prints the requests the server received,
secrets masked, and the counts at the end.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import threading

from typing import Any, TextIO


__all__ = ["run"]

_SECRET = {
    "api_key",
    "session_id",
    "guest_session_id",
    "request_token",
    "access_token",
}
_APPROVAL = re.compile(r"(/authenticate/)[0-9A-Za-z]+")

_SECOND_PROCESS = """
import json, sys
import requests
from tmdb_auth.requests import TMDbAuth

url = sys.argv[1]
with requests.Session() as s:
    s.auth = TMDbAuth()  # key, origin and cache from the environment
    account = s.get(url + "/3/account").json()
    rating = s.post(url + "/3/movie/13/rating", json={"value": 9.5})
print(json.dumps([account.get("username"), rating.status_code]))
"""


class _Story:
    def __init__(self, out: TextIO, server: Any) -> None:
        self.out = out
        self.server = server
        self.seen = 0

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def step(self, number: int, title: str) -> None:
        self.say()
        self.say(f"{number}. {title}")

    def wire(self) -> None:
        """Print the requests the server received since the last call."""
        log = self.server.requests
        for request in log[self.seen :]:
            query = {
                k: ("***" if k in _SECRET else v)
                for k, v in request.query.items()
            }
            path = _APPROVAL.sub(r"\1***", request.path)
            pairs = "&".join(f"{k}={v}" for k, v in query.items())
            target = path + (f"?{pairs}" if pairs else "")
            auth = request.headers.get("authorization")
            bearer = "  [Authorization: Bearer ***]" if auth else ""
            body = ""
            if request.body and "password" in request.body.decode(
                "utf-8", "replace"
            ):
                body = "  {username, password: ***, request_token: ***}"
            elif request.body:
                body = "  " + _masked_body(request.body)
            self.say(f"   -> {request.method:6} {target}{bearer}{body}")
        self.seen = len(log)

    def counts(self) -> str:
        made = self.server.sessions_created
        return f"sessions created so far: guest {made['guest']}, user {made['user']}"


def _masked_body(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return "(a form)"
    if isinstance(data, dict):
        data = {k: ("***" if k in _SECRET else v) for k, v in data.items()}
    return json.dumps(data)


def run(out: TextIO) -> int:  # noqa: PLR0915 -- one story, told in order
    """Run the demo, printing to *out*; return the exit status."""
    import httpx  # noqa: PLC0415 -- the demo uses both libraries
    import requests  # noqa: PLC0415

    from . import approve_in_browser  # noqa: PLC0415
    from .httpx import TMDbAuth as HttpxAuth  # noqa: PLC0415
    from .requests import TMDbAuth as RequestsAuth  # noqa: PLC0415
    from .testing import TMDbServer, click  # noqa: PLC0415

    with TMDbServer() as server, tempfile.TemporaryDirectory() as tmp:
        cache = os.path.join(tmp, "cache")
        story = _Story(out, server)
        common: dict[str, Any] = {
            "api_key": server.api_key,
            "api_url": server.url,
            "cache": cache,
        }
        story.say(
            f"tmdb-auth demo: a stand-in TMDb at {server.url}, cache in a temporary directory."
        )
        story.say(
            "Every line marked -> is a request the server received; secrets are shown as ***."
        )

        story.step(
            1,
            "A guest rates a movie through requests.Session(auth=TMDbAuth(session='guest')).",
        )
        with requests.Session() as s:
            s.auth = RequestsAuth(session="guest", **common)
            r = s.post(server.url + "/3/movie/550/rating", json={"value": 8.5})
            story.wire()
            story.say(f"   <- {r.status_code} {r.json()['status_message']}")
            r = s.post(server.url + "/3/movie/550/rating", json={"value": 9})
            story.wire()
            story.say(
                f"   <- {r.status_code} {r.json()['status_message']} (the cached guest session, no new one)"
            )

        story.step(
            2,
            "A user logs in by browser approval (the demo clicks Approve on the stand-in's page).",
        )
        screen = _Screen()
        approve = functools.partial(
            approve_in_browser, open_browser=False, out=screen, timeout=30
        )
        person = threading.Thread(
            target=_approve_when_shown, args=(screen, click), daemon=True
        )
        person.start()
        with requests.Session() as s:
            s.auth = RequestsAuth(approve=approve, **common)
            r = s.get(server.url + "/3/account")
        person.join(10)
        story.wire()
        story.say(
            f"   <- {r.status_code}, logged in as {r.json()['username']!r}; {story.counts()}"
        )

        story.step(
            3,
            "The account, through httpx.AsyncClient: the cached user session, no session call.",
        )
        username = asyncio.run(
            _account(server.url, HttpxAuth(session="user", **common), httpx)
        )
        story.wire()
        story.say(f"   <- 200, {username!r}")

        story.step(
            4,
            "A second process, same cache: it reuses the sessions with zero session calls.",
        )
        env = dict(
            os.environ,
            TMDB_API_KEY=server.api_key,
            TMDB_API_URL=server.url,
            TMDB_AUTH_CACHE_DIR=cache,
        )
        done = subprocess.run(  # noqa: S603 -- our own interpreter and script
            [sys.executable, "-c", _SECOND_PROCESS, server.url],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        name, status = json.loads(done.stdout)
        story.wire()
        story.say(f"   <- account {name!r}, rating {status}; {story.counts()}")

        story.step(
            5,
            "TMDb revokes the session; the next call heals itself (one new session, call resent).",
        )
        server.revoke_all_sessions()
        with requests.Session() as s:
            s.auth = auth = RequestsAuth(
                username=server.username, password=server.password, **common
            )
            r = s.get(server.url + "/3/account")
            story.wire()
            story.say(
                f"   <- {r.status_code} after {len(r.history)} refused attempt; {story.counts()}"
            )

            story.step(
                6, "Log out: the session is deleted at TMDb and in the cache."
            )
            deleted = auth.logout()
            story.wire()
            story.say(f"   <- deleted at TMDb: {deleted}")

        story.step(
            7,
            "TMDb v4: one approval gives an access token for v4 and, converted once, a v3 session.",
        )
        converted = _v4_step(story, click, RequestsAuth, requests, cache)

        made = server.sessions_created
        story.say()
        story.say(
            f"Done: {server.count()} requests, {made['guest']} guest and "
            f"{made['user'] - converted} user sessions created, {converted} "
            "converted from a v4 access token, none wasted."
        )
    return 0


def _v4_step(
    story: _Story,
    click: Any,
    auth_class: Any,
    requests: Any,
    cache: str,
) -> int:
    """The v4 login, a v4 call and two v3 calls; returns the conversions."""
    server = story.server
    app = auth_class(server.read_token, api_url=server.url, cache=cache)
    token = app.v4_request_token_new()
    click(token.approval_url, "allow")  # the person's Approve on /auth/access
    access = app.v4_access_token_new(token)
    story.wire()
    story.say(f"   <- access token for account {access.account_id}")
    with requests.Session() as s:
        s.auth = auth_class(
            server.api_key,
            api_url=server.url,
            cache=cache,
            access_token=access.access_token,
        )
        lists = s.get(f"{server.url}/4/account/{access.account_id}/lists")
        story.wire()
        story.say(
            f"   <- {lists.status_code}, v4 lists with the user's access token"
        )
        for _ in range(2):
            r = s.get(server.url + "/3/account")
        story.wire()
        story.say(
            f"   <- {r.status_code}, {r.json()['username']!r} twice on v3; "
            f"conversions: {server.v4_created['conversions']}"
        )
    return int(server.v4_created["conversions"])


class _Screen(io.StringIO):
    """Where approve_in_browser prints the URL; tells when it did."""

    def __init__(self) -> None:
        super().__init__()
        self.shown = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if "://" in text:
            self.shown.set()
        return written


def _approve_when_shown(screen: _Screen, click: Any) -> None:
    """The person: waits for the approval URL, then clicks Approve."""
    if screen.shown.wait(30):
        text = screen.getvalue()
        click(text.split("approve it here:\n", 1)[-1].split()[0], "allow")


async def _account(url: str, auth: Any, httpx: Any) -> str:
    async with httpx.AsyncClient(auth=auth) as client:
        r = await client.get(url + "/3/account")
        return str(r.json()["username"])
