"""
The account: ``/3/account`` details, favorites, watchlist, and the rated
lists of a user or a guest session.

Strictly private.  Ratings themselves are made in ``media.py``; the lists
of movies of an account are in ``lists.py``.
"""

from __future__ import annotations

import functools
import hashlib

from typing import Any

from tmdb_auth.testing._codes import status_response
from tmdb_auth.testing._wire import Response, json_response

from ._catalogue import movie_summary, tv_summary
from ._core import Call, Routes, as_bool, as_int, by_date, fail, paged
from ._state import Actor, State
from .auth import account_user, live_session


__all__ = ["ACCOUNT", "routes", "summary"]

ACCOUNT = "/3/account/{account_id:int}"
_GUEST = "/3/guest_session/{guest_session_id}/rated"

routes = Routes()


def summary(state: State, media_type: str, media_id: int) -> dict[str, Any]:
    """
    A movie or TV show (by *media_type*) as lists show it.
    """
    if media_type == "movie":
        return movie_summary(state.catalogue.movie(media_id) or {})
    return tv_summary(state.catalogue.show(media_id) or {})


@routes("/3/account", "GET")
@routes(ACCOUNT, "GET")
def get_account(state: State, call: Call) -> Response:
    """
    The account of the call's user session.
    """
    user = account_user(state, call)
    md5 = hashlib.md5(user.username.encode(), usedforsecurity=False)
    return json_response(
        200,
        {
            "avatar": {
                "gravatar": {"hash": md5.hexdigest()},
                "tmdb": {"avatar_path": None},
            },
            "id": user.id,
            "iso_639_1": "en",
            "iso_3166_1": "US",
            "name": "",
            "include_adult": False,
            "username": user.username,
        },
    )


def _mark(kind: str, state: State, call: Call) -> Response:
    user = account_user(state, call)
    media_type = call.field("media_type")
    media_id = as_int(call.field("media_id"))
    flag = as_bool(call.field(kind))
    if media_type not in ("movie", "tv") or media_id is None or flag is None:
        raise fail(5)
    found = (
        state.catalogue.movie(media_id)
        if media_type == "movie"
        else state.catalogue.show(media_id)
    )
    if found is None:
        raise fail(34)
    marks = state.marks.setdefault(user.username, {})
    key = (kind, str(media_type), media_id)
    if not flag:
        marks.pop(key, None)
        return status_response(13)
    if key in marks:
        return status_response(12)
    marks[key] = state.now()
    return status_response(1, 201)


def _marked(kind: str, media_type: str, state: State, call: Call) -> Response:
    user = account_user(state, call)
    marks = state.marks.get(user.username, {})
    rows = [
        (created, summary(state, media_type, media_id))
        for (k, t, media_id), created in marks.items()
        if k == kind and t == media_type
    ]
    return paged(call, by_date(call, rows))


def _rated_rows(
    state: State, call: Call, who: Actor, media_type: str
) -> Response:
    rows = []
    for (rater, media), (value, created) in state.ratings.items():
        if rater != who or media[0] != media_type:
            continue
        if media_type == "episode":
            tv_id, season, number = (int(str(m)) for m in media[1:])
            show = state.catalogue.show(tv_id) or {}
            ep = show["seasons"][season]["episodes"][number]
            item = {**ep, "rating": value}
        else:
            item = {
                **summary(state, media_type, int(str(media[1]))),
                "rating": value,
            }
        rows.append((created, item))
    return paged(call, by_date(call, rows))


def _account_rated(media_type: str, state: State, call: Call) -> Response:
    user = account_user(state, call)
    return _rated_rows(state, call, Actor("user", user.username), media_type)


def _guest_rated(media_type: str, state: State, call: Call) -> Response:
    s = live_session(state, call.params["guest_session_id"], "guest")
    s.used = True
    return _rated_rows(state, call, Actor("guest", s.id), media_type)


for _kind in ("favorite", "watchlist"):
    routes.add(f"{ACCOUNT}/{_kind}", "POST", functools.partial(_mark, _kind))
    for _type, _plural in (("movie", "movies"), ("tv", "tv")):
        routes.add(
            f"{ACCOUNT}/{_kind}/{_plural}",
            "GET",
            functools.partial(_marked, _kind, _type),
        )
for _type, _suffix in (
    ("movie", "movies"),
    ("tv", "tv"),
    ("episode", "tv/episodes"),
):
    routes.add(
        f"{ACCOUNT}/rated/{_suffix}",
        "GET",
        functools.partial(_account_rated, _type),
    )
    routes.add(
        f"{_GUEST}/{_suffix}", "GET", functools.partial(_guest_rated, _type)
    )
