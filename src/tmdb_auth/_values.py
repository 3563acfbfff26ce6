"""
The public value types: `Session`, `RequestToken` and `AccessToken`.

Plain, immutable values with masked reprs, which a web application can keep
in its own session store as JSON (`to_json` / `from_json`). They are not
tuples on purpose: error reporters serialise tuples item by item, bypassing
the masked repr, while any other object is shown by its repr.
"""

from __future__ import annotations

import json
import re
import time

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Literal, Self, TypeVar

from ._secret import mask, remember
from .exceptions import ConfigurationError


__all__ = ["AccessToken", "RequestToken", "Session"]

V = TypeVar("V", bound="_Value")

_HEX = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}")
_ALNUM = re.compile(r"[0-9A-Za-z]{1,64}")
_JWT = re.compile(r"[A-Za-z0-9_-]{1,2000}(?:\.[A-Za-z0-9_-]{1,2000}){2}")


class _Value:
    """JSON round trips for the dataclasses below."""

    __slots__ = ()
    _secret_fields: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for name in self._secret_fields:
            value = getattr(self, name)
            if isinstance(value, str):
                remember(value, getattr(self, "param", name))

    def _asdict(self) -> dict[str, Any]:
        """The fields as a dict (as a NamedTuple's ``_asdict``)."""
        return asdict(self)  # type: ignore[call-overload, no-any-return]

    def to_json(self) -> str:
        """The value as a JSON object, for the application's own store."""
        return json.dumps(self._asdict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> Self:
        """
        The value back from `to_json` (a string) or `_asdict` (a mapping).

        Raises:
            ConfigurationError: *data* is not such a value.
        """
        name = cls.__name__
        try:
            raw = json.loads(data) if isinstance(data, (str, bytes)) else data
        except ValueError:
            raise ConfigurationError(
                f"{name}.from_json() needs the text that to_json() made; "
                "this is not JSON."
            ) from None
        if not isinstance(raw, Mapping):
            raise ConfigurationError(
                f"{name}.from_json() needs a JSON object, as to_json() makes."
            )
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        try:
            value = cls(**{k: v for k, v in raw.items() if k in known})
        except TypeError:
            raise ConfigurationError(
                f"{name}.from_json() is missing fields that to_json() writes."
            ) from None
        value._check()
        return value

    def _check(self) -> None:
        """Raise `ConfigurationError` unless every field has its shape."""


def _bad(cls: str, field: str) -> ConfigurationError:
    return ConfigurationError(
        f"{cls}.{field} is not what TMDb issues; keep the value that "
        "to_json() wrote, unchanged."
    )


def _shaped(value: object, shape: re.Pattern[str]) -> bool:
    """Whether *value*, read from JSON, is a string of that shape."""
    return isinstance(value, str) and shape.fullmatch(value) is not None


def _time_or_none(value: object) -> bool:
    return value is None or (
        isinstance(value, (int, float)) and not isinstance(value, bool)
    )


@dataclass(frozen=True, slots=True, repr=False)
class Session(_Value):
    """
    A TMDb session: a user's ``session_id`` or a ``guest_session_id``.

    Attributes:
        kind: ``"user"`` or ``"guest"``.
        id: The session id. A secret: it is masked in the repr.
        username: The TMDb user, when known.
        created_at: When it was made (seconds since the epoch).
        expires_at: When a guest session expires; None for user sessions.
        account_id: The v3 numeric account id, when known (v4's account
            object id on sessions converted from a v4 access token).

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       Not a tuple any more; ``account_id``, ``to_json`` and ``from_json``.
    """

    _secret_fields: ClassVar[tuple[str, ...]] = ("id",)

    kind: Literal["user", "guest"]
    id: str
    username: str | None = None
    created_at: float = 0.0
    expires_at: float | None = None
    account_id: int | str | None = None

    @property
    def param(self) -> str:
        """The query parameter the session travels in."""
        return "session_id" if self.kind == "user" else "guest_session_id"

    def alive(self, now: float | None = None) -> bool:
        """Whether the session has not reached its expiry yet."""
        if self.expires_at is None:
            return True
        return (time.time() if now is None else now) < self.expires_at

    def __repr__(self) -> str:
        return (
            f"Session(kind={self.kind!r}, id={mask(self.id)!r}, "
            f"username={self.username!r})"
        )

    def _check(self) -> None:
        if self.kind not in ("user", "guest"):
            raise _bad("Session", "kind")
        if not _shaped(self.id, _HEX):
            raise _bad("Session", "id")
        if self.username is not None and not isinstance(self.username, str):
            raise _bad("Session", "username")
        if not _time_or_none(self.expires_at) or not _time_or_none(
            self.created_at
        ):
            raise _bad("Session", "expires_at")
        if self.account_id is not None and not isinstance(
            self.account_id, (int, str)
        ):
            raise _bad("Session", "account_id")


@dataclass(frozen=True, slots=True, repr=False)
class RequestToken(_Value):
    """
    A TMDb request token, on its way to approval.

    Attributes:
        request_token: The token. A secret: it is masked in the repr.
        expires_at: When TMDb stops accepting it (seconds since the epoch).
        approval_url: Where the person approves it: TMDb's
            ``Authentication-Callback`` URL, with ``redirect_to`` added when
            one was given. Show it to that person only.
        version: 3 for a v3 token (``authentication/token/new``), 4 for a
            v4 one (``/4/auth/request_token``).

    .. versionadded:: 0.2.0
    """

    _secret_fields: ClassVar[tuple[str, ...]] = ("request_token",)

    request_token: str
    expires_at: float | None = None
    approval_url: str = ""
    version: Literal[3, 4] = 3

    def __repr__(self) -> str:
        return (
            f"RequestToken(request_token={mask(self.request_token)!r}, "
            f"version={self.version})"
        )

    def _check(self) -> None:
        shape = _JWT if self.version == 4 else _ALNUM
        if self.version not in (3, 4) or not _shaped(
            self.request_token, shape
        ):
            raise _bad("RequestToken", "request_token")
        if not _time_or_none(self.expires_at):
            raise _bad("RequestToken", "expires_at")
        if not isinstance(self.approval_url, str):
            raise _bad("RequestToken", "approval_url")


@dataclass(frozen=True, slots=True, repr=False)
class AccessToken(_Value):
    """
    A TMDb v4 user access token.

    Attributes:
        access_token: The token (a JWT). A secret: masked in the repr.
        account_id: The v4 account object id it acts for.
        created_at: When it was issued (seconds since the epoch).

    .. versionadded:: 0.2.0
    """

    _secret_fields: ClassVar[tuple[str, ...]] = ("access_token",)

    access_token: str
    account_id: str | None = None
    created_at: float = 0.0

    def __repr__(self) -> str:
        return (
            f"AccessToken(access_token={mask(self.access_token)!r}, "
            f"account_id={self.account_id!r})"
        )

    def _check(self) -> None:
        if not _shaped(self.access_token, _JWT):
            raise _bad("AccessToken", "access_token")
        if self.account_id is not None and not isinstance(
            self.account_id, str
        ):
            raise _bad("AccessToken", "account_id")
