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

import base64
import hashlib
import io
import json
import os
import re
import tempfile
import threading

from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Literal, Self, TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx
import requests
import urllib3

from requests.adapters import BaseAdapter, HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from ._secret import KINDS, known, remember
from .exceptions import ConfigurationError


__all__ = ["Cassette", "CassetteError", "UnmatchedRequest"]

Mode = Literal["auto", "record", "replay"]
T = TypeVar("T")

#: The version of the file format, written as ``tmdb_auth_cassette``.
FORMAT = 1
#: The kind of a secret whose kind the code that made it did not say.
UNKNOWN_KIND = "secret"
#: Response headers not recorded: the body is kept decoded and whole, and
#: its length is counted again on replay.
_UNRECORDED = frozenset(
    {"content-encoding", "content-length", "transfer-encoding"}
)
_PLACEHOLDER = re.compile(r"<([a-z_]{1,32}):([1-9][0-9]{0,8})>")
_SHAPES = {
    "hex": re.compile(r"[0-9a-f]+"),
    "jwt": re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"),
    "alnum": re.compile(r"[0-9A-Za-z]+"),
}


class CassetteError(Exception):
    """
    A cassette cannot be read or written, or cannot answer a request.

    .. versionadded:: 0.2.0
    """


class UnmatchedRequest(CassetteError, LookupError):
    """
    On replay, a request that no unplayed recording of the cassette matches.

    The test made a request that the recorded run did not (or more of
    them): record the cassette again. *method* and *url* show the request
    with its secrets replaced by the cassette's placeholders.

    Attributes:
        method: The request's method.
        url: Its URL, secrets replaced by placeholders.

    .. versionadded:: 0.2.0
    """

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


# -- what goes over the wire, held behind masked reprs ---------------------


class _Request:
    """One request as it went out, secrets included. Strictly private."""

    __slots__ = ("body", "headers", "method", "url")

    def __init__(
        self,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]],
        body: str | None,
    ) -> None:
        self.method = method.upper()
        self.url = url
        self.headers = list(headers)
        self.body = body

    @property
    def content(self) -> bytes:
        return _bytes(self.body or "")

    def __repr__(self) -> str:
        return f"<request {self.method}>"


class _Response:
    """One answer, as it came or as it is replayed. Strictly private."""

    __slots__ = ("body", "headers", "reason", "status")

    def __init__(
        self,
        status: int,
        reason: str,
        headers: Iterable[tuple[str, str]],
        body: str,
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = list(headers)
        self.body = body

    @property
    def content(self) -> bytes:
        return _bytes(self.body)

    def __repr__(self) -> str:
        return f"<response {self.status}>"


class _Held(Generic[T]):
    """
    An object behind a masked repr. Strictly private.

    An ``httpx.Request``'s repr shows its URL, ``api_key`` and all: a frame
    of ours that an error passes through holds one only in here.
    """

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<held>"


def _text(body: bytes) -> str:
    """*body* as text, any byte kept (`_bytes` gives them back)."""
    return body.decode("utf-8", "surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


# -- placeholders ------------------------------------------------------------


class _Names:
    """
    The placeholders of one cassette, one to one with secret values.

    Strictly private. On record, each secret value found gets
    ``<kind:n>``, n counted per kind in order of appearance, and its shape
    is noted (``hex`` and its length, say: nothing of the value itself).
    On replay, the run's own secrets are numbered the same way as they
    appear in its requests, and a placeholder of an answer that has no
    value yet gets a fake of the recorded shape.
    """

    __slots__ = ("_by_name", "_by_value", "_last", "shapes")

    def __init__(
        self, shapes: Mapping[str, tuple[str, int]] | None = None
    ) -> None:
        self._by_value: dict[str, str] = {}
        self._by_name: dict[str, str] = {}
        self._last: Counter[str] = Counter()
        self.shapes: dict[str, tuple[str, int]] = dict(shapes or {})

    def __repr__(self) -> str:
        return f"<{len(self._by_name)} placeholders>"

    def name(self, value: str, kind: str) -> str:
        """The placeholder of *value*, a new one if it has none yet."""
        found = self._by_value.get(value)
        if found is None:
            self._last[kind] += 1
            found = f"<{kind}:{self._last[kind]}>"
            self._bind(found, value)
            self.shapes.setdefault(found, _shape(value))
        return found

    def value(self, name: str) -> str:
        """What *name* stands for in this run; a fake if nothing yet."""
        found = self._by_name.get(name)
        if found is None:
            kind = name[1 : name.index(":")]
            shape, length = self.shapes.get(name, ("hex", 40))
            found = _fake(name, shape, length)
            # The plugin sends it back; knowing it, scrub() hides it too.
            remember(found, kind if kind in KINDS else None)
            self._bind(name, found)
        return found

    def _bind(self, name: str, value: str) -> None:
        self._by_value[value] = name
        self._by_name[name] = value
        matched = _PLACEHOLDER.fullmatch(name)
        if matched is not None:
            kind, number = matched[1], int(matched[2])
            self._last[kind] = max(self._last[kind], number)

    def scrub(self, text: str) -> str:
        """*text* with every known secret replaced by its placeholder."""
        pattern, origins = known()
        if pattern is None or not text:
            return text

        def replace(found: re.Match[str]) -> str:
            value, kind = origins[found[0]]
            if kind is None:
                inner = self._inside(found[0], pattern, origins)
                if inner is not None:
                    return inner
            return self.name(value, kind or UNKNOWN_KIND)

        return pattern.sub(replace, text)

    def _inside(
        self,
        text: str,
        pattern: re.Pattern[str],
        origins: Mapping[str, tuple[str, str | None]],
    ) -> str | None:
        """
        *text*, a secret of no known kind, with the secrets of a known kind
        inside it replaced; None if it holds none.

        Such a secret is one made of others, as an approval URL is made of
        a request token: with the token replaced, the rest is no secret,
        and the cassette keeps the URL readable.
        """
        spans: list[tuple[int, int, str, str]] = []
        pos = 0
        while pos < len(text):
            found = pattern.search(text, pos)
            if found is not None and found.span() == (0, len(text)):
                found = pattern.match(text, 0, len(text) - 1) or (
                    pattern.search(text, 1)
                )
            if found is None:
                break
            value, kind = origins[found[0]]
            spans.append((found.start(), found.end(), value, kind or ""))
            pos = found.end()
        if not any(kind for *_, kind in spans):
            return None
        parts, pos = [], 0
        for start, end, value, kind in spans:
            parts += [text[pos:start], self.name(value, kind or UNKNOWN_KIND)]
            pos = end
        return "".join([*parts, text[pos:]])

    def fill(self, text: str, names: re.Pattern[str] | None) -> str:
        """*text* with each placeholder of *names* replaced by its value."""
        if names is None or not text:
            return text
        return names.sub(lambda found: self.value(found[0]), text)


def _shape(value: str) -> tuple[str, int]:
    """What a fake for *value* must look like: a class and a length."""
    for shape, pattern in _SHAPES.items():
        if pattern.fullmatch(value):
            return shape, len(value)
    return "text", len(value)


def _fake(name: str, shape: str, length: int) -> str:
    """The fake that stands for *name*: the same in every run."""
    seed = hashlib.sha256(f"tmdb-auth cassette {name}".encode()).digest()
    if shape == "jwt":
        header = _b64(b'{"alg":"HS256","typ":"JWT"}')
        claims = _b64(json.dumps({"jti": seed.hex()[:32]}).encode())
        return f"{header}.{claims}.{_b64(seed)}"
    text, block = "", seed
    while len(text) < length:
        text += block.hex()
        block = hashlib.sha256(block).digest()
    return text[:length]  # hex: valid where hex, letters or any text is


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# -- matching ------------------------------------------------------------------


def _key(method: str, url: str, body: str | None) -> tuple[str, ...]:
    """What a request is matched on: method, path, query and body."""
    parts = urlsplit(url)
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    return (method.upper(), parts.path, json.dumps(query), _canonical(body))


def _canonical(body: str | None) -> str:
    """A JSON body in one spelling (key order, spaces); any other as is."""
    if not body:
        return ""
    try:
        return json.dumps(json.loads(body), sort_keys=True)
    except ValueError:
        return body


class _Recording:
    """One interaction of a cassette file, placeholders in. Strictly private."""

    __slots__ = ("key", "request", "response")

    def __init__(self, request: _Request, response: _Response) -> None:
        self.request = request
        self.response = response
        self.key = _key(request.method, request.url, request.body)

    def to_json(self) -> dict[str, Any]:
        request, response = self.request, self.response
        return {
            "request": {
                "method": request.method,
                "url": request.url,
                "headers": [f"{k}: {v}" for k, v in request.headers],
                "body": request.body,
            },
            "response": {
                "status": response.status,
                "reason": response.reason,
                "headers": [f"{k}: {v}" for k, v in response.headers],
                "body": response.body,
            },
        }

    @classmethod
    def from_json(cls, data: Any) -> _Recording:
        """One interaction from the file; TypeError/KeyError if malformed."""
        request, response = data["request"], data["response"]
        body = request["body"]
        return cls(
            _Request(
                _str(request["method"]),
                _str(request["url"]),
                _pairs(request["headers"]),
                None if body is None else _str(body),
            ),
            _Response(
                _int(response["status"]),
                _str(response["reason"]),
                _pairs(response["headers"]),
                _str(response["body"]),
            ),
        )


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError
    return value


def _pairs(value: object) -> list[tuple[str, str]]:
    """Headers from the file's ``"Name: value"`` lines."""
    if not isinstance(value, list):
        raise TypeError
    pairs = []
    for line in value:
        name, colon, field = _str(line).partition(": ")
        if not name or not colon:
            raise TypeError
        pairs.append((name, field))
    return pairs


# -- the tape: what one cassette recorded, or plays -------------------------


class _Tape:
    """
    The interactions of one cassette, and the lock over them.

    Strictly private. Recording keeps what went over the wire, secrets and
    all, in memory only; `save` scrubs it. Replaying keeps the file's
    interactions, each played once, and the run's placeholders.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.live: list[tuple[_Request, _Response]] = []
        self.recordings: list[_Recording] = []
        self.played: list[bool] = []
        self.names = _Names()
        self.fill: re.Pattern[str] | None = None

    def __repr__(self) -> str:
        return "<tape>"

    def record(self, request: _Request, response: _Response) -> None:
        """Keep one interaction, in the order they happened."""
        with self.lock:
            self.live.append((request, response))

    def document(self) -> dict[str, Any]:
        """The cassette file's content: the recording, secrets replaced."""
        with self.lock:
            live = list(self.live)
        names = _Names()
        interactions = []
        for request, response in live:
            scrubbed = _scrubbed_request(request, names)
            answer = _Response(
                response.status,
                response.reason,
                [(k, names.scrub(v)) for k, v in response.headers],
                names.scrub(response.body),
            )
            interactions.append(_Recording(scrubbed, answer).to_json())
        return {
            "tmdb_auth_cassette": FORMAT,
            "placeholders": {
                name: {"shape": shape, "length": length}
                for name, (shape, length) in names.shapes.items()
            },
            "interactions": interactions,
        }

    def load(self, document: Any) -> None:
        """Take the interactions of a cassette file; TypeError if it is none."""
        if not isinstance(document, dict):
            raise TypeError
        if document.get("tmdb_auth_cassette") != FORMAT:
            raise TypeError
        shapes = {}
        for name, shape in document["placeholders"].items():
            kind, length = _str(shape["shape"]), _int(shape["length"])
            if not _PLACEHOLDER.fullmatch(name) or not 5 <= length <= 10_000:
                raise TypeError
            shapes[name] = (kind, length)
        self.recordings = [
            _Recording.from_json(item) for item in document["interactions"]
        ]
        self.played = [False] * len(self.recordings)
        self.names = _Names(shapes)
        if shapes:
            longest = sorted(shapes, key=len, reverse=True)
            self.fill = re.compile("|".join(map(re.escape, longest)))

    def play(self, request: _Request) -> _Response:
        """
        The recorded answer to *request*, placeholders filled.

        Raises:
            UnmatchedRequest: No unplayed recording matches.
        """
        with self.lock:
            seen = _scrubbed_request(request, self.names)
            del request  # from here on, no frame holds the run's secrets
            key = _key(seen.method, seen.url, seen.body)
            same_path = 0
            for index, recording in enumerate(self.recordings):
                if recording.key[:2] == key[:2]:
                    same_path += 1
                if not self.played[index] and recording.key == key:
                    self.played[index] = True
                    return self._filled(recording.response)
        raise _unmatched(self.path, seen, same_path)

    def _filled(self, response: _Response) -> _Response:
        names, fill = self.names, self.fill
        body = names.fill(response.body, fill)
        headers = [(k, names.fill(v, fill)) for k, v in response.headers]
        headers.append(("Content-Length", str(len(_bytes(body)))))
        return _Response(response.status, response.reason, headers, body)


def _scrubbed_request(request: _Request, names: _Names) -> _Request:
    # The order of scrubbing is the order of numbering, the same on record
    # and on replay: URL, headers, body.
    url = names.scrub(request.url)
    headers = [(k, names.scrub(v)) for k, v in request.headers]
    body = None if request.body is None else names.scrub(request.body)
    return _Request(request.method, url, headers, body)


def _unmatched(path: Path, seen: _Request, same_path: int) -> UnmatchedRequest:
    split = urlsplit(seen.url)
    shown = split.path + (f"?{split.query}" if split.query else "")
    if same_path:
        why = (
            f"its {same_path} recording(s) of {seen.method} {split.path} "
            "differ in query or body, or were all played already"
        )
    else:
        why = "it never recorded that method and path"
    return UnmatchedRequest(
        f"The cassette {path.name} has no answer to {seen.method} {shown}: "
        f"{why}. The test makes requests the recorded run did not; "
        "record the cassette again (mode='record').",
        method=seen.method,
        url=seen.url,
    )


def _write(path: Path, text: str) -> None:
    """Write *path* whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o644)  # no secret in it: readable, as a test file
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


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


# -- requests ------------------------------------------------------------------


class _RecordingAdapter(BaseAdapter):
    """Sends through another adapter, and records. Strictly private."""

    def __init__(self, tape: _Tape, inner: BaseAdapter) -> None:
        super().__init__()
        self._tape = tape
        self._inner = inner

    def send(  # noqa: PLR0917 -- requests' adapter signature
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        response = self._inner.send(
            request,
            stream=stream,
            timeout=timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )
        content = response.content  # read whole now, for the cassette
        # A resend from a response hook (HTTPDigestAuth's, the plugin's on
        # a revoked session) goes through r.connection: through this one.
        response.connection = self  # type: ignore[assignment]  # duck-typed: send()
        raw_headers = (
            getattr(response.raw, "headers", None) or response.headers
        )
        self._tape.record(
            _prepared(request),
            _Response(
                response.status_code,
                response.reason or "",
                _recorded(raw_headers.items()),
                _text(content),
            ),
        )
        return response

    def close(self) -> None:
        self._inner.close()


class _ReplayAdapter(BaseAdapter):
    """Answers from the cassette; never opens a socket. Strictly private."""

    def __init__(self, tape: _Tape, unused: BaseAdapter | None) -> None:
        super().__init__()
        self._tape = tape
        self._unused = unused

    def send(  # noqa: PLR0917 -- requests' adapter signature
        self,
        request: requests.PreparedRequest,
        stream: bool = False,  # noqa: ARG002 -- the adapter's signature
        timeout: Any = None,  # noqa: ARG002
        verify: bool | str = True,  # noqa: ARG002
        cert: Any = None,  # noqa: ARG002
        proxies: Mapping[str, str] | None = None,  # noqa: ARG002
    ) -> requests.Response:
        answer = self._tape.play(_prepared(request))
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(answer.content),
            headers=urllib3.HTTPHeaderDict(answer.headers),
            status=answer.status,
            reason=answer.reason,
            preload_content=False,
            decode_content=False,
        )
        # What HTTPAdapter.build_response does with a urllib3 response.
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(raw.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = raw
        response.reason = answer.reason
        response.url = str(request.url)
        extract_cookies_to_jar(response.cookies, request, raw)  # type: ignore[no-untyped-call]
        response.request = request
        response.connection = self  # type: ignore[assignment]  # duck-typed: send()
        return response

    def close(self) -> None:
        if self._unused is not None:
            self._unused.close()


def _prepared(request: requests.PreparedRequest) -> _Request:
    body = request.body
    return _Request(
        request.method or "GET",
        str(request.url),
        request.headers.items(),
        # A str body goes out as UTF-8; a stream is not kept.
        body
        if isinstance(body, str)
        else _text(body)
        if isinstance(body, bytes)
        else None,
    )


def _recorded(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() not in _UNRECORDED]


# -- httpx ---------------------------------------------------------------------


def _forwarded(request: httpx.Request, body: bytes) -> httpx.Request:
    """
    A copy of *request* with its body read, for the transport underneath.

    The user's request keeps its consumed stream: a body that refuses to be
    sent twice (the plugin's own calls, on a redirect) still refuses.
    """
    return httpx.Request(
        request.method,
        request.url,
        headers=request.headers,
        content=body,
        extensions=request.extensions,
    )


def _httpx_request(request: httpx.Request, body: bytes) -> _Request:
    return _Request(
        request.method,
        str(request.url),
        request.headers.multi_items(),
        _text(body),
    )


def _httpx_answer(
    response: httpx.Response, raw: bytes
) -> tuple[_Response, httpx.Response]:
    """What to record of *response*, and the response to hand back."""
    decoded = httpx.Response(
        response.status_code, headers=response.headers, content=raw
    )
    recorded = _Response(
        response.status_code,
        response.reason_phrase,
        _recorded(response.headers.multi_items()),
        _text(decoded.read()),
    )
    return recorded, httpx.Response(
        response.status_code,
        headers=response.headers,
        content=raw,
        extensions=response.extensions,
    )


def _httpx_reply(answer: _Response) -> httpx.Response:
    return httpx.Response(
        answer.status,
        headers=answer.headers,
        content=answer.content,
        extensions={
            "reason_phrase": answer.reason.encode("ascii", "replace"),
            "http_version": b"HTTP/1.1",
        },
    )


def _sync_read(stream: httpx.SyncByteStream | httpx.AsyncByteStream) -> bytes:
    if not isinstance(stream, httpx.SyncByteStream):
        raise CassetteError("An httpx.Client needs Cassette.transport().")
    return b"".join(stream)


async def _async_read(
    stream: httpx.SyncByteStream | httpx.AsyncByteStream,
) -> bytes:
    if not isinstance(stream, httpx.AsyncByteStream):
        raise CassetteError(
            "An httpx.AsyncClient needs Cassette.async_transport()."
        )
    return b"".join([chunk async for chunk in stream])


class _RecordingTransport(httpx.BaseTransport):
    """Sends through another transport, and records. Strictly private."""

    def __init__(self, tape: _Tape, inner: httpx.BaseTransport) -> None:
        self._tape = tape
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        held = _Held(request)
        del request  # see _Held
        out = _httpx_request(held.value, _sync_read(held.value.stream))
        held.value = _forwarded(held.value, out.content)
        response = self._inner.handle_request(held.value)
        try:
            raw = _sync_read(response.stream)
        finally:
            response.close()
        recorded, handed = _httpx_answer(response, raw)
        self._tape.record(out, recorded)
        return handed

    def close(self) -> None:
        self._inner.close()


class _AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """The async twin of `_RecordingTransport`. Strictly private."""

    def __init__(self, tape: _Tape, inner: httpx.AsyncBaseTransport) -> None:
        self._tape = tape
        self._inner = inner

    async def handle_async_request(
        self, request: httpx.Request
    ) -> httpx.Response:
        held = _Held(request)
        del request  # see _Held
        out = _httpx_request(held.value, await _async_read(held.value.stream))
        held.value = _forwarded(held.value, out.content)
        response = await self._inner.handle_async_request(held.value)
        try:
            raw = await _async_read(response.stream)
        finally:
            await response.aclose()
        recorded, handed = _httpx_answer(response, raw)
        self._tape.record(out, recorded)
        return handed

    async def aclose(self) -> None:
        await self._inner.aclose()


class _ReplayTransport(httpx.BaseTransport):
    """Answers from the cassette; never opens a socket. Strictly private."""

    def __init__(
        self, tape: _Tape, unused: httpx.BaseTransport | None
    ) -> None:
        self._tape = tape
        self._unused = unused

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        held = _Held(request)
        del request  # see _Held
        seen = _httpx_request(held.value, _sync_read(held.value.stream))
        return _httpx_reply(self._tape.play(seen))

    def close(self) -> None:
        if self._unused is not None:
            self._unused.close()


class _AsyncReplayTransport(httpx.AsyncBaseTransport):
    """The async twin of `_ReplayTransport`. Strictly private."""

    def __init__(
        self, tape: _Tape, unused: httpx.AsyncBaseTransport | None
    ) -> None:
        self._tape = tape
        self._unused = unused

    async def handle_async_request(
        self, request: httpx.Request
    ) -> httpx.Response:
        held = _Held(request)
        del request  # see _Held
        seen = _httpx_request(held.value, await _async_read(held.value.stream))
        return _httpx_reply(self._tape.play(seen))

    async def aclose(self) -> None:
        if self._unused is not None:
            await self._unused.aclose()
