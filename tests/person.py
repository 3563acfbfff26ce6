"""A terminal that catches the approval URL, and a person who answers it."""

from __future__ import annotations

import io
import re
import threading

from tmdb_auth.testing import click


class Screen(io.StringIO):
    """A terminal that remembers the first URL it was shown."""

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

    def run() -> None:
        assert screen.shown.wait(30)
        click(screen.url, button)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread
