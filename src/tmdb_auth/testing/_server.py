"""
`TMDbServer`, the documented façade of the stand-in server.

Strictly private; the public names are re-exported by
:mod:`tmdb_auth.testing`.  It wires the parts together: the HTTP plumbing
(``_http``), traffic control (``_traffic``: log, faults, rate limit), the
control API (``_control``, under ``/_tmdb/``) and TMDb's behaviour
(``_app``), and every test control is one of its methods.
"""

from __future__ import annotations

import os
import secrets
import threading

from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from ._app import (
    Catalogue,
    Checkpoint,
    Settings,
    State,
    User,
    _dataset,
    handle,
    seed,
    v4,
)
from ._control import CONTROL_PREFIX, Control
from ._controls import DataControls
from ._http import Listener, is_loopback
from ._traffic import Fault, Traffic, TrafficCheckpoint, TrafficControls
from ._wire import RecordedRequest, Response


if TYPE_CHECKING:
    from typing import Self


__all__ = ["Snapshot", "TMDbServer"]

#: Where ``session_delay`` applies: the calls that create sessions.
_SESSION_PATHS = frozenset(
    {
        "/3/authentication/guest_session/new",
        "/3/authentication/session/new",
        "/3/authentication/session/convert/4",
    }
)


DataSource = str | os.PathLike[str] | Mapping[str, Any]


class Snapshot:
    """
    Everything a stand-in knows at one moment, from
    :meth:`TMDbServer.snapshot`, for :meth:`TMDbServer.reset`.

    Opaque; it can be restored any number of times.

    .. versionadded:: 0.2.0
    """

    __slots__ = ("_state", "_traffic")

    def __init__(self, state: Checkpoint, traffic: TrafficCheckpoint) -> None:
        self._state = state
        self._traffic = traffic

    def __repr__(self) -> str:
        return "<tmdb_auth.testing.Snapshot>"


class TMDbServer(TrafficControls, DataControls):
    """
    A stand-in for ``api.themoviedb.org`` on a loopback port.

    It answers the v3 authentication endpoints (and v4's ``/4/auth``,
    ``/4/account`` and ``/4/list``), the approval web pages, the
    session-requiring endpoints (account, account states, ratings, lists,
    guest rated lists) and read endpoints over a built-in data set
    (movies, TV shows, people, genres, search, discover), with TMDb's
    status codes, messages, key orders and headers.  Test
    controls add keys, users and data, approve tokens, revoke or expire
    sessions, rate-limit, inject faults, and record every request; the
    same controls answer over HTTP under ``/_tmdb/`` (`control_url`).

    Example::

        from tmdb_auth.testing import TMDbServer

        with TMDbServer() as server:
            r = requests.get(
                server.url + "/3/authentication/guest_session/new",
                params={"api_key": server.api_key},
            )
            assert server.sessions_created == {"guest": 1, "user": 0}

    Args:
        host: The address to bind.  Loopback by default; any other address
            must be passed explicitly and exposes the server to the network
            (without the control API).
        port: The port; 0 picks a free one.
        api_key: The default API key (32 hex); random by default.
        username: The default user, who also owns the default key.
        password: Their password; random by default.
        callback_base: Base URL of the ``Authentication-Callback`` header of
            ``token/new``; the server's own URL by default (TMDb's is
            ``https://www.themoviedb.org``).
        auth_body: ``GET /3/authentication`` answers the documented
            ``"official"`` body or the live ``"minimal"`` ``{"success":true}``.
        delete_unknown_session: HTTP status and TMDb code for deleting an
            unknown session (unconfirmed; TMDb's table suggests 404/37).
        expired_guest_session: HTTP status and TMDb code for using an
            expired guest session (unconfirmed; 401/3 by default).
        guest_unused_ttl: Seconds after which a guest session that was
            never used is deleted (the documented 60 minutes is ``3600``);
            ``None`` turns this off.
        bearer_acts_as_owner: Let the read-access token alone act as the
            key owner's user session (undocumented; off).  v3 only.
        v4_unapproved_token: HTTP status and TMDb code of ``POST
            /4/auth/access_token`` with a request token the user did not
            (or not yet) approve (unconfirmed: 422/41 by default; TMDb's
            33 is the other candidate).
        v4_bad_bearer: HTTP status and TMDb code for a ``/4/`` call whose
            Bearer is missing (on a write), unknown or a revoked access
            token (unconfirmed: 401/7 by default, as on v3; or 401/3).
        v4_read_token: HTTP status and TMDb code when the read token (or a
            v3 key) is used where a user access token is needed: v4 account
            and list writes, and ``session/convert/4`` (401/36, TMDb's;
            its HTTP status is unconfirmed).
        v4_other_account: HTTP status and TMDb code for a user access token
            on another account's ``/4/account/{account_object_id}/…``
            (undocumented: 401/3 by default).
        v4_unknown_access_token: HTTP status and TMDb code of ``DELETE
            /4/auth/access_token`` with an unknown or revoked token
            (undocumented: 401/35 by default).
        retry_after: ``Retry-After`` seconds on 429; ``None`` omits it.
        session_delay: Seconds each session creation waits before it is
            answered; also a settable attribute.
        lenient_bodies: Accept form-encoded bodies and query-string fields
            on ``POST`` (unconfirmed at TMDb; on by default).
        deny_param: The flag added to ``redirect_to`` when the user denies
            (a guess: ``denied=true``); ``None`` adds only the token.
        data: A data set to load at start: the path of a JSON file, or the
            mapping itself (format on the testing page: ``movies``, ``tv``,
            ``users``, ``seed``).
        control: Answer the control API under ``/_tmdb/``.  ``None`` (the
            default) turns it on for a loopback host and off for any other:
            it never listens beyond loopback.

    Raises:
        ValueError: An argument is out of range or malformed, the data set
            is not valid, or *control* is asked for on a non-loopback host.

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       A built-in data set of 250 movies and 60 shows, *data*, and the
       control API (*control*).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        username: str = "ann",
        password: str | None = None,
        callback_base: str | None = None,
        auth_body: str = "official",
        delete_unknown_session: tuple[int, int] = (404, 37),
        expired_guest_session: tuple[int, int] = (401, 3),
        guest_unused_ttl: float | None = None,
        bearer_acts_as_owner: bool = False,
        v4_unapproved_token: tuple[int, int] = (422, 41),
        v4_bad_bearer: tuple[int, int] = (401, 7),
        v4_read_token: tuple[int, int] = (401, 36),
        v4_other_account: tuple[int, int] = (401, 3),
        v4_unknown_access_token: tuple[int, int] = (401, 35),
        retry_after: int | None = 1,
        session_delay: float = 0.0,
        lenient_bodies: bool = True,
        deny_param: str | None = "denied",
        data: DataSource | None = None,
        control: bool | None = None,
    ) -> None:
        if not host or host != host.strip() or any(c.isspace() for c in host):
            msg = "host must be an address such as 127.0.0.1, without spaces"
            raise ValueError(msg)
        if not 0 <= port <= 65535:
            msg = "port must be between 0 and 65535"
            raise ValueError(msg)
        self.host = host
        self.loopback = is_loopback(host)
        if control and not self.loopback:
            msg = (
                f"the control API only listens on loopback, and {host} is "
                "not a loopback address: bind 127.0.0.1, or leave control "
                "unset"
            )
            raise ValueError(msg)
        #: Whether the control API answers under ``/_tmdb/``.
        self.control = self.loopback if control is None else control
        settings = Settings(
            auth_body=auth_body,
            delete_unknown_session=delete_unknown_session,
            expired_guest_session=expired_guest_session,
            guest_unused_ttl=guest_unused_ttl,
            bearer_acts_as_owner=bearer_acts_as_owner,
            lenient_bodies=lenient_bodies,
            deny_param=deny_param,
            callback_base=callback_base.rstrip("/") if callback_base else None,
        )
        dataset = _dataset.read(data) if data is not None else None
        catalogue = Catalogue(seed() if _dataset.wants_seed(dataset) else None)
        self._state = State(
            settings, api_key or secrets.token_hex(16), catalogue
        )
        v4.configure(
            self._state,
            v4.V4Settings(
                unapproved_token=v4_unapproved_token,
                bad_bearer=v4_bad_bearer,
                read_token=v4_read_token,
                other_account=v4_other_account,
                unknown_access_token=v4_unknown_access_token,
            ),
        )
        self.api_key: str = next(iter(self._state.keys))
        self._user = self._state.add_user(
            username, password or secrets.token_urlsafe(12)
        )
        self.read_token = self._state.read_token_for(self.api_key)
        if dataset is not None:
            _dataset.load(self._state, dataset)
        self._traffic = Traffic(
            self._state.lock,
            retry_after=retry_after,
            session_delay=session_delay,
        )
        self._control = Control(self, self._traffic)
        self._start = self.snapshot()
        self._port = port
        self._stopping = threading.Event()
        self._lifecycle = threading.Lock()
        self._httpd: Listener | None = None

    def __repr__(self) -> str:
        where = self.url if self._httpd is not None else "stopped"
        return f"<TMDbServer {where}>"

    # --- lifecycle ----------------------------------------------------------

    @property
    def port(self) -> int:
        """
        The bound port once started (the requested one before).
        """
        return self._port

    @property
    def url(self) -> str:
        """
        The base URL, e.g. ``http://127.0.0.1:8765``.

        Raises:
            RuntimeError: The server is not started.
        """
        if self._httpd is None:
            msg = "the server is not started; call start() first"
            raise RuntimeError(msg)
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    @property
    def control_url(self) -> str | None:
        """
        The base URL of the control API (``…/_tmdb/``), or ``None`` when it
        is off.

        .. versionadded:: 0.2.0
        """
        return f"{self.url}{CONTROL_PREFIX}/" if self.control else None

    @property
    def env(self) -> dict[str, str]:
        """
        Environment variables that point tmdb-auth at this server.
        """
        return {"TMDB_API_KEY": self.api_key, "TMDB_API_URL": self.url}

    @property
    def username(self) -> str:
        """
        The default user's username.
        """
        return self._user.username

    @property
    def password(self) -> str:
        """
        The default user's password.
        """
        return self._user.password

    @property
    def users(self) -> list[User]:
        """
        Every user, the default one first.

        .. versionadded:: 0.2.0
        """
        with self._state.lock:
            return list(self._state.users.values())

    def start(self) -> Self:
        """
        Bind and serve in a background thread; a no-op if running.

        Returns:
            The server itself, so ``server = TMDbServer().start()`` works.

        Raises:
            OSError: The address cannot be bound (in use, not local).
        """
        with self._lifecycle:
            if self._httpd is not None:
                return self
            self._stopping.clear()
            self._httpd = Listener(
                self.host, self._port, self._answer, self._stopping
            )
            self._port = self._httpd.port
            self._state.base_url = self.url
        return self

    def stop(self) -> None:
        """
        Stop serving, close every connection and the socket; idempotent.
        """
        with self._lifecycle:
            if self._httpd is not None:
                self._httpd.stop()
                self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _answer(self, record: RecordedRequest) -> Response | None:
        """
        The answer to one request: control API, then traffic, then TMDb.
        """
        path = record.path
        if self.control and (
            path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")
        ):
            return self._control.handle(record)
        decision = self._traffic.admit(record)
        if isinstance(decision, Fault):
            if decision.delay > 0:
                self._stopping.wait(decision.delay)
            if decision.drop:
                return None
            if decision.status is not None:
                return self._traffic.fault_response(decision)
        elif decision is not None:
            return decision
        delay = self._traffic.session_delay
        if path in _SESSION_PATHS and delay > 0:
            self._stopping.wait(delay)
        return handle(self._state, record)

    # --- keys, users, tokens, sessions --------------------------------------

    def add_api_key(
        self, key: str | None = None, *, suspended: bool = False
    ) -> str:
        """
        Register another API key (or change whether *key* is suspended).

        Args:
            key: 32 lowercase hex characters; random if ``None``.
            suspended: Calls with the key get 401/10.

        Returns:
            The key.
        """
        return self._state.add_key(key, suspended=suspended)

    def read_token_for(self, api_key: str) -> str:
        """
        The API Read Access Token (an HS256 JWT) whose ``aud`` is *api_key*.

        A token for a key the server does not know is rejected with 401/7.
        """
        return self._state.read_token_for(api_key)

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

        Args:
            username: The login name.
            password: The password.
            verified: ``False`` makes ``validate_with_login`` answer 401/32.
            disabled: ``True`` makes ``validate_with_login`` answer 401/31.
        """
        return self._state.add_user(
            username, password, verified=verified, disabled=disabled
        )

    def approve(
        self, request_token: str, *, username: str | None = None
    ) -> None:
        """
        Do what the user's click on *Approve* does (v3 or v4 token).

        Args:
            request_token: The token from ``token/new``.
            username: Who approves; the default user if ``None``.

        Raises:
            ValueError: Unknown, expired or consumed token, or unknown user.
        """
        self._state.approve(request_token, username)

    def deny(self, request_token: str) -> None:
        """
        Do what the user's click on *Deny* does.

        Raises:
            ValueError: Unknown, expired or consumed token.
        """
        self._state.deny(request_token)

    def revoke_session(self, session_id: str) -> None:
        """
        Delete a user or guest session; later use gets 401/3.  Idempotent.
        """
        self._state.revoke_session(session_id)

    def revoke_all_sessions(self) -> None:
        """
        Delete every user session, guest session and v4 access token.
        """
        self._state.revoke_all_sessions()

    def expire_guest_sessions(self) -> None:
        """
        Make every existing guest session expired, as if 24 hours passed.
        """
        self._state.expire_guest_sessions()

    def advance(self, seconds: float) -> None:
        """
        Move the server clock forward (token and guest-session expiry).

        Raises:
            ValueError: *seconds* is negative.
        """
        self._state.advance(seconds)

    @property
    def now(self) -> float:
        """
        The server clock (epoch seconds): wall time plus `advance`.

        .. versionadded:: 0.2.0
        """
        return self._state.now()

    def session_is_valid(self, session_id: str) -> bool:
        """
        Whether *session_id* (user or guest) would be accepted now.
        """
        return self._state.session_is_valid(session_id)

    @property
    def sessions_created(self) -> dict[str, int]:
        """
        Successful session creations by kind: ``{"guest": n, "user": n}``.
        """
        with self._state.lock:
            return dict(self._state.created)

    def secrets(self) -> frozenset[str]:
        """
        Every secret this server knows or handed out: keys, read tokens,
        passwords, request tokens, session ids and access tokens, revoked
        ones too.  For asserting that none of them reached a log or a file.

        .. versionadded:: 0.2.0
        """
        return frozenset(self._state.secrets())

    # --- snapshots and reset ------------------------------------------------

    def snapshot(self) -> Snapshot:
        """
        Everything the server knows now (keys, users, data, tokens,
        sessions, ratings, lists, the clock, the rate limit and
        ``session_delay``), to come back to with :meth:`reset`.

        .. versionadded:: 0.2.0
        """
        with self._state.lock:
            return Snapshot(
                self._state.checkpoint(), self._traffic.checkpoint()
            )

    def reset(self, to: Snapshot | Literal["start"] | None = None) -> None:
        """
        Clear the log, the session counters (v4's too) and pending faults.

        Without *to*, keys, users, tokens and sessions stay.  With a
        :meth:`snapshot`, everything else goes back to it too; with
        ``"start"``, to the server as it was made (its data set loaded).
        What ``tmdb_server_session`` and ``tmdb_server_module`` do between
        tests.

        Raises:
            ValueError: *to* is none of these.

        .. versionchanged:: 0.2.0
           The *to* argument.
        """
        # Typed callers cannot pass anything else; untyped ones are told.
        target: object = self._start if to == "start" else to
        if target is not None and not isinstance(target, Snapshot):
            msg = f"reset(to=...) takes a snapshot() or 'start', not {to!r}"
            raise ValueError(msg)
        with self._state.lock:
            self._traffic.clear()
            self._state.created = {"guest": 0, "user": 0}
            v4.reset_counts(self._state)
            if isinstance(target, Snapshot):
                self._state.restore(target._state)  # noqa: SLF001
                self._traffic.restore(target._traffic)  # noqa: SLF001

    # --- the one-module stand-in's names ----------------------------------
    # Transitional, like State's: tests/leaks.py and
    # tests/hardening/test_revocation_load.py reach for ``server._app``,
    # ``server._log`` and ``server._arrived``.

    @property
    def _app(self) -> State:
        return self._state

    @property
    def _log(self) -> list[RecordedRequest]:
        return self._traffic.log

    @property
    def _arrived(self) -> threading.Condition:
        return self._traffic.arrived
