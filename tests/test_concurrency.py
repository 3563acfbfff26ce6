"""
Exactly one session, however many first uses race: threads, asyncio and
trio tasks, processes; and one new session when many calls find theirs
revoked at once. The server holds each session creation open for 50 ms so
that the racers really overlap; the racers start together on a barrier.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import threading

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import requests

from tmdb_auth.httpx import TMDbAuth as HttpxAuth
from tmdb_auth.requests import TMDbAuth as RequestsAuth
from tmdb_auth.testing import TMDbServer


RATING = "/3/movie/550/rating"


@pytest.fixture
def slow(server: TMDbServer) -> TMDbServer:
    server.session_delay = 0.05
    return server


class TestThreads:
    def test_32_threads_one_guest_session(self, slow: TMDbServer) -> None:
        """32 threads sharing a requests auth: one guest session, 32 ratings."""
        auth = RequestsAuth(slow.api_key, api_url=slow.url, session="guest")
        barrier = threading.Barrier(32)

        def rate(_: int) -> int:
            with requests.Session() as s:
                barrier.wait()
                return s.post(
                    slow.url + RATING, json={"value": 8}, auth=auth, timeout=30
                ).status_code

        with ThreadPoolExecutor(32) as pool:
            statuses = list(pool.map(rate, range(32)))

        assert [201] * 32 == sorted(statuses)
        assert {"guest": 1, "user": 0} == slow.sessions_created

    def test_32_threads_separate_auth_objects(self, slow: TMDbServer) -> None:
        """Separate auth objects over one cache still make one session."""
        barrier = threading.Barrier(32)

        def rate(_: int) -> int:
            auth = HttpxAuth(slow.api_key, api_url=slow.url, session="guest")
            with httpx.Client(auth=auth, timeout=30) as c:
                barrier.wait()
                return c.post(slow.url + RATING, json={"value": 8}).status_code

        with ThreadPoolExecutor(32) as pool:
            statuses = list(pool.map(rate, range(32)))

        assert [201] * 32 == statuses
        assert {"guest": 1, "user": 0} == slow.sessions_created

    def test_revocation_under_load(self, server: TMDbServer) -> None:
        """8 threads find their session revoked at once: one new session."""
        auth = RequestsAuth(
            server.api_key,
            api_url=server.url,
            username=server.username,
            password=server.password,
        )
        barrier = threading.Barrier(8)
        revoked = threading.Event()

        def work(i: int) -> list[int]:
            statuses = []
            with requests.Session() as s:
                s.auth = auth
                for round_ in range(6):
                    if round_ == 3:
                        if barrier.wait() == 0:
                            server.revoke_all_sessions()
                            revoked.set()
                        revoked.wait()
                    statuses.append(
                        s.get(
                            server.url + "/3/account", timeout=30
                        ).status_code
                    )
            return statuses

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(work, range(8)))

        assert [[200] * 6] * 8 == results
        assert {"guest": 0, "user": 2} == server.sessions_created


class _Counting:
    """A store that counts the operations the policy asks of it."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.calls = 0
        self.names: list[str] = []
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if not callable(found):
            return found

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls += 1
                self.names.append(name)
            return found(*args, **kwargs)

        return call


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
class TestTasks:
    def test_200_tasks_one_session(
        self, slow: TMDbServer, backend: str
    ) -> None:
        """200 concurrent tasks on one AsyncClient: one guest session."""
        auth = HttpxAuth(slow.api_key, api_url=slow.url, session="guest")
        statuses: list[int] = []

        async def main() -> None:
            limits = httpx.Limits(max_connections=50)
            async with httpx.AsyncClient(
                auth=auth, timeout=60, limits=limits
            ) as c:

                async def rate() -> None:
                    r = await c.post(slow.url + RATING, json={"value": 8})
                    statuses.append(r.status_code)

                async with anyio.create_task_group() as tg:
                    for _ in range(200):
                        tg.start_soon(rate)

        anyio.run(main, backend=backend)

        assert [201] * 200 == statuses
        assert {"guest": 1, "user": 0} == slow.sessions_created

    def test_200_tasks_wait_in_memory(
        self, slow: TMDbServer, backend: str
    ) -> None:
        """
        The in-process mechanism, not only its outcome: the tasks of one
        event loop wait for the one creation on an event, so the store
        sees one creation's operations (read, lock, read, write, unlock),
        however many tasks race. (Release one keyed the loop's lock by
        an object anyio makes anew on each call: 200 tasks, 200 locks,
        thousands of store reads.)
        """
        auth = HttpxAuth(
            slow.api_key, api_url=slow.url, session="guest", cache=None
        )
        counted = _Counting(auth._sessions.store)
        auth._sessions._store = counted

        async def main() -> None:
            async with (
                httpx.AsyncClient(auth=auth, timeout=60) as c,
                anyio.create_task_group() as tg,
            ):
                for _ in range(200):
                    tg.start_soon(c.post, slow.url + RATING)

        anyio.run(main, backend=backend)

        assert {"guest": 1, "user": 0} == slow.sessions_created
        assert counted.calls <= 5, counted.names

    def test_revocation_under_async_load(
        self, server: TMDbServer, backend: str
    ) -> None:
        """50 tasks find the session revoked: one new session, no failure."""
        auth = HttpxAuth(
            server.api_key,
            api_url=server.url,
            username=server.username,
            password=server.password,
        )
        statuses: list[int] = []

        async def main() -> None:
            async with httpx.AsyncClient(auth=auth, timeout=60) as c:
                await c.get(server.url + "/3/account")
                server.revoke_all_sessions()

                async def call() -> None:
                    statuses.append(
                        (await c.get(server.url + "/3/account")).status_code
                    )

                async with anyio.create_task_group() as tg:
                    for _ in range(50):
                        tg.start_soon(call)

        anyio.run(main, backend=backend)

        assert [200] * 50 == statuses
        assert {"guest": 0, "user": 2} == server.sessions_created


class TestEventLoops:
    def test_loops_in_threads_share_one_auth(self, slow: TMDbServer) -> None:
        """4 threads, each its own event loop (2 asyncio, 2 trio), 10 tasks each."""
        auth = HttpxAuth(slow.api_key, api_url=slow.url, session="guest")
        barrier = threading.Barrier(4)
        statuses: list[int] = []

        async def main() -> None:
            async with httpx.AsyncClient(auth=auth, timeout=60) as c:
                barrier.wait()

                async def rate() -> None:
                    r = await c.post(slow.url + RATING, json={"value": 8})
                    statuses.append(r.status_code)

                async with anyio.create_task_group() as tg:
                    for _ in range(10):
                        tg.start_soon(rate)

        threads = [
            threading.Thread(
                target=anyio.run, args=(main,), kwargs={"backend": b}
            )
            for b in ("asyncio", "trio", "asyncio", "trio")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        assert [201] * 40 == statuses
        assert {"guest": 1, "user": 0} == slow.sessions_created


def _rate_in_process(
    url: str, key: str, cache: str, barrier: Any, results: Any
) -> None:
    auth = RequestsAuth(key, api_url=url, session="guest", cache=cache)
    barrier.wait()
    r = requests.post(url + RATING, json={"value": 8}, auth=auth, timeout=60)
    results.put(r.status_code)


class TestProcesses:
    def test_6_processes_one_session(
        self, slow: TMDbServer, tmp_path: Path
    ) -> None:
        """6 processes over one cache directory make one guest session."""
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(6)
        cache = str(tmp_path / "shared")

        results = ctx.Queue()
        workers = [
            ctx.Process(
                target=_rate_in_process,
                args=(slow.url, slow.api_key, cache, barrier, results),
            )
            for _ in range(6)
        ]
        for worker in workers:
            worker.start()
        statuses = [results.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)

        assert [201] * 6 == statuses
        assert {"guest": 1, "user": 0} == slow.sessions_created

    def test_new_process_reuses_the_cache(
        self, server: TMDbServer, tmp_path: Path
    ) -> None:
        """A session made here is used by a new process with no session call."""
        cache = str(tmp_path / "shared")
        auth = RequestsAuth(
            server.api_key,
            api_url=server.url,
            cache=cache,
            username=server.username,
            password=server.password,
        )
        requests.get(server.url + "/3/account", auth=auth, timeout=10)
        server.reset()
        script = (
            "import json, sys, httpx\n"
            "from tmdb_auth.httpx import TMDbAuth\n"
            "url, key, cache = sys.argv[1:]\n"
            "auth = TMDbAuth(key, api_url=url, cache=cache, session='user')\n"
            "r = httpx.get(url + '/3/account', auth=auth)\n"
            "print(json.dumps([r.status_code, r.json().get('username')]))\n"
        )

        out = subprocess.run(
            [sys.executable, "-c", script, server.url, server.api_key, cache],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )

        assert [200, server.username] == json.loads(out.stdout)
        assert 1 == server.count()
        assert {"guest": 0, "user": 0} == server.sessions_created
