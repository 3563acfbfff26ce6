"""
Cassettes: record a test's TMDb traffic once, replay it offline, no secret kept.

.. code-block:: python

    import requests
    from tmdb_auth.cassettes import Cassette
    from tmdb_auth.requests import TMDbAuth

    with Cassette("tests/cassettes/rating.json") as cassette:
        http = cassette.mount(requests.Session())
        http.auth = TMDbAuth(
            username="ann", password=pw, cache=None, http=http
        )
        http.post(
            "https://api.themoviedb.org/3/movie/550/rating",
            json={"value": 8.5},
        )

The first run (no file yet) records: the requests go to TMDb (or the
stand-in), and the cassette is written when the ``with`` block ends without
an error. Every secret tmdb-auth handled — API keys, read and access tokens,
session ids, request tokens, passwords — is replaced *by value*, wherever it
appears (URLs, headers, bodies; requests and responses), with a numbered
placeholder of its kind: ``<api_key:1>``, ``<session_id:1>``. The same value
always gets the same placeholder, so the file can be read, diffed and
committed.

Later runs replay: nothing goes to the network. Each request is matched to
an unplayed recording by method, path, query and body, with the secrets of
the run replaced by placeholders the same way; the recorded answer comes
back with its placeholders replaced by the run's values, and a placeholder
that the run has no value for yet (a session id TMDb minted) by a fixed fake
of the recorded shape, the same every time. So the plugin logs in, creates
its sessions and attaches them on replay as it did live, with whatever key
and password the replaying run has.

Plug a cassette into requests with `Cassette.mount` (or `Cassette.adapter`),
and pass the same session as ``http=`` to the requests `TMDbAuth`, so that
its own login and session calls are recorded too; into httpx with
`Cassette.transport` or `Cassette.async_transport` (the httpx `TMDbAuth`
makes its calls through the client already). Use ``cache=None`` (or a fresh
cache directory) when recording and replaying: a session found in a cache
makes no call, and the replay would not match.

This module imports both requests and httpx.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import json
import os

from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import httpx
import requests

from requests.adapters import BaseAdapter, HTTPAdapter

from ._cassettes._httpx import (
    _AsyncRecordingTransport,
    _AsyncReplayTransport,
    _RecordingTransport,
    _ReplayTransport,
)
from ._cassettes._requests import _RecordingAdapter, _ReplayAdapter
from ._cassettes._tape import _Tape, _write
from ._cassettes._wire import FORMAT, CassetteError, UnmatchedRequest
from .exceptions import ConfigurationError


__all__ = ["Cassette", "CassetteError", "UnmatchedRequest"]

Mode = Literal["auto", "record", "replay"]


# -- the cassette ------------------------------------------------------------


class Cassette:
    """
    A file of recorded HTTP interactions, with placeholders for secrets.

    Args:
        path: The cassette file (JSON). Its directory is made when it is
            saved.
        mode: ``"auto"`` (the default): replay if the file exists, else
            record. ``"record"``: record, and overwrite the file on
            `save`. ``"replay"``: replay; the file must exist.

    Raises:
        ConfigurationError: *mode* is not one of the three.
        CassetteError: Replaying, and the file is missing or is not a
            cassette.

    Use it as a context manager, which saves a recording when the block
    ends without an error (a failed run leaves no half cassette behind), or
    call `save` yourself. One cassette can serve several clients at once;
    their interactions are kept in the order they happened.

    .. versionadded:: 0.2.0
    """

    def __init__(
        self, path: str | os.PathLike[str], *, mode: Mode = "auto"
    ) -> None:
        if mode not in ("auto", "record", "replay"):
            raise ConfigurationError(
                f"mode= must be 'auto', 'record' or 'replay', not {mode!r}."
            )
        self.path = Path(path)
        exists = self.path.exists()
        if mode == "replay" and not exists:
            raise CassetteError(
                f"No cassette at {self.path}: record it first, with "
                "mode='record' (or 'auto', which records when the file is "
                "missing)."
            )
        #: ``"record"`` or ``"replay"``: what this cassette does.
        self.mode: Literal["record", "replay"] = (
            "replay"
            if mode == "replay" or (mode == "auto" and exists)
            else "record"
        )
        self._tape = _Tape(self.path)
        if self.mode == "replay":
            self._load()

    def __repr__(self) -> str:
        return (
            f"Cassette({str(self.path)!r}, mode={self.mode!r}, "
            f"interactions={len(self)}, played={self.played})"
        )

    def __len__(self) -> int:
        """How many interactions: recorded so far, or in the file."""
        tape = self._tape
        with tape.lock:
            return len(tape.live) + len(tape.recordings)

    @property
    def played(self) -> int:
        """How many of the file's interactions have been replayed."""
        tape = self._tape
        with tape.lock:
            return sum(tape.played)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.save()

    # -- the HTTP libraries ----------------------------------------------

    def adapter(self, adapter: BaseAdapter | None = None) -> BaseAdapter:
        """
        A requests transport adapter that records or replays.

        Args:
            adapter: The adapter that sends the requests when recording
                (default: a new ``requests.adapters.HTTPAdapter``). Unused
                on replay, and closed with the returned one.
        """
        if self.mode == "record":
            return _RecordingAdapter(self._tape, adapter or HTTPAdapter())
        return _ReplayAdapter(self._tape, adapter)

    def mount(self, session: requests.Session) -> requests.Session:
        """
        Route *session*'s ``http://`` and ``https://`` requests through
        this cassette, wrapping the adapters mounted there; return it.

        Pass the same session as ``http=`` to the requests `TMDbAuth`, so
        that the plugin's own calls (login, sessions) go through it too.
        """
        for prefix in ("https://", "http://"):
            session.mount(prefix, self.adapter(session.adapters.get(prefix)))
        return session

    def transport(
        self, transport: httpx.BaseTransport | None = None
    ) -> httpx.BaseTransport:
        """
        An httpx transport that records or replays, for ``httpx.Client``.

        Args:
            transport: The transport that sends the requests when
                recording (default: a new ``httpx.HTTPTransport``). Unused
                on replay, and closed with the returned one.
        """
        if self.mode == "record":
            inner = transport or httpx.HTTPTransport()
            return _RecordingTransport(self._tape, inner)
        return _ReplayTransport(self._tape, transport)

    def async_transport(
        self, transport: httpx.AsyncBaseTransport | None = None
    ) -> httpx.AsyncBaseTransport:
        """
        The same, for ``httpx.AsyncClient`` (under asyncio or trio).

        Args:
            transport: The transport that sends the requests when
                recording (default: a new ``httpx.AsyncHTTPTransport``).
                Unused on replay, and closed with the returned one.
        """
        if self.mode == "record":
            inner = transport or httpx.AsyncHTTPTransport()
            return _AsyncRecordingTransport(self._tape, inner)
        return _AsyncReplayTransport(self._tape, transport)

    # -- the file --------------------------------------------------------

    def save(self) -> None:
        """
        Write what was recorded so far, secrets replaced; on replay, do
        nothing.

        The secrets are those tmdb-auth knows when `save` runs, so the ones
        that arrived in an answer (a session id in TMDb's JSON) are known by
        then, though the cassette saw the answer before the plugin did.

        Raises:
            CassetteError: The file cannot be written.
        """
        if self.mode != "record":
            return
        text = json.dumps(self._tape.document(), indent=2) + "\n"
        try:
            _write(self.path, text)
        except OSError as exc:
            raise CassetteError(
                f"Cannot write the cassette {self.path} ({exc.strerror}): "
                "check that its directory is writable."
            ) from None

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CassetteError(
                f"Cannot read the cassette {self.path} ({exc.strerror})."
            ) from None
        try:
            self._tape.load(json.loads(text))
        except (AttributeError, KeyError, TypeError, ValueError):
            raise CassetteError(
                f"{self.path} is not a tmdb-auth cassette (format "
                f"{FORMAT}): delete it and record it again."
            ) from None
