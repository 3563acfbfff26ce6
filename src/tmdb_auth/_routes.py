"""
The route table: which TMDb calls need which session.

Strictly private. Built from TMDb's OpenAPI and reference §6: account
endpoints and list writes need a user session; ratings and account states
take a user session or a guest session; the v4 account endpoints and lists
act for the user, with their access token; every other call needs none and
never triggers session creation.

The table is read as a tree of path segments, one dictionary lookup per
segment: a decision costs the same for the first path as for the
ten-thousandth distinct one (a memo of regular-expression matches fell off
a cliff past its size), and needs no memory per path.
"""

from __future__ import annotations

import enum

from typing import Any


__all__ = ["Need", "need_for", "route"]


class Need(enum.IntEnum):
    """What a call needs besides the application credential."""

    NONE = 0
    #: A user session, or a guest session where the user has none.
    GUEST_OK = 1
    #: A user session and nothing else.
    USER = 2
    #: A v4 call that acts for the user: their access token as the Bearer.
    V4_USER = 3


#: The members as module constants, for the hot paths: reading a member off
#: its class costs several times a global's lookup.
NONE, GUEST_OK, USER, V4_USER = (
    Need.NONE,
    Need.GUEST_OK,
    Need.USER,
    Need.V4_USER,
)

#: A segment that is an id: any non-empty text.
_ID = "{id}"
_ACCOUNT_READS = (
    "lists",
    "favorite/movies",
    "favorite/tv",
    "rated/movies",
    "rated/tv",
    "rated/tv/episodes",
    "watchlist/movies",
    "watchlist/tv",
)
_V4_ACCOUNT_READS = (
    "lists",
    "movie/rated",
    "tv/rated",
    "movie/favorites",
    "tv/favorites",
    "movie/watchlist",
    "tv/watchlist",
    "movie/recommendations",
    "tv/recommendations",
)

#: (methods, path template, need). ``GET /4/list/{id}/clear`` is how TMDb's
#: v4 reference spells that write; a private v4 list is its owner's only,
#: so its reads go as the user too.
ROUTES: tuple[tuple[str, str, Need], ...] = (
    ("GET", "/3/account", USER),
    ("GET", "/3/account/{id}", USER),
    *(("GET", f"/3/account/{{id}}/{p}", USER) for p in _ACCOUNT_READS),
    ("POST", "/3/account/{id}/favorite", USER),
    ("POST", "/3/account/{id}/watchlist", USER),
    ("POST", "/3/list", USER),
    ("DELETE", "/3/list/{id}", USER),
    *(
        ("POST", f"/3/list/{{id}}/{p}", USER)
        for p in ("add_item", "remove_item", "clear")
    ),
    ("POST DELETE", "/3/movie/{id}/rating", GUEST_OK),
    ("POST DELETE", "/3/tv/{id}/rating", GUEST_OK),
    ("POST DELETE", "/3/tv/{id}/season/{id}/episode/{id}/rating", GUEST_OK),
    ("GET", "/3/movie/{id}/account_states", GUEST_OK),
    ("GET", "/3/tv/{id}/account_states", GUEST_OK),
    ("GET", "/3/tv/{id}/season/{id}/account_states", GUEST_OK),
    ("GET", "/3/tv/{id}/season/{id}/episode/{id}/account_states", GUEST_OK),
    *(("GET", f"/4/account/{{id}}/{p}", V4_USER) for p in _V4_ACCOUNT_READS),
    ("POST", "/4/list", V4_USER),
    ("GET PUT DELETE", "/4/list/{id}", V4_USER),
    ("POST PUT DELETE", "/4/list/{id}/items", V4_USER),
    ("GET", "/4/list/{id}/item_status", V4_USER),
    ("GET", "/4/list/{id}/clear", V4_USER),
)


#: A node of the tree is a dict: a named segment, or ``_ID``, maps to the
#: next node; ``_NEEDS`` maps to the needs by method where a route ends.
_NEEDS = ""


def _tree() -> dict[str, Any]:
    root: dict[str, Any] = {}
    for methods, template, need in ROUTES:
        node = root
        for segment in template.split("/")[1:]:
            node = node.setdefault(segment, {})
        node.setdefault(_NEEDS, {}).update(
            dict.fromkeys(methods.split(), need)
        )
    _check(root)
    return root


def _check(node: dict[str, Any]) -> None:
    """No node has named and id children side by side (no backtracking)."""
    children = node.keys() - {_NEEDS}
    if _ID in children and len(children) > 1:
        msg = f"ambiguous route table: {sorted(children)}"
        raise AssertionError(msg)
    for segment in children:
        _check(node[segment])


_ROOT = _tree()


def route(method: str, path: str) -> Need:
    """
    What the call *method* *path* (such as ``POST /3/movie/550/rating``)
    needs, v3 and v4 alike; a trailing slash is ignored.
    """
    node = _ROOT
    for segment in path.rstrip("/").split("/")[1:]:
        if not segment:  # ids are never empty
            return NONE
        found = node.get(segment) or node.get(_ID)
        if found is None:
            return NONE
        node = found
    needs = node.get(_NEEDS)
    if needs is None:
        return NONE
    return needs.get(method) or needs.get(method.upper(), NONE)  # type: ignore[no-any-return]


def need_for(method: str, path: str) -> Need:
    """
    Say what the call *path* (such as ``/3/movie/550/rating``) needs.

    The substring test keeps the common case, a read call, to a few string
    scans: every route of the table has one of these words.
    """
    if "account" not in path and "rating" not in path and "/list" not in path:
        return NONE
    return route(method, path)
