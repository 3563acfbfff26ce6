"""
Secrets held in a masked type, and scrubbing the known ones out of text.

Strictly private, but for `scrub` and `sentry_before_send`, which the
package re-exports. Error reporters (sentry-sdk, rich, ``pytest -l``,
``traceback`` with ``capture_locals``) capture the local variables of every
frame on a traceback; sentry-sdk even serialises tuples and mappings item by
item, bypassing ``__repr__``. So the core never holds a secret as a plain
``str``: it holds a `Secret`, whose repr is masked, and reads the raw value
(`Secret.reveal`) only in the expression that writes it onto the wire.

Every `Secret` made in this process is remembered (a bounded registry of
values, newest kept), so that `scrub` can remove them by value from any text
or structure, including URLs held by other libraries' frames. The registry
also keeps what *kind* of secret each value is, where the code that made it
said so (`KINDS`), for `tmdb_auth.cassettes`, which numbers placeholders per
kind.
"""

from __future__ import annotations

import json
import re
import threading

from collections import OrderedDict
from collections.abc import Mapping


# typing and hmac (which loads OpenSSL) are start-up time that most uses of
# this module never need; the type checkers treat TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final, TypeVar

    T = TypeVar("T")


__all__ = [
    "KINDS",
    "Secret",
    "known",
    "remember",
    "scrub",
    "sentry_before_send",
]

#: Values shorter than this are not scrubbed by value: replacing every
#: occurrence of a three-letter password would wreck the text around it.
MIN_SCRUB_LENGTH = 5
#: How many distinct secret values the registry keeps (the newest).
REGISTRY_SIZE = 10_000
PLACEHOLDER = "***"
#: The kinds of secret the library hands, as the code that makes one names
#: it (``Secret(value, "session_id")``).
KINDS: Final = (
    "api_key",
    "read_token",
    "session_id",
    "guest_session_id",
    "request_token",
    "access_token",
    "password",
)


def mask(secret: str | None) -> str:
    """
    Show a secret as ``'…' + its last four characters``.

    Four characters of a 32-character key or a 40-character session id
    leave about 112 bits unknown, enough to tell two sessions apart in a
    listing; anything shorter than 16 characters shows nothing at all.
    """
    if not secret:
        return "-"
    return "…" + secret[-4:] if len(secret) >= 16 else "…"


class Secret:
    """
    A secret string whose repr and str are masked.

    Compared in constant time, never pickled. `reveal` returns the raw
    value: call it only where the value is written onto the wire, inline,
    so that no frame keeps it in a local variable.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str, kind: str | None = None) -> None:
        self._value = value
        remember(value, kind)

    def reveal(self) -> str:
        """The raw value."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({mask(self._value)!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        import hmac  # noqa: PLC0415

        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret is never pickled")


def reveal(value: Secret | str) -> str:
    """The raw value of *value*, a `Secret` or already a string."""
    return value.reveal() if isinstance(value, Secret) else value


class _Registry:
    """
    The values `scrub` removes, with the forms they travel in and their kind.
    """

    def __init__(self) -> None:
        # value -> (kind, its forms), oldest first.
        self._values: OrderedDict[str, tuple[str | None, frozenset[str]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None
        self._origins: dict[str, tuple[str, str | None]] = {}

    def add(self, value: str, kind: str | None) -> None:
        if len(value) < MIN_SCRUB_LENGTH:
            return
        with self._lock:
            known = self._values.get(value)
            if known is not None:
                self._values.move_to_end(value)
                if known[0] is None and kind is not None:
                    # A kind comes once: placeholders numbered by kind must
                    # not change their mind.
                    self._values[value] = (kind, known[1])
                    for form in known[1]:
                        if form in self._origins:
                            self._origins[form] = (value, kind)
                return
            from urllib.parse import quote, quote_plus  # noqa: PLC0415

            forms = frozenset(
                {
                    value,
                    quote(value, safe=""),
                    quote_plus(value),
                    json.dumps(value)[1:-1],
                }
            )
            self._values[value] = (kind, forms)
            while len(self._values) > REGISTRY_SIZE:
                self._values.popitem(last=False)
            self._pattern = None

    def snapshot(
        self,
    ) -> tuple[re.Pattern[str] | None, dict[str, tuple[str, str | None]]]:
        """The pattern of every form, and each form's value and kind."""
        with self._lock:
            if self._pattern is None and self._values:
                origins = {
                    form: (value, kind)
                    for value, (kind, forms) in self._values.items()
                    for form in forms
                }
                # Longest first, so that a value containing another is
                # replaced whole.
                ordered = sorted(origins, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, ordered)))
                self._origins = origins
            return self._pattern, self._origins


_REGISTRY = _Registry()


def remember(value: str, kind: str | None = None) -> None:
    """
    Have `scrub` remove *value* (and its encoded forms) from now on.

    *kind* says what it is (one of `KINDS`), where the caller knows; the
    first kind given for a value stays.
    """
    _REGISTRY.add(value, kind)


def known() -> tuple[
    re.Pattern[str] | None, dict[str, tuple[str, str | None]]
]:
    """
    Every secret remembered: a pattern matching any of their forms (None if
    there is none), and for each form, its value and kind (None where the
    code that made it did not say). Read the dict; never change it.
    """
    return _REGISTRY.snapshot()


def scrub(event_or_text: T) -> T:
    """
    Remove every secret this process's auth objects know.

    Takes a string, bytes, or a nested structure of dicts, lists and
    tuples (a sentry-sdk event, a log record's arguments) and returns the
    same structure with each known secret value — API keys, read and access
    tokens, session ids, request tokens, passwords, and the URL-encoded and
    JSON-escaped forms of each — replaced by ``***``. Other values come
    back untouched. Values shorter than five characters are not replaced.

    .. versionadded:: 0.2.0
    """
    pattern = _REGISTRY.snapshot()[0]
    if pattern is None:
        return event_or_text
    return _scrub(event_or_text, pattern, 0)  # type: ignore[no-any-return]


def _scrub(  # noqa: PLR0911 -- one return per kind of value
    value: Any, pattern: re.Pattern[str], depth: int
) -> Any:
    if isinstance(value, str):
        return pattern.sub(PLACEHOLDER, value)
    if isinstance(value, bytes):
        text = value.decode("utf-8", "surrogateescape")
        return pattern.sub(PLACEHOLDER, text).encode(
            "utf-8", "surrogateescape"
        )
    if depth > 100:  # a structure this deep is not an event; leave it
        return value
    if isinstance(value, Mapping):
        items = {
            _scrub(k, pattern, depth + 1): _scrub(v, pattern, depth + 1)
            for k, v in value.items()
        }
        return items if type(value) is dict else _rebuild(value, items)
    if isinstance(value, list):
        return [_scrub(v, pattern, depth + 1) for v in value]
    if isinstance(value, tuple):
        items_ = [_scrub(v, pattern, depth + 1) for v in value]
        if hasattr(value, "_fields"):  # a NamedTuple
            return type(value)(*items_)
        return tuple(items_)
    return value


def _rebuild(original: Mapping[Any, Any], items: dict[Any, Any]) -> Any:
    try:
        return type(original)(items)  # type: ignore[call-arg]
    except TypeError:
        return items


def sentry_before_send(event: T, hint: object) -> T:  # noqa: ARG001
    """
    A sentry-sdk ``before_send`` hook that removes every known secret.

    .. code-block:: python

        import sentry_sdk
        import tmdb_auth

        sentry_sdk.init(dsn=..., before_send=tmdb_auth.sentry_before_send)

    The whole event is scrubbed (`scrub`): messages, exception values,
    breadcrumbs, request data, and the local variables of every frame,
    including the URLs that requests and httpx keep in theirs.

    .. versionadded:: 0.2.0
    """
    return scrub(event)
