"""
``tmdb-auth login`` end to end, with a person in a real headless Chromium.

The command runs as a subprocess against the stand-in server; Chromium
(driven by Selenium and Debian's chromedriver) opens the approval URL the
command prints, presses a button and follows the redirect back to the
command's loopback listener. The command's own ``BROWSER`` is ``true``, a
browser that opens nothing: the person's browser is Chromium. With
``--no-browser`` there is no redirect: the person approves on TMDb's page,
then presses Enter in the command.

CI installs ``chromium`` and ``chromium-driver`` (see ``.ci/run``), and there
(``CI`` set) a missing browser fails the test. Elsewhere, a machine without
Chromium skips it with the reason, so the README's test command works on a
fresh machine; ``TMDB_AUTH_SKIP_BROWSER=1`` skips it everywhere.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tmdb_auth.testing import TMDbServer


# Read at import: the suite's autouse fixture clears every TMDB_* variable.
SKIP = bool(os.environ.get("TMDB_AUTH_SKIP_BROWSER"))
IN_CI = bool(os.environ.get("CI"))
pytestmark = pytest.mark.skipif(SKIP, reason="TMDB_AUTH_SKIP_BROWSER is set")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
PROMPT = "To let tmdb-auth use your TMDb account,"
CALLBACK = re.compile(r"^http://127\.0\.0\.1:\d+/tmdb-auth/callback\?")
LANDING = re.compile(r"/authenticate/\w+/allow$")
WAIT = 15.0  # seconds, for any one step; a run takes a few seconds
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium with a fresh profile; never downloads anything."""
    try:
        from selenium import webdriver
    except ImportError:
        pytest.fail(
            "selenium is not installed: install the 'tests' dependency "
            "group, or set TMDB_AUTH_SKIP_BROWSER=1 to skip browser tests."
        )
    missing = [
        p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)
    ]
    if missing and not IN_CI:
        pytest.skip(
            f"{' and '.join(missing)} not found (apt-get install chromium "
            "chromium-driver); CI installs them and runs this test."
        )
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: install Debian's chromium "
            "and chromium-driver (apt-get install chromium chromium-driver), "
            "or set TMDB_AUTH_SKIP_BROWSER=1 to skip browser tests."
        )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-proxy-server",
        "--window-size=1024,768",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    # Selenium logs every WebDriver command at DEBUG, URLs with request
    # tokens included: that is the person's browser, not tmdb-auth, so it
    # stays out of the log that the `server` fixture scans for secrets.
    quiet = logging.getLogger("selenium")
    level = quiet.level
    quiet.setLevel(logging.INFO)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    try:
        driver = webdriver.Chrome(service=service, options=options)
        driver.set_page_load_timeout(WAIT)
        try:
            yield driver
        finally:
            driver.quit()
    finally:
        quiet.setLevel(level)


def cli(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    """``python -m tmdb_auth *args``, in this test's environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "tmdb_auth", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, BROWSER=shutil.which("true") or "true"),
        **kwargs,
    )


def approval_url(login: subprocess.Popen[str]) -> tuple[str, list[str]]:
    """Read stderr up to the approval URL; the lines read so far too."""
    assert login.stderr is not None
    lines: list[str] = []
    for line in login.stderr:
        lines.append(line)
        if len(lines) >= 2 and lines[-2].startswith(PROMPT):
            return line.strip(), lines
    login.kill()
    out, _ = login.communicate()
    pytest.fail(f"no approval URL on stderr: {lines!r}, stdout {out!r}")


def press(
    driver: Any,
    url: str,
    button: str,
    screenshot: Path,
    landing: re.Pattern[str] = CALLBACK,
) -> tuple[str, str]:
    """
    Open *url*, screenshot it, press *button*; the landing URL and h1.

    The press has landed when the URL matches *landing*: the command's
    listener by default.

    The landing page (the command's listener) goes to ``landing.png`` next
    to *screenshot*, for a look when a run fails.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    wait = WebDriverWait(driver, WAIT)
    wait.until(ec.element_to_be_clickable((By.ID, button)))
    assert "Approve access" in driver.title
    assert driver.save_screenshot(str(screenshot))
    driver.find_element(By.ID, button).click()
    wait.until(lambda d: landing.search(d.current_url))
    heading = wait.until(
        ec.visibility_of_element_located((By.TAG_NAME, "h1"))
    ).text
    driver.save_screenshot(str(screenshot.with_name("landing.png")))
    return driver.current_url, heading


def status(cache: str) -> dict[str, Any]:
    """``tmdb-auth status --json``, parsed."""
    done = subprocess.run(
        [sys.executable, "-m", "tmdb_auth", "status", "--json"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=WAIT,
        check=True,
    )
    data: dict[str, Any] = json.loads(done.stdout)
    assert cache == data["cache"]
    return data


def test_approve(env: TMDbServer, browser: Any, tmp_path: Path) -> None:
    """Approve in Chromium: the command logs in and caches the session."""
    # The with-block closes the pipes and waits, however the test ends.
    with cli("login") as login:
        try:
            url, _ = approval_url(login)
            assert url.startswith(f"{env.url}/authenticate/")
            assert "redirect_to=http%3A%2F%2F127.0.0.1%3A" in url

            landed, heading = press(
                browser, url, "allow", tmp_path / "page.png"
            )
            out, err = login.communicate(timeout=WAIT)
        finally:
            login.kill()

    assert "approved=true" in landed
    assert "Approved" == heading
    assert "You can close this tab" in browser.page_source
    assert 0 == login.returncode, err
    assert "Traceback" not in err
    assert out.startswith(f"Logged in as {env.username}. Session …")
    png = (tmp_path / "page.png").read_bytes()
    assert png.startswith(PNG)
    assert len(png) > 1000

    cache = os.environ["TMDB_AUTH_CACHE_DIR"]
    assert cache in out
    (session,) = status(cache)["sessions"]
    assert ("user", env.username) == (session["kind"], session["username"])
    assert {"guest": 0, "user": 1} == env.sessions_created


def test_deny(env: TMDbServer, browser: Any, tmp_path: Path) -> None:
    """Deny in Chromium: exit 1, one line on stderr, nothing cached."""
    with cli("login") as login:
        try:
            url, shown = approval_url(login)
            landed, heading = press(
                browser, url, "deny", tmp_path / "page.png"
            )
            out, err = login.communicate(timeout=WAIT)
        finally:
            login.kill()

    assert "approved=true" not in landed
    assert "Not approved" == heading
    assert 1 == login.returncode
    assert "" == out
    assert ["tmdb-auth: The request was denied on TMDb's approval page."] == (
        err.splitlines()
    ), shown
    assert [] == status(os.environ["TMDB_AUTH_CACHE_DIR"])["sessions"]
    assert {"guest": 0, "user": 0} == env.sessions_created


def test_approve_on_another_device(
    env: TMDbServer, browser: Any, tmp_path: Path
) -> None:
    """--no-browser: approve on TMDb's own page, press Enter, logged in."""
    with cli("login", "--no-browser", stdin=subprocess.PIPE) as login:
        try:
            url, _ = approval_url(login)
            landed, heading = press(
                browser, url, "allow", tmp_path / "page.png", LANDING
            )
            out, err = login.communicate("\n", timeout=WAIT)
        finally:
            login.kill()

    assert "redirect_to" not in url
    assert "Approved" == heading, landed
    assert 0 == login.returncode, err
    assert out.startswith(f"Logged in as {env.username}. Session …")
    (session,) = status(os.environ["TMDB_AUTH_CACHE_DIR"])["sessions"]
    assert ("user", env.username) == (session["kind"], session["username"])
