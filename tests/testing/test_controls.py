"""Tests of the stand-in server's controls: failures, log, users, reset."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import requests

from tmdb_auth.testing import RecordedRequest, TMDbServer, User

from .helpers import JSON_TYPE, TLS, guest, login, new_token


class TestControls:
    def test_rate_limit_without_retry_after(self):
        """
        §12.2: retry_after=None omits Retry-After on 429.
        """
        with (
            TMDbServer(retry_after=None) as server,
            httpx.Client(verify=TLS, base_url=server.url) as c,
        ):
            server.set_rate_limit(0.001, burst=1)
            c.get("/3/configuration")
            r = c.get("/3/configuration")

        assert 429 == r.status_code
        assert "retry-after" not in r.headers

    def test_rate_limit_off_and_refill(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        set_rate_limit(None) turns limiting off; the bucket refills.
        """
        server.set_rate_limit(1000, burst=1)
        statuses = [
            client.get("/3/configuration").status_code for _ in range(3)
        ]
        server.set_rate_limit(None)
        after = [client.get("/3/configuration").status_code for _ in range(5)]

        assert 200 == statuses[0]
        assert [200] * 5 == after

    @pytest.mark.parametrize(
        ("status", "code"),
        [(500, 11), (502, 43), (503, 9), (504, 24), (404, 34)],
    )
    def test_fail_next_default_bodies(
        self, server: TMDbServer, client: httpx.Client, status: int, code: int
    ):
        """
        fail_next() answers TMDb's error body for the status, once.
        """
        server.fail_next("/3/configuration", status=status)
        failed = client.get("/3/configuration")
        ok = client.get("/3/configuration")

        assert (status, code) == (
            failed.status_code,
            failed.json()["status_code"],
        )
        assert JSON_TYPE == failed.headers["content-type"]
        assert 200 == ok.status_code

    def test_fail_next_429(self, server: TMDbServer, client: httpx.Client):
        """
        A canned 429 carries code 25 and Retry-After.
        """
        server.fail_next("/3/authentication/guest_session/new", status=429)
        r = client.get("/3/authentication/guest_session/new")

        assert (429, 25) == (r.status_code, r.json()["status_code"])
        assert "1" == r.headers["retry-after"]

    def test_fail_next_count_and_method(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        count= fails that many matching requests; method= filters.
        """
        server.fail_next("/3/movie/550", 2, method="get", status=503)
        other_path = client.get("/3/movie/11").status_code
        statuses = [client.get("/3/movie/550").status_code for _ in range(3)]

        assert 200 == other_path
        assert [503, 503, 200] == statuses

    def test_fail_next_custom_body(
        self, server: TMDbServer, http: requests.Session
    ):
        """
        body=, content_type= and headers= shape a garbage answer.
        """
        server.fail_next(
            "/3/configuration",
            status=502,
            body=b"<html>Bad gateway</html>",
            content_type="text/html",
            headers={"X-Cache": "Error from cloudfront"},
        )
        r = http.get(server.url + "/3/configuration")

        assert 502 == r.status_code
        assert b"<html>Bad gateway</html>" == r.content
        assert "text/html" == r.headers["content-type"]
        assert "Error from cloudfront" == r.headers["x-cache"]

    def test_fail_next_json(self, server: TMDbServer, client: httpx.Client):
        """
        json= sends that JSON, even with a 2xx status.
        """
        server.fail_next(
            "/3/authentication", status=200, json={"success": False}
        )
        r = client.get("/3/authentication")

        assert (200, {"success": False}) == (r.status_code, r.json())

    def test_fail_next_drop(self, server: TMDbServer, client: httpx.Client):
        """
        drop=True closes the connection without an answer (both clients).
        """
        server.fail_next("/3/authentication/token/new", 2, drop=True)

        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/3/authentication/token/new")
        with pytest.raises(requests.ConnectionError):
            requests.get(
                server.url + "/3/authentication/token/new",
                params={"api_key": server.api_key},
                timeout=5,
            )
        assert 200 == client.get("/3/authentication/token/new").status_code

    def test_fail_next_delay_does_not_block(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        A delayed answer (status=None answers normally) does not hold up
        other connections.
        """
        server.fail_next("/3/authentication", status=None, delay=0.5)
        slow_done = threading.Event()
        results: list[int] = []

        def slow() -> None:
            with httpx.Client(verify=TLS, base_url=server.url) as c:
                r = c.get(
                    "/3/authentication", params={"api_key": server.api_key}
                )
            results.append(r.status_code)
            slow_done.set()

        thread = threading.Thread(target=slow)
        thread.start()
        arrived = server.wait_for("/3/authentication")
        fast = client.get("/3/movie/550")
        fast_first = not slow_done.is_set()
        thread.join()

        assert arrived
        assert 200 == fast.status_code
        assert fast_first
        assert [200] == results

    def test_log(self, server: TMDbServer, client: httpx.Client):
        """
        requests is a copy of the log, with lower-case headers, last-wins
        query and the raw body.
        """
        client.post(
            "/3/movie/550/rating",
            params=[("x", "1"), ("x", "2")],
            json={"value": 8},
            headers={"X-Test": "yes"},
        )
        log = server.requests
        log.clear()
        (rec,) = server.requests

        assert isinstance(rec, RecordedRequest)
        assert ("POST", "/3/movie/550/rating") == (rec.method, rec.path)
        assert "2" == rec.query["x"]
        assert "yes" == rec.headers["x-test"]
        assert {"value": 8} == rec.json()

    def test_recorded_request_repr_masks_secrets(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        The repr of a recorded request shows no key, session or password.
        """
        sid = login(server, client)
        client.get(
            "/3/account",
            params={"session_id": sid},
            headers={"Authorization": f"Bearer {server.read_token}"},
        )
        text = repr(server.requests[-1])

        assert server.api_key not in text
        assert sid not in text
        assert server.read_token not in text
        assert "'session_id': '***'" in text

    def test_count_and_sessions_created(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        count() filters by path and method; sessions_created counts
        successful creations by kind.
        """
        login(server, client)
        guest(client)
        guest(client)
        client.post(
            "/3/authentication/session/new", json={"request_token": "x"}
        )

        assert {"guest": 2, "user": 1} == server.sessions_created
        assert 2 == server.count("/3/authentication/session/new")
        assert 2 == server.count("/3/authentication/session/new", "POST")
        assert 0 == server.count(method="DELETE")
        assert 5 == server.count()

    def test_reset(self, server: TMDbServer, client: httpx.Client):
        """
        reset() clears log, counters and faults; sessions and keys stay.
        """
        sid = login(server, client)
        client.post(
            "/4/auth/request_token",
            headers={"Authorization": f"Bearer {server.read_token}"},
        )
        assert 1 == server.v4_created["request_tokens"]
        server.fail_next("/3/configuration")
        server.reset()
        r = client.get("/3/configuration")

        assert 200 == r.status_code
        assert {"guest": 0, "user": 0} == server.sessions_created
        assert 0 == server.v4_created["request_tokens"]
        assert 1 == server.count()
        assert server.session_is_valid(sid)

    def test_wait_for(self, server: TMDbServer, client: httpx.Client):
        """
        wait_for() returns once enough matching requests arrived, or False
        after the timeout.
        """
        client.get("/3/configuration")
        client.get("/3/configuration")

        assert server.wait_for("/3/configuration", count=2)
        assert server.wait_for(method="GET")
        assert not server.wait_for("/3/configuration", count=3, timeout=0.01)

    def test_session_delay(self, server: TMDbServer, client: httpx.Client):
        """
        session_delay (a settable attribute) delays session creation only.
        """
        server.session_delay = 0.2
        t0 = time.perf_counter()
        guest(client)
        slow = time.perf_counter() - t0
        server.session_delay = 30.0
        # Other calls are not held: this one would time out if it were.
        fast = client.get("/3/authentication", timeout=5.0)

        assert slow >= 0.2
        assert 200 == fast.status_code

    def test_add_user(self, server: TMDbServer, client: httpx.Client):
        """
        add_user() returns a User whose repr hides the password; the user
        can log in.
        """
        user = server.add_user("carol", "s3cret-pw")
        token = new_token(client)
        r = client.post(
            "/3/authentication/token/validate_with_login",
            json={
                "username": "carol",
                "password": "s3cret-pw",
                "request_token": token,
            },
        )

        assert User("carol", "s3cret-pw", user.id) == user
        assert "s3cret-pw" not in repr(user)
        assert 200 == r.status_code

    def test_add_api_key_rejects_bad_shape(self, server: TMDbServer):
        """
        API keys must be 32 lowercase hex characters.
        """
        with pytest.raises(ValueError, match="32"):
            server.add_api_key("ABC")


class TestSnapshots:
    def test_reset_to_a_snapshot(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        reset(to=snapshot) undoes everything since, log included; the
        snapshot can be used again.
        """
        kept = login(server, client)
        snapshot = server.snapshot()
        later = login(server, client)
        server.add_user("bob", "bob-pw")
        server.add_movie("Later", id=4321)
        server.revoke_session(kept)
        server.advance(3600)
        server.set_rate_limit(0.001, burst=1)
        server.session_delay = 3.0

        server.reset(to=snapshot)
        after = [client.get("/3/movie/4321").status_code for _ in range(2)]
        again = login(server, client)
        server.reset(to=snapshot)

        assert server.session_is_valid(kept)
        assert not server.session_is_valid(later)
        assert not server.session_is_valid(again)
        assert ["ann"] == [u.username for u in server.users]
        assert [404, 404] == after
        assert 0.0 == server.session_delay
        assert {"guest": 0, "user": 0} == server.sessions_created
        assert 0 == server.count()
        assert "<tmdb_auth.testing.Snapshot>" == repr(snapshot)
        with pytest.raises(ValueError, match="snapshot"):
            server.reset(to="yesterday")  # type: ignore[arg-type]

    def test_reset_to_start(self):
        """
        reset(to="start") is the server as it was made, its data loaded.
        """
        with TMDbServer(data={"movies": [{"title": "Loaded", "id": 9}]}) as s:
            s.add_movie("Added", id=10)
            s.reset(to="start")
            params = {"api_key": s.api_key}
            loaded = httpx.get(s.url + "/3/movie/9", params=params)
            added = httpx.get(s.url + "/3/movie/10", params=params)

        assert (200, 404) == (loaded.status_code, added.status_code)

    def test_secrets(self, server: TMDbServer, client: httpx.Client):
        """
        secrets() has every key, password, token and session id, revoked
        ones too.
        """
        token = new_token(client)
        sid = login(server, client)
        gid = guest(client)
        server.revoke_all_sessions()

        assert {
            server.api_key,
            server.read_token,
            server.password,
            token,
            sid,
            gid,
        } <= server.secrets()
