"""
The explicit calls of DESIGN §9, on requests, httpx sync and httpx async,
against the stand-in TMDb over loopback.

Each test runs once per driver: ``auth.call(...)`` on requests,
``auth.call(client, ...)`` with an `httpx.Client`, and ``await
auth.acall(client, ...)`` with an `httpx.AsyncClient` (in an event loop of
its own, so one auth object also serves several loops).
"""

from __future__ import annotations

import threading
import traceback

from typing import Any

import anyio
import httpx
import pytest
import requests

import tmdb_auth.httpx
import tmdb_auth.requests

from tmdb_auth import (
    ApprovalDenied,
    ConfigurationError,
    LoginFailed,
    RequestToken,
    Session,
    SessionDenied,
)
from tmdb_auth.testing import TMDbServer

from .integrations.webapp import press, token_in


TOKEN_NEW = "/3/authentication/token/new"
VALIDATE = "/3/authentication/token/validate_with_login"
SESSION_NEW = "/3/authentication/session/new"
SESSION = "/3/authentication/session"
GUEST_NEW = "/3/authentication/guest_session/new"
RATING = "/3/movie/550/rating"
CALLBACK = "https://app.example/tmdb/callback"


class Driver:
    """One auth object, and how its explicit calls are made."""

    name: str
    auth_class: Any

    def __init__(self, server: TMDbServer, **options: Any) -> None:
        options.setdefault("api_key", server.api_key)
        options.setdefault("api_url", server.url)
        self.server = server
        self.auth = self.auth_class(**options)

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            return self.call(name, *args, **kwargs)

        return call

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def session(self, kind: str = "user") -> Session | None:
        return self.auth.session(kind)  # type: ignore[no-any-return]

    def request(self, method: str, path: str, **kw: Any) -> Any:
        """A user's own call, with this auth as the plugin."""
        raise NotImplementedError


class RequestsDriver(Driver):
    name = "requests"
    auth_class = tmdb_auth.requests.TMDbAuth

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.auth, name)(*args, **kwargs)

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        with requests.Session() as http:
            http.auth = self.auth
            return http.request(method, self.server.url + path, **kw)


class HttpxDriver(Driver):
    name = "httpx"
    auth_class = tmdb_auth.httpx.TMDbAuth

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        with httpx.Client(timeout=10) as client:
            return getattr(self.auth, name)(client, *args, **kwargs)

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        with httpx.Client(auth=self.auth, timeout=10) as client:
            return client.request(method, self.server.url + path, **kw)


class AsyncDriver(HttpxDriver):
    name = "httpx-async"

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        async def main() -> Any:
            async with httpx.AsyncClient(timeout=10) as client:
                method = getattr(self.auth, "a" + name)
                return await method(client, *args, **kwargs)

        return anyio.run(main)

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        async def main() -> httpx.Response:
            async with httpx.AsyncClient(auth=self.auth, timeout=10) as c:
                response = await c.request(
                    method, self.server.url + path, **kw
                )
                await response.aread()
                return response

        return anyio.run(main)


DRIVERS = [RequestsDriver, HttpxDriver, AsyncDriver]


@pytest.fixture(params=DRIVERS, ids=[d.name for d in DRIVERS])
def driver(request: pytest.FixtureRequest) -> type[Driver]:
    return request.param  # type: ignore[no-any-return]


def approved_callback(server: TMDbServer, token: RequestToken) -> str:
    """The person approves on the real page; where TMDb sends them back."""
    return press(token.approval_url)


def our_frames(exc: BaseException) -> str:
    """The names and locals of the library's frames on *exc*'s traceback."""
    frames = traceback.TracebackException.from_exception(
        exc, capture_locals=True
    ).stack
    return repr(
        [(f.name, f.locals) for f in frames if "tmdb_auth" in f.filename]
    )


class TestGuestSessionNew:
    def test_made_and_kept(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """guest_session_new() makes a guest session this auth travels with."""
        d = driver(server, cache=None)

        made = d.guest_session_new()
        rated = d.request("POST", RATING, json={"value": 7})

        assert "guest" == made.kind
        assert made.expires_at is not None
        assert made == d.session("guest")
        assert 201 == rated.status_code
        assert made.id == server.requests[-1].query["guest_session_id"]
        assert {"guest": 1, "user": 0} == server.sessions_created
        assert 1 == server.count(GUEST_NEW)

    def test_cached_for_the_lazy_path(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """Another auth on the same cache finds it: no second guest session."""
        made = driver(server).guest_session_new()

        found = driver(server, session="guest").session("guest")

        assert made == found
        assert {"guest": 1, "user": 0} == server.sessions_created

    @pytest.mark.parametrize(
        "options",
        [
            {"username": "ann"},
            {"session_id": "a" * 40},
            {"session": "user"},
        ],
        ids=["username", "session_id", "session-user"],
    )
    def test_refused_for_one_identity(
        self, driver: type[Driver], server: TMDbServer, options: dict[str, str]
    ) -> None:
        """An auth that acts for one user never takes a guest session."""
        d = driver(server, cache=None, **options)

        with pytest.raises(ConfigurationError, match="guest"):
            d.guest_session_new()

        assert [] == server.requests


class TestTokenNew:
    def test_token_and_approval_url(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """token_new() gives the token and the page where it is approved."""
        token = driver(server, cache=None).token_new()

        assert isinstance(token, RequestToken)
        assert token.expires_at is not None
        assert (
            f"{server.url}/authenticate/{token.request_token}"
            == token.approval_url
        )
        assert 1 == server.count(TOKEN_NEW)

    def test_redirect_to_is_added(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """redirect_to= is added to the approval URL, and TMDb follows it."""
        token = driver(server, cache=None).token_new(redirect_to=CALLBACK)

        back = press(token.approval_url)

        assert token.approval_url.endswith(
            "?redirect_to=https%3A%2F%2Fapp.example%2Ftmdb%2Fcallback"
        )
        assert (
            f"{CALLBACK}?request_token={token.request_token}&approved=true"
            == back
        )

    @pytest.mark.parametrize(
        "bad", ["", "/callback", "https://app.example/a b", "https://x/\n", 5]
    )
    def test_bad_redirect_to(
        self, driver: type[Driver], server: TMDbServer, bad: Any
    ) -> None:
        """A redirect_to that is no absolute URL is refused before any call."""
        with pytest.raises(ConfigurationError, match="redirect_to="):
            driver(server, cache=None).token_new(redirect_to=bad)

        assert [] == server.requests


class TestTokenValidateWithLogin:
    def test_approves_the_token(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """The login approves the token; the password goes in a POST body."""
        d = driver(server, cache=None)
        token = d.token_new()

        approved = d.token_validate_with_login(
            token, server.username, server.password
        )
        session = d.session_new(approved)

        (call,) = [r for r in server.requests if r.path == VALIDATE]
        assert "POST" == call.method
        assert server.password == call.json()["password"]  # type: ignore[index]
        assert server.password not in str(call.query)
        assert approved.request_token == token.request_token
        assert "ann" == session.username

    def test_takes_the_token_string(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """A request_token parameter takes the token's string as well."""
        d = driver(server, cache=None)
        token = d.token_new().request_token

        approved = d.token_validate_with_login(
            token, server.username, server.password
        )

        assert token == approved.request_token

    def test_wrong_password(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """A wrong password is LoginFailed, the password in no frame."""
        d = driver(server, cache=None)
        token = d.token_new()
        wrong = "not-the-password-42"

        with pytest.raises(LoginFailed) as info:
            d.token_validate_with_login(token, server.username, wrong)

        shown = our_frames(info.value)
        assert "login" in shown
        assert wrong not in shown
        assert token.request_token not in shown

    @pytest.mark.parametrize("bad", [None, "", "x y\n", 42])
    def test_bad_password(
        self, driver: type[Driver], server: TMDbServer, bad: Any
    ) -> None:
        """An empty or malformed password is refused before any call."""
        d = driver(server, cache=None)

        with pytest.raises(ConfigurationError, match="password="):
            d.token_validate_with_login("a" * 40, server.username, bad)

        assert [] == server.requests


class TestSessionNew:
    def test_exchanges_an_approved_token(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """session_new() makes the user session and reads the account."""
        d = driver(server, cache=None)
        token = d.token_new()
        server.approve(token.request_token)

        session = d.session_new(token)

        assert "user" == session.kind
        assert "ann" == session.username
        assert isinstance(session.account_id, int)
        assert server.session_is_valid(session.id)
        assert [SESSION_NEW, "/3/account"] == [
            r.path for r in server.requests[1:]
        ]
        # Returned, not attached: this auth has no identity of its own.
        assert d.session() is None

    @pytest.mark.parametrize("form", ["url", "query", "mapping"])
    def test_checked_callback(
        self, driver: type[Driver], server: TMDbServer, form: str
    ) -> None:
        """The callback is taken as URL, query string or mapping."""
        d = driver(server, cache=None)
        token = d.token_new(redirect_to=CALLBACK)
        back = press(token.approval_url)
        query = back.split("?", 1)[1]
        callback: Any = {
            "url": back,
            "query": query,
            "mapping": dict(p.split("=") for p in query.split("&")),
        }[form]

        session = d.session_new(token.request_token, callback=callback)

        assert "ann" == session.username

    def test_approved_twice_is_exchanged_once(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """One auth exchanges a token once: a replay makes no call."""
        d = driver(server, cache=None)
        token = d.token_new(redirect_to=CALLBACK)
        back = press(token.approval_url)
        d.session_new(token, callback=back)

        with pytest.raises(SessionDenied, match="already exchanged"):
            d.session_new(token, callback=back)
        with pytest.raises(SessionDenied, match="already exchanged"):
            d.session_new(token.request_token)

        assert 1 == server.count(SESSION_NEW)

    def test_failed_exchange_may_be_tried_again(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """A token TMDb refused (not approved yet) is not spent."""
        d = driver(server, cache=None)
        token = d.token_new()
        with pytest.raises(SessionDenied):
            d.session_new(token)
        server.approve(token.request_token)

        session = d.session_new(token)

        assert "ann" == session.username
        assert 2 == server.count(SESSION_NEW)

    def test_another_token(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """A callback with another browser's token: SessionDenied, no call."""
        d = driver(server, cache=None)
        mine = d.token_new(redirect_to=CALLBACK)
        theirs = d.token_new(redirect_to=CALLBACK)
        forged = press(theirs.approval_url)
        server.reset()

        with pytest.raises(SessionDenied, match="another request token"):
            d.session_new(mine, callback=forged)

        assert [] == server.requests

    def test_denied(self, driver: type[Driver], server: TMDbServer) -> None:
        """The person pressed Deny: ApprovalDenied, no call."""
        d = driver(server, cache=None)
        token = d.token_new(redirect_to=CALLBACK)
        back = press(token.approval_url, "deny")
        server.reset()

        with pytest.raises(ApprovalDenied):
            d.session_new(token, callback=back)

        assert "denied=true" in back
        assert [] == server.requests

    @pytest.mark.parametrize(
        "query",
        [
            "",
            "approved=true",
            "request_token={t}",
            "request_token={t}&approved=false",
            "request_token={t}&request_token={t}&approved=true",
            "request_token={t}&approved=true&approved=true",
        ],
        ids=[
            "empty",
            "no-token",
            "no-approved",
            "approved-false",
            "token-twice",
            "approved-twice",
        ],
    )
    def test_refused_callbacks(
        self, driver: type[Driver], server: TMDbServer, query: str
    ) -> None:
        """A callback that is not TMDb's approval redirect: SessionDenied."""
        d = driver(server, cache=None)
        token = d.token_new()
        server.approve(token.request_token)
        server.reset()
        callback = CALLBACK + "?" + query.format(t=token.request_token)

        with pytest.raises(SessionDenied):
            d.session_new(token, callback=callback)

        assert [] == server.requests

    @pytest.mark.parametrize("bad", [42, b"request_token=x", ["a"]])
    def test_callback_of_another_type(
        self, driver: type[Driver], server: TMDbServer, bad: Any
    ) -> None:
        """A callback that is no URL, query or mapping is refused."""
        d = driver(server, cache=None)

        with pytest.raises(ConfigurationError, match="callback="):
            d.session_new("a" * 40, callback=bad)

    @pytest.mark.parametrize(
        "bad",
        [None, "", "not a token", 40, RequestToken("a" * 40, version=4)],
    )
    def test_bad_request_token(
        self, driver: type[Driver], server: TMDbServer, bad: Any
    ) -> None:
        """Anything but a v3 request token is refused before any call."""
        with pytest.raises(ConfigurationError, match="request_token="):
            driver(server, cache=None).session_new(bad)

        assert [] == server.requests

    def test_token_compared_in_constant_time(
        self,
        driver: type[Driver],
        server: TMDbServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The callback's token is compared with hmac.compare_digest."""
        import tmdb_auth._calls

        seen: list[int] = []
        real = tmdb_auth._calls.hmac.compare_digest

        def spy(a: bytes, b: bytes) -> bool:
            seen.append(len(a))
            return real(a, b)

        monkeypatch.setattr(tmdb_auth._calls.hmac, "compare_digest", spy)
        d = driver(server, cache=None)
        token = d.token_new(redirect_to=CALLBACK)

        d.session_new(token, callback=press(token.approval_url))

        assert [40] == seen

    def test_refusal_leaves_no_secret_in_frames(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """A refused callback's traceback locals hold neither token."""
        d = driver(server, cache=None)
        mine = d.token_new(redirect_to=CALLBACK)
        theirs = d.token_new(redirect_to=CALLBACK)
        forged = press(theirs.approval_url)

        with pytest.raises(SessionDenied) as info:
            d.session_new(mine.request_token, callback=forged)

        shown = our_frames(info.value)
        assert "session_new" in shown
        assert mine.request_token not in shown
        assert theirs.request_token not in shown


class TestSessionDelete:
    def test_default_is_this_auths_user_session(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """session_delete() deletes the session this auth logged in with."""
        d = driver(server, username=server.username, password=server.password)
        made = d.login()

        assert d.session_delete() is True

        assert not server.session_is_valid(made.id)
        assert d.session() is None
        assert 1 == server.count(SESSION, method="DELETE")

    @pytest.mark.parametrize("form", ["session", "id"])
    def test_given_session(
        self, driver: type[Driver], server: TMDbServer, form: str
    ) -> None:
        """A session from session_new (or its id) is deleted; twice: False."""
        d = driver(server, cache=None)
        token = d.token_new()
        server.approve(token.request_token)
        made = d.session_new(token)
        given = made if form == "session" else made.id

        first = d.session_delete(given)
        second = d.session_delete(given)

        assert (True, False) == (first, second)
        assert not server.session_is_valid(made.id)

    def test_nothing_to_delete(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """No user session: False, and no call."""
        assert driver(server, cache=None).session_delete() is False

        assert [] == server.requests

    def test_guest_session(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """TMDb cannot delete a guest session: False, and no call."""
        d = driver(server, cache=None)
        guest = d.guest_session_new()
        server.reset()

        assert d.session_delete(guest) is False
        assert [] == server.requests

    @pytest.mark.parametrize("bad", ["abc", 40, "a" * 32])
    def test_bad_session(
        self, driver: type[Driver], server: TMDbServer, bad: Any
    ) -> None:
        """Anything but a Session or a user session id is refused."""
        with pytest.raises(ConfigurationError, match="session="):
            driver(server, cache=None).session_delete(bad)


class TestLogin:
    def test_login_is_cached_and_attached(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """login() makes the session the lazy path then uses and finds."""
        d = driver(server, username=server.username, password=server.password)

        made = d.login()
        account = d.request("GET", "/3/account")
        again = driver(server, username=server.username).session()

        assert "ann" == made.username
        assert made == d.session()
        assert made.id == server.requests[-1].query["session_id"]
        assert 200 == account.status_code
        assert made == again
        assert [TOKEN_NEW, VALIDATE, SESSION_NEW, "/3/account"] == [
            r.path for r in server.requests
        ]

    def test_explicit_username_and_password(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """An auth given no identity logs in as the user named here."""
        d = driver(server, cache=None)

        made = d.login(server.username, server.password)

        assert "ann" == made.username
        assert made == d.session()

    def test_logs_in_again(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """An explicit login is a login: never an older cached session."""
        d = driver(server, username=server.username, password=server.password)
        first = d.login()

        second = d.login()

        assert first.id != second.id
        assert {"guest": 0, "user": 2} == server.sessions_created

    def test_wrong_password(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """A wrong password is LoginFailed; nothing is kept."""
        d = driver(server, cache=None, username=server.username)

        with pytest.raises(LoginFailed):
            d.login(password="not-the-password-42")

        assert d.session() is None

    def test_no_username(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """Without any username: ConfigurationError, no call."""
        with pytest.raises(ConfigurationError, match="username"):
            driver(server, cache=None).login(password="pw-12345")

        assert [] == server.requests

    def test_no_password(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """Without any password: ConfigurationError, no call."""
        with pytest.raises(ConfigurationError, match="password"):
            driver(server, cache=None, username="ann").login()

        assert [] == server.requests

    def test_concurrent_logins_make_one_session(
        self, server: TMDbServer
    ) -> None:
        """Threads logging in at once share one login (requests)."""
        d = RequestsDriver(
            server, username=server.username, password=server.password
        )
        server.fail_next(SESSION_NEW, status=None, delay=1.0)
        results: list[Session] = []
        first = threading.Thread(target=lambda: results.append(d.login()))
        first.start()
        assert server.wait_for(SESSION_NEW)
        others = [
            threading.Thread(target=lambda: results.append(d.login()))
            for _ in range(4)
        ]
        for thread in others:
            thread.start()
        for thread in [first, *others]:
            thread.join(30)

        assert 5 == len(results)
        assert 1 == len({s.id for s in results})
        assert {"guest": 0, "user": 1} == server.sessions_created

    def test_concurrent_alogins_make_one_session(
        self, server: TMDbServer
    ) -> None:
        """Tasks logging in at once share one login (httpx async)."""
        auth = tmdb_auth.httpx.TMDbAuth(
            server.api_key,
            api_url=server.url,
            username=server.username,
            password=server.password,
        )
        results: list[Session] = []

        async def main() -> None:
            async with httpx.AsyncClient(timeout=10) as client:

                async def one() -> None:
                    results.append(await auth.alogin(client))

                async with anyio.create_task_group() as tasks:
                    for _ in range(5):
                        tasks.start_soon(one)

        anyio.run(main)

        assert 1 == len({s.id for s in results})
        assert {"guest": 0, "user": 1} == server.sessions_created


class TestSession:
    def test_makes_no_call(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """session() only looks: None before a login, no call ever."""
        d = driver(server, username=server.username, password=server.password)

        assert d.session() is None
        assert d.session("guest") is None
        assert [] == server.requests

    def test_session_id_given(
        self, driver: type[Driver], server: TMDbServer
    ) -> None:
        """With session_id=, session() is that session: a bridge's getter."""
        made = driver(server, cache=None).login(
            server.username, server.password
        )

        found = driver(server, cache=None, session_id=made.id).session()

        assert found is not None
        assert made.id == found.id

    @pytest.mark.parametrize("mode", [None, "guest"])
    def test_no_user_session_attached(
        self, driver: type[Driver], server: TMDbServer, mode: str | None
    ) -> None:
        """session=None or 'guest' never attaches a user session: None."""
        driver(
            server, username=server.username, password=server.password
        ).login()

        assert driver(server, session=mode).session() is None

    def test_bad_kind(self, driver: type[Driver], server: TMDbServer) -> None:
        """A kind other than 'user' or 'guest' is refused."""
        with pytest.raises(ConfigurationError, match="kind"):
            driver(server, cache=None).session("admin")


class TestClients:
    def test_sync_call_with_async_client(self, server: TMDbServer) -> None:
        """An AsyncClient given to a sync call: a clear ConfigurationError."""
        auth = tmdb_auth.httpx.TMDbAuth(server.api_key, api_url=server.url)

        async def main() -> None:
            async with httpx.AsyncClient() as client:
                auth.token_new(client)  # type: ignore[arg-type]

        with pytest.raises(ConfigurationError, match="a-prefixed"):
            anyio.run(main)

    def test_async_call_with_sync_client(self, server: TMDbServer) -> None:
        """A Client given to an async call: a clear ConfigurationError."""
        auth = tmdb_auth.httpx.TMDbAuth(server.api_key, api_url=server.url)

        async def main() -> None:
            with httpx.Client() as client:
                await auth.atoken_new(client)  # type: ignore[arg-type]

        with pytest.raises(ConfigurationError, match=r"httpx\.AsyncClient"):
            anyio.run(main)

    def test_calls_go_through_the_callers_client(
        self, server: TMDbServer
    ) -> None:
        """The explicit calls go through the given client's transport."""
        auth = tmdb_auth.httpx.TMDbAuth(server.api_key, api_url=server.url)
        sent: list[str] = []

        class Recording(httpx.HTTPTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                sent.append(request.url.path)
                return super().handle_request(request)

        with httpx.Client(transport=Recording()) as client:
            auth.token_new(client)

        assert [TOKEN_NEW] == sent


def test_token_in_approval_url(server: TMDbServer) -> None:
    """The helper finds the token in the approval URL (sanity)."""
    token = tmdb_auth.requests.TMDbAuth(
        server.api_key, api_url=server.url, cache=None
    ).token_new(redirect_to=CALLBACK)

    assert token.request_token == token_in(token.approval_url.split("?")[0])
