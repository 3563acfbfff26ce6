"""
The ``guest``, ``status`` and ``logout`` commands of ``tmdb-auth``, the
auth objects a run opens, the store internals they read, and formatting.

Strictly private, like `tmdb_auth._cli`; imports are deferred to keep
``tmdb-auth --help`` fast.
"""

from __future__ import annotations

import argparse
import time


# typing costs a third of the start-up of `tmdb-auth --help`; the names are
# only needed by the type checkers, which treat TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TextIO

    from ._secret import Secret

__all__ = [
    "_OPENED",
    "_auth",
    "_cached_user",
    "_cached_v4",
    "_guest",
    "_id",
    "_keep_v4",
    "_login_by_approval",
    "_login_with_password",
    "_logout",
    "_place",
    "_shown",
    "_status",
    "_store_location",
    "_who",
    "_who_v4",
]


#: The auth objects this run of the command made.
_OPENED: list[Any] = []


# -- the commands ------------------------------------------------------


def _auth(args: argparse.Namespace, **options: Any) -> Any:
    from .requests import TMDbAuth  # noqa: PLC0415 -- keep --help fast

    if args.cache is not None:
        options["cache"] = args.cache
    auth = TMDbAuth(api_url=args.api_url, **options)
    _OPENED.append(auth)
    return auth


def _guest(args: argparse.Namespace, out: TextIO) -> int:
    session = _guest_session(_auth(args, session="guest"))
    print(
        f"Guest session {_id(session.id)}, expires "
        f"{_when(session.expires_at)}.",
        file=out,
    )
    return 0


def _status(args: argparse.Namespace, out: TextIO) -> int:
    location, records = _cached_records(args.cache)
    where = _place(location)
    rows = [
        {
            "kind": record.get("kind"),
            "username": record.get("username"),
            "app": record.get("app"),
            "origin": record.get("origin"),
            "created": _when(record.get("created_at")),
            "expires": _when(record.get("expires_at")),
            "id": _mask(record.get("id")),
            **(
                {"account": record.get("account_id")}
                if record.get("kind") == "v4"
                else {}
            ),
        }
        for record in records
    ]
    rows.sort(key=lambda r: (str(r["origin"]), str(r["kind"]), r["created"]))
    if args.json:
        import json  # noqa: PLC0415

        json.dump({"cache": where, "sessions": rows}, out, indent=2)
        out.write("\n")
        return 0
    print(f"Cache: {_shown(where)}", file=out)
    if not rows:
        print("No cached sessions. Make one with 'tmdb-auth login'.", file=out)
        return 0
    columns = ["kind", "username", "app", "origin", "created", "expires", "id"]
    if any("account" in r for r in rows):
        columns.append("account")
    table = [[_shown(r.get(c) or "-") for c in columns] for r in rows]
    widths = [
        max(len(c), *(len(row[i]) for row in table))
        for i, c in enumerate(columns)
    ]
    for row in [columns, *table]:
        print(
            "  ".join(
                v.ljust(w) for v, w in zip(row, widths, strict=True)
            ).rstrip(),
            file=out,
        )
    return 0


def _logout(args: argparse.Namespace, out: TextIO) -> int:
    auth = _auth(args, session="user", username=args.username)
    if args.all:
        targets = _cached_sessions(auth)
    else:
        found = _cached_user(auth)
        targets = [] if found is None else [found]
    v4 = _cached_v4(auth)
    if not args.all:
        who = args.username or (targets[0].username if targets else None)
        v4 = [
            (key, record)
            for key, record in v4
            if who is None or record.get("username") == who
        ][:1]
    if not targets and not v4:
        print("No cached session to log out.", file=out)
        return 0
    for session in targets:
        print(_logged_out(session, deleted=_delete(auth, session)), file=out)
    for key, record in v4:
        print(
            _logged_out_v4(
                record, deleted=_forget_v4(args, auth, key, record)
            ),
            file=out,
        )
    return 0


def _logged_out_v4(record: dict[str, Any], *, deleted: bool) -> str:
    said = (
        "deleted at TMDb and in the cache"
        if deleted
        else "TMDb no longer knew it; dropped from the cache"
    )
    return (
        f"Logged out {_who_v4(record)} (v4 access token "
        f"{_id(record.get('id'))}): {said}."
    )


def _who_v4(record: dict[str, Any]) -> str:
    name = record.get("username")
    return (
        _shown(name) if isinstance(name, str) and name else "an unknown user"
    )


def _logged_out(session: Any, *, deleted: bool) -> str:
    """What logging *session* out did, in a sentence."""
    if session.kind == "guest":
        return (
            f"Forgot guest session {_id(session.id)} here: TMDb cannot "
            f"delete guest sessions, it expires {_when(session.expires_at)}."
        )
    said = (
        "deleted at TMDb and in the cache"
        if deleted
        else "TMDb no longer knew it; dropped from the cache"
    )
    return (
        f"Logged out {_who(session)} (user session {_id(session.id)}): {said}."
    )


# -- the library's internals -------------------------------------------
#
# The command goes through the explicit calls (DESIGN §9); the one place it
# reaches into the library's private parts is below: an approval cached as
# the lazy path caches it, and the store's records for `status`.


def _cached_user(auth: Any) -> Any:
    """The user session *auth* would use, without making one."""
    return auth.session("user")


def _login_with_password(auth: Any, username: str, password: Secret) -> Any:
    """A new user session by username and password, cached."""
    return auth.login(username, password.reveal())


def _login_by_approval(auth: Any, approve: Callable[[str], object]) -> Any:
    """A new user session by approval of a request token, cached."""
    sessions = auth._sessions  # noqa: SLF001
    return auth._run(sessions.approve(approve))  # noqa: SLF001


def _guest_session(auth: Any) -> Any:
    """The cached guest session, or a new one."""
    return auth.session("guest") or auth.guest_session_new()


def _delete(auth: Any, session: Any) -> bool:
    """Log *session* out at TMDb and in the store; True if TMDb deleted it."""
    return bool(auth.session_delete(session))


def _cached_sessions(auth: Any) -> list[Any]:
    """Every cached session of *auth*'s credential and origin."""
    from ._sessions import _session_of  # noqa: PLC0415

    sessions = auth._sessions  # noqa: SLF001
    app = auth.settings.credential.fingerprint
    found = []
    for _, record in sessions.store.records():
        if record.get("app") == app and record.get("origin") == (
            sessions.origin
        ):
            session = _session_of(record)
            if session is not None:
                found.append(session)
    return found


def _cached_v4(auth: Any) -> list[tuple[str, dict[str, Any]]]:
    """The cached v4 access tokens of *auth*'s credential and origin, newest first."""
    sessions = auth._sessions  # noqa: SLF001
    app = auth.settings.credential.fingerprint
    found = [
        (key, record)
        for key, record in sessions.store.records()
        if record.get("kind") == "v4"
        and record.get("app") == app
        and record.get("origin") == sessions.origin
        and isinstance(record.get("id"), str)
    ]
    found.sort(key=lambda kr: -float(kr[1].get("created_at") or 0))
    return found


def _keep_v4(
    args: argparse.Namespace, auth: Any, access: Any, session: Any
) -> None:
    """
    Cache the access token like a session, and its converted v3 session
    both as the user's session and where ``TMDbAuth(access_token=)`` looks.
    """
    auth._sessions.keep_v4(access, session)  # noqa: SLF001
    holder = _auth(args, access_token=access.access_token)
    holder._sessions.save(session)  # noqa: SLF001


def _forget_v4(
    args: argparse.Namespace, auth: Any, key: str, record: dict[str, Any]
) -> bool:
    """
    Revoke a cached access token and its converted v3 session at TMDb, and
    drop both here. True if TMDb deleted the access token.
    """
    token = record["id"]
    holder = _auth(args, access_token=token)
    converted = holder.session("user")
    if converted is not None:
        holder.session_delete(converted)
    deleted = bool(auth.v4_access_token_delete(token))
    auth._sessions.store.delete(key, token)  # noqa: SLF001
    return deleted


def _store_location(auth: Any) -> str | None:
    """Where *auth* keeps its sessions; None for memory."""
    return auth._sessions.store.location  # type: ignore[no-any-return]  # noqa: SLF001


def _cached_records(
    spec: str | None,
) -> tuple[str | None, list[dict[str, Any]]]:
    """
    Where the store of *spec* is, and every session record in it.

    *spec* is read as ``TMDbAuth(cache=…)`` reads it (None: the default,
    from the environment); no API key is needed.
    """
    from ._config import DEFAULT, _cache_spec  # noqa: PLC0415
    from ._store import Store  # noqa: PLC0415

    store = Store(_cache_spec(DEFAULT if spec is None else spec))
    try:
        return store.location, [dict(record) for _, record in store.records()]
    finally:
        store.close()


# -- formatting --------------------------------------------------------


def _mask(secret: object) -> str:
    from ._config import mask  # noqa: PLC0415

    return mask(secret if isinstance(secret, str) else None)


def _place(location: str | None) -> str:
    """Where sessions are kept, for a line of text: no URL's password."""
    if location is None:
        return "memory"
    if "://" not in location:
        return location
    from urllib.parse import urlsplit  # noqa: PLC0415

    parts = urlsplit(location)
    if parts.password is None:
        return location
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def _id(secret: object) -> str:
    """A session id, masked, for a line of text."""
    return _shown(_mask(secret))


def _who(session: Any) -> str:
    """The user of a session, by name; TMDb does not always say it."""
    if session.username:
        return _shown(session.username)
    return "an unknown user"


def _shown(value: object) -> str:
    """
    *value* as text that is safe to print on a terminal.

    Usernames, TMDb's messages and store records come from outside: a
    control character in them (ESC, BEL, a carriage return, a bidi override)
    could rewrite the screen or the window title. Every character that is
    not printable is shown escaped as in a Python literal (``\\x1b``);
    ``--json`` needs none of this, JSON escapes them itself.
    """
    text = str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _when(epoch: object) -> str:
    if not isinstance(epoch, (int, float)) or not epoch:
        return "never"
    try:
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch))
    except (OverflowError, OSError, ValueError):
        return "never"
