"""
The public value types: `Session`, `RequestToken` and `AccessToken`.

Plain, immutable values with masked reprs, which a web application can keep
in its own session store as JSON (`to_json` / `from_json`). They are not
tuples on purpose: error reporters serialise tuples item by item, bypassing
the masked repr, while any other object is shown by its repr.

They behave as frozen, slotted dataclasses (equality, hash, ``__match_args__``,
`dataclasses.fields`, `dataclasses.replace`, `dataclasses.asdict`) without
the ``@dataclass`` decorator: importing `dataclasses` (and with it `inspect`
and `ast`) and generating the methods cost several milliseconds of every
program's start-up. `dataclasses` is imported only when one of its functions
is used on them.
"""

from __future__ import annotations

import json
import time

from collections.abc import Mapping

from ._secret import mask, remember
from ._shapes import alnum, hex_id, jwt
from .exceptions import ConfigurationError


TYPE_CHECKING = False  # typing is imported by the type checkers only
if TYPE_CHECKING:
    from dataclasses import Field
    from typing import Any, ClassVar, Literal, Self


__all__ = ["AccessToken", "RequestToken", "Session"]


class _DataclassFields:
    """
    ``__dataclass_fields__``, made on first use from the class's fields.

    What `dataclasses.fields`, `~dataclasses.replace`, `~dataclasses.asdict`
    and `~dataclasses.is_dataclass` read: real `dataclasses.Field` objects,
    built (by `dataclasses.make_dataclass`) the first time one asks.
    """

    def __get__(self, obj: object, cls: type[_Value]) -> dict[str, Field[Any]]:
        if not cls.__dict__.get("_field_names"):  # _Value itself
            raise AttributeError("__dataclass_fields__")
        import dataclasses  # noqa: PLC0415 -- only when dataclasses asks

        twin: Any = dataclasses.make_dataclass(
            cls.__name__,
            [
                (name, cls.__annotations__[name])
                if name not in cls._defaults
                else (
                    name,
                    cls.__annotations__[name],
                    dataclasses.field(default=cls._defaults[name]),
                )
                for name in cls._field_names
            ],
            frozen=True,
        )
        found: dict[str, Field[Any]] = twin.__dataclass_fields__
        type.__setattr__(cls, "__dataclass_fields__", found)
        return found


def _frozen(message: str) -> AttributeError:
    """`dataclasses.FrozenInstanceError`, as a frozen dataclass raises."""
    from dataclasses import FrozenInstanceError  # noqa: PLC0415

    return FrozenInstanceError(message)


class _Value:
    """Frozen-dataclass behaviour and JSON round trips for the values below."""

    __slots__ = ()
    __dataclass_fields__ = _DataclassFields()
    #: The fields, in order (as a dataclass's `~dataclasses.fields`).
    _field_names: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, object]] = {}
    _secret_fields: ClassVar[tuple[str, ...]] = ()

    def _init(self, *values: object) -> None:
        for name, value in zip(self._field_names, values, strict=True):
            object.__setattr__(self, name, value)
        for name in self._secret_fields:
            secret = getattr(self, name)
            if isinstance(secret, str):
                remember(secret, getattr(self, "param", name))

    def __setattr__(self, name: str, value: object) -> None:
        raise _frozen(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise _frozen(f"cannot delete field {name!r}")

    def _astuple(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._field_names)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._astuple() == other._astuple()

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __reduce__(self) -> tuple[type[Self], tuple[object, ...]]:
        return type(self), self._astuple()

    def __replace__(self, **changes: Any) -> Self:
        """A copy with *changes* (`copy.replace`, `dataclasses.replace`)."""
        return type(self)(**{**self._asdict(), **changes})

    def _asdict(self) -> dict[str, Any]:
        """The fields as a dict (as a NamedTuple's ``_asdict``)."""
        return {name: getattr(self, name) for name in self._field_names}

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
        known = cls._field_names
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


def _time_or_none(value: object) -> bool:
    return value is None or (
        isinstance(value, (int, float)) and not isinstance(value, bool)
    )


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

    __slots__ = (
        "account_id",
        "created_at",
        "expires_at",
        "id",
        "kind",
        "username",
    )
    __match_args__ = (
        "kind",
        "id",
        "username",
        "created_at",
        "expires_at",
        "account_id",
    )
    _field_names = __match_args__
    _defaults: ClassVar[dict[str, object]] = {
        "username": None,
        "created_at": 0.0,
        "expires_at": None,
        "account_id": None,
    }
    _secret_fields: ClassVar[tuple[str, ...]] = ("id",)

    kind: Literal["user", "guest"]
    id: str
    username: str | None
    created_at: float
    expires_at: float | None
    account_id: int | str | None

    def __init__(  # noqa: PLR0917 -- positional, as the dataclass was
        self,
        kind: Literal["user", "guest"],
        id: str,  # noqa: A002 -- the field's name
        username: str | None = None,
        created_at: float = 0.0,
        expires_at: float | None = None,
        account_id: int | str | None = None,
    ) -> None:
        self._init(kind, id, username, created_at, expires_at, account_id)

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
        if not hex_id(self.id, 32, 40):
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

    __slots__ = ("approval_url", "expires_at", "request_token", "version")
    __match_args__ = ("request_token", "expires_at", "approval_url", "version")
    _field_names = __match_args__
    _defaults: ClassVar[dict[str, object]] = {
        "expires_at": None,
        "approval_url": "",
        "version": 3,
    }
    _secret_fields: ClassVar[tuple[str, ...]] = ("request_token",)

    request_token: str
    expires_at: float | None
    approval_url: str
    version: Literal[3, 4]

    def __init__(
        self,
        request_token: str,
        expires_at: float | None = None,
        approval_url: str = "",
        version: Literal[3, 4] = 3,
    ) -> None:
        self._init(request_token, expires_at, approval_url, version)

    def __repr__(self) -> str:
        return (
            f"RequestToken(request_token={mask(self.request_token)!r}, "
            f"version={self.version})"
        )

    def _check(self) -> None:
        token = self.request_token
        if not (jwt(token) if self.version == 4 else alnum(token, 64)) or (
            self.version not in (3, 4)
        ):
            raise _bad("RequestToken", "request_token")
        if not _time_or_none(self.expires_at):
            raise _bad("RequestToken", "expires_at")
        if not isinstance(self.approval_url, str):
            raise _bad("RequestToken", "approval_url")


class AccessToken(_Value):
    """
    A TMDb v4 user access token.

    Attributes:
        access_token: The token (a JWT). A secret: masked in the repr.
        account_id: The v4 account object id it acts for.
        created_at: When it was issued (seconds since the epoch).

    .. versionadded:: 0.2.0
    """

    __slots__ = ("access_token", "account_id", "created_at")
    __match_args__ = ("access_token", "account_id", "created_at")
    _field_names = __match_args__
    _defaults: ClassVar[dict[str, object]] = {
        "account_id": None,
        "created_at": 0.0,
    }
    _secret_fields: ClassVar[tuple[str, ...]] = ("access_token",)

    access_token: str
    account_id: str | None
    created_at: float

    def __init__(
        self,
        access_token: str,
        account_id: str | None = None,
        created_at: float = 0.0,
    ) -> None:
        self._init(access_token, account_id, created_at)

    def __repr__(self) -> str:
        return (
            f"AccessToken(access_token={mask(self.access_token)!r}, "
            f"account_id={self.account_id!r})"
        )

    def _check(self) -> None:
        if not jwt(self.access_token):
            raise _bad("AccessToken", "access_token")
        if self.account_id is not None and not isinstance(
            self.account_id, str
        ):
            raise _bad("AccessToken", "account_id")
