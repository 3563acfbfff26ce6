"""
Settings: what the constructor and the environment say, checked once.

Strictly private. Every check raises `ConfigurationError` naming the
parameter or environment variable and what to do; no message ever contains
the value that was refused, since it may be a secret.
"""

from __future__ import annotations

import enum
import os

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeAlias

from ._secret import Secret, mask
from ._shapes import has_control, hex_id, is_url, jwt
from .exceptions import ConfigurationError


if TYPE_CHECKING:
    import diskcache

    from ._stores.base import SessionStore


__all__ = [
    "DEFAULT",
    "DEFAULT_API_URL",
    "Credential",
    "Origin",
    "PasswordSource",
    "RedisCache",
    "Settings",
    "default_cache_dir",
    "is_loopback",
    "mask",
]

DEFAULT_API_URL = "https://api.themoviedb.org"
#: The default origin also answers on this host (TMDb's alternate API host).
ALTERNATE_HOSTS = {"api.themoviedb.org": ("api.tmdb.org",)}

KEYS_PAGE = "https://www.themoviedb.org/settings/api"

SessionMode = Literal["auto", "guest", "user"]


class Default(enum.Enum):
    """The type of `DEFAULT`: "not given", where None means something."""

    DEFAULT = "default"

    def __repr__(self) -> str:
        return "DEFAULT"


#: ``cache=``'s default: the environment, else the user cache directory.
DEFAULT = Default.DEFAULT

PasswordSource: TypeAlias = str | Callable[[], str]


class RedisCache(NamedTuple):
    """
    ``cache=`` naming a Redis server: a URL or a ``redis.Redis`` client.

    *fallback* is the local directory used while Redis cannot be (with
    ``TMDB_AUTH_CACHE_URL``), or None for memory.
    """

    target: object
    fallback: str | None = None

    def __repr__(self) -> str:
        from ._stores.redis import safe_url  # noqa: PLC0415

        target = self.target
        shown = safe_url(target) if isinstance(target, str) else target
        return f"RedisCache({shown!r}, fallback={self.fallback!r})"


#: What ``cache=`` becomes once checked: a directory, the user's
#: ``diskcache.Cache``, a Redis server, a store object, or None (memory).
CacheSpec: TypeAlias = "str | os.PathLike[str] | diskcache.Cache | RedisCache | SessionStore | None"

_MODES = ("auto", "guest", "user")


def _refuse(where: str, problem: str, todo: str) -> ConfigurationError:
    return ConfigurationError(f"{where} {problem}; {todo}.")


def _text(value: object, where: str, todo: str) -> str:
    """Check the common shape of every text setting."""
    if not isinstance(value, str):
        raise _refuse(
            where, f"must be a string, not {type(value).__name__}", todo
        )
    if not value.strip():
        raise _refuse(where, "is empty", todo)
    if has_control(value):
        raise _refuse(where, "contains control characters", todo)
    if value != value.strip():
        raise _refuse(where, "has leading or trailing whitespace", "remove it")
    return value


def _where(param: str, env: str | None) -> str:
    return f"environment variable {env}" if env else f"{param}="


def _from_env(value: object, *names: str) -> tuple[object, str | None]:
    """Return the explicit value, else the first environment variable set."""
    if value is not None:
        return value, None
    for name in names:
        found = os.environ.get(name)
        if found is not None:
            return found, name
    return None, None


class Credential(NamedTuple):
    """
    The application credential: a v3 API key or an API Read Access Token.

    A key travels as the ``api_key`` query parameter; a read token as
    ``Authorization: Bearer``. *identity* names the TMDb application the
    credential belongs to (a read token's ``aud`` claim is its API key), so
    that a session made with the key is found with the token and the reverse.
    """

    kind: Literal["api_key", "bearer"]
    value: Secret
    identity: Secret

    @classmethod
    def parse(cls, value: object, where: str) -> Credential:
        """Check *value* and detect its kind by shape."""
        todo = (
            "pass the v3 API key (32 hex characters) or the API Read Access "
            f"Token (a JWT starting with 'eyJ') from {KEYS_PAGE}"
        )
        text = _text(value, where, todo)
        if hex_id(text, 32):
            return cls(
                "api_key", Secret(text, "api_key"), Secret(text.lower())
            )
        if jwt(text, MAX_ACCESS_TOKEN) and text.startswith("eyJ"):
            # The v3 key inside a read token is a secret as well.
            return cls(
                "bearer",
                Secret(text, "read_token"),
                Secret(_jwt_audience(text) or _digest(text)),
            )
        raise _refuse(
            where,
            f"is neither a v3 API key nor a read access token "
            f"({len(text)} characters)",
            todo,
        )

    @property
    def fingerprint(self) -> str:
        """A short, one-way name for the application, safe to show."""
        return _digest("fingerprint", self.identity.reveal())[:8]

    def __repr__(self) -> str:
        return f"Credential({self.kind}={mask(self.value.reveal())!r})"


def _digest(*parts: str) -> str:
    import hashlib  # noqa: PLC0415 -- start-up time of tmdb-auth status

    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, unchecked; empty if unreadable."""
    import base64  # noqa: PLC0415 -- a read token's claims only
    import json  # noqa: PLC0415

    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "==="))
    except ValueError:  # binascii.Error is one
        return {}
    return claims if isinstance(claims, dict) else {}


def _jwt_audience(token: str) -> str | None:
    """Read the ``aud`` claim of a read token without checking it."""
    aud = _jwt_claims(token).get("aud")
    if isinstance(aud, str) and hex_id(aud, 32):
        return aud.lower()
    return None


class Origin(NamedTuple):
    """Where the API lives: the only place credentials are sent."""

    scheme: str
    host: str
    port: int | None  # None for the scheme's default port

    @classmethod
    def parse(cls, value: object, where: str) -> Origin:
        """Check an API URL such as ``https://api.themoviedb.org``."""
        todo = f"use an origin such as {DEFAULT_API_URL}"
        text = _text(value, where, todo).rstrip("/")
        from urllib.parse import urlsplit  # noqa: PLC0415

        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError:
            raise _refuse(where, "is not a valid URL", todo) from None
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            raise _refuse(where, "must be an http(s) URL with a host", todo)
        if parts.username or parts.password or parts.query or parts.fragment:
            raise _refuse(
                where,
                "must not carry credentials, a query or a fragment",
                todo,
            )
        if parts.path not in ("", "/3", "/4"):
            raise _refuse(where, "must be an origin without a path", todo)
        if parts.scheme == "http" and not is_loopback(host):
            raise _refuse(
                where,
                "uses plain http to a host that is not loopback",
                "use https, so that the credential is never sent in clear",
            )
        if port == {"http": 80, "https": 443}[parts.scheme]:
            port = None
        return cls(parts.scheme, host, port)

    @property
    def url(self) -> str:
        """The origin as a URL, without a trailing slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port is None else f":{self.port}"
        return f"{self.scheme}://{host}{port}"

    def hosts(self) -> tuple[str, ...]:
        """This host, and the alternate host of the default origin."""
        return (self.host, *ALTERNATE_HOSTS.get(self.host, ()))

    def prefixes(self) -> tuple[str, ...]:
        """The URL prefixes (with the path's slash) of every served host."""
        port = "" if self.port is None else f":{self.port}"
        return tuple(
            f"{self.scheme}://{f'[{h}]' if ':' in h else h}{port}/"
            for h in self.hosts()
        )


def is_loopback(host: str) -> bool:
    """
    Whether *host* names this machine: ``localhost``, 127.0.0.0/8 or ::1.

    Exactly ``localhost``: a name under it (``evil.localhost``) resolves
    through whatever resolver the machine has, which need not keep it local.
    """
    if host == "localhost":
        return True
    import ipaddress  # noqa: PLC0415 -- start-up time of tmdb-auth status

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Settings(NamedTuple):
    """Everything the constructor decides, checked; shared by all adapters."""

    credential: Credential
    origin: Origin
    mode: SessionMode | None = "auto"
    username: str | None = None
    password: Secret | Callable[[], str] | None = None
    session_id: Secret | None = None
    approve: Callable[[str], object] | None = None
    cache: CacheSpec = None
    #: A TMDb v4 user access token: the identity of this auth (DESIGN §11).
    access_token: Secret | None = None
    #: The user logs in through TMDb v4 (``v4=True``): their access token,
    #: from the store or approved, serves ``/4/`` and, converted, v3.
    v4: bool = False

    def __repr__(self) -> str:
        return (
            f"Settings({self.credential!r}, {self.origin.url!r}, "
            f"mode={self.mode!r}, username={self.username!r})"
        )

    @classmethod
    def build(
        cls,
        *,
        api_key: str | None = None,
        session: SessionMode | None = "auto",
        username: str | None = None,
        password: PasswordSource | None = None,
        session_id: str | None = None,
        approve: Callable[[str], object] | None = None,
        cache: object = DEFAULT,
        api_url: str | None = None,
        access_token: str | None = None,
        v4: bool = False,
    ) -> Settings:
        """Check the constructor's arguments, falling back on the environment."""
        value, env = _from_env(
            api_key, "TMDB_API_KEY", "TMDB_READ_ACCESS_TOKEN"
        )
        if value is None:
            raise ConfigurationError(
                "No TMDb credential: pass api_key= or set TMDB_API_KEY (the "
                "v3 API key) or TMDB_READ_ACCESS_TOKEN (the API Read Access "
                f"Token); both are on {KEYS_PAGE}."
            )
        credential = Credential.parse(value, _where("api_key", env))

        if session is not None and session not in _MODES:
            raise ConfigurationError(
                "session= must be 'auto', 'guest', 'user' or None."
            )

        value, env = _from_env(api_url, "TMDB_API_URL")
        origin = Origin.parse(
            DEFAULT_API_URL if value is None else value,
            _where("api_url", env),
        )

        value, env = _from_env(username, "TMDB_USERNAME")
        user = None
        if value is not None:
            user = _text(
                value, _where("username", env), "pass the TMDb username"
            )

        pw = _password(password)

        value, env = _from_env(session_id, "TMDB_SESSION_ID")
        sid = None
        if value is not None:
            where = _where("session_id", env)
            sid = _text(value, where, "pass a v3 user session id")
            if not hex_id(sid, 40):
                raise _refuse(
                    where,
                    "is not a TMDb session id (40 hex characters)",
                    "pass the session_id that authentication/session/new "
                    "returned, or run 'tmdb-auth login'",
                )
        if approve is not None and not callable(approve):
            raise ConfigurationError(
                "approve= must be a callable taking the approval URL, such "
                "as tmdb_auth.approve_in_browser."
            )
        if session == "guest" and (sid or pw is not None):
            raise ConfigurationError(
                "session='guest' makes guest sessions only, but a user "
                "session_id or password was given; use session='auto' or "
                "'user'."
            )
        # The environment's access token is for an auth given no identity.
        try:
            access = _access_token(
                access_token,
                credential,
                from_env=access_token is None and not (sid or user),
            )
        finally:
            del access_token  # no frame on a traceback keeps it
        if access is not None:
            if username or session_id or session == "guest":
                raise ConfigurationError(
                    "access_token= is the identity of this auth (a v4 user), "
                    "so it takes no session_id=, username= nor "
                    "session='guest': make one TMDbAuth per identity."
                )
            user = sid = None  # TMDB_USERNAME / TMDB_SESSION_ID: not this one
        _check_v4(v4, credential, session, bool(sid or pw), approve)

        return cls(
            credential=credential,
            origin=origin,
            mode=session,
            username=user,
            password=pw,
            session_id=None if sid is None else Secret(sid, "session_id"),
            approve=approve,
            cache=_cache_spec(cache),
            access_token=access,
            v4=v4,
        )

    def read_password(self) -> Secret:
        """The password, asking the callable now if one was given."""
        pw = self.password
        if isinstance(pw, Secret):
            return pw
        if pw is None:
            raise ConfigurationError(
                "No password: pass password= or set TMDB_PASSWORD."
            )
        return _password_value(pw(), "password= (the callable's value)")


def _check_v4(
    v4: object,
    credential: Credential,
    session: SessionMode | None,
    v3_user: bool,
    approve: object,
) -> None:
    """``v4=``: a bool, with what a v4 login needs and nothing it excludes."""
    if not isinstance(v4, bool):
        raise ConfigurationError("v4= must be True or False.")
    if not v4:
        return
    if session in (None, "guest"):
        raise ConfigurationError(
            "v4=True logs a user in, so it needs session='auto' or 'user'."
        )
    if v3_user:
        raise ConfigurationError(
            "v4=True logs in by approval only: drop session_id= and "
            "password= (or drop v4=True for a v3 login)."
        )
    if approve is not None and credential.kind == "api_key":
        raise ConfigurationError(
            "A v4 approval starts with a call that takes the API Read "
            "Access Token, not the v3 API key: pass the read token as "
            f"api_key= (or set TMDB_READ_ACCESS_TOKEN); it is on {KEYS_PAGE}."
        )


#: A v4 access token is a JWT of a few hundred characters; anything much
#: longer is refused rather than sent on every v4 call.
MAX_ACCESS_TOKEN = 4096


def _access_token(
    value: str | None, credential: Credential, *, from_env: bool
) -> Secret | None:
    """``access_token=`` (else ``TMDB_ACCESS_TOKEN``), checked."""
    found, env = (
        _from_env(value, "TMDB_ACCESS_TOKEN")
        if from_env
        else (
            value,
            None,
        )
    )
    if found is None:
        return None
    where = _where("access_token", env)
    todo = (
        "pass the v4 user access token that v4_access_token_new() returned, "
        "or run 'tmdb-auth login --v4'"
    )
    text = _text(found, where, todo)
    del found, value  # no frame on the error's traceback keeps the raw text
    problem = _not_an_access_token(text, credential)
    if problem is not None:
        del text
        raise _refuse(where, problem, todo)
    return Secret(text, "access_token")


def _not_an_access_token(text: str, credential: Credential) -> str | None:
    """What is wrong with *text* as a v4 user access token, if anything."""
    if len(text) > MAX_ACCESS_TOKEN or not (
        jwt(text, MAX_ACCESS_TOKEN) and text.startswith("eyJ")
    ):
        return f"is not a v4 access token (a JWT; {len(text)} characters)"
    scopes = _jwt_claims(text).get("scopes")
    if text == credential.value.reveal() or (
        isinstance(scopes, list) and "api_write" not in scopes
    ):
        return (
            "is an application's read access token (no api_write scope), "
            "not a user's v4 access token"
        )
    return None


def default_cache_dir() -> str:
    """``TMDB_AUTH_CACHE_DIR``, else the user's cache directory."""
    found = os.environ.get("TMDB_AUTH_CACHE_DIR")
    if found:
        where = "environment variable TMDB_AUTH_CACHE_DIR"
        _text(found, where, "set it to a directory path")
        if is_url(found):
            raise _refuse(
                where,
                "is a URL, not a directory",
                "set TMDB_AUTH_CACHE_URL for a Redis store",
            )
        return found
    import platformdirs  # noqa: PLC0415 -- only needed without cache=

    return os.path.join(platformdirs.user_cache_dir("tmdb-auth"), "sessions")


#: A string starting with a URL scheme is a URL, never a directory.
_REDIS_SCHEMES = ("redis", "rediss", "unix")


def _cache_spec(cache: object) -> CacheSpec:
    """Check ``cache=`` (and the environment when it is not given)."""
    if cache is DEFAULT:
        url = os.environ.get("TMDB_AUTH_CACHE_URL")
        if url:
            where = "environment variable TMDB_AUTH_CACHE_URL"
            return RedisCache(_redis_url(url, where), default_cache_dir())
        return default_cache_dir()
    if cache is None or isinstance(cache, os.PathLike):
        return cache
    if isinstance(cache, str):
        _text(cache, "cache=", "pass a directory path or a redis:// URL")
        if is_url(cache):
            return RedisCache(_redis_url(cache, "cache="))
        return cache
    return _cache_object(cache)


def _cache_object(cache: object) -> CacheSpec:
    """Check a ``cache=`` that is an object: a cache, a client, a store."""
    kind = type(cache)
    module = kind.__module__.split(".")[0]
    if _is_a(cache, "diskcache", "Cache"):
        return cache  # type: ignore[return-value]
    if module == "diskcache":
        raise ConfigurationError(
            f"cache= takes a diskcache.Cache, not a diskcache.{kind.__name__}: "
            "pass diskcache.Cache(directory), or the directory itself."
        )
    if _is_a(cache, "redis", "Redis"):
        return RedisCache(cache)
    if module == "redis":
        raise ConfigurationError(
            f"cache= takes a redis.Redis client, not a {kind.__name__}: pass "
            "redis.Redis(...) (synchronous), or a redis:// URL."
        )
    from ._stores.base import SessionStore  # noqa: PLC0415

    if isinstance(cache, SessionStore):
        return cache
    raise ConfigurationError(
        "cache= must be a directory path, a redis:// or rediss:// URL, a "
        "diskcache.Cache, a redis.Redis client, an object implementing "
        "tmdb_auth.SessionStore, or None (memory only); not "
        f"{kind.__name__}."
    )


def _is_a(value: object, module: str, name: str) -> bool:
    """isinstance(value, module.name), importing nothing."""
    import sys  # noqa: PLC0415

    found = getattr(sys.modules.get(module), name, None)
    return isinstance(found, type) and isinstance(value, found)


def _redis_url(url: str, where: str) -> str:
    """Check a Redis URL without importing redis; never show it."""
    todo = (
        "pass redis://[user:password@]host[:port][/db], rediss://… for TLS, "
        "or a directory path"
    )
    _text(url, where, todo)
    from urllib.parse import urlsplit  # noqa: PLC0415

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError:
        raise _refuse(where, "is not a valid Redis URL", todo) from None
    if parts.scheme.lower() not in _REDIS_SCHEMES:
        raise _refuse(
            where,
            "is a URL, but not a redis://, rediss:// or unix:// one",
            todo,
        )
    import importlib.util  # noqa: PLC0415 -- only Redis users pay

    if importlib.util.find_spec("redis") is None:
        raise _refuse(
            where,
            "names a Redis server, and redis-py is not installed",
            "install it with: pip install 'tmdb-auth[redis]'",
        )
    return url


def _password(
    password: PasswordSource | None,
) -> Secret | Callable[[], str] | None:
    if callable(password):
        return password
    value, env = _from_env(password, "TMDB_PASSWORD")
    if value is None:
        return None
    return _password_value(value, _where("password", env))


def _password_value(value: object, where: str) -> Secret:
    if not isinstance(value, str):
        raise _refuse(
            where,
            f"must be a string or a callable, not {type(value).__name__}",
            "pass the TMDb password",
        )
    if not value or has_control(value):
        raise _refuse(
            where,
            "is empty or contains control characters",
            "pass the TMDb password",
        )
    return Secret(value, "password")
