"""Tests of the stand-in server's lifecycle, arguments and concurrent use."""

from __future__ import annotations

import subprocess
import sys
import threading

from urllib.parse import urlsplit

import httpx
import pytest

from tmdb_auth.testing import TMDbServer

from .helpers import HEX32, TLS, guest, new_token


class TestLifecycle:
    def test_binds_loopback_free_port(self, server: TMDbServer):
        """
        By default the server binds 127.0.0.1 on a free port.
        """
        url = urlsplit(server.url)

        assert "127.0.0.1" == url.hostname
        assert server.port == url.port
        assert server.port > 0

    def test_stops_idempotently(self):
        """
        stop() twice is fine. (How fast start() is, is for the benchmarks.)
        """
        server = TMDbServer()
        server.start()
        url = server.url
        server.stop()
        server.stop()

        with pytest.raises(httpx.ConnectError):
            httpx.get(url + "/3/configuration", timeout=5.0)

    def test_stop_refuses_new_connections(self, web: httpx.Client):
        """
        After stop(), the port no longer answers.
        """
        with TMDbServer() as server:
            url = server.url

        with pytest.raises(httpx.ConnectError):
            web.get(url + "/3/configuration")

    def test_stop_closes_keep_alive_connections(self):
        """
        stop() closes open keep-alive connections instead of serving them.
        """
        server = TMDbServer().start()
        with httpx.Client(verify=TLS, base_url=server.url) as c:
            first = c.get("/3/configuration")
            server.stop()

            with pytest.raises(httpx.TransportError):
                c.get("/3/configuration")

        assert "keep-alive" == first.headers["connection"]

    def test_url_needs_start(self):
        """
        url (and env) are only known once started.
        """
        server = TMDbServer()

        with pytest.raises(RuntimeError, match="start"):
            _ = server.url

    def test_env(self, server: TMDbServer):
        """
        env points tmdb-auth at the server.
        """
        assert {
            "TMDB_API_KEY": server.api_key,
            "TMDB_API_URL": server.url,
        } == server.env

    def test_repr_has_no_secrets(self, server: TMDbServer):
        """
        The repr shows the URL and no key, token or password.
        """
        text = repr(server)

        assert f"<TMDbServer {server.url}>" == text
        assert "<TMDbServer stopped>" == repr(TMDbServer())

    def test_defaults(self, server: TMDbServer):
        """
        The default key is 32 hex, the default user is "ann".
        """
        assert HEX32.fullmatch(server.api_key)
        assert "ann" == server.username
        assert server.password

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"host": ""},
            {"port": 70000},
            {"api_key": "not-a-key"},
            {"auth_body": "full"},
            {"delete_unknown_session": (404, 999)},
            {"retry_after": -1},
            {"session_delay": -1.0},
            {"guest_unused_ttl": -5.0},
        ],
    )
    def test_bad_arguments(self, kwargs: dict[str, object]):
        """
        Malformed constructor arguments raise ValueError.
        """
        with pytest.raises(ValueError):
            TMDbServer(**kwargs)  # type: ignore[arg-type]

    def test_explicit_non_loopback_host_is_allowed(self):
        """
        A non-loopback host is accepted when passed explicitly.
        """
        server = TMDbServer(host="0.0.0.0")  # noqa: S104

        assert not server.loopback
        assert TMDbServer().loopback

    def test_writes_nothing(
        self, server: TMDbServer, client: httpx.Client, capfd
    ):
        """
        The server writes nothing to stdout/stderr, errors included.
        """
        client.get("/3/authentication")
        client.get("/3/nope")
        client.post("/3/movie/550/rating", content=b"{")
        server.fail_next("/3/configuration", drop=True)
        with pytest.raises(httpx.TransportError):
            client.get("/3/configuration")
        out, errors = capfd.readouterr()

        assert ("", "") == (out, errors)

    def test_plugin_imports_server_lazily(self):
        """
        Loading the pytest plugin does not import the server.
        """
        code = (
            "import sys, tmdb_auth.testing._plugin;"
            "print('tmdb_auth.testing._server' in sys.modules,"
            " 'http.server' in sys.modules)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

        assert "False False" == out.strip()

    def test_main_serves_until_sigterm(self, web: httpx.Client):
        """
        python -m tmdb_auth.testing prints what tmdb-auth serve prints (one
        implementation) and exits 0 on SIGTERM.
        """
        with subprocess.Popen(
            [sys.executable, "-m", "tmdb_auth.testing", "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        ) as proc:
            assert proc.stdout is not None
            lines = [proc.stdout.readline() for _ in range(6)]
            url = lines[1].strip().split("=", 1)[1]
            key = lines[2].strip().split("=", 1)[1]
            status = web.get(
                url + "/3/authentication", params={"api_key": key}
            ).status_code
            proc.terminate()
            rest = proc.stdout.read()
            code = proc.wait(timeout=10)

        assert 200 == status
        assert lines[0].startswith("Stand-in TMDb server at http://127.0.0.1:")
        assert lines[3].startswith("  TMDB_READ_ACCESS_TOKEN=")
        assert lines[4].startswith("  user: ann / password: ")
        assert f"  control API: {url}/_tmdb/ " in lines[5]
        assert "Press Ctrl-C to stop.\n" == rest
        assert 0 == code


class TestConcurrency:
    def test_parallel_guest_and_user_sessions(self, server: TMDbServer):
        """
        16 threads, started together, each make a guest and a user session:
        all distinct and valid.
        """
        n = 16
        barrier = threading.Barrier(n)
        ids: list[str] = []
        errors: list[BaseException] = []
        lock = threading.Lock()

        def work() -> None:
            try:
                with httpx.Client(
                    verify=TLS,
                    base_url=server.url,
                    params={"api_key": server.api_key},
                ) as c:
                    barrier.wait(timeout=10)
                    gid = guest(c)
                    token = new_token(c)
                    c.post(
                        "/3/authentication/token/validate_with_login",
                        json={
                            "username": server.username,
                            "password": server.password,
                            "request_token": token,
                        },
                    )
                    sid = c.post(
                        "/3/authentication/session/new",
                        json={"request_token": token},
                    ).json()["session_id"]
                with lock:
                    ids.extend([gid, sid])
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        assert [] == errors
        assert 2 * n == len(set(ids))
        assert all(server.session_is_valid(i) for i in ids)
        assert {"guest": n, "user": n} == server.sessions_created
