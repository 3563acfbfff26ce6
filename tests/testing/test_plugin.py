"""
Tests of the pytest plugin, run by pytester in a fresh pytest process:
isolation by default (the environment points at the stand-in, nothing is
written under $HOME) and the shared scopes (one server, reset between
tests).
"""

from __future__ import annotations

import os

import pytest


pytest_plugins = ["pytester"]


@pytest.fixture
def home(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    """
    An empty $HOME and the outside world of a TMDb developer: their real
    key, session, login and store in the environment.
    """
    path = pytester.path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    outside = {
        "TMDB_API_KEY": "0123456789abcdef0123456789abcdef",
        "TMDB_API_URL": "https://api.themoviedb.org",
        "TMDB_SESSION_ID": "f" * 40,
        "TMDB_USERNAME": "real-user",
        "TMDB_PASSWORD": "real-password",
        "TMDB_AUTH_CACHE_URL": "redis://127.0.0.1:1/0",
    }
    for name, value in outside.items():
        monkeypatch.setenv(name, value)
    return path


def _files(root: os.PathLike[str]) -> list[str]:
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


class TestIsolation:
    def test_fixture_points_the_environment_at_the_stand_in(
        self, pytester: pytest.Pytester, home: os.PathLike[str]
    ):
        """
        A test of the user's with tmdb_server: TMDbAuth() from the
        environment reaches the stand-in, with its key, a temporary cache,
        no outside TMDB_* variable; nothing is written under $HOME.
        """
        pytester.makepyfile(
            """
            import os
            import requests
            from tmdb_auth.requests import TMDbAuth

            def test_rating(tmdb_server, tmp_path_factory):
                auth = TMDbAuth(session="guest")
                url = os.environ["TMDB_API_URL"] + "/3/movie/550/rating"
                r = requests.post(url, json={"value": 8}, auth=auth)

                assert 201 == r.status_code
                assert tmdb_server.url == os.environ["TMDB_API_URL"]
                assert tmdb_server.api_key == os.environ["TMDB_API_KEY"]
                for name in ("TMDB_SESSION_ID", "TMDB_USERNAME",
                             "TMDB_PASSWORD", "TMDB_AUTH_CACHE_URL"):
                    assert name not in os.environ
                cache = os.environ["TMDB_AUTH_CACHE_DIR"]
                assert cache.startswith(str(tmp_path_factory.getbasetemp()))
                assert os.listdir(cache)  # the guest session is cached there
                assert {"guest": 1, "user": 0} == tmdb_server.sessions_created

            def test_environment_is_back_after_the_fixture():
                assert "https://api.themoviedb.org" == os.environ["TMDB_API_URL"]
            """
        )

        result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

        result.assert_outcomes(passed=2)
        assert [] == _files(home)


class TestScopes:
    def test_module_scope(self, pytester: pytest.Pytester):
        """
        A module-scoped fixture of the user's can use tmdb_server_module
        (no ScopeMismatch): one server for the module; what the fixture
        set up stays, what each test did is undone.
        """
        pytester.makepyfile(
            """
            import httpx
            import pytest

            URLS = set()

            @pytest.fixture(scope="module")
            def catalogue(tmdb_server_module):
                tmdb_server_module.add_user("bob", "bob-pw")
                tmdb_server_module.add_movie("Module Film", id=777)
                return tmdb_server_module

            @pytest.fixture
            def client(catalogue):
                with httpx.Client(
                    base_url=catalogue.url,
                    params={"api_key": catalogue.api_key},
                ) as c:
                    yield c

            @pytest.mark.parametrize("round", [1, 2])
            def test_each_starts_clean(catalogue, client, round):
                URLS.add(catalogue.url)
                assert 0 == catalogue.count()
                assert {"guest": 0, "user": 0} == catalogue.sessions_created
                assert "bob" in [u.username for u in catalogue.users]
                assert 200 == client.get("/3/movie/777").status_code
                guest = client.get(
                    "/3/authentication/guest_session/new"
                ).json()["guest_session_id"]
                rated = client.get(
                    "/3/guest_session/%s/rated/movies" % guest
                ).json()
                assert 0 == rated["total_results"]
                r = client.post(
                    "/3/movie/777/rating",
                    params={"guest_session_id": guest},
                    json={"value": 7},
                )
                assert 201 == r.status_code
                catalogue.add_movie("Test Film", id=778)
                catalogue.set_rate_limit(0.001, burst=100)
                catalogue.advance(7 * 86400)
                catalogue.fail_next("/3/configuration", status=503)
                catalogue.session_delay = 5.0
                catalogue.add_user("carol", "carol-pw")

            def test_nothing_of_the_tests_left(catalogue, client):
                assert 1 == len(URLS)
                assert 404 == client.get("/3/movie/778").status_code
                assert 200 == client.get("/3/configuration").status_code
                assert 0.0 == catalogue.session_delay
                assert catalogue.now < __import__("time").time() + 3600
                assert ["ann", "bob"] == [u.username for u in catalogue.users]
                assert 2 == catalogue.count()
                assert [200] * 5 == [
                    client.get("/3/movie/550").status_code for _ in range(5)
                ]
            """
        )

        result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

        result.assert_outcomes(passed=3)

    def test_sessions_do_not_leak(self, pytester: pytest.Pytester):
        """
        A session made in one test is gone in the next; one made by the
        module's fixture lives on.
        """
        pytester.makepyfile(
            """
            import httpx
            import pytest

            MADE = []

            @pytest.fixture(scope="module")
            def shared(tmdb_server_module):
                with httpx.Client(
                    base_url=tmdb_server_module.url,
                    params={"api_key": tmdb_server_module.api_key},
                ) as c:
                    gid = c.get(
                        "/3/authentication/guest_session/new"
                    ).json()["guest_session_id"]
                return tmdb_server_module, gid

            def test_one(shared):
                server, gid = shared
                with httpx.Client(
                    base_url=server.url, params={"api_key": server.api_key}
                ) as c:
                    MADE.append(c.get(
                        "/3/authentication/guest_session/new"
                    ).json()["guest_session_id"])
                assert server.session_is_valid(gid)
                assert server.session_is_valid(MADE[0])
                server.revoke_session(gid)

            def test_two(shared):
                server, gid = shared
                assert not server.session_is_valid(MADE[0])
                assert server.session_is_valid(gid)
            """
        )

        result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

        result.assert_outcomes(passed=2)

    def test_session_scope(self, pytester: pytest.Pytester):
        """
        tmdb_server_session is one server across modules, a session-scoped
        fixture of the user's can use it, and each test starts clean.
        """
        pytester.makeconftest(
            """
            import pytest

            @pytest.fixture(scope="session")
            def server(tmdb_server_session):
                tmdb_server_session.add_user("bob", "bob-pw")
                return tmdb_server_session
            """
        )
        test = """
            import os

            def test_{name}(server):
                path = os.path.join(os.path.dirname(__file__), "urls.txt")
                with open(path, "a") as f:
                    f.write(server.url + "\\n")
                assert os.environ["TMDB_API_URL"] == server.url
                assert ["ann", "bob"] == [u.username for u in server.users]
                assert 0 == server.count()
                assert 404 == __import__("httpx").get(
                    server.url + "/3/movie/1", params={{"api_key": server.api_key}}
                ).status_code
                server.add_user("{name}", "pw")
            """
        pytester.makepyfile(
            test_a=test.format(name="a"), test_b=test.format(name="b")
        )

        result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

        result.assert_outcomes(passed=2)
        urls = (pytester.path / "urls.txt").read_text().split()
        assert 2 == len(urls)
        assert 1 == len(set(urls))

    def test_narrowest_scope_wins_the_environment(
        self, pytester: pytest.Pytester
    ):
        """
        With a session and a module server in use, TMDB_API_URL is the
        module's for its tests, each with a cache directory of its own.
        """
        pytester.makepyfile(
            """
            import os

            CACHES = set()

            def test_one(tmdb_server_session, tmdb_server_module):
                assert tmdb_server_session.url != tmdb_server_module.url
                assert os.environ["TMDB_API_URL"] == tmdb_server_module.url
                CACHES.add(os.environ["TMDB_AUTH_CACHE_DIR"])

            def test_two(tmdb_server_module):
                assert os.environ["TMDB_API_URL"] == tmdb_server_module.url
                CACHES.add(os.environ["TMDB_AUTH_CACHE_DIR"])
                assert 2 == len(CACHES)

            def test_function_scope_wins(tmdb_server_module, tmdb_server):
                assert os.environ["TMDB_API_URL"] == tmdb_server.url
            """
        )

        result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

        result.assert_outcomes(passed=3)

    def test_function_fixture_in_module_scope_is_a_mismatch(
        self, pytester: pytest.Pytester
    ):
        """
        Why the shared variants exist: the function-scoped tmdb_server in a
        module-scoped fixture is pytest's ScopeMismatch.
        """
        pytester.makepyfile(
            """
            import pytest

            @pytest.fixture(scope="module")
            def mine(tmdb_server):
                return tmdb_server

            def test_it(mine):
                pass
            """
        )

        result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*ScopeMismatch*"])
