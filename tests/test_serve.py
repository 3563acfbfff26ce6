"""
tmdb-auth serve: the stand-in server from the command line.

``tmdb-auth serve`` and ``python -m tmdb_auth.testing`` are one
implementation (tmdb_auth/testing/_serve.py): the same options, banner and
errors. Every bad option or unusable address is one line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tmdb_auth._cli import main


@contextmanager
def serving(*options: str) -> Iterator[dict[str, str]]:
    """
    ``tmdb-auth serve`` in another process: its banner as a dict (the
    NAME=value lines, plus "url"); stopped with Ctrl-C, which must exit 0.
    """
    with subprocess.Popen(
        [sys.executable, "-m", "tmdb_auth", "serve", *options],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        lines = []
        try:
            while not lines or not lines[-1].startswith("Press Ctrl-C"):
                line = proc.stdout.readline()
                assert line, "serve stopped before its banner"
                lines.append(line.strip())
            banner = dict(line.split("=", 1) for line in lines if "=" in line)
            banner["url"] = lines[0].rsplit(" ", 1)[1]
            control = [x for x in lines if x.startswith("control API: ")]
            banner["control"] = control[0].split()[2] if control else ""
            banner["lines"] = "\n".join(lines)
            yield banner
        finally:
            proc.send_signal(signal.SIGINT)
            code = proc.wait(30)
    assert 0 == code


class TestBadOptions:
    @pytest.mark.parametrize(
        ("options", "says"),
        [
            (["--port", "99999"], "--port '99999' is not a port"),
            (["--port", "-1"], "--port '-1' is not a port"),
            (["--port", "http"], "--port 'http' is not a port"),
            (["--host", " 1"], "--host ' 1' is not an address"),
            (["--host", ""], "--host '' is not an address"),
            (["--host", "127.0.0.1 "], "--host '127.0.0.1 ' is not an"),
        ],
    )
    def test_one_line_exit_2(
        self,
        capsys: pytest.CaptureFixture[str],
        options: list[str],
        says: str,
    ) -> None:
        """A bad --port or --host: one line naming it, exit 2."""
        code = main(["serve", *options])

        out, err = capsys.readouterr()
        assert 2 == code
        assert "" == out
        assert 1 == len(err.splitlines()), err
        assert err.startswith(f"tmdb-auth serve: {says}")

    def test_address_not_local(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An address of no interface here: one line, exit 2."""
        code = main(["serve", "--host", "192.0.2.1"])  # TEST-NET-1

        err = capsys.readouterr().err
        assert 2 == code
        assert 1 == len(err.splitlines()), err
        assert err.startswith("tmdb-auth serve: ")
        assert "Traceback" not in err

    def test_port_in_use(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A port another socket listens on: one line, exit 2."""
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]

            code = main(["serve", "--port", str(port)])

        err = capsys.readouterr().err
        assert 2 == code
        assert 1 == len(err.splitlines()), err
        assert "in use" in err

    def test_missing_data_file(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        """--data with a file that is not there: one line, exit 2."""
        code = main(["serve", "--data", str(tmp_path / "nope.json")])

        err = capsys.readouterr().err
        assert 2 == code
        assert 1 == len(err.splitlines()), err
        assert "nope.json" in err
        assert "cannot read it" in err

    def test_python_m_says_the_same(self) -> None:
        """python -m tmdb_auth.testing fails the same way, named so."""
        done = subprocess.run(
            [sys.executable, "-m", "tmdb_auth.testing", "--port", "99999"],
            capture_output=True,
            text=True,
            check=False,
        )

        assert 2 == done.returncode
        assert "" == done.stdout
        assert [
            "python -m tmdb_auth.testing: --port '99999' is not a port: give "
            "0 (a free port) to 65535"
        ] == done.stderr.splitlines()


class TestServe:
    def test_data_file(self, tmp_path: Path) -> None:
        """--data FILE loads its movies and users at start."""
        data = tmp_path / "data.json"
        data.write_text(
            json.dumps(
                {
                    "movies": [{"title": "Served Film", "id": 4242}],
                    "users": [{"username": "bob", "password": "bob-pw"}],
                }
            )
        )

        with serving("--data", str(data)) as banner:
            movie = httpx.get(
                banner["url"] + "/3/movie/4242",
                params={"api_key": banner["TMDB_API_KEY"]},
            )

        assert "Served Film" == movie.json()["title"]
        assert banner["url"] == banner["TMDB_API_URL"]

    def test_prints_how_to_reach_the_control_api(self) -> None:
        """
        The banner names the control API, which drives the server: here,
        approving a request token from outside.
        """
        with serving() as banner:
            url, control = banner["url"], banner["control"]
            key = {"api_key": banner["TMDB_API_KEY"]}
            state = httpx.get(control + "state").json()
            token = httpx.get(
                url + "/3/authentication/token/new", params=key
            ).json()["request_token"]
            httpx.post(
                control + "tokens/approve", json={"request_token": token}
            )
            session = httpx.post(
                url + "/3/authentication/session/new",
                params=key,
                json={"request_token": token},
            )

        assert (
            f"control API: {url}/_tmdb/ (try: curl {url}/_tmdb/state)"
            in banner["lines"]
        )
        assert banner["TMDB_API_KEY"] == state["api_key"]
        assert 200 == session.status_code

    def test_control_api_off_beyond_loopback(self) -> None:
        """
        Bound beyond loopback, the server says the control API is off,
        and it is.
        """
        with serving("--host", "0.0.0.0") as banner:  # noqa: S104
            port = banner["url"].rsplit(":", 1)[1]
            r = httpx.get(f"http://127.0.0.1:{port}/_tmdb/state")

        assert (
            "control API: off (it only listens on loopback, and 0.0.0.0 is "
            "not)" in banner["lines"]
        )
        assert 404 == r.status_code
