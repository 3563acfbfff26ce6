"""
2. Revocation under load.

8 threads and 200 async tasks call session routes without pause, through
two auth objects over one cache (so renewal must be coordinated by the
store, not only by a process-local lock), while the stand-in revokes the
session again and again. Every call completes with success; each
revocation costs exactly one new session; and no call carries a session id
that the stand-in had revoked more than once (a call may meet the session
revoked a moment ago, once, and must then use the new one).

The revoker does not sleep to let things happen: it waits on the
stand-in's arrivals (each request notifies a condition) for the new
session to exist and to be in every auth object's memory, then for every
call that started before that to finish, then for some load; only then
does it revoke again. Without that wait, a second revocation could hit a
call between its 401 and its one resend, whose answer is then, by design,
the 401 (nothing retries twice).
"""

from __future__ import annotations

import threading

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import requests

from tests.clients import TLS
from tests.hardening.conftest import SOAK, scale
from tests.leaks import FIGURES
from tmdb_auth._routes import Need
from tmdb_auth.httpx import TMDbAuth as HttpxAuth
from tmdb_auth.requests import TMDbAuth as RequestsAuth
from tmdb_auth.testing import TMDbServer


RATING = "/3/movie/550/rating"
THREADS = 8
TASKS = 200
#: Revocations in the threads test, and in each tasks test (slower: httpx's
#: connection pool is not fair, so a call may wait seconds for its turn,
#: and the revoker waits for every call that might hold an older session).
THREAD_REVOCATIONS = scale(10, 100)
TASK_REVOCATIONS = scale(2, 25)
#: Calls between two revocations, on top of those the renewal needs.
BETWEEN = scale(60, 400)
#: All callers together make no more calls than this, whatever happens.
MAX_CALLS = scale(20_000, 200_000)
#: The tasks share this many connections (httpx's pool is quadratic in
#: the number of waiting requests: 100 would only slow everything down).
CONNECTIONS = 10
WAIT = 60.0
BACKENDS = ["asyncio", "trio"] if SOAK else ["asyncio"]


@dataclass
class Load:
    """The callers' bookkeeping: tickets of calls in flight, outcomes."""

    cv: threading.Condition = field(default_factory=threading.Condition)
    next_ticket: int = 0
    ended: int = 0
    in_flight: set[int] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def begin(self) -> int:
        with self.cv:
            ticket = self.next_ticket
            self.next_ticket += 1
            self.in_flight.add(ticket)
            return ticket

    def end(self, ticket: int, status: int) -> None:
        with self.cv:
            self.in_flight.discard(ticket)
            self.statuses[status] += 1
            self.ended += 1
            self.cv.notify_all()

    def fail(self, ticket: int, exc: BaseException) -> None:
        with self.cv:
            self.failures.append(repr(exc))
        self.end(ticket, -1)

    def drain(self, before: int) -> bool:
        """Wait until every call with a ticket below *before* ended."""
        with self.cv:
            return self.cv.wait_for(
                lambda: min(self.in_flight, default=before) >= before, WAIT
            )

    def wait_for_calls(self, calls: int) -> bool:
        """Wait until *calls* more calls ended."""
        with self.cv:
            goal = self.ended + calls
            return self.cv.wait_for(lambda: self.ended >= goal, WAIT)

    def running(self) -> bool:
        return not self.done.is_set() and self.next_ticket < MAX_CALLS


@dataclass
class Ledger:
    """What the stand-in did, in the order of its request log."""

    server: TMDbServer
    #: (log position, session id) of each session made.
    created: list[tuple[int, str]] = field(default_factory=list)
    #: Log positions of the revocations.
    revoked: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        app = self.server._app
        make = app._new_session

        def new_session(kind: str, owner: str | None = None) -> Any:
            session = make(kind, owner)  # called under the app's lock
            self.created.append((len(self.server._log), session.id))
            self.server._arrived.notify_all()
            return session

        app._new_session = new_session

    def wait(self, predicate: Callable[[], bool], what: str) -> None:
        with self.server._arrived:
            assert self.server._arrived.wait_for(predicate, WAIT), what

    def revoke(self, session_id: str, *, everything: bool) -> None:
        with self.server._app.lock:
            self.revoked.append(len(self.server._log))
            if everything:
                self.server.revoke_all_sessions()
            else:
                self.server.revoke_session(session_id)

    def stale_uses(self, param: str) -> tuple[int, int]:
        """
        (calls that met a just-revoked session, calls that met one revoked
        more than once). Every session id a call carried must be known.
        """
        born = {sid: at for at, sid in self.created}
        once = twice = 0
        for at, request in enumerate(self.server.requests):
            sid = request.query.get(param)
            if sid is None or request.path.startswith("/3/authentication"):
                continue
            assert sid in born, "a call carried a session nobody made"
            since = sum(1 for r in self.revoked if born[sid] < r <= at)
            once += since == 1
            twice += since > 1
        return once, twice


def _revoke_under_load(
    ledger: Ledger,
    load: Load,
    auths: list[Any],
    need: Need,
    revocations: int,
    *,
    everything: bool,
) -> None:
    for round_ in range(revocations + 1):
        ledger.wait(
            lambda round_=round_: len(ledger.created) > round_,
            f"session {round_ + 1} was never made",
        )
        sid = ledger.created[-1][1]
        ledger.wait(
            lambda sid=sid: all(
                getattr(a._sessions.active.get(need), "id", None) == sid
                for a in auths
            ),
            "an auth object never took up the new session",
        )
        with load.cv:
            ticket = load.next_ticket
        assert load.drain(ticket), "calls did not finish"
        if round_ == revocations:
            break
        assert load.wait_for_calls(BETWEEN), "the load stopped"
        ledger.revoke(sid, everything=everything)
    load.done.set()


def _caller(load: Load, call: Callable[[], int]) -> Callable[[], None]:
    """A thread's loop: call until told to stop."""

    def work() -> None:
        while load.running():
            ticket = load.begin()
            try:
                status = call()
            except Exception as exc:
                load.fail(ticket, exc)
                return
            load.end(ticket, status)

    return work


def _tasks(
    load: Load,
    *,
    backend: str,
    auths: list[HttpxAuth],
    method: str,
    url: str,
    body: dict[str, Any] | None,
) -> Callable[[], None]:
    """TASKS tasks in one event loop, spread over the auth objects."""

    async def main() -> None:
        limits = httpx.Limits(max_connections=CONNECTIONS)
        async with httpx.AsyncClient(
            timeout=WAIT, verify=TLS, limits=limits
        ) as c:

            async def task(auth: HttpxAuth) -> None:
                while load.running():
                    ticket = load.begin()
                    try:
                        r = await c.request(method, url, json=body, auth=auth)
                    except Exception as exc:
                        load.fail(ticket, exc)
                        return
                    load.end(ticket, r.status_code)

            async with anyio.create_task_group() as tg:
                for i in range(TASKS):
                    tg.start_soon(task, auths[i % len(auths)])

    return lambda: anyio.run(main, backend=backend)


def _run(
    load: Load, callers: list[Callable[[], None]], revoke: Callable[[], None]
) -> None:
    """Run the callers in threads while *revoke* runs here."""
    errors: list[BaseException] = []

    def guarded(caller: Callable[[], None]) -> None:
        try:
            caller()
        except BaseException as exc:
            errors.append(exc)
            load.done.set()

    with ThreadPoolExecutor(len(callers)) as pool:
        futures = [pool.submit(guarded, caller) for caller in callers]
        try:
            revoke()
        finally:
            load.done.set()
            for future in futures:
                future.result(WAIT)
    assert [] == errors
    assert [] == load.failures[:5]


def _figures(
    server: TMDbServer, load: Load, ledger: Ledger, kind: str, param: str
) -> tuple[int, int]:
    once, twice = ledger.stale_uses(param)
    FIGURES["revocations_under_load"] += len(ledger.revoked)
    FIGURES["revocation_sessions_created"] += server.sessions_created[kind]
    FIGURES["revocation_calls"] += sum(load.statuses.values())
    FIGURES["revocation_calls_that_met_a_revoked_session"] += once
    return once, twice


def test_8_threads_user_sessions_revoked(
    server: TMDbServer, tmp_path: Path
) -> None:
    """
    8 threads, 4 through a requests auth and 4 through an httpx auth over
    the same cache, read the account while every user session is revoked,
    the given number of times.
    """
    options = {
        "api_key": server.api_key,
        "api_url": server.url,
        "username": server.username,
        "password": server.password,
        "cache": str(tmp_path / "cache"),
    }
    requests_auth = RequestsAuth(**options)
    httpx_auth = HttpxAuth(**options)
    load, ledger = Load(), Ledger(server)
    url = server.url + "/3/account"
    sessions = [requests.Session() for _ in range(THREADS // 2)]
    clients = [
        httpx.Client(auth=httpx_auth, timeout=WAIT, verify=TLS)
        for _ in range(THREADS // 2)
    ]
    callers = []
    for session, client in zip(sessions, clients, strict=True):
        session.auth = requests_auth
        callers.append(
            _caller(
                load,
                lambda s=session: s.get(url, timeout=WAIT).status_code,
            )
        )
        callers.append(_caller(load, lambda c=client: c.get(url).status_code))

    try:
        _run(
            load,
            callers,
            lambda: _revoke_under_load(
                ledger,
                load,
                [requests_auth, httpx_auth],
                Need.USER,
                THREAD_REVOCATIONS,
                everything=True,
            ),
        )
    finally:
        for closeable in [*sessions, *clients]:
            closeable.close()

    assert {200} == set(load.statuses), load.statuses
    assert THREAD_REVOCATIONS == len(ledger.revoked)
    assert {
        "guest": 0,
        "user": 1 + THREAD_REVOCATIONS,
    } == server.sessions_created
    once, twice = _figures(server, load, ledger, "user", "session_id")
    assert 0 == twice
    assert once >= THREAD_REVOCATIONS  # each revocation was met by some call


@pytest.mark.parametrize("backend", BACKENDS)
def test_200_tasks_guest_sessions_revoked(
    server: TMDbServer, tmp_path: Path, backend: str
) -> None:
    """
    200 tasks in one event loop, over two httpx auth objects and one
    cache, rate as guests while the stand-in revokes the current guest
    session, the given number of times.
    """
    options = {
        "api_key": server.api_key,
        "api_url": server.url,
        "session": "guest",
        "cache": str(tmp_path / "cache"),
    }
    auths = [HttpxAuth(**options), HttpxAuth(**options)]
    load, ledger = Load(), Ledger(server)

    _run(
        load,
        [
            _tasks(
                load,
                backend=backend,
                auths=auths,
                method="POST",
                url=server.url + RATING,
                body={"value": 8},
            )
        ],
        lambda: _revoke_under_load(
            ledger,
            load,
            auths,
            Need.GUEST_OK,
            TASK_REVOCATIONS,
            everything=False,
        ),
    )

    assert {201} == set(load.statuses), load.statuses
    assert TASK_REVOCATIONS == len(ledger.revoked)
    assert {
        "guest": 1 + TASK_REVOCATIONS,
        "user": 0,
    } == server.sessions_created
    once, twice = _figures(server, load, ledger, "guest", "guest_session_id")
    assert 0 == twice
    assert once >= TASK_REVOCATIONS
