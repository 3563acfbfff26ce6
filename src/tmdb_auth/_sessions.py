"""
The session policy: which session a call gets, made once, kept, renewed.

Strictly private. `Sessions` is shared by the adapters and the CLI. Its
methods that may need the network are flows (see `._protocol`); the
adapters drive them while holding their process-local lock (a thread lock,
or an anyio lock per event loop), and the store's cross-process lock makes
"exactly one session" hold across processes too. The hot path,
`Sessions.current`, takes no lock.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import secrets
import time

from collections.abc import Callable
from typing import TYPE_CHECKING

from . import _protocol, _protocol_v4
from ._routes import Need
from ._secret import Secret
from ._steps import Approve, Flow
from ._values import AccessToken, Session
from .exceptions import (
    ConfigurationError,
    LoginFailed,
    SessionDenied,
    SessionRequired,
    SessionRevoked,
    TMDbAuthError,
)


if TYPE_CHECKING:
    from ._config import Settings
    from ._store import Record, Store


__all__ = ["LOCK_TTL", "Sessions"]

#: How long the cross-process creation lock lives, and how long a process
#: waits for another to make a session: a holder that hangs or crashed
#: blocks the others this long at most (a disk lock ends with its holder's
#: process at once). Creating a session takes three calls.
LOCK_TTL = 30.0

_LOGIN_HINT = (
    "run 'tmdb-auth login', or pass username= and password= (or approve=)"
)


class Sessions:
    """
    The sessions of one credential at one origin.

    Args:
        settings: The checked configuration.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.origin = settings.origin.url
        #: The session each need currently travels with. Read without a
        #: lock on every call; written by flows under the adapters' locks.
        self.active: dict[Need, Session] = {}
        self._store: Store | None = None
        self._explicit_revoked = False
        #: Whether an auth given no identity has acted as a cached user,
        #: and who: from then on, it acts for that user only.
        self._acted = False
        self._pinned: str | None = None
        #: The user session TMDb revoked last, until one replaces it.
        self._revoked: Session | None = None
        #: The v4 access token this auth's ``/4/`` user calls carry: the
        #: one it was given, else one it found in the store or had approved.
        self.access: AccessToken | None = None
        if settings.access_token is not None:
            self.access = AccessToken(settings.access_token.reveal())
        #: The access token TMDb refused last, until one replaces it.
        self._access_revoked: AccessToken | None = None

    # -- the hot path --------------------------------------------------

    def current(self, need: Need) -> Session | None:
        """The session for *need* if one is in memory and alive."""
        session = self.active.get(need)
        if session is not None and (
            session.expires_at is None or time.time() < session.expires_at
        ):
            return session
        return None

    # -- the store -----------------------------------------------------

    @property
    def store(self) -> Store:
        """The store, opened on first use: calls without sessions never do."""
        if self._store is None:
            from ._store import Store  # noqa: PLC0415 -- see the docstring

            self._store = Store(self.settings.cache)
        return self._store

    def close(self) -> None:
        """Close the store if this auth opened it; it reopens on next use."""
        store, self._store = self._store, None
        if store is not None:
            store.close()

    def _key(self, kind: str, user: str = "") -> str:
        from ._store import key_for  # noqa: PLC0415

        return key_for(
            self.settings.credential.identity.reveal(), self.origin, kind, user
        )

    def _record(self, session: Session) -> Record:
        return {
            "kind": session.kind,
            "id": session.id,
            "username": session.username,
            "created_at": session.created_at,
            "expires_at": session.expires_at,
            "origin": self.origin,
            "app": self.settings.credential.fingerprint,
        }

    def _load(self, key: str, since: float | None = None) -> Session | None:
        """The live session at *key* (made at *since* or later, if given)."""
        record = self.store.get(key)
        if not record:
            return None
        session = _session_of(record)
        if session is None or not session.alive():
            return None
        if since is not None and session.created_at < since:
            return None
        return session

    def save(self, session: Session) -> None:
        """Keep *session* in the store (a guest one until it expires)."""
        if session.kind == "guest":
            expire = None
            if session.expires_at is not None:
                expire = max(session.expires_at - time.time(), 0.001)
            self.store.put(self._key("guest"), self._record(session), expire)
            return
        user = session.username or ""
        self.store.put(self._user_key(user), self._record(session), None)
        if self.settings.access_token is None:
            self.store.put(self._key("user-latest"), {"username": user}, None)

    # -- acquiring -----------------------------------------------------

    @property
    def expected(self) -> str | None:
        """
        The username every user session of this auth must have, if known.

        ``username=``, else the cached user this auth has already acted as.
        """
        return self.settings.username or self._pinned

    @property
    def bound(self) -> bool:
        """
        Whether this auth acts for one identity (DESIGN §8).

        Given ``session_id=`` or ``username=``, or having acted as a cached
        user, it never attaches a guest session nor another user's.
        """
        settings = self.settings
        return bool(
            settings.session_id
            or settings.username
            or settings.access_token
            or self._acted
        )

    def acquire(self, need: Need) -> Flow[Session | None]:
        """
        The session for *need*: from memory, the store, or made now.

        Returns None when sessions are off (``session=None``). Raises
        `SessionRequired` when *need* cannot be met without the user, and
        `SessionRevoked` when TMDb revoked this auth's identity's session
        and no session of the same user can be made.
        """
        found = self.current(need)
        if found is not None:
            return found
        mode = self.settings.mode
        if mode is None or need is Need.NONE:
            return None
        if need is Need.USER and mode == "guest":
            raise SessionRequired(
                "This call needs a user session, and session='guest' makes "
                f"guest sessions only: use session='auto' and {_LOGIN_HINT}."
            )
        session = None
        if mode in ("auto", "user"):
            session = yield from self._user()
        if (
            session is None
            and need is Need.GUEST_OK
            and mode != "user"
            and not self.bound
        ):
            session = yield from self._locked(
                self._key("guest"), _protocol.guest_session_new
            )
        if session is None:
            raise SessionRequired(
                f"This call needs a TMDb user session and none is available: "
                f"{_LOGIN_HINT}."
            )
        self._keep(session)
        return session

    def _keep(self, session: Session) -> None:
        """Travel with *session* from now on (a user one serves both needs)."""
        if session.kind == "user":
            if not self.bound:
                self._acted, self._pinned = True, session.username
            self._revoked = None
            self.active[Need.USER] = self.active[Need.GUEST_OK] = session
        else:
            self.active[Need.GUEST_OK] = session

    def _user(self) -> Flow[Session | None]:
        found = self.user_session()
        if found is not None:
            return found
        settings = self.settings
        if settings.access_token is not None:
            return (yield from self._converted())
        if settings.v4:
            return (yield from self._v4_user())
        expected = self.expected
        if settings.username is not None and settings.password is not None:
            username = settings.username
            password = settings.read_password()
            return (
                yield from self._locked(
                    self._key("user", username),
                    lambda: _protocol.login(username, password),
                )
            )
        if settings.approve is not None and (
            self._revoked is None or expected is not None
        ):
            return (yield from self.approve(settings.approve))
        if self._revoked is not None:
            raise self._revoked_error()
        if settings.username is not None:
            raise SessionRequired(
                f"No session is cached for TMDb user {settings.username!r} "
                f"and no password was given: run 'tmdb-auth login "
                f"--username {settings.username}', or pass password=."
            )
        return None

    def _revoked_error(self) -> SessionRevoked:
        who = self.expected
        whose = f"of TMDb user {who!r}" if who else "this auth was given"
        todo = "link the account again (a new session_id=)"
        if self.settings.username:
            todo = "pass password= (or approve=), or run 'tmdb-auth login'"
        return SessionRevoked(
            f"TMDb revoked the session {whose}, and no session of the same "
            f"user can be made without the user: {todo}."
        )

    def approve(self, approve: Callable[[str], object]) -> Flow[Session]:
        """
        Make a user session by browser approval and keep it.

        The approving account must be the expected user, if this auth has
        one (`LoginFailed` otherwise). No cross-process lock is taken:
        approval waits for a person, and a crashed holder must not block
        every other process that long.
        """
        session = yield from _protocol.approval(approve, self.expected)
        self.save(session)
        self._revoked = None
        return session

    def login(self, username: str, password: Secret) -> Flow[Session]:
        """Make a user session by username and password, and keep it."""
        session = yield from _protocol.login(username, password)
        self.save(session)
        return session

    def _locked(
        self,
        key: str,
        make: Callable[[], Flow[Session]],
        since: float | None = None,
    ) -> Flow[Session]:
        """
        Load *key*, or make and save it under the store's creation lock.

        The first process takes the lock; the others block in the store's
        `wait` (a file lock, a Redis message, a condition), which returns
        as soon as the session is written or the lock released, and find
        the session. Waiting is bounded by `LOCK_TTL`: after that long the
        wait ends with the lock taken or ignored. With *since*, only a
        session made at that time or later is taken (an explicit login
        shares a concurrent one, never an older one).
        """
        found = self._load(key, since)
        if found is not None:  # the common case: no lock, two writes saved
            return found
        store = self.store
        owner = secrets.token_hex(16)
        deadline = time.monotonic() + LOCK_TTL
        taken = store.lock(key, owner, LOCK_TTL)
        while not taken and (left := deadline - time.monotonic()) > 0:
            yield _Wait(functools.partial(_wait, store, key, left), _NO_URL)
            found = self._load(key, since)
            if found is not None:
                return found
            taken = store.lock(key, owner, LOCK_TTL)
        try:
            found = self._load(key, since)
            if found is not None:
                return found
            session = yield from make()
            self.save(session)
            return session
        finally:
            if taken:
                store.unlock(key, owner)

    # -- v4 access tokens (DESIGN §11.2) ---------------------------------

    def _v4_key(self) -> str:
        """
        Where the session converted from ``access_token=`` is stored: under
        the access token's identity (a hash of it, never the token).
        """
        access = self.settings.access_token
        assert access is not None  # noqa: S101 -- only called with one
        digest = hashlib.sha256(access.reveal().encode()).hexdigest()
        return self._key("user-v4", digest)

    def _user_key(self, username: str) -> str:
        """The store key of a user session of this auth's identity."""
        if self.settings.access_token is not None:
            return self._v4_key()
        return self._key("user", username)

    def _converted(self) -> Flow[Session]:
        """
        The v3 session of ``access_token=``: stored, else converted once
        (single-flight across threads and processes).

        The access token is the identity: a revoked converted session is
        replaced only by converting the same token again, and a token TMDb
        refuses is `SessionRevoked`, never another identity.
        """
        access = self.settings.access_token
        assert access is not None  # noqa: S101 -- only called with one
        try:
            return (
                yield from self._locked(
                    self._v4_key(),
                    lambda: _protocol_v4.session_convert(
                        AccessToken(access.reveal())
                    ),
                )
            )
        except SessionDenied:
            pass
        raise SessionRevoked(
            "TMDb refused the v4 access token this auth was given (revoked "
            "or logged out), so it has no v3 session: the user must approve "
            "again ('tmdb-auth login --v4', or v4_request_token_new())."
        )

    # -- v4 logins: found in the store, or approved now (DESIGN §11) ------

    def v4_access(self) -> Flow[AccessToken]:
        """
        The access token of this auth's v4 user: the one in memory, else
        the store's (``tmdb-auth login --v4``, or an earlier approval),
        else one the person approves now through ``approve=``.

        Raises `SessionRevoked` once TMDb refused the one it was given, and
        `SessionRequired` when there is none and nobody to approve.
        """
        if self.access is not None:
            return self.access
        settings = self.settings
        if settings.access_token is None:
            found = self._load_v4()
            if found is not None:
                self.access = found
                return found
            if settings.approve is not None and (
                self._access_revoked is None or self.expected is not None
            ):
                return (yield from self.v4_approve(settings.approve))
        if self._access_revoked is not None:
            raise SessionRevoked(
                "TMDb refused this auth's v4 access token (revoked or logged "
                "out), and no token of the same user can be had without the "
                "user: run 'tmdb-auth login --v4', or pass approve= (with "
                "v4=True)."
            )
        raise SessionRequired(
            "This call acts for a TMDb v4 user, and no v4 login is "
            "available: run 'tmdb-auth login --v4', or pass approve= (with "
            "v4=True)."
        )

    def _load_v4(self) -> AccessToken | None:
        """The store's v4 login of the expected (else latest) user."""
        username = self.expected
        if username is None:
            username = self._latest_user()
            if username is None:
                return None
        found = _access_of(self.store.get(self._key("v4", username)))
        if found is not None and not self.bound:
            self._acted, self._pinned = True, username
        return found

    def v4_approve(
        self, approve: Callable[[str], object]
    ) -> Flow[AccessToken]:
        """
        A v4 login by approval: request token, the person approves, access
        token, and its v3 session converted; both kept, as ``tmdb-auth
        login --v4`` keeps them.

        The approving account must be the expected user, if this auth has
        one (`LoginFailed` otherwise; the access token is then deleted at
        TMDb). No cross-process lock: approval waits for a person.
        """
        origin = self.settings.origin
        token = yield from _protocol_v4.v4_request_token_new(
            None, _protocol_v4.web_base(origin.url, origin.host)
        )
        yield Approve(approve, Secret(token.approval_url))
        access = yield from _protocol_v4.v4_access_token_new(token)
        session = yield from _protocol_v4.session_convert(access)
        try:
            yield from _protocol.check_user(session, self.expected)
        except LoginFailed:
            with contextlib.suppress(TMDbAuthError):  # refused either way
                yield from _protocol_v4.v4_access_token_delete(access)
            raise
        self.keep_v4(access, session)
        self._keep(session)
        self.access, self._access_revoked = access, None
        return access

    def keep_v4(self, access: AccessToken, session: Session) -> None:
        """Store a v4 login: the access token, and its v3 session."""
        self.save(session)
        self.store.put(
            self._key("v4", session.username or ""),
            {
                "kind": "v4",
                "id": access.access_token,
                "username": session.username,
                "created_at": access.created_at,
                "expires_at": None,
                "origin": self.origin,
                "app": self.settings.credential.fingerprint,
                "account_id": access.account_id,
            },
            None,
        )

    def _v4_user(self) -> Flow[Session]:
        """
        The v3 user session of a ``v4=True`` auth: that of its v4 login,
        converted once if the store has none (single-flight).
        """
        access = yield from self.v4_access()
        found = self.user_session()
        if found is not None:
            return found
        username = self.expected or ""
        return (
            yield from self._locked(
                self._key("user", username),
                lambda: _protocol_v4.session_convert(access),
            )
        )

    def renew_v4(self, stale: AccessToken) -> Flow[AccessToken]:
        """
        Replace *stale*, an access token TMDb refused on a ``/4/`` call.

        Only by a v4 login of the same user: the store's, if another
        process has one, or an approval checked against that user; else
        `SessionRevoked`. Concurrent callers get the one replacement.
        """
        held = self.access
        if held is not None and held.access_token != stale.access_token:
            return held
        self._forget_v4(stale)
        return (yield from self.v4_access())

    def _forget_v4(self, stale: AccessToken) -> None:
        """Drop *stale* from memory and, if it still holds it, the store."""
        if self.access is not None and self.access.access_token == (
            stale.access_token
        ):
            self.access = None
        self._access_revoked = stale
        if self.settings.access_token is None:
            self.store.delete(
                self._key("v4", self.expected or ""), stale.access_token
            )

    # -- recovery and logout -------------------------------------------

    def renew(self, need: Need, stale: Session) -> Flow[Session | None]:
        """
        Replace *stale*, which TMDb no longer accepts.

        Concurrent callers that saw the same stale session get the one new
        session: the first drops *stale* and makes the new one, the others
        find it in memory (same process) or in the store (other processes),
        since the store drops a record only if it still holds *stale*. A
        user session is only ever replaced by one of the same user.
        """
        now = self.current(need)
        if now is not None and now.id != stale.id:
            return now
        self.forget(stale)
        if stale.kind == "user":
            self._revoked = stale
        return (yield from self.acquire(need))

    def forget(self, session: Session | AccessToken) -> None:
        """Drop *session* from memory and, if it still holds it, the store."""
        if isinstance(session, AccessToken):
            self._forget_v4(session)
            return
        for need, held in list(self.active.items()):
            if held.id == session.id:
                self.active.pop(need, None)
        explicit = self.settings.session_id
        if explicit is not None and explicit.reveal() == session.id:
            self._explicit_revoked = True
        if session.kind == "guest":
            self.store.delete(self._key("guest"), session.id)
        else:
            self.store.delete(
                self._user_key(session.username or ""), session.id
            )

    def user_session(self) -> Session | None:
        """
        The user session this configuration would use, without making one.

        ``session_id=`` (until TMDb revokes it), else the session in memory,
        else the store's session of the expected user; only an auth given no
        identity at all takes the store's most recent user.
        """
        found = self.active.get(Need.USER)
        if found is not None and found.kind == "user":
            return found
        settings = self.settings
        if settings.access_token is not None:
            return self._load(self._v4_key())
        if settings.session_id and not self._explicit_revoked:
            return Session(
                "user", settings.session_id.reveal(), settings.username
            )
        username = self.expected
        if username is None:
            if settings.session_id:
                return None  # its owner is unknown: nobody else will do
            username = self._latest_user()
            if username is None:
                return None
        return self._load(self._key("user", username))

    def _latest_user(self) -> str | None:
        """The username ``tmdb-auth login`` (or a login here) made last."""
        latest = self.store.get(self._key("user-latest")) or {}
        username = latest.get("username")
        return username if isinstance(username, str) else None

    def logout(self, session: Session | None = None) -> Flow[bool]:
        """
        Delete the user session at TMDb and in the store.

        Returns whether a session was deleted at TMDb (False when there was
        none, or TMDb had already forgotten it).
        """
        session = session or self.user_session()
        if session is None:
            return False
        deleted = yield from _protocol.session_delete(session)
        self.forget(session)
        if self._latest_user() == (session.username or ""):
            self.store.delete(self._key("user-latest"))
        return deleted


#: A wait shows the person nothing.
_NO_URL = Secret("")


class _Wait(Approve):
    """
    Block in the store until another process's session is written.

    Strictly private. A blocking call that the drivers run as they run an
    approval callable: in the calling thread, or, from async code, in a
    worker thread, so that the event loop goes on meanwhile (the holder of
    the lock may be a task on that very loop).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "Wait(…)"


def _wait(store: Store, key: str, timeout: float, _url: str) -> None:
    store.wait(key, timeout)


def _access_of(record: Record | None) -> AccessToken | None:
    """The access token of a stored v4 login, if it has a token's shape."""
    if not record or record.get("kind") != "v4":
        return None
    account = record.get("account_id")
    created = record.get("created_at")
    try:
        return AccessToken(
            record["id"],
            account if isinstance(account, str) else None,
            float(created) if isinstance(created, (int, float)) else 0.0,
        )
    except (KeyError, ConfigurationError):
        return None


def _session_of(record: Record) -> Session | None:
    """A `Session` from a store record, or None if it is not one."""
    kind, sid = record.get("kind"), record.get("id")
    if kind not in ("user", "guest") or not isinstance(sid, str):
        return None
    username = record.get("username")
    created = record.get("created_at")
    expires = record.get("expires_at")
    return Session(
        "user" if kind == "user" else "guest",
        sid,
        username if isinstance(username, str) and username else None,
        float(created) if isinstance(created, (int, float)) else 0.0,
        float(expires) if isinstance(expires, (int, float)) else None,
    )
