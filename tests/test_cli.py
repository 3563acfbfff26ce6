"""
The tmdb-auth command, through main(argv), against the stand-in server.

Exit 0 on success, 1 on an API or auth failure, 2 on usage or
configuration; every expected failure is one line on stderr.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tmdb_auth import ConfigurationError
from tmdb_auth._cli import main
from tmdb_auth.requests import TMDbAuth
from tmdb_auth.testing import TMDbServer, click

from .leaks import collect_secrets, find_leaks
from .person import Screen


def login(
    server: TMDbServer, monkeypatch: pytest.MonkeyPatch, *args: str
) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(server.password + "\n"))
    return main(
        ["login", "--username", server.username, "--password-stdin", *args]
    )


class Keyboard:
    """Standard input as a pipe: Enter is pressed by writing a newline."""

    def __init__(self) -> None:
        read, self._write = os.pipe()
        self.stdin = os.fdopen(read, "r")

    def after(self, screen: Screen, button: str) -> threading.Thread:
        """In the background: the URL shown, click *button*, press Enter."""

        def run() -> None:
            assert screen.shown.wait(30)
            click(screen.url, button)
            os.write(self._write, b"\n")

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        os.close(self._write)
        self.stdin.close()


@pytest.fixture
def keyboard(monkeypatch: pytest.MonkeyPatch) -> Iterator[Keyboard]:
    """A keyboard on standard input."""
    keys = Keyboard()
    monkeypatch.setattr("sys.stdin", keys.stdin)
    yield keys
    keys.close()


@pytest.fixture
def two(
    env: TMDbServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> TMDbServer:
    """The server, with a user and a guest session cached (output cleared)."""
    login(env, monkeypatch)
    main(["guest"])
    capsys.readouterr()
    return env


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert 1 == len(err.strip().splitlines()), err
    assert "Traceback" not in err
    return err


class TestUsage:
    def test_no_command(self, capsys: pytest.CaptureFixture[str]) -> None:
        """No command is a usage error."""
        assert 2 == main([])
        assert "usage:" in capsys.readouterr().err

    def test_unknown_command(self) -> None:
        """An unknown command is a usage error."""
        assert 2 == main(["bogus"])

    def test_help(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--help lists the commands and exits 0."""
        assert 0 == main(["--help"])
        out = capsys.readouterr().out
        for name in ("login", "guest", "status", "logout", "serve", "demo"):
            assert name in out

    def test_no_key(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Without an API key: exit 2 and where to get one."""
        assert 2 == main(["guest"])
        assert "TMDB_API_KEY" in one_error_line(capsys)

    def test_bad_api_url(
        self, env: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A plain-http, non-loopback --api-url is refused before any call."""
        assert 2 == main(["guest", "--api-url", "http://example.com"])
        assert "api_url=" in one_error_line(capsys)
        assert 0 == env.count()

    def test_password_stdin_needs_username(
        self, env: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--password-stdin without --username is a usage error."""
        assert 2 == main(["login", "--password-stdin"])
        assert "--username" in one_error_line(capsys)

    @pytest.mark.timeout(20)
    @pytest.mark.parametrize(
        "value", ["0", "-5", "nan", "inf", "-inf", "1e999", "abc", ""]
    )
    def test_bad_timeout(
        self, value: str, env: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A --timeout that is no deadline: exit 2, one line, no call."""
        assert 2 == main(["login", "--no-browser", f"--timeout={value}"])

        assert "--timeout must be a positive number" in one_error_line(capsys)
        assert 0 == env.count()

    def test_unreachable(
        self,
        env: TMDbServer,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A server that does not answer: exit 1, one line, no key."""
        url = env.url
        env.stop()
        monkeypatch.setenv("TMDB_API_URL", url)

        assert 1 == main(["guest"])
        err = one_error_line(capsys)
        assert "Could not reach TMDb" in err
        assert env.api_key not in err


class TestLogin:
    def test_with_password(
        self,
        env: TMDbServer,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """--username with --password-stdin logs in and caches the session."""
        assert 0 == login(env, monkeypatch)

        out = capsys.readouterr().out
        assert f"Logged in as {env.username}" in out
        assert {"guest": 0, "user": 1} == env.sessions_created

    def test_twice_reuses(
        self,
        env: TMDbServer,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A second login finds the cached session; --force makes a new one."""
        login(env, monkeypatch)

        assert 0 == login(env, monkeypatch)
        assert "Already logged in" in capsys.readouterr().out
        assert 0 == login(env, monkeypatch, "--force")
        assert {"guest": 0, "user": 2} == env.sessions_created

    def test_wrong_password(
        self,
        env: TMDbServer,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A refused login: exit 1, one line, no password."""
        monkeypatch.setattr("sys.stdin", io.StringIO("not-the-password\n"))

        assert 1 == main(
            ["login", "--username", env.username, "--password-stdin"]
        )
        err = one_error_line(capsys)
        assert "username and password" in err
        assert "not-the-password" not in err

    def test_no_browser(
        self,
        env: TMDbServer,
        keyboard: Keyboard,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """--no-browser: TMDb's URL as it is; approve, press Enter, logged in."""
        screen = Screen()
        monkeypatch.setattr("sys.stderr", screen)
        person = keyboard.after(screen, "allow")

        code = main(["login", "--no-browser"])

        person.join(10)
        assert 0 == code
        assert screen.url.startswith(env.url + "/authenticate/")
        assert "redirect_to" not in screen.url
        assert f"Logged in as {env.username}" in capsys.readouterr().out

    def test_no_browser_denied(
        self,
        env: TMDbServer,
        keyboard: Keyboard,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Deny on the approval page, then Enter: exit 1, not approved."""
        screen = Screen()
        monkeypatch.setattr("sys.stderr", screen)
        person = keyboard.after(screen, "deny")

        code = main(["login", "--no-browser"])

        person.join(10)
        assert 1 == code
        assert "not approved" in screen.getvalue()
        assert {"guest": 0, "user": 0} == env.sessions_created

    def test_no_browser_without_input(
        self,
        env: TMDbServer,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """--no-browser with standard input closed: exit 2, one line, no wait."""
        monkeypatch.setattr("sys.stdin", io.StringIO(""))

        assert 2 == main(["login", "--no-browser"])

        err = capsys.readouterr().err
        assert "Standard input ended before Enter" in err.splitlines()[-1]
        assert 0 == env.count("/3/authentication/session/new")


class TestGuest:
    def test_guest(
        self, env: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """guest makes one guest session, then shows the cached one."""
        assert 0 == main(["guest"])
        assert 0 == main(["guest"])

        lines = capsys.readouterr().out.splitlines()
        assert 2 == len(lines)
        assert lines[0] == lines[1]
        assert lines[0].startswith("Guest session …")
        assert {"guest": 1, "user": 0} == env.sessions_created


class TestStatus:
    def test_empty(self, capsys: pytest.CaptureFixture[str]) -> None:
        """No sessions: says how to make one. No API key needed."""
        assert 0 == main(["status"])
        assert "tmdb-auth login" in capsys.readouterr().out

    def test_table(
        self, two: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """One row per session; ids masked."""
        assert 0 == main(["status"])
        out = capsys.readouterr().out
        assert [
            "kind",
            "username",
            "app",
            "origin",
            "created",
            "expires",
            "id",
        ] == out.splitlines()[1].split()
        rows = out.splitlines()[2:]
        assert ["guest", "user"] == sorted(r.split()[0] for r in rows)
        assert [] == find_leaks([out], collect_secrets(two))

    def test_json(
        self,
        env: TMDbServer,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """--json gives the same, as JSON."""
        login(env, monkeypatch)
        capsys.readouterr()

        assert 0 == main(["status", "--json"])
        data = json.loads(capsys.readouterr().out)
        (row,) = data["sessions"]
        assert ("user", env.username, "never") == (
            row["kind"],
            row["username"],
            row["expires"],
        )
        assert row["id"].startswith("…")

    @pytest.mark.parametrize("name", ["--cache", "--cache-dir"])
    @pytest.mark.parametrize("before", [True, False])
    def test_cache_anywhere(
        self,
        name: str,
        before: bool,
        env: TMDbServer,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """--cache (alias --cache-dir) works before or after the command."""
        option = [name, str(tmp_path / "elsewhere")]
        main([*option, "guest"] if before else ["guest", *option])
        capsys.readouterr()

        main(["status", *option])

        out = capsys.readouterr().out
        assert f"Cache: {tmp_path / 'elsewhere'}\n" in out
        assert "guest" in out
        assert (tmp_path / "elsewhere" / "cache.db").exists()


class TestCache:
    @pytest.fixture(autouse=True)
    def _in_tmp(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Whatever a store spec makes on disk lands in tmp_path."""
        monkeypatch.chdir(tmp_path)

    @pytest.mark.parametrize(
        "argv",
        [
            ["guest"],
            ["status"],
            ["logout"],
            ["login", "--username", "ann", "--password-stdin"],
        ],
        ids=lambda argv: argv[0],
    )
    def test_refused_by_the_library(
        self,
        argv: list[str],
        env: TMDbServer,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A store the library refuses: exit 2, its one line, no call."""
        assert 2 == main(["--cache", " padded", *argv])

        assert "cache=" in one_error_line(capsys)
        assert 0 == env.count()
        assert [] == list(tmp_path.iterdir())

    def test_url_is_the_librarys_to_read(
        self, env: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--cache URL does what TMDbAuth(cache=URL) does; its password never shows."""
        url = "redis://tmdb:pa55word@127.0.0.1:9/0"
        try:
            TMDbAuth(cache=url)
        except ConfigurationError as exc:
            expected: tuple[int, str | None] = (2, f"tmdb-auth: {exc}")
        else:
            expected = (0, None)

        for command in ("guest", "status"):
            code = main(["--cache", url, command])
            out, err = capsys.readouterr()

            assert expected[0] == code, err
            if code:
                assert [expected[1]] == err.splitlines()
            assert "pa55word" not in out + err
        if not code:
            assert "Cache: redis://tmdb@127.0.0.1:9/0\n" in out


class TestLogout:
    def test_logout(
        self,
        env: TMDbServer,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """logout deletes at TMDb and in the cache."""
        login(env, monkeypatch)
        capsys.readouterr()

        assert 0 == main(["logout"])
        assert "deleted at TMDb" in capsys.readouterr().out
        assert 1 == env.count("/3/authentication/session", method="DELETE")
        main(["status"])
        assert "No cached sessions" in capsys.readouterr().out

    def test_nothing(
        self, env: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Nothing to log out: exit 0, and no call."""
        assert 0 == main(["logout"])
        assert "No cached session" in capsys.readouterr().out
        assert 0 == env.count()

    def test_all(
        self, two: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--all drops every session of this key and origin."""
        assert 0 == main(["logout", "--all"])
        out = capsys.readouterr().out
        assert 2 == len(out.splitlines())
        main(["status"])
        assert "No cached sessions" in capsys.readouterr().out

    def test_all_says_what(
        self, two: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """--all names the user, and says a guest session is only forgotten."""
        main(["logout", "--all"])

        lines = sorted(capsys.readouterr().out.splitlines())
        assert lines[0].startswith("Forgot guest session …")
        assert "TMDb cannot delete guest sessions, it expires 20" in lines[0]
        assert lines[1].startswith(
            f"Logged out {two.username} (user session …"
        )
        assert lines[1].endswith("deleted at TMDb and in the cache.")
        assert 1 == two.count("/3/authentication/session", method="DELETE")

    def test_unknown_user(
        self,
        env: TMDbServer,
        keyboard: Keyboard,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A session whose user TMDb did not name: 'an unknown user'."""
        env.fail_next("/3/account", status=500)
        monkeypatch.setattr("sys.stderr", screen := Screen())
        person = keyboard.after(screen, "allow")
        assert 0 == main(["login", "--no-browser"])
        person.join(10)

        assert 0 == main(["logout"])

        out = capsys.readouterr().out
        assert "Logged in as an unknown user." in out
        assert "Logged out an unknown user (user session …" in out


#: A username that would clear the screen, retitle the window and ring.
EVIL = "ann\x1b[2J\x1b]0;owned\x07\r\u202e"
SHOWN = "ann\\x1b[2J\\x1b]0;owned\\x07\\r\\u202e"


def raw_control(text: str) -> list[str]:
    """The characters of *text* a terminal would act on (newlines aside)."""
    return [c for c in text if not c.isprintable() and c != "\n"]


class TestTerminalSafety:
    @pytest.fixture
    def evil(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[TMDbServer]:
        """A TMDb whose user has control characters in the username."""
        with TMDbServer(username=EVIL) as server:
            for name, value in server.env.items():
                monkeypatch.setenv(name, value)
            # The session comes the way TMDb names the user: by approval,
            # then GET /3/account.
            auth = TMDbAuth(approve=click)
            r = requests.get(server.url + "/3/account", auth=auth, timeout=30)
            assert EVIL == r.json()["username"]
            yield server

    def test_status_escapes(
        self, evil: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """status shows the username escaped; --json keeps it exact."""
        assert 0 == main(["status"])
        text = capsys.readouterr().out
        assert 0 == main(["status", "--json"])
        data = json.loads(capsys.readouterr().out)

        assert [] == raw_control(text)
        assert SHOWN in text
        assert EVIL == data["sessions"][0]["username"]

    def test_logout_escapes(
        self, evil: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """logout names the user escaped."""
        assert 0 == main(["logout"])

        out = capsys.readouterr().out
        assert [] == raw_control(out)
        assert f"Logged out {SHOWN} " in out

    def test_error_line_escapes(
        self, env: TMDbServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """TMDb's message in an error is escaped, and stays one line."""
        env.fail_next(
            "/3/authentication/guest_session/new",
            status=401,
            json={
                "status_code": 7,
                "status_message": "Invalid\x1b[2J\nkey\x07",
                "success": False,
            },
        )

        assert 1 == main(["guest"])
        err = one_error_line(capsys)
        assert [] == raw_control(err)
        assert "Invalid\\x1b[2J\\nkey\\x07" in err


#: What each command may not import: the cost of start-up is imports.
NOT_NEEDED = {
    "--help": {
        "datetime",
        "diskcache",
        "getpass",
        "http.server",
        "httpx",
        "json",
        "requests",
        "shutil",
        "sqlite3",
        "tmdb_auth._config",
        "tmdb_auth._store",
        "urllib.parse",
        "webbrowser",
    },
    "status": {
        "getpass",
        "http.server",
        "httpx",
        "requests",
        "tmdb_auth._browser",
        "webbrowser",
    },
}


class TestStartUp:
    @pytest.mark.parametrize("command", sorted(NOT_NEEDED))
    def test_imports_only_what_it_needs(
        self, command: str, env: TMDbServer
    ) -> None:
        """A command imports what it uses, and nothing more."""
        code = (
            "import sys\n"
            "from tmdb_auth._cli import main\n"
            f"code = main([{command!r}])\n"
            "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
            "sys.exit(code)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            # Without coverage's start-up in the child: it imports json,
            # sqlite3 and datetime for its own use.
            env={k: v for k, v in os.environ.items() if "COVERAGE" not in k},
            timeout=60,
            check=True,
        )

        loaded = set(done.stderr.splitlines())
        assert "tmdb_auth._cli" in loaded
        assert set() == NOT_NEEDED[command] & loaded


class TestDemoAndServe:
    def test_demo(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The demo tells the whole story and exits 0."""
        assert 0 == main(["demo"])

        out = capsys.readouterr().out
        for n in range(1, 7):
            assert f"\n{n}. " in out
        assert "1 guest and 2 user sessions created" in out

    def test_serve(self) -> None:
        """serve prints the URL and credentials, and stops on Ctrl-C."""
        with subprocess.Popen(
            [sys.executable, "-m", "tmdb_auth", "serve"],
            stdout=subprocess.PIPE,
            text=True,
        ) as proc:
            try:
                assert proc.stdout is not None
                first = proc.stdout.readline()
                second = proc.stdout.readline()
            finally:
                proc.send_signal(signal.SIGINT)
                code = proc.wait(30)

        assert first.startswith("Stand-in TMDb server at http://127.0.0.1:")
        assert "TMDB_API_URL=" in second
        assert 0 == code
