"""The tape: the file format, matching, and what one cassette plays."""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ._names import _PLACEHOLDER, _Names
from ._wire import FORMAT, UnmatchedRequest, _bytes, _Request, _Response


__all__ = ["_Tape", "_write"]

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
