"""
The session policy alone (`tmdb_auth._sessions.Sessions`), without HTTP.

Its flows are walked with canned replies: which session a need gets, who
it may be replaced by, and what is kept. The adapters and the stand-in are
tested elsewhere; these pin the rules of DESIGN §4 and §8 themselves.
"""

from __future__ import annotations

import json

from collections.abc import Iterator
from typing import Any

import pytest

from tmdb_auth import SessionRequired, SessionRevoked
from tmdb_auth._config import Settings
from tmdb_auth._routes import Need
from tmdb_auth._sessions import Sessions
from tmdb_auth._steps import Call, Reply, run
from tmdb_auth._values import Session


KEY = "0123456789abcdef0123456789abcdef"
ANN = "a" * 40
BOB = "b" * 40
GUEST = "c" * 32
TOKEN = "d" * 40


def ok(**fields: Any) -> Reply:
    return Reply(200, {}, json.dumps({"success": True, **fields}).encode())


class Replies:
    """Answer each Call with the next canned reply; keep what was sent."""

    def __init__(self, *replies: Reply) -> None:
        self._replies: Iterator[Reply] = iter(replies)
        self.calls: list[str] = []

    def __call__(self, call: Call) -> Reply:
        self.calls.append(f"{call.method} {call.path}")
        return next(self._replies)


def sessions(**options: Any) -> Sessions:
    return Sessions(Settings.build(api_key=KEY, cache=None, **options))


def test_a_user_session_serves_both_needs() -> None:
    """username= and password=: one login, then both needs travel with it."""
    policy = sessions(username="ann", password="pw-12345")
    send = Replies(
        ok(request_token=TOKEN), ok(request_token=TOKEN), ok(session_id=ANN)
    )

    made = run(policy.acquire(Need.USER), send)

    assert (ANN, "ann") == (made.id, made.username)
    assert made is policy.current(Need.GUEST_OK)
    assert 3 == len(send.calls)


def test_guest_where_allowed_and_never_for_user_routes() -> None:
    """No identity, nothing cached: a guest for ratings, none for account."""
    policy = sessions()
    send = Replies(
        ok(guest_session_id=GUEST, expires_at="2099-01-01 00:00:00 UTC")
    )

    guest = run(policy.acquire(Need.GUEST_OK), send)
    with pytest.raises(SessionRequired):
        run(policy.acquire(Need.USER), Replies())

    assert "guest" == guest.kind
    assert ["GET /3/authentication/guest_session/new"] == send.calls


def test_an_explicit_session_is_used_as_is() -> None:
    """session_id=: no call at all, and never a guest."""
    policy = sessions(session_id=ANN)

    found = run(policy.acquire(Need.GUEST_OK), Replies())

    assert ("user", ANN) == (found.kind, found.id)


def test_a_revoked_explicit_session_is_session_revoked() -> None:
    """session_id= revoked: SessionRevoked, no call, no guest."""
    policy = sessions(session_id=ANN)
    stale = run(policy.acquire(Need.GUEST_OK), Replies())
    send = Replies()

    with pytest.raises(SessionRevoked):
        run(policy.renew(Need.GUEST_OK, stale), send)

    assert [] == send.calls
    assert policy.current(Need.GUEST_OK) is None


def test_a_renewal_another_caller_made_is_shared() -> None:
    """Two callers saw the same stale session: the second takes the first's."""
    policy = sessions(username="ann", password="pw-12345")
    send = Replies(
        ok(request_token=TOKEN), ok(request_token=TOKEN), ok(session_id=ANN)
    )
    stale = run(policy.acquire(Need.USER), send)
    renewed = Replies(
        ok(request_token=TOKEN), ok(request_token=TOKEN), ok(session_id=BOB)
    )

    first = run(policy.renew(Need.USER, stale), renewed)
    second = run(policy.renew(Need.USER, stale), Replies())

    assert BOB == first.id
    assert first is second
    assert 3 == len(renewed.calls)


def test_an_approval_as_another_user_is_refused() -> None:
    """username= with approve=: bob's approval is LoginFailed, deleted."""
    from tmdb_auth import LoginFailed

    policy = sessions(username="ann", approve=lambda url: None)
    send = Replies(
        ok(request_token=TOKEN),
        ok(session_id=BOB),
        ok(id=2, username="bob"),
        ok(),  # DELETE session
    )

    with pytest.raises(LoginFailed, match="'bob'"):
        run(policy.acquire(Need.USER), send)

    assert "DELETE /3/authentication/session" == send.calls[-1]
    assert policy.current(Need.USER) is None


def test_a_session_kept_is_found_again() -> None:
    """save() then user_session(): the store's session for that user."""
    policy = sessions(username="ann")
    policy.save(Session("user", ANN, "ann", 1.0))

    found = policy.user_session()

    assert found is not None
    assert (ANN, "ann") == (found.id, found.username)
