"""
What the two adapters share: construction, scope, lifecycle, repr.

Strictly private.
"""

from __future__ import annotations

import functools
import os
import threading
import weakref

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec
from urllib.parse import urlsplit

from . import _redact
from ._config import (
    DEFAULT,
    CacheSpec,
    Default,
    PasswordSource,
    SessionMode,
    Settings,
)
from ._routes import NONE, V4_USER, Need, route
from ._secret import mask
from ._sessions import Sessions
from ._values import Session
from .exceptions import ConfigurationError


if TYPE_CHECKING:
    from typing import Self


__all__ = ["AuthCore"]

# Importing an adapter is enough: from then on the HTTP libraries' log
# records carry no secret, whoever makes the request.
_redact.install()


#: Every auth object alive, for `_after_fork`.
#: (Equal auths are unhashable, hence the ids.)
_LIVE: weakref.WeakValueDictionary[int, AuthCore] = (
    weakref.WeakValueDictionary()
)


def _after_fork_in_child() -> None:
    for auth in list(_LIVE.values()):
        auth._after_fork()  # noqa: SLF001


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork_in_child)


P = ParamSpec("P")


def forgets_arguments(
    init: Callable[Concatenate[Any, P], None],
) -> Callable[Concatenate[Any, P], None]:
    """
    A constructor whose refusal keeps none of its arguments in sight.

    The arguments are the user's raw key, password and session id: a
    `ConfigurationError` leaving them in the frames of its traceback would
    show them to any error reporter that captures frame locals. So the
    error is raised again from here with a fresh traceback, the arguments
    dropped first: the frames that held them are no longer on it.
    """

    def constructor(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            init(self, *args, **kwargs)
        except ConfigurationError as exc:
            error = exc
        else:
            return
        del args, kwargs
        raise error.with_traceback(None)

    functools.update_wrapper(constructor, init)
    return constructor


class AuthCore:
    """
    The adapter-independent half of `TMDbAuth`.

    Strictly private; the public constructor arguments are documented on
    the adapters.
    """

    @forgets_arguments
    def __init__(
        self,
        api_key: str | None = None,
        *,
        session: SessionMode | None = "auto",
        username: str | None = None,
        password: PasswordSource | None = None,
        session_id: str | None = None,
        approve: Callable[[str], object] | None = None,
        cache: CacheSpec | Default = DEFAULT,
        api_url: str | None = None,
        access_token: str | None = None,
        v4: bool = False,
    ) -> None:
        try:
            settings = Settings.build(
                api_key=api_key,
                session=session,
                username=username,
                password=password,
                session_id=session_id,
                approve=approve,
                cache=cache,
                api_url=api_url,
                access_token=access_token,
                v4=v4,
            )
        finally:
            del access_token  # no frame on a traceback keeps it
        self._sessions = Sessions(settings)
        self._sessions_on = settings.mode is not None
        self._lock = threading.Lock()
        credential = settings.credential
        # Everything a call appends is computed here, once.
        self._origin = settings.origin
        self._scheme, self._port = settings.origin.scheme, settings.origin.port
        self._prefixes = settings.origin.prefixes()
        self._hosts = frozenset(settings.origin.hosts())
        # The credential's wire forms: attributes of an object whose repr
        # is masked, so that no error reporter shows them.
        if credential.kind == "api_key":
            self._query = f"api_key={credential.value.reveal()}"
            self._bearer: str | None = None
        else:
            self._query = ""
            self._bearer = f"Bearer {credential.value.reveal()}"
        # Whether the /4/ calls that act for a user carry their access token.
        self._v4_on = settings.v4 or settings.access_token is not None
        self._suffixes: dict[Need, tuple[Session, str]] = {}
        # For the async adapter: the lock and events of each event loop.
        self._async_locks: dict[object, Any] = {}
        self._guard = threading.Lock()
        _LIVE[id(self)] = self

    def _after_fork(self) -> None:
        """
        Fresh process-local locks in a forked child.

        A fork copies a lock held by another thread as held, and the thread
        that would release it does not exist in the child.
        """
        self._lock = threading.Lock()
        self._guard = threading.Lock()
        self._async_locks = {}

    # -- lifecycle -----------------------------------------------------

    def close(self) -> None:
        """
        Close what this auth opened itself: its session store.

        Never what was passed in (a ``diskcache.Cache``, a Redis client, a
        ``requests.Session`` given as ``http=``). Safe to call twice; the
        auth can still be used after it, reopening what it needs.

        .. versionadded:: 0.2.0
        """
        self._sessions.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

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

    def _need(self, method: str, path: str, query: str) -> Need:
        """
        The session *path* needs, unless the caller attached their own.

        A ``session_id`` (or ``guest_session_id``) the caller put in the
        query wins: the call goes with theirs, and nothing else is added. A
        v4 call that acts for the user needs the user's access token; with
        none, it goes with the application's read token. The adapters
        have sent read calls their way already (`need_for`'s substring test).
        """
        need = route(method, path)
        if need is V4_USER:
            return need if self._v4_on else NONE
        if not self._sessions_on or "session_id=" in query:
            return NONE
        return need

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
        if "_sessions" not in vars(self):  # refused at construction
            return f"{type(self).__name__}(<not configured>)"
        settings = self.settings
        parts = [
            f"{settings.credential.kind}="
            f"{mask(settings.credential.value.reveal())!r}",
            f"session={settings.mode!r}",
        ]
        if settings.username:
            parts.append(f"username={settings.username!r}")
        if settings.session_id:
            parts.append(f"session_id={mask(settings.session_id.reveal())!r}")
        if settings.access_token:
            parts.append(
                f"access_token={mask(settings.access_token.reveal())!r}"
            )
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
