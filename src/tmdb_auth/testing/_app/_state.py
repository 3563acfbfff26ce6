"""
TMDb's records as the stand-in keeps them, and the controls that change
them.

Strictly private; `User` is re-exported by :mod:`tmdb_auth.testing`.
Nothing here does I/O or answers HTTP: the concept modules read and write
these records while answering a request, and the test controls of
:class:`~tmdb_auth.testing.TMDbServer` call the methods of `State`, always
under its one lock.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import math
import re
import secrets
import threading
import time

from dataclasses import dataclass, field

from tmdb_auth.testing._codes import MESSAGES

from ._catalogue import Catalogue
from ._core import jwt_encode


__all__ = [
    "AccessToken",
    "Actor",
    "Checkpoint",
    "Key",
    "MovieList",
    "Session",
    "Settings",
    "State",
    "Token",
    "User",
]

_HOUR = 3600.0
GUEST_TTL = 24 * _HOUR  # observed guest expires_at: creation + 24 h
_HEX32 = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class User:
    """
    A TMDb account known to the stand-in server.

    Attributes:
        username: The login name.
        password: The password (never shown in the ``repr``).
        id: The numeric v3 account id, as ``GET /3/account`` reports it.
        verified: ``False`` makes ``validate_with_login`` answer 401/32.
        disabled: ``True`` makes ``validate_with_login`` answer 401/31.

    .. versionadded:: 0.1.0
    """

    username: str
    password: str = field(repr=False)
    id: int
    verified: bool = True
    disabled: bool = False


@dataclass
class Settings:
    """
    The configurable (mostly unconfirmed) behaviours.  Strictly private.
    """

    auth_body: str = "official"
    delete_unknown_session: tuple[int, int] = (404, 37)
    expired_guest_session: tuple[int, int] = (401, 3)
    guest_unused_ttl: float | None = None
    bearer_acts_as_owner: bool = False
    lenient_bodies: bool = True
    deny_param: str | None = "denied"
    callback_base: str | None = None

    def __post_init__(self) -> None:
        if self.auth_body not in ("official", "minimal"):
            msg = "auth_body must be 'official' or 'minimal'"
            raise ValueError(msg)
        for name, pair in (
            ("delete_unknown_session", self.delete_unknown_session),
            ("expired_guest_session", self.expired_guest_session),
        ):
            if pair[1] not in MESSAGES:
                msg = f"{name} must be (http_status, tmdb_status_code)"
                raise ValueError(msg)
        ttl = self.guest_unused_ttl
        if ttl is not None and ttl < 0:
            msg = "guest_unused_ttl must be >= 0 or None"
            raise ValueError(msg)


@dataclass
class Key:
    """
    An API key: whether it is suspended, who owns it, its app's name.
    """

    suspended: bool
    owner: str
    app_name: str


@dataclass
class Token:
    """
    A v3 or v4 request token and where it is in its life.
    """

    value: str
    api_key: str
    created: float
    expires: float
    version: int = 3
    state: str = "issued"  # issued -> approved/denied -> consumed
    username: str | None = None
    redirect_to: str | None = None


@dataclass
class Session:
    """
    A user or guest session.
    """

    id: str
    kind: str  # "user" or "guest"
    owner: str  # username, or the guest session id itself
    created: float
    expires: float = math.inf
    used: bool = False


@dataclass
class AccessToken:
    """
    A v4 user access token (keyed by its ``jti``).
    """

    username: str
    api_key: str


@dataclass
class MovieList:
    """
    A v3 list of movies.
    """

    id: int
    owner: str
    name: str
    description: str
    language: str
    created: float
    items: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Actor:
    """
    Who a call acts for: a user (by name) or a guest session (by id).
    """

    kind: str  # "user" or "guest"
    name: str


@dataclass(frozen=True)
class Checkpoint:
    """
    TMDb's records at one moment, for :meth:`State.restore`.
    """

    records: dict[str, object]
    catalogue: object


#: The attributes of `State` that a checkpoint saves and restores.
_RECORDS = (
    "offset",
    "keys",
    "read_tokens",
    "users",
    "next_user_id",
    "default_user",
    "tokens",
    "sessions",
    "access",
    "ratings",
    "marks",
    "lists",
    "next_list_id",
)


class State:
    """
    Every TMDb record of one stand-in, behind one lock.

    Attributes:
        lock: Held while answering a request and by every control; the
            traffic controls share it, so there is one lock in all.
        settings: The configurable behaviours.
        catalogue: Movies, TV shows, people and genres.
        base_url: The server's own URL, once started.
        created: Sessions made, by kind (``reset()`` zeroes it).
    """

    def __init__(
        self, settings: Settings, default_key: str, catalogue: Catalogue
    ) -> None:
        self.lock = threading.RLock()
        self.settings = settings
        self.catalogue = catalogue
        self.base_url = ""
        self.secret = secrets.token_bytes(32)
        self.created = {"guest": 0, "user": 0}
        #: Every secret ever handed out (revoked ones too).
        self.minted: set[str] = set()
        self.offset = 0.0
        self.keys: dict[str, Key] = {}
        self.read_tokens: dict[str, str] = {}
        self.users: dict[str, User] = {}
        self.next_user_id = 6089455
        self.default_user = ""
        self.tokens: dict[str, Token] = {}
        self.sessions: dict[str, Session] = {}
        self.access: dict[str, AccessToken] = {}
        self.ratings: dict[
            tuple[Actor, tuple[object, ...]], tuple[float, float]
        ] = {}
        self.marks: dict[str, dict[tuple[str, str, int], float]] = {}
        self.lists: dict[int, MovieList] = {}
        self.next_list_id = 8_200_000
        self.add_key(default_key)

    # --- clock and identifiers -------------------------------------------

    def now(self) -> float:
        """
        The server clock: wall time plus everything :meth:`advance` added.
        """
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """
        Move the clock forward.

        Raises:
            ValueError: *seconds* is negative or not finite.
        """
        if seconds < 0 or not math.isfinite(seconds):
            msg = "the server clock only moves forward"
            raise ValueError(msg)
        with self.lock:
            self.offset += seconds

    def object_id(self, name: str) -> str:
        """
        A stable 24-hex object id for *name* (v4 account ids).
        """
        digest = hmac.new(self.secret, name.encode(), hashlib.sha256)
        return digest.hexdigest()[:24]

    def mint(self, value: str) -> str:
        """
        Remember *value* as a secret handed out, and return it.
        """
        self.minted.add(value)
        return value

    # --- keys and users ---------------------------------------------------

    def add_key(
        self, key: str | None = None, *, suspended: bool = False
    ) -> str:
        """
        Register *key* (random if ``None``), or change its suspension.

        Raises:
            ValueError: *key* is not 32 lowercase hex characters.
        """
        key = secrets.token_hex(16) if key is None else key
        if not _HEX32.fullmatch(key):
            msg = "an API key is 32 lowercase hex characters"
            raise ValueError(msg)
        with self.lock:
            old = self.keys.get(key)
            name = (
                old.app_name if old else f"Application #{len(self.keys) + 1}"
            )
            owner = old.owner if old else self.default_user
            self.keys[key] = Key(
                suspended=suspended, owner=owner, app_name=name
            )
        return key

    def read_token_for(self, api_key: str) -> str:
        """
        The read access token whose ``aud`` is *api_key*, made once.
        """
        with self.lock:
            token = self.read_tokens.get(api_key)
            if token is None:
                payload = {
                    "aud": api_key,
                    "nbf": round(self.now(), 6),
                    "sub": self.object_id("key:" + api_key),
                    "scopes": ["api_read"],
                    "version": 1,
                }
                token = self.mint(jwt_encode(self.secret, payload))
                self.read_tokens[api_key] = token
            return token

    def add_user(
        self,
        username: str,
        password: str,
        *,
        verified: bool = True,
        disabled: bool = False,
    ) -> User:
        """
        Add a user, or replace one with the same username (keeping its id).

        Raises:
            ValueError: An empty username or password.
        """
        if not username or not password:
            msg = "a user needs a non-empty username and password"
            raise ValueError(msg)
        with self.lock:
            old = self.users.get(username)
            if old is None:
                user_id = self.next_user_id
                self.next_user_id += 1
            else:
                user_id = old.id
            user = User(username, password, user_id, verified, disabled)
            self.users[username] = user
            if not self.default_user:
                self.default_user = username
                for key in self.keys.values():
                    key.owner = key.owner or username
            return user

    # --- tokens and sessions ----------------------------------------------

    def token_live(self, t: Token) -> bool:
        """
        Whether *t* is neither consumed nor expired.
        """
        return t.state != "consumed" and self.now() < t.expires

    def _control_token(self, token: str) -> Token:
        t = self.tokens.get(token)
        if t is None or not self.token_live(t):
            msg = "unknown, expired or already used request token"
            raise ValueError(msg)
        return t

    def approve(self, token: str, username: str | None = None) -> None:
        """
        What a click on *Approve* does, as *username* (default user).

        Raises:
            ValueError: Unknown user, or a token that cannot be approved.
        """
        with self.lock:
            name = username or self.default_user
            if name not in self.users:
                msg = f"unknown user {name!r}"
                raise ValueError(msg)
            t = self._control_token(token)
            t.state = "approved"
            t.username = name

    def deny(self, token: str) -> None:
        """
        What a click on *Deny* does.

        Raises:
            ValueError: A token that cannot be denied.
        """
        with self.lock:
            t = self._control_token(token)
            t.state = "denied"
            t.username = None

    def session_state(self, s: Session) -> str:
        """
        ``"live"``, ``"expired"`` or (a guest never used) ``"deleted"``.
        """
        if s.kind == "user":
            return "live"
        now = self.now()
        ttl = self.settings.guest_unused_ttl
        if ttl is not None and not s.used and now >= s.created + ttl:
            return "deleted"
        return "live" if now < s.expires else "expired"

    def new_session(self, kind: str, owner: str | None = None) -> Session:
        """
        Make a guest session, or a user session for *owner*, and count it.
        """
        return self._new_session(kind, owner)

    def _new_session(self, kind: str, owner: str | None = None) -> Session:
        now = self.now()
        if kind == "guest":
            sid = secrets.token_hex(16)
            s = Session(sid, kind, sid, now, now + GUEST_TTL)
        else:
            sid = secrets.token_hex(20)
            s = Session(sid, kind, owner or "", now)
        self.sessions[self.mint(sid)] = s
        self.created[kind] += 1
        return s

    def revoke_session(self, session_id: str) -> None:
        """
        Forget a user or guest session; idempotent.
        """
        with self.lock:
            self.sessions.pop(session_id, None)

    def revoke_all_sessions(self) -> None:
        """
        Forget every session and v4 access token.
        """
        with self.lock:
            self.sessions.clear()
            self.access.clear()

    def expire_guest_sessions(self) -> None:
        """
        Make every existing guest session expired.
        """
        with self.lock:
            now = self.now()
            for s in self.sessions.values():
                if s.kind == "guest":
                    s.expires = min(s.expires, now)

    def session_is_valid(self, session_id: str) -> bool:
        """
        Whether *session_id* (user or guest) would be accepted now.
        """
        with self.lock:
            s = self.sessions.get(session_id)
            return s is not None and self.session_state(s) == "live"

    # --- checkpoints ------------------------------------------------------

    def checkpoint(self) -> Checkpoint:
        """
        A copy of every record, the clock and the catalogue's additions.
        """
        with self.lock:
            records = {name: getattr(self, name) for name in _RECORDS}
            return Checkpoint(
                copy.deepcopy(records), self.catalogue.checkpoint()
            )

    def restore(self, checkpoint: Checkpoint) -> None:
        """
        Put every record back as it was at *checkpoint* (reusable).
        """
        with self.lock:
            for name, value in copy.deepcopy(checkpoint.records).items():
                setattr(self, name, value)
            self.catalogue.restore(checkpoint.catalogue)

    def secrets(self) -> set[str]:
        """
        Every secret known: keys, passwords and everything minted.
        """
        with self.lock:
            found = set(self.minted) | set(self.keys)
            found.update(u.password for u in self.users.values())
            return found

    # --- the one-module stand-in's names ---------------------------------
    # Transitional.  The suite's secret scanner (leaks.py) and its
    # revocation-under-load test read the records under the names they had
    # in the single module, such as server._app._keys, and wrap
    # _new_session.  Remove these, and the indirection in new_session, once
    # they use TMDbServer.secrets() and the public controls instead.

    @property
    def _keys(self) -> dict[str, Key]:
        return self.keys

    @property
    def _read_tokens(self) -> dict[str, str]:
        return self.read_tokens

    @property
    def _users(self) -> dict[str, User]:
        return self.users

    @property
    def _tokens(self) -> dict[str, Token]:
        return self.tokens

    @property
    def _sessions(self) -> dict[str, Session]:
        return self.sessions

    @property
    def _access(self) -> dict[str, AccessToken]:
        return self.access
