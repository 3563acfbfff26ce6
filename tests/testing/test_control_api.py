"""
Tests of the control API: the test controls over HTTP under /_tmdb/, for
tests in another process or language, JSON in and out, loopback only.
"""

from __future__ import annotations

import signal
import subprocess
import sys

from collections.abc import Iterator

import httpx
import pytest

from tmdb_auth.testing import TMDbServer
from tmdb_auth.testing._control import ENDPOINTS

from .helpers import TLS, guest, login, new_token


@pytest.fixture
def control(server: TMDbServer) -> Iterator[httpx.Client]:
    """
    An httpx client for the control API of the server.
    """
    assert server.control_url is not None
    with httpx.Client(verify=TLS, base_url=server.control_url) as c:
        yield c


class TestOverview:
    def test_index_lists_every_endpoint(self, control: httpx.Client):
        """
        GET /_tmdb/ lists the endpoints; each is routed (no 404 or 405).
        """
        index = control.get("").json()["endpoints"]
        statuses = {
            (method, path): control.request(
                method, path.removeprefix("/_tmdb/")
            ).status_code
            for method, path, _ in ENDPOINTS
            if path != "/_tmdb/reset"
        }

        assert [(m, p) for m, p, _ in ENDPOINTS] == [
            (e["method"], e["path"]) for e in index
        ]
        assert all(e["does"] for e in index)
        assert {404, 405}.isdisjoint(statuses.values()), statuses

    def test_state(self, server: TMDbServer, control: httpx.Client):
        """
        GET /_tmdb/state: what a remote test needs to start.
        """
        state = control.get("state").json()

        assert server.url == state["url"]
        assert server.api_key == state["api_key"]
        assert server.read_token == state["read_token"]
        assert [
            {
                "username": "ann",
                "password": server.password,
                "id": 6089455,
                "verified": True,
                "disabled": False,
            }
        ] == state["users"]
        assert {"guest": 0, "user": 0} == state["sessions_created"]
        assert (None, [], 0) == (
            state["rate_limit"],
            state["faults"],
            state["requests"],
        )

    def test_control_calls_are_not_traffic(
        self, server: TMDbServer, control: httpx.Client
    ):
        """
        Control calls are not logged, rate-limited or failed by faults.
        """
        server.set_rate_limit(0.001, burst=1)
        server.fail_next("/_tmdb/state", status=500)
        statuses = [control.get("state").status_code for _ in range(3)]

        assert [200, 200, 200] == statuses
        assert 0 == server.count()


class TestUsersKeysTokensSessions:
    def test_users(self, server: TMDbServer, control: httpx.Client):
        """
        POST /_tmdb/users adds a user who can log in; GET lists them.
        """
        added = control.post(
            "users", json={"username": "bob", "password": "bob-pw"}
        )
        listed = control.get("users").json()["users"]

        assert 201 == added.status_code
        assert "bob" == added.json()["username"]
        assert ["ann", "bob"] == [u["username"] for u in listed]
        assert "bob" in [u.username for u in server.users]

    def test_api_keys(self, server: TMDbServer, control: httpx.Client):
        """
        POST /_tmdb/api_keys: a key and its read token, both accepted;
        a suspended one answers 401/10.
        """
        made = control.post("api_keys", json={}).json()
        suspended = control.post("api_keys", json={"suspended": True}).json()
        by_key = httpx.get(
            server.url + "/3/authentication",
            params={"api_key": made["api_key"]},
        )
        by_token = httpx.get(
            server.url + "/3/authentication",
            headers={"Authorization": "Bearer " + made["read_token"]},
        )
        refused = httpx.get(
            server.url + "/3/authentication",
            params={"api_key": suspended["api_key"]},
        )

        assert (200, 200) == (by_key.status_code, by_token.status_code)
        assert (401, 10) == (
            refused.status_code,
            refused.json()["status_code"],
        )

    def test_approve_as_a_user(
        self, server: TMDbServer, client: httpx.Client, control: httpx.Client
    ):
        """
        POST /_tmdb/tokens/approve as bob: the session is bob's.
        """
        control.post("users", json={"username": "bob", "password": "pw"})
        token = new_token(client)

        r = control.post(
            "tokens/approve", json={"request_token": token, "username": "bob"}
        )
        sid = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        ).json()["session_id"]
        account = client.get("/3/account", params={"session_id": sid})

        assert {"approved": True} == r.json()
        assert "bob" == account.json()["username"]

    def test_deny(self, client: httpx.Client, control: httpx.Client):
        """
        POST /_tmdb/tokens/deny: session/new is then 401/17.
        """
        token = new_token(client)

        control.post("tokens/deny", json={"request_token": token})
        r = client.post(
            "/3/authentication/session/new", json={"request_token": token}
        )

        assert (401, 17) == (r.status_code, r.json()["status_code"])

    def test_token_errors(self, control: httpx.Client):
        """
        An unknown token or user: 400 with the reason.
        """
        unknown = control.post("tokens/approve", json={"request_token": "x"})
        missing = control.post("tokens/approve", json={})

        assert 400 == unknown.status_code
        assert "request token" in unknown.json()["error"]
        assert {"error": "'request_token' must be a str"} == missing.json()

    def test_revoke_expire_check(
        self, server: TMDbServer, client: httpx.Client, control: httpx.Client
    ):
        """
        Revoke one session or all, expire guest sessions, check one.
        """
        sid = login(server, client)
        other = login(server, client)
        gid = guest(client)

        control.post("sessions/revoke", json={"session_id": sid})
        after = client.get("/3/account", params={"session_id": sid})
        checks = [
            control.post("sessions/check", json={"session_id": s}).json()
            for s in (sid, other, gid)
        ]
        control.post("sessions/expire_guests")
        rated = client.post(
            "/3/movie/550/rating",
            params={"guest_session_id": gid},
            json={"value": 8},
        )
        control.post("sessions/revoke", json={"all": True})

        assert (401, 3) == (after.status_code, after.json()["status_code"])
        assert [{"valid": False}, {"valid": True}, {"valid": True}] == checks
        assert 401 == rated.status_code
        assert not server.session_is_valid(other)


class TestClockFaultsLimits:
    def test_clock(self, client: httpx.Client, control: httpx.Client):
        """
        POST /_tmdb/clock {"advance": s} moves the server clock: a request
        token is then expired (401/33).
        """
        before = control.get("clock").json()
        token = new_token(client)

        moved = control.post("clock", json={"advance": 3601}).json()
        r = client.post(
            "/3/authentication/token/validate_with_login",
            json={"username": "ann", "password": "x", "request_token": token},
        )

        assert moved["now"] - before["now"] >= 3601
        assert moved["time"].endswith(" UTC")
        assert (401, 33) == (r.status_code, r.json()["status_code"])
        assert 400 == control.post("clock", json={"advance": -1}).status_code

    def test_faults(self, client: httpx.Client, control: httpx.Client):
        """
        POST /_tmdb/faults fails the next calls; GET lists what is left.
        """
        made = control.post(
            "faults",
            json={"path": "/3/configuration", "count": 2, "status": 503},
        )
        first = client.get("/3/configuration")
        pending = control.get("faults").json()["faults"]
        control.post(
            "faults",
            json={
                "path": "/3/movie/550",
                "status": 502,
                "body": "<html>Bad gateway</html>",
                "content_type": "text/html",
            },
        )
        garbage = client.get("/3/movie/550")

        assert 201 == made.status_code
        assert (503, 9) == (first.status_code, first.json()["status_code"])
        assert [("/3/configuration", 1)] == [
            (f["path"], f["remaining"]) for f in pending
        ]
        assert (502, "<html>Bad gateway</html>") == (
            garbage.status_code,
            garbage.text,
        )

    def test_drop(self, client: httpx.Client, control: httpx.Client):
        """
        A fault with "drop": true closes the connection.
        """
        control.post("faults", json={"path": "/3/configuration", "drop": True})

        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/3/configuration")

    def test_rate_limit(self, client: httpx.Client, control: httpx.Client):
        """
        PUT /_tmdb/rate_limit turns the limit on (429/25) and off.
        """
        on = control.put("rate_limit", json={"per_second": 0.001, "burst": 1})
        statuses = [client.get("/3/configuration").status_code for _ in "ab"]
        off = control.put("rate_limit", json={"per_second": None})
        after = client.get("/3/configuration").status_code

        assert {"per_second": 0.001, "burst": 1} == on.json()
        assert [200, 429] == statuses
        assert off.json() is None
        assert 200 == after
        assert 400 == control.put("rate_limit", json={}).status_code

    def test_settings(self, server: TMDbServer, control: httpx.Client):
        """
        PATCH /_tmdb/settings sets session_delay and retry_after.
        """
        r = control.patch(
            "settings", json={"session_delay": 0.5, "retry_after": None}
        )
        bad = control.patch("settings", json={"speed": 1})

        assert {"session_delay": 0.5, "retry_after": None} == r.json()
        assert (0.5, None) == (server.session_delay, server.retry_after)
        assert "unknown setting 'speed'" == bad.json()["error"]


class TestLogDataReset:
    def test_requests_and_counts(
        self, client: httpx.Client, control: httpx.Client
    ):
        """
        GET /_tmdb/requests is the log (filtered by path and method);
        /_tmdb/counts counts.
        """
        client.get("/3/configuration")
        client.post("/3/movie/550/rating", json={"value": 8})
        log = control.get(
            "requests", params={"path": "/3/movie/550/rating"}
        ).json()["requests"]
        counts = control.get("counts", params={"method": "GET"}).json()

        (rating,) = log
        assert ("POST", '{"value":8}') == (rating["method"], rating["body"])
        assert {
            "requests": 1,
            "sessions_created": {"guest": 0, "user": 0},
        } == (counts)

    def test_movies_and_tv(self, client: httpx.Client, control: httpx.Client):
        """
        POST /_tmdb/movies and /_tmdb/tv add data.
        """
        movie = control.post(
            "movies", json={"title": "Remote Film", "genres": ["Drama"]}
        ).json()
        show = control.post(
            "tv", json={"name": "Remote Show", "seasons": [2]}
        ).json()
        bad = control.post("movies", json={"title": "x", "genres": ["Polka"]})

        assert (
            "Remote Film"
            == client.get(f"/3/movie/{movie['id']}").json()["title"]
        )
        assert [2] == [s["episode_count"] for s in show["seasons"]]
        assert (
            200
            == client.get(f"/3/tv/{show['id']}/season/1/episode/2").status_code
        )
        assert 400 == bad.status_code
        assert "unknown genre 'Polka'" in bad.json()["error"]

    def test_reset(
        self, server: TMDbServer, client: httpx.Client, control: httpx.Client
    ):
        """
        POST /_tmdb/reset is the server as it started; with
        {"what": "traffic"}, only the log, counters and faults go.
        """
        control.post("users", json={"username": "bob", "password": "pw"})
        sid = login(server, client)

        light = control.post("reset", json={"what": "traffic"})
        kept = server.session_is_valid(sid), server.count()
        full = control.post("reset")

        assert {"reset": "traffic"} == light.json()
        assert (True, 0) == kept
        assert {"reset": "all"} == full.json()
        assert not server.session_is_valid(sid)
        assert ["ann"] == [u.username for u in server.users]


class TestErrors:
    def test_unknown_endpoint_and_method(self, control: httpx.Client):
        """
        Unknown endpoint: 404; wrong method: 405 with Allow; JSON errors.
        """
        unknown = control.get("nope")
        wrong = control.delete("users")

        assert 404 == unknown.status_code
        assert "see GET /_tmdb/" in unknown.json()["error"]
        assert (405, "GET, POST") == (
            wrong.status_code,
            wrong.headers["allow"],
        )

    def test_bodies(self, control: httpx.Client):
        """
        A body must be a JSON object sent as application/json (a browser
        page cannot send that across origins without asking first).
        """
        form = control.post(
            "users",
            content=b'{"username": "x", "password": "y"}',
            headers={"Content-Type": "text/plain"},
        )
        garbage = control.post(
            "users",
            content=b"{",
            headers={"Content-Type": "application/json"},
        )
        array = control.post("users", json=[])

        assert 415 == form.status_code
        assert (400, {"error": "the body is not JSON"}) == (
            garbage.status_code,
            garbage.json(),
        )
        assert 400 == array.status_code

    def test_loopback_names_only(self, server: TMDbServer):
        """
        A Host that is not a loopback name (DNS rebinding) is refused.
        """
        r = httpx.get(
            f"{server.url}/_tmdb/state", headers={"Host": "evil.example"}
        )
        ok = httpx.get(
            f"{server.url}/_tmdb/state",
            headers={"Host": f"localhost:{server.port}"},
        )

        assert 403 == r.status_code
        assert 200 == ok.status_code


class TestLoopbackOnly:
    def test_off_on_other_hosts(self):
        """
        On a non-loopback bind the control API is off: /_tmdb/ is TMDb's
        404/34, and asking for it is a ValueError.
        """
        with TMDbServer(host="0.0.0.0") as server:  # noqa: S104
            r = httpx.get(f"http://127.0.0.1:{server.port}/_tmdb/state")

        assert server.control_url is None
        assert (404, 34) == (r.status_code, r.json()["status_code"])
        with pytest.raises(ValueError, match="only listens on loopback"):
            TMDbServer(host="0.0.0.0", control=True)  # noqa: S104

    def test_can_be_turned_off(self):
        """
        control=False turns it off on loopback too.
        """
        with TMDbServer(control=False) as server:
            r = httpx.get(server.url + "/_tmdb/state")

        assert server.control_url is None
        assert 404 == r.status_code


class TestAnotherProcess:
    def test_drive_python_m_tmdb_auth_testing(self):
        """
        A stand-in started as python -m tmdb_auth.testing, driven only
        over HTTP: add a user, approve as them, fail a call, revoke,
        read the log, reset.
        """
        with subprocess.Popen(
            [sys.executable, "-m", "tmdb_auth.testing"],
            stdout=subprocess.PIPE,
            text=True,
        ) as proc:
            try:
                assert proc.stdout is not None
                banner = [proc.stdout.readline() for _ in range(7)]
                base = banner[5].split()[2]
                with httpx.Client(base_url=base) as control:
                    state = control.get("state").json()
                    with httpx.Client(
                        base_url=state["url"],
                        params={"api_key": state["api_key"]},
                    ) as api:
                        seen = _remote_story(control, api)
            finally:
                proc.send_signal(signal.SIGINT)
                code = proc.wait(30)

        assert 0 == code
        assert {
            "account": "bob",
            "failed": 503,
            "after_revoke": 401,
            "logged": ["/3/authentication/token/new"],
            "after_reset": ["ann"],
        } == seen


def _remote_story(
    control: httpx.Client, api: httpx.Client
) -> dict[str, object]:
    """A remote test's story through the control API and TMDb's API."""
    control.post("users", json={"username": "bob", "password": "bob-pw"})
    token = api.get("/3/authentication/token/new").json()["request_token"]
    control.post(
        "tokens/approve", json={"request_token": token, "username": "bob"}
    )
    sid = api.post(
        "/3/authentication/session/new", json={"request_token": token}
    ).json()["session_id"]
    account = api.get("/3/account", params={"session_id": sid}).json()
    control.post("faults", json={"path": "/3/account", "status": 503})
    failed = api.get("/3/account", params={"session_id": sid}).status_code
    control.post("sessions/revoke", json={"session_id": sid})
    after = api.get("/3/account", params={"session_id": sid}).status_code
    logged = control.get(
        "requests", params={"path": "/3/authentication/token/new"}
    ).json()["requests"]
    control.post("reset")
    users = control.get("users").json()["users"]
    return {
        "account": account["username"],
        "failed": failed,
        "after_revoke": after,
        "logged": [r["path"] for r in logged],
        "after_reset": [u["username"] for u in users],
    }
