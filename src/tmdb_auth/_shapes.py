"""
The shapes of TMDb's ids and tokens, and of the text we accept.

Strictly private. Checked with string methods rather than regular
expressions: compiling a dozen patterns cost every program that imports the
package about two milliseconds of its start-up, more than all the checks of
its life.
"""

from __future__ import annotations


TYPE_CHECKING = False  # typing itself is not imported: start-up time
if TYPE_CHECKING:
    from typing import TypeGuard


__all__ = ["alnum", "has_control", "hex_id", "is_url", "jwt"]

_HEX = "0123456789abcdefABCDEF"
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"
#: base64url, the alphabet of a JWT's parts.
_B64URL = _LETTERS + _DIGITS + "_-"
_SCHEME = _LETTERS + _DIGITS + "+.-"
_CONTROL = frozenset(map(chr, [*range(0x20), 0x7F]))


def hex_id(value: object, *lengths: int) -> TypeGuard[str]:
    """Whether *value* is a string of hex digits, of one of *lengths*."""
    # strip() leaves nothing exactly when every character is a hex digit.
    return (
        isinstance(value, str)
        and len(value) in lengths
        and not value.strip(_HEX)
    )


def jwt(value: object, longest: int = 2000) -> TypeGuard[str]:
    """Whether *value* has a JWT's shape: three base64url parts, none empty."""
    if not isinstance(value, str):
        return False
    parts = value.split(".")
    return len(parts) == 3 and all(
        0 < len(part) <= longest and not part.strip(_B64URL) for part in parts
    )


def alnum(value: object, longest: int) -> TypeGuard[str]:
    """Whether *value* is 1 to *longest* ASCII letters and digits."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= longest
        and value.isascii()
        and value.isalnum()
    )


def has_control(value: str) -> bool:
    """Whether *value* holds a control character (C0, or DEL)."""
    return not _CONTROL.isdisjoint(value)


def is_url(value: str) -> bool:
    """Whether *value* starts with a URL scheme and ``://``."""
    scheme, sep, _ = value.partition("://")
    return bool(
        sep and scheme and scheme[0] in _LETTERS and not scheme.strip(_SCHEME)
    )
