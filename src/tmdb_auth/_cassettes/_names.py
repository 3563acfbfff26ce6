"""Placeholders: secrets replaced by value, and put back."""

from __future__ import annotations

import base64
import hashlib
import json
import re

from collections import Counter
from collections.abc import Mapping

from tmdb_auth._secret import KINDS, known, remember

from ._wire import UNKNOWN_KIND


__all__ = ["_PLACEHOLDER", "_Names"]

_PLACEHOLDER = re.compile(r"<([a-z_]{1,32}):([1-9][0-9]{0,8})>")
_SHAPES = {
    "hex": re.compile(r"[0-9a-f]+"),
    "jwt": re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"),
    "alnum": re.compile(r"[0-9A-Za-z]+"),
}


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
