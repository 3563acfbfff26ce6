"""A person at a browser, played over plain HTTP: opens a page, clicks."""

from __future__ import annotations

import html
import io
import re
import threading

from urllib.parse import urljoin

import requests


def click(page_url: str, button: str) -> requests.Response:
    """Open the approval page at *page_url* and submit the *button* form."""
    with requests.Session() as browser:
        page = browser.get(page_url, timeout=10)
        page.raise_for_status()
        for form in re.findall(r"<form.*?</form>", page.text, re.DOTALL):
            if f'id="{button}"' not in form:
                continue
            action = html.unescape(re.search(r'action="([^"]*)"', form)[1])  # type: ignore[index]
            fields = {
                html.unescape(n): html.unescape(v)
                for n, v in re.findall(
                    r'<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"', form
                )
            }
            return browser.post(
                urljoin(page_url, action), data=fields, timeout=10
            )
    raise AssertionError(f"no {button!r} button on the page")


class Screen(io.StringIO):
    """A terminal that remembers the URL it was shown."""

    def __init__(self) -> None:
        super().__init__()
        self.shown = threading.Event()
        self.url = ""

    def write(self, text: str) -> int:
        found = re.search(r"https?://\S+", text)
        if found and not self.url:
            self.url = found[0]
            self.shown.set()
        return super().write(text)


def answer(screen: Screen, button: str) -> threading.Thread:
    """In the background: wait for the URL on *screen*, then click."""
    result: dict[str, object] = {}

    def run() -> None:
        assert screen.shown.wait(30)
        result["response"] = click(screen.url, button)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread
