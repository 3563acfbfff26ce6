"""
The Python examples of the documentation (``docs/*.md``) run, and pass.

Each page runs top to bottom in one namespace, as a reader would, against
the stand-in server: TMDb's URL in the examples is replaced by the
stand-in's, the key comes from the environment, ``getpass`` answers the
stand-in user's password and the "browser" presses Approve. Before each
block the server's log is reset and the session cache is a new directory,
so each block's counts are its own. A function named ``test_*`` that a
block defines is called with a fresh ``tmdb_server`` (and ``monkeypatch``,
``tmp_path``), as pytest would.
"""

from __future__ import annotations

import getpass
import inspect
import itertools
import threading
import webbrowser

from pathlib import Path
from typing import Any

import pytest

from sybil import Example, Sybil
from sybil.parsers.markdown import CodeBlockParser, SkipParser

from tmdb_auth.testing import TMDbServer, click


DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(DOCS.glob("**/*.md"))
TMDB = "https://api.themoviedb.org"


def _call_test(function: Any, tmp_path: Path) -> None:
    """Call a ``test_*`` function with the fixtures it names."""
    names = inspect.signature(function).parameters
    with TMDbServer() as fresh, pytest.MonkeyPatch.context() as patch:
        available = {
            "tmdb_server": fresh,
            "monkeypatch": patch,
            "tmp_path": tmp_path,
        }
        function(**{name: available[name] for name in names})


def _point_tmdbsimple(server: TMDbServer, patch: pytest.MonkeyPatch) -> None:
    """tmdbsimple hard-codes TMDb's URL in each object's base_uri."""
    tmdb = pytest.importorskip("tmdbsimple")
    init = tmdb.base.TMDB.__init__

    def pointed(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.base_uri = self.base_uri.replace(TMDB, server.url)

    patch.setattr(tmdb.base.TMDB, "__init__", pointed)
    # What the examples set globally is put back after the page.
    patch.setattr(tmdb, "REQUESTS_SESSION", tmdb.REQUESTS_SESSION)
    patch.setattr(tmdb, "API_KEY", tmdb.API_KEY)


def test_every_page_is_checked() -> None:
    """The documentation has pages, and Python examples in them."""
    assert PAGES
    assert any("```python" in page.read_text() for page in PAGES)


@pytest.mark.parametrize(
    "page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES]
)
def test_examples(
    page: Path,
    server: TMDbServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Every Python block of the page runs without error."""
    monkeypatch.chdir(tmp_path)  # files the examples write land here
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(getpass, "getpass", lambda *_, **__: server.password)

    def browser(url: str, *_: Any, **__: Any) -> bool:
        threading.Thread(target=click, args=(url,), daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    _point_tmdbsimple(server, monkeypatch)
    counter = itertools.count()

    def evaluate(example: Example) -> None:
        n = next(counter)
        server.reset()
        monkeypatch.setenv("TMDB_AUTH_CACHE_DIR", str(tmp_path / f"c{n}"))
        source = example.parsed.replace(TMDB, server.url)
        before = set(example.namespace)
        code = compile("\n" * example.line + source, str(page), "exec")
        exec(code, example.namespace)  # noqa: S102 -- the docs' own examples
        for name in sorted(set(example.namespace) - before):
            value = example.namespace[name]
            if name.startswith("test_") and callable(value):
                _call_test(value, tmp_path / f"t{n}-{name}")

    sybil = Sybil(
        parsers=[CodeBlockParser("python", evaluate), SkipParser()],
        path=str(DOCS),
        pattern="**/*.md",
    )
    document = sybil.parse(page)
    document.namespace["tmdb_server"] = server
    for example in document.examples():
        example.evaluate()
