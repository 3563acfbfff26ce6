"""
The explicit calls (DESIGN §9): what both adapters share.

Strictly private. `ExplicitCalls` is a mixin of the two `TMDbAuth` classes.
It checks the arguments of each call (at once, before any I/O), enforces
the identity rules (DESIGN §8), checks a web application's approval
callback, and returns the flow that performs the call: the same flows of
`._protocol` and `._sessions` that the lazy path uses. Each adapter only
drives the flow with its own HTTP library (and lock).

Secrets given as plain strings (a password, a request token, a session id)
are wrapped in masked types at once, and the raw argument is deleted from
the frame, so that an error reporter capturing frame locals sees none.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time

from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

from . import _protocol, _protocol_v4
from ._config import _password_value, _text
from ._routes import Need
from ._secret import Secret
from ._shapes import has_control, hex_id
from ._values import AccessToken, RequestToken, Session
from .exceptions import ApprovalDenied, ConfigurationError, SessionDenied


if TYPE_CHECKING:
    from ._sessions import Sessions
    from ._steps import Flow

T = TypeVar("T")


__all__ = ["MAX_EXCHANGED", "ExplicitCalls", "Kind", "check_callback"]

#: How many exchanged request tokens one auth object remembers (as hashes):
#: TMDb's tokens live an hour, and TMDb itself refuses a used one.
MAX_EXCHANGED = 10_000


#: The kinds ``session()`` takes.
Kind = Literal["user", "guest"]


class ExplicitCalls:
    """
    The adapter-independent half of the explicit calls.

    Strictly private. The adapters' public methods (``token_new``,
    ``session_new``, …) check nothing themselves: they call the method of
    the same name with a leading underscore here, and drive the flow it
    returns.
    """

    _sessions: Sessions
    _guard: threading.Lock
    #: The hashes of the request tokens this auth exchanged (made on use).
    _exchanged: OrderedDict[str, None]

    # -- no call ---------------------------------------------------------

    def _session(self, kind: str) -> Session | None:
        """See the adapters' ``session``."""
        if kind not in ("user", "guest"):
            raise ConfigurationError(
                f"session() takes kind='user' or kind='guest', not {kind!r}."
            )
        sessions = self._sessions
        mode = sessions.settings.mode
        if kind == "user":
            if mode in (None, "guest"):
                return None
            return sessions.user_session()
        if mode in (None, "user") or sessions.bound:
            return None  # this auth never attaches a guest session
        found = sessions.current(Need.GUEST_OK)
        if found is not None:
            return found if found.kind == "guest" else None
        return sessions._load(sessions._key("guest"))  # noqa: SLF001

    # -- the flows -------------------------------------------------------

    def _guest_session_new(self) -> Flow[Session]:
        """See the adapters' ``guest_session_new``."""
        sessions = self._sessions
        if sessions.bound or sessions.settings.mode == "user":
            raise ConfigurationError(
                "This auth acts for one TMDb user (it was given session_id= "
                "or username=, or session='user', or has acted as a cached "
                "user), so it never travels with a guest session: make guest "
                "sessions with a TMDbAuth given no identity."
            )
        return self._keep_guest()

    def _keep_guest(self) -> Flow[Session]:
        session = yield from _protocol.guest_session_new()
        sessions = self._sessions
        sessions.save(session)
        sessions._keep(session)  # noqa: SLF001
        return session

    def _token_new(self, redirect_to: str | None) -> Flow[RequestToken]:
        """See the adapters' ``token_new``."""
        if redirect_to is not None:
            _check_redirect_to(redirect_to)
        return _protocol.token_new(redirect_to)

    def _token_validate_with_login(
        self, request_token: RequestToken | str, username: str, password: str
    ) -> Flow[RequestToken]:
        """See the adapters' ``token_validate_with_login``."""
        try:
            secret = _password_value(password, "password=")
        finally:
            del password
        token = request_token_of(request_token)
        del request_token
        name = _text(username, "username=", "pass the TMDb username")
        return _protocol.token_validate_with_login(token, name, secret)

    def _session_new(
        self, request_token: RequestToken | str, callback: object
    ) -> Flow[Session]:
        """See the adapters' ``session_new``."""
        try:
            token = request_token_of(request_token)
            if callback is not None:
                check_callback(token, callback)
        finally:
            # Whatever is raised, no frame on its traceback holds them.
            del request_token, callback
        return self._exchange(token)

    def _exchange(self, token: RequestToken) -> Flow[Session]:
        """``session/new`` (once per token), then the account and its user."""
        session = yield from self._once(token, _protocol.session_new(token))
        yield from _protocol.check_user(
            session, self._sessions.settings.username
        )
        return session

    def _once(self, token: RequestToken, flow: Flow[T]) -> Flow[T]:
        """*flow*, which exchanges *token*: once per token in this auth."""
        digest = hashlib.sha256(token.request_token.encode()).hexdigest()
        self._claim(digest)
        try:
            return (yield from flow)
        except BaseException:
            # Not exchanged: a later try may still succeed (TMDb refuses a
            # token it has consumed, whoever sends it).
            self._release(digest)
            raise

    def _claim(self, digest: str) -> None:
        """Mark a request token as exchanged; `SessionDenied` if it was."""
        with self._guard:
            seen = getattr(self, "_exchanged", None)
            if seen is None:
                seen = self._exchanged = OrderedDict()
            if digest in seen:
                raise SessionDenied(
                    "This request token was already exchanged (a replayed "
                    "callback?): start the login again with a new request "
                    "token (token_new(), or v4_request_token_new())."
                )
            seen[digest] = None
            while len(seen) > MAX_EXCHANGED:
                seen.popitem(last=False)

    def _release(self, digest: str) -> None:
        with self._guard:
            self._exchanged.pop(digest, None)

    # -- v4 (DESIGN §11.1) ----------------------------------------------

    def _v4_read_token(self, call: str) -> None:
        """Refuse a v4 POST that the v3 API key cannot authenticate."""
        if self._sessions.settings.credential.kind == "api_key":
            raise ConfigurationError(
                f"{call}() needs the API Read Access Token: TMDb's v4 POST "
                "calls take no v3 API key. Pass api_key=<the read token> or "
                "set TMDB_READ_ACCESS_TOKEN (both are on "
                "https://www.themoviedb.org/settings/api)."
            )

    def _v4_request_token_new(
        self, redirect_to: str | None
    ) -> Flow[RequestToken]:
        """See the adapters' ``v4_request_token_new``."""
        if redirect_to is not None:
            _check_redirect_to(redirect_to)
        self._v4_read_token("v4_request_token_new")
        origin = self._sessions.settings.origin
        return _protocol_v4.v4_request_token_new(
            redirect_to, _protocol_v4.web_base(origin.url, origin.host)
        )

    def _v4_access_token_new(
        self, request_token: RequestToken | str
    ) -> Flow[AccessToken]:
        """See the adapters' ``v4_access_token_new``."""
        token = v4_request_token_of(request_token)
        del request_token
        self._v4_read_token("v4_access_token_new")
        return self._once(token, _protocol_v4.v4_access_token_new(token))

    def _v4_access_token_delete(
        self, access_token: AccessToken | str | None
    ) -> Flow[bool]:
        """See the adapters' ``v4_access_token_delete``."""
        access = self._access_token_or_own(access_token)
        del access_token
        return _protocol_v4.v4_access_token_delete(
            access,
            own_bearer=self._sessions.settings.credential.kind == "api_key",
        )

    def _session_convert(
        self, access_token: AccessToken | str | None
    ) -> Flow[Session]:
        """See the adapters' ``session_convert``."""
        access = self._access_token_or_own(access_token)
        del access_token
        return _protocol_v4.session_convert(access)

    def _access_token_or_own(
        self, value: AccessToken | str | None
    ) -> AccessToken:
        """*value* as an `AccessToken`, by default this auth's own."""
        if value is not None:
            return access_token_of(value)
        own = self._sessions.settings.access_token
        if own is None:
            raise ConfigurationError(
                "No v4 access token: pass access_token= (the AccessToken "
                "that v4_access_token_new() returned, or its string), or "
                "build TMDbAuth(access_token=...)."
            )
        return AccessToken(own.reveal())

    def _session_delete(self, session: Session | str | None) -> Flow[bool]:
        """See the adapters' ``session_delete``."""
        target = None if session is None else session_of(session)
        del session
        return self._sessions.logout(target)

    def _login(
        self, username: str | None, password: str | None
    ) -> Flow[Session]:
        """See the adapters' ``login``."""
        started = time.time()  # before the lock: see _login_once
        try:
            secret = (
                None
                if password is None
                else _password_value(password, "password=")
            )
        finally:
            del password
        sessions = self._sessions
        settings = sessions.settings
        if username is None:
            username = settings.username
            if username is None:
                raise ConfigurationError(
                    "login() needs a username: pass login(username=...) or "
                    "TMDbAuth(username=...)."
                )
        name = _text(username, "username=", "pass the TMDb username")
        expected = sessions.expected
        if settings.mode == "guest":
            raise ConfigurationError(
                "session='guest' makes guest sessions only: a login would "
                "make this auth travel as a user. Use session='auto'."
            )
        if expected is not None and name != expected:
            raise ConfigurationError(
                f"This auth acts for TMDb user {expected!r}, and a login as "
                f"{name!r} would make it travel as somebody else: make a "
                f"TMDbAuth(username={name!r}) for that user."
            )
        if settings.session_id and settings.username is None:
            raise ConfigurationError(
                "This auth was given session_id=, and only ever travels with "
                "that session: make a TMDbAuth(username=...) to log in."
            )
        if secret is None:
            secret = settings.read_password()
        return self._login_once(name, secret, started)

    def _login_once(
        self, username: str, password: Secret, started: float
    ) -> Flow[Session]:
        """
        Log in, single-flight: a session of *username* made since this
        call *started*, by a login that ran meanwhile (in this process or
        another), is shared rather than made again.
        """
        sessions = self._sessions
        session = yield from sessions._locked(  # noqa: SLF001
            sessions._key("user", username),  # noqa: SLF001
            lambda: _protocol.login(username, password),
            since=started,
        )
        sessions._keep(session)  # noqa: SLF001
        return session


# -- checking arguments ----------------------------------------------------


def request_token_of(value: object) -> RequestToken:
    """
    *value* (a `RequestToken` or its token string) as a v3 `RequestToken`.

    Raises:
        ConfigurationError: It is neither, or not of TMDb's shape.
    """
    todo = (
        "pass the RequestToken that token_new() returned, or its "
        "request_token string"
    )
    if isinstance(value, str):
        token = RequestToken(value)
    elif isinstance(value, RequestToken):
        token = value
    else:
        raise ConfigurationError(
            f"request_token= must be a RequestToken or a string, not "
            f"{type(value).__name__}: {todo}."
        )
    try:
        token._check()  # noqa: SLF001
    except ConfigurationError:
        raise ConfigurationError(
            f"request_token= is not a TMDb request token: {todo}."
        ) from None
    if token.version != 3:
        raise ConfigurationError(
            "request_token= is a v4 request token; exchange it with "
            "v4_access_token_new(), not session_new()."
        )
    return token


def v4_request_token_of(value: object) -> RequestToken:
    """
    *value* (a v4 `RequestToken` or its JWT string) as a v4 `RequestToken`.

    Raises:
        ConfigurationError: It is neither, or not of TMDb's shape.
    """
    todo = (
        "pass the RequestToken that v4_request_token_new() returned, or "
        "its request_token string"
    )
    if isinstance(value, str):
        token = RequestToken(value, version=4)
    elif isinstance(value, RequestToken):
        token = value
    else:
        raise ConfigurationError(
            f"request_token= must be a RequestToken or a string, not "
            f"{type(value).__name__}: {todo}."
        )
    if token.version != 4:
        raise ConfigurationError(
            "request_token= is a v3 request token; exchange it with "
            "session_new(), not v4_access_token_new()."
        )
    try:
        token._check()  # noqa: SLF001
    except ConfigurationError:
        raise ConfigurationError(
            f"request_token= is not a TMDb v4 request token: {todo}."
        ) from None
    return token


def access_token_of(value: object) -> AccessToken:
    """
    *value* (an `AccessToken` or its JWT string) as an `AccessToken`.

    Raises:
        ConfigurationError: It is neither, or not of TMDb's shape.
    """
    token = AccessToken(value) if isinstance(value, str) else value
    if not isinstance(token, AccessToken):
        raise ConfigurationError(
            f"access_token= must be an AccessToken or a string, not "
            f"{type(value).__name__}."
        )
    try:
        token._check()  # noqa: SLF001
    except ConfigurationError:
        raise ConfigurationError(
            "access_token= is not a TMDb v4 access token (a JWT): pass the "
            "AccessToken that v4_access_token_new() returned, or its "
            "access_token string."
        ) from None
    return token


def session_of(value: object) -> Session:
    """
    *value* (a `Session` or a user session id) as a `Session`.

    Raises:
        ConfigurationError: It is neither.
    """
    if isinstance(value, Session):
        return value
    if hex_id(value, 40):
        return Session("user", value)
    raise ConfigurationError(
        "session= must be a Session, or a user session id (40 hex "
        "characters) as session_new() returned it."
    )


def _check_redirect_to(url: object) -> None:
    if (
        not isinstance(url, str)
        or has_control(url)
        or url != url.strip()
        or not urlsplit(url).scheme
        or " " in url
    ):
        raise ConfigurationError(
            "redirect_to= must be an absolute URL (such as "
            "'https://app.example/callback'), where TMDb sends the person "
            "back after the approval."
        )


def check_callback(token: RequestToken, callback: object) -> None:
    """
    Check TMDb's redirect back to a web application after the approval.

    *callback* is the URL the browser came back on, its query string, or
    its query parameters (a mapping: Flask's ``request.args``, Django's
    ``request.GET``, Starlette's ``request.query_params``).

    Raises:
        ConfigurationError: *callback* is none of those.
        ApprovalDenied: The person pressed Deny.
        SessionDenied: It carries another request token than *token*
            (another browser's login, or a forged one), or none, or does
            not say ``approved=true``.
    """
    try:
        fields = _fields(callback)
    finally:
        del callback
    returned = _one(fields, "request_token")
    if returned is not None and not hmac.compare_digest(
        returned.reveal().encode(), token.request_token.encode()
    ):
        raise SessionDenied(
            "The callback carries another request token than the login "
            "this browser started (another browser's login, or a forged "
            "link): refused. Start the login again."
        )
    if _word(fields, "denied") == "true":
        raise ApprovalDenied("The request was denied on TMDb's approval page.")
    if returned is None:
        raise SessionDenied(
            "The callback carries no request token: it is not TMDb's "
            "redirect after an approval. Start the login again."
        )
    if _word(fields, "approved") != "true":
        raise SessionDenied(
            "The callback does not say approved=true: the request token "
            "was not approved. Start the login again."
        )


def _fields(callback: object) -> Mapping[str, list[Secret]]:
    """The callback's query parameters, each value a `Secret`."""
    if isinstance(callback, str):
        query = callback
        if "?" in query or "://" in query:
            query = urlsplit(query).query
        parsed = parse_qs(query.lstrip("?"), keep_blank_values=True)
        return {k: [Secret(v) for v in vs] for k, vs in parsed.items()}
    if isinstance(callback, Mapping):
        fields: dict[str, list[Secret]] = {}
        getlist = getattr(callback, "getlist", None)
        for name in ("request_token", "approved", "denied"):
            if name not in callback:
                continue
            values = getlist(name) if callable(getlist) else callback[name]
            if isinstance(values, str):
                values = [values]
            if not isinstance(values, (list, tuple)) or not all(
                isinstance(v, str) for v in values
            ):
                raise _bad_callback()
            fields[name] = [Secret(v) for v in values]
        return fields
    raise _bad_callback()


def _bad_callback() -> ConfigurationError:
    return ConfigurationError(
        "callback= must be the URL the browser came back on (a string), "
        "its query string, or its query parameters as a mapping (Flask's "
        "request.args, Django's request.GET, Starlette's "
        "request.query_params)."
    )


def _one(fields: Mapping[str, list[Secret]], name: str) -> Secret | None:
    """The single value of *name*; a repeated one is refused."""
    values = fields.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise SessionDenied(
            f"The callback carries {name} more than once: it is not TMDb's "
            "redirect. Start the login again."
        )
    return values[0]


def _word(fields: Mapping[str, list[Secret]], name: str) -> str | None:
    """A flag such as ``approved``, lower-cased (not a secret)."""
    value = _one(fields, name)
    return None if value is None else value.reveal().lower()
