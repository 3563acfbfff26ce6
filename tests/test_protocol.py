"""
The sans-I/O flows, stepped by hand, and the mapping of TMDb's errors.

Integration tests drive the same flows over real sockets
(test_requests.py, test_httpx.py); these pin the protocol itself.
"""

from __future__ import annotations

import json

from typing import Any

import pytest

from tmdb_auth import (
    InvalidCredentials,
    LoginFailed,
    RateLimited,
    SessionDenied,
    SessionRequired,
    TMDbAuthError,
    TMDbServerError,
)
from tmdb_auth import _errors as errors
from tmdb_auth import _protocol as p
from tmdb_auth import _steps as st
from tmdb_auth._config import Credential
from tmdb_auth._secret import Secret, reveal
from tmdb_auth._values import Session


TOKEN = "f" * 40
SID = "5" * 40
GID = "6" * 32


def reply(status: int, body: Any = None, **headers: str) -> st.Reply:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return st.Reply(
        status, {k.replace("_", "-"): v for k, v in headers.items()}, raw
    )


def ok(**fields: Any) -> st.Reply:
    return reply(200, {"success": True, **fields})


def step_through(
    flow: st.Flow[Any], *replies: st.Reply
) -> tuple[list[Any], Any]:
    """Send *replies* to each Call in turn; return the steps and the result."""
    steps: list[Any] = []
    queue = list(replies)
    try:
        step = next(flow)
        while True:
            if isinstance(step, st.Call):  # secrets revealed, to compare
                steps.append(
                    step._replace(
                        params={k: reveal(v) for k, v in step.params.items()},
                        json=step.body(),
                    )
                )
            else:
                steps.append(step)
            step = flow.send(
                queue.pop(0) if isinstance(step, st.Call) else None
            )
    except StopIteration as stop:
        return steps, stop.value


class TestGuest:
    def test_flow(self) -> None:
        """One GET, and a guest session expiring when TMDb says."""
        steps, session = step_through(
            p.guest_session_new(),
            ok(guest_session_id=GID, expires_at="2030-01-02 03:04:05 UTC"),
        )

        assert [st.Call("GET", "/3/authentication/guest_session/new")] == steps
        assert ("guest", GID) == (session.kind, session.id)
        assert 1893553445.0 == session.expires_at

    def test_unreadable_expiry_means_an_hour(self) -> None:
        """Without a readable expires_at, assume TMDb's shortest lifetime."""
        _, session = step_through(
            p.guest_session_new(), ok(guest_session_id=GID, expires_at="soon")
        )

        assert 3500 < session.expires_at - session.created_at <= 3600

    @pytest.mark.parametrize(
        "body",
        [
            {"success": True},
            {"success": True, "guest_session_id": 5},
            {"guest_session_id": "a b"},
        ],
    )
    def test_missing_field(self, body: Any) -> None:
        """A 200 without a usable id is a server error, not a crash."""
        with pytest.raises(TMDbServerError, match="guest_session_id"):
            step_through(p.guest_session_new(), reply(200, body))


class TestLogin:
    def test_flow(self) -> None:
        """token/new, validate_with_login with a POST body, session/new."""
        steps, session = step_through(
            p.login("ann", Secret("pw")),
            ok(request_token=TOKEN),
            ok(request_token=TOKEN),
            ok(session_id=SID),
        )

        assert [
            st.Call("GET", "/3/authentication/token/new"),
            st.Call(
                "POST",
                "/3/authentication/token/validate_with_login",
                json={
                    "username": "ann",
                    "password": "pw",
                    "request_token": TOKEN,
                },
            ),
            st.Call(
                "POST",
                "/3/authentication/session/new",
                json={"request_token": TOKEN},
            ),
        ] == steps
        assert ("user", SID, "ann") == (
            session.kind,
            session.id,
            session.username,
        )
        assert session.expires_at is None

    def test_password_never_in_url(self) -> None:
        """The password is in the JSON body; the URL carries the key only."""
        key = Credential.parse("0" * 32, "api_key=")
        steps, _ = step_through(
            p.login("ann", Secret("hunter22")),
            ok(request_token=TOKEN),
            ok(request_token=TOKEN),
            ok(session_id=SID),
        )

        urls = [s.target("https://x", key)[0] for s in steps]

        assert all("hunter22" not in u and TOKEN not in u for u in urls)

    @pytest.mark.parametrize(
        ("code", "cls"),
        [
            (30, LoginFailed),
            (31, LoginFailed),
            (32, LoginFailed),
            (33, SessionDenied),
        ],
    )
    def test_refused(self, code: int, cls: type[Exception]) -> None:
        """Each refusal of validate_with_login has its typed error."""
        with pytest.raises(cls) as info:
            step_through(
                p.login("ann", Secret("hunter22")),
                ok(request_token=TOKEN),
                reply(
                    401,
                    {
                        "success": False,
                        "status_code": code,
                        "status_message": "no",
                    },
                ),
            )

        assert code == info.value.status_code  # type: ignore[attr-defined]
        assert 401 == info.value.http_status  # type: ignore[attr-defined]
        assert "hunter22" not in str(info.value)


class TestApproval:
    def test_flow(self) -> None:
        """The approval URL comes from Authentication-Callback."""
        seen: list[str] = []
        steps, session = step_through(
            p.approval(seen.append),
            reply(
                200,
                {"success": True, "request_token": TOKEN},
                authentication_callback=f"http://127.0.0.1:9/authenticate/{TOKEN}",
            ),
            ok(session_id=SID),
            ok(id=7, username="ann"),
        )

        approve = steps[1]
        assert isinstance(approve, st.Approve)
        assert (
            f"http://127.0.0.1:9/authenticate/{TOKEN}" == approve.url.reveal()
        )
        assert (SID, "ann", 7) == (
            session.id,
            session.username,
            session.account_id,
        )

    def test_fallback_url(self) -> None:
        """Without the header, TMDb's documented page is used."""
        steps, _ = step_through(
            p.approval(print),
            ok(request_token=TOKEN),
            ok(session_id=SID),
            ok(id=7, username="ann"),
        )

        assert (
            f"https://www.themoviedb.org/authenticate/{TOKEN}"
            == steps[1].url.reveal()
        )

    def test_not_approved(self) -> None:
        """session/new on an unapproved token is SessionDenied (17)."""
        body = {
            "success": False,
            "failure": True,
            "status_code": 17,
            "status_message": "Session denied.",
        }

        with pytest.raises(SessionDenied, match="status 17"):
            step_through(
                p.approval(print),
                ok(request_token=TOKEN),
                reply(401, body),
            )


class TestLogout:
    def test_deleted(self) -> None:
        """DELETE with the session id in the JSON body."""
        session = Session("user", SID)
        steps, deleted = step_through(p.session_delete(session), ok())

        assert [
            st.Call(
                "DELETE", "/3/authentication/session", json={"session_id": SID}
            )
        ] == steps
        assert deleted is True

    @pytest.mark.parametrize(
        ("status", "code"), [(404, 37), (401, 3), (401, 17)]
    )
    def test_already_gone(self, status: int, code: int) -> None:
        """A session TMDb no longer knows is not an error."""
        _, deleted = step_through(
            p.session_delete(Session("user", SID)),
            reply(status, {"success": False, "status_code": code}),
        )

        assert deleted is False

    def test_guest_needs_no_call(self) -> None:
        """TMDb cannot delete guest sessions; nothing is sent."""
        steps, deleted = step_through(p.session_delete(Session("guest", GID)))

        assert ([], False) == (steps, deleted)


class TestRateLimit:
    def test_short_retry_after_is_waited_once(self) -> None:
        """A 429 with Retry-After <= 5 s is waited out and retried once."""
        steps, session = step_through(
            p.guest_session_new(),
            reply(429, {"status_code": 25}, retry_after="2"),
            ok(guest_session_id=GID, expires_at="2030-01-02 03:04:05 UTC"),
        )

        assert [st.Call, st.Pause, st.Call] == [type(s) for s in steps]
        assert 2.0 == steps[1].seconds
        assert GID == session.id

    def test_second_429_raises(self) -> None:
        """Nothing retries twice."""
        with pytest.raises(RateLimited) as info:
            step_through(
                p.guest_session_new(),
                reply(429, {"status_code": 25}, retry_after="1"),
                reply(429, {"status_code": 25}, retry_after="1"),
            )

        assert 1.0 == info.value.retry_after

    @pytest.mark.parametrize("after", [None, "60", "soon", "-1"])
    def test_long_or_missing_retry_after_raises(
        self, after: str | None
    ) -> None:
        """A long, missing or unreadable Retry-After raises at once."""
        headers = {} if after is None else {"retry_after": after}

        with pytest.raises(RateLimited):
            step_through(
                p.guest_session_new(),
                reply(429, {"status_code": 25}, **headers),
            )


class TestErrorFor:
    @pytest.mark.parametrize(
        ("status", "code", "cls"),
        [
            (401, 7, InvalidCredentials),
            (401, 10, InvalidCredentials),
            (401, 3, SessionRequired),
            (401, 17, SessionDenied),
            (401, 30, LoginFailed),
            (401, 31, LoginFailed),
            (401, 32, LoginFailed),
            (401, 33, SessionDenied),
            (400, 26, LoginFailed),
            (422, 41, SessionDenied),
            (429, 25, RateLimited),
            (401, 14, InvalidCredentials),
            (401, 16, SessionDenied),
            (401, 35, InvalidCredentials),
            (401, 36, SessionDenied),
            (401, 38, TMDbAuthError),
            (401, 39, TMDbAuthError),
            (500, 11, TMDbServerError),
            (503, 9, TMDbServerError),
            (404, 34, TMDbAuthError),
            (422, 5, TMDbAuthError),
        ],
    )
    def test_codes(self, status: int, code: int, cls: type[Exception]) -> None:
        """Every TMDb status code maps to one class, with its context."""
        error = errors.error_for(
            reply(
                status,
                {
                    "success": False,
                    "status_code": code,
                    "status_message": "msg",
                },
            ),
            "doing it",
        )

        assert cls is type(error)
        assert (code, "msg", status) == (
            error.status_code,
            error.status_message,
            error.http_status,
        )
        assert "doing it" in str(error)

    @pytest.mark.parametrize(
        "body", [b"<html>502 Bad Gateway</html>", b"\x00\xff", b""]
    )
    def test_not_json(self, body: bytes) -> None:
        """Garbage bodies give TMDbServerError."""
        error = errors.error_for(reply(502, body), "doing it")

        assert isinstance(error, TMDbServerError)
        assert "not JSON" in str(error)

    def test_errors_list(self) -> None:
        """The {"errors": [...]} shape is quoted."""
        error = errors.error_for(
            reply(422, {"errors": ["page must be less than or equal to 500"]}),
            "x",
        )

        assert "page must be" in str(error)

    def test_success_false_in_200(self) -> None:
        """success: false inside a 2xx is a failure."""
        with pytest.raises(TMDbServerError):
            step_through(p.validate_key(), reply(200, {"success": False}))

    def test_echoed_secrets_are_scrubbed(self) -> None:
        """A status_message echoing a secret is not quoted as is."""
        error = errors.error_for(
            reply(
                401,
                {
                    "status_code": 30,
                    "status_message": f"bad {TOKEN} and pw hunter22",
                },
            ),
            "login",
            "hunter22",
        )

        assert TOKEN not in str(error)
        assert "hunter22" not in str(error)


class TestSession:
    def test_repr_masks(self) -> None:
        """The id is a secret: the repr shows its last four characters."""
        session = Session("user", SID, "ann")

        assert "Session(kind='user', id='…5555', username='ann')" == repr(
            session
        )

    def test_alive(self) -> None:
        """Guest sessions die at expires_at; user sessions live on."""
        assert Session("user", SID).alive(now=1e12)
        assert not Session("guest", GID, expires_at=10.0).alive(now=10.0)
        assert Session("guest", GID, expires_at=10.0).alive(now=9.9)
