"""
What the two adapters share: construction, scope, repr and equality.

Strictly private.
"""

from __future__ import annotations

import threading

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from . import _redact
from ._config import CacheSpec, PasswordSource, SessionMode, Settings, mask
from ._protocol import Session
from ._routes import Need
from ._sessions import Sessions


__all__ = ["AuthCore"]

# Importing an adapter is enough: from then on the HTTP libraries' log
# records carry no secret, whoever makes the request.
_redact.install()


class AuthCore:
    """
    The adapter-independent half of `TMDbAuth`.

    Strictly private; the public constructor arguments are documented on
    the adapters.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        session: SessionMode | None = "auto",
        username: str | None = None,
        password: PasswordSource | None = None,
        session_id: str | None = None,
        approve: Callable[[str], object] | None = None,
        cache: CacheSpec | Any = ...,
        api_url: str | None = None,
    ) -> None:
        settings = Settings.build(
            api_key=api_key,
            session=session,
            username=username,
            password=password,
            session_id=session_id,
            approve=approve,
            cache=cache,
            api_url=api_url,
        )
        self._sessions = Sessions(settings)
        self._sessions_on = settings.mode is not None
        self._lock = threading.Lock()
        credential = settings.credential
        # Everything a call appends is computed here, once.
        self._origin = settings.origin
        self._scheme, self._port = settings.origin.scheme, settings.origin.port
        self._prefixes = settings.origin.prefixes()
        self._hosts = frozenset(settings.origin.hosts())
        if credential.kind == "api_key":
            self._query = f"api_key={credential.value}"
            self._bearer: str | None = None
        else:
            self._query = ""
            self._bearer = f"Bearer {credential.value}"
        self._suffixes: dict[Need, tuple[Session, str]] = {}
        # For the async adapter: one anyio lock per event loop.
        self._async_locks: dict[int, Any] = {}
        self._guard = threading.Lock()

    @property
    def settings(self) -> Settings:
        """The checked configuration."""
        return self._sessions.settings

    def _in_scope(self, url: str) -> bool:
        """
        Whether *url* is bound for the API origin (the slow, exact check).

        The adapters first try plain prefixes; this handles what they
        cannot: an explicit default port, upper-case hosts, a bare origin.
        """
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        origin = self._origin
        default = {"http": 80, "https": 443}.get(parts.scheme.lower())
        return (
            parts.scheme.lower() == origin.scheme
            and (parts.hostname or "") in self._hosts
            and (port if port != default else None) == origin.port
        )

    def _suffix(self, need: Need, session: Session | None) -> str:
        """The query text to append for *need*: credential, then session."""
        if session is None:
            return self._query
        cached = self._suffixes.get(need)
        if cached is not None and cached[0] is session:
            return cached[1]
        pair = f"{session.param}={session.id}"
        suffix = f"{self._query}&{pair}" if self._query else pair
        self._suffixes[need] = (session, suffix)
        return suffix

    def __repr__(self) -> str:
        settings = self.settings
        parts = [
            f"{settings.credential.kind}={mask(settings.credential.value)!r}",
            f"session={settings.mode!r}",
        ]
        if settings.username:
            parts.append(f"username={settings.username!r}")
        if settings.session_id:
            parts.append(f"session_id={mask(settings.session_id)!r}")
        parts.append(f"api_url={settings.origin.url!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.settings == other.settings

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]  # equal auths need not share a hash
