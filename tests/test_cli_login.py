"""
``tmdb-auth login`` by approval, as a real process: logins that complete.

A browser that stays in the foreground (w3m, lynx, a ``BROWSER`` command
that does not return) is played by a ``BROWSER`` script that approves over
HTTP and then never ends. A remote shell is played by a real
pseudo-terminal (pexpect): the test reads the approval URL from the
screen, approves it on the stand-in as the person would on another device,
and presses Enter.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tmdb_auth.testing import TMDbServer, click


WAIT = 15.0  # seconds, for any one step; a login takes well under one
URL = re.compile(r"(https?://\S+/authenticate/\w+\S*)\r?\n")
NO_DISPLAY = ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "TERM")

#: The browser: approves what it is given, then stays, as w3m would.
BROWSER_SCRIPT = """\
#!{python}
import os, sys, threading
from tmdb_auth.testing import click

with open({pidfile!r}, "w") as f:
    f.write(str(os.getpid()))
# Let go of the command's pipes, or reading them would wait for this.
devnull = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(devnull, fd)
try:
    click(sys.argv[1], "allow")
finally:
    threading.Event().wait()  # in the foreground, until killed
"""


def environment(**changes: str | None) -> dict[str, str]:
    """This test's environment, with *changes* (None removes a variable)."""
    env = dict(os.environ)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def status() -> list[dict[str, Any]]:
    """``tmdb-auth status --json``'s sessions, from another process."""
    done = subprocess.run(
        [sys.executable, "-m", "tmdb_auth", "status", "--json"],
        capture_output=True,
        text=True,
        env=environment(),
        timeout=WAIT,
        check=True,
    )
    sessions: list[dict[str, Any]] = json.loads(done.stdout)["sessions"]
    return sessions


@contextlib.contextmanager
def terminal(*args: str, **env: str | None) -> Iterator[pexpect.spawn]:
    """``tmdb-auth login *args`` on a pseudo-terminal, closed at the end."""
    child = pexpect.spawn(
        sys.executable,
        ["-m", "tmdb_auth", "login", *args],
        env=environment(**env),
        encoding="utf-8",
        timeout=WAIT,
    )
    try:
        yield child
    finally:
        child.close(force=True)


def shown_url(child: pexpect.spawn) -> str:
    """The approval URL as the terminal shows it."""
    child.expect(URL)
    return str(child.match[1])


class TestForegroundBrowser:
    def test_browser_that_never_returns(
        self, env: TMDbServer, tmp_path: Path
    ) -> None:
        """A BROWSER that approves and stays: the login completes anyway."""
        pidfile = tmp_path / "browser.pid"
        script = tmp_path / "browser"
        script.write_text(
            BROWSER_SCRIPT.format(python=sys.executable, pidfile=str(pidfile))
        )
        script.chmod(0o700)
        # A session of its own, so that the browser it starts (same
        # process group) is ended however the test ends.
        with subprocess.Popen(
            [sys.executable, "-m", "tmdb_auth", "login"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(BROWSER=str(script)),
            start_new_session=True,
        ) as login:
            try:
                out, err = login.communicate(timeout=WAIT)
                browser = os.pidfd_open(int(pidfile.read_text()))
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(login.pid, signal.SIGKILL)
                login.kill()
        try:
            ended, _, _ = select.select([browser], [], [], WAIT)
        finally:
            os.close(browser)

        assert 0 == login.returncode, err
        assert out.startswith(f"Logged in as {env.username}. Session …")
        assert "redirect_to=http%3A%2F%2F127.0.0.1%3A" in err
        assert [browser] == ended  # the browser was still running: killed
        (session,) = status()
        assert ("user", env.username) == (session["kind"], session["username"])
        assert {"guest": 0, "user": 1} == env.sessions_created


class TestRemoteShell:
    def test_approve_then_enter(self, env: TMDbServer) -> None:
        """--no-browser: URL on screen, approve elsewhere, Enter, logged in."""
        with terminal("--no-browser") as child:
            url = shown_url(child)
            click(url, "allow")
            child.sendline("")
            child.expect(r"Logged in as (\S+)\. Session …")
            who = child.match[1]
            child.expect(pexpect.EOF)
            child.close()

        assert url.startswith(f"{env.url}/authenticate/")
        assert "redirect_to" not in url
        assert 0 == child.exitstatus
        assert env.username == who
        (session,) = status()
        assert ("user", env.username) == (session["kind"], session["username"])
        assert {"guest": 0, "user": 1} == env.sessions_created

    def test_enter_before_approving(self, env: TMDbServer) -> None:
        """Enter first: one clear line, exit 1, one try, nothing cached."""
        with terminal("--no-browser") as child:
            shown_url(child)
            child.sendline("")
            child.expect(pexpect.EOF)
            child.close()
            screen = child.before

        assert 1 == child.exitstatus
        (line,) = [x for x in screen.splitlines() if "tmdb-auth:" in x]
        assert "not approved" in line
        assert "Traceback" not in screen
        assert 1 == env.count("/3/authentication/session/new")
        assert [] == status()

    def test_no_enter_before_the_deadline(self, env: TMDbServer) -> None:
        """Nobody presses Enter: the login ends at --timeout, exit 1."""
        with terminal("--no-browser", "--timeout", "0.5") as child:
            shown_url(child)
            child.expect(pexpect.EOF)
            child.close()
            screen = child.before

        assert 1 == child.exitstatus
        assert "tmdb-auth: No approval within 0.5 seconds" in screen
        assert 0 == env.count("/3/authentication/session/new")

    @pytest.mark.skipif(
        sys.platform != "linux",
        reason="elsewhere webbrowser always has a browser to offer",
    )
    def test_chosen_when_no_browser_can_be_opened(
        self, env: TMDbServer
    ) -> None:
        """No BROWSER, no display, no terminal browser: the same path, by itself."""
        with terminal(**dict.fromkeys(NO_DISPLAY)) as child:
            child.expect("No browser can be opened here")
            url = shown_url(child)
            click(url, "allow")
            child.sendline("")
            child.expect(pexpect.EOF)
            child.close()

        assert "redirect_to" not in url
        assert 0 == child.exitstatus
        assert {"guest": 0, "user": 1} == env.sessions_created
