"""
The route table: which TMDb calls need which session.

Strictly private. Built from TMDb's OpenAPI and reference §6: account
endpoints and list writes need a user session; ratings and account states
take a user session or a guest session; every other call needs none and
never triggers session creation.
"""

from __future__ import annotations

import enum
import functools
import re


__all__ = ["Need", "acts_for_user", "need_for"]


class Need(enum.IntEnum):
    """What a call needs besides the application credential."""

    NONE = 0
    #: A user session, or a guest session where the user has none.
    GUEST_OK = 1
    #: A user session and nothing else.
    USER = 2
    #: A v4 call that acts for the user: their access token as the Bearer.
    V4_USER = 3


_ID = r"[^/]+"
_USER_ROUTES = (
    ("GET", rf"/3/account(?:/{_ID})?"),
    (
        "GET",
        rf"/3/account/{_ID}/(?:lists|favorite/movies|favorite/tv"
        r"|rated/movies|rated/tv|rated/tv/episodes"
        r"|watchlist/movies|watchlist/tv)",
    ),
    ("POST", rf"/3/account/{_ID}/(?:favorite|watchlist)"),
    ("POST", r"/3/list"),
    ("DELETE", rf"/3/list/{_ID}"),
    ("POST", rf"/3/list/{_ID}/(?:add_item|remove_item|clear)"),
)
_GUEST_OK_ROUTES = (
    ("POST|DELETE", rf"/3/(?:movie|tv)/{_ID}/rating"),
    ("POST|DELETE", rf"/3/tv/{_ID}/season/{_ID}/episode/{_ID}/rating"),
    ("GET", rf"/3/(?:movie|tv)/{_ID}/account_states"),
    ("GET", rf"/3/tv/{_ID}/season/{_ID}(?:/episode/{_ID})?/account_states"),
)

#: The v4 calls that act for the user (TMDb's v4 reference): the account's
#: lists, ratings, favorites and watchlists, and the lists themselves (a
#: private list is its owner's only, so its reads go as the user too).
#: ``GET /4/list/{id}/clear`` is how TMDb's reference spells that write.
_V4_USER_ROUTES = (
    (
        "GET",
        rf"/4/account/{_ID}/(?:lists|movie/rated|tv/rated|movie/favorites"
        r"|tv/favorites|movie/watchlist|tv/watchlist|movie/recommendations"
        r"|tv/recommendations)",
    ),
    ("POST", r"/4/list"),
    ("GET|PUT|DELETE", rf"/4/list/{_ID}"),
    ("POST|PUT|DELETE", rf"/4/list/{_ID}/items"),
    ("GET", rf"/4/list/{_ID}/(?:item_status|clear)"),
)


def _compile(routes: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """One pattern over ``METHOD path``, so a lookup is one match."""
    return re.compile(
        "|".join(f"(?:(?:{m}) {p})" for m, p in routes), re.ASCII
    )


@functools.cache
def _v4_pattern() -> re.Pattern[str]:
    return _compile(_V4_USER_ROUTES)


@functools.lru_cache(maxsize=4096)
def acts_for_user(method: str, path: str) -> bool:
    """
    Whether the v4 call *path* (such as ``/4/list/1/items``) acts for the
    user, and so carries their access token rather than the application's.
    """
    line = f"{method.upper()} {path.rstrip('/')}"
    return _v4_pattern().fullmatch(line) is not None


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The user and guest-ok patterns, compiled for the first candidate."""
    return _compile(_USER_ROUTES), _compile(_GUEST_OK_ROUTES)


def need_for(method: str, path: str) -> Need:
    """
    Say what a call to *path* (such as ``/3/movie/550/rating``) needs.

    The substring test keeps the common case, a read call, to a few string
    scans; candidates are matched once and remembered (a bounded memo), so
    a program that keeps rating the same items pays the regular
    expressions once.
    """
    if "account" not in path and "rating" not in path and "/list" not in path:
        return Need.NONE
    return _match(method, path)


@functools.lru_cache(maxsize=4096)
def _match(method: str, path: str) -> Need:
    line = f"{method.upper()} {path.rstrip('/')}"
    user, guest_ok = _patterns()
    if user.fullmatch(line):
        return Need.USER
    if guest_ok.fullmatch(line):
        return Need.GUEST_OK
    return Need.NONE
