"""
v3 lists of movies: create, read, add and remove items, clear, delete,
and the lists of an account.

Strictly private.  Writes need the owner's user session (another user's
list: 401/38); reading a list needs only the credential.
"""

from __future__ import annotations

from typing import Any

from tmdb_auth.testing._codes import status_response
from tmdb_auth.testing._wire import Response, json_response

from ._catalogue import movie_summary
from ._core import Call, Routes, as_int, by_date, fail, paged, text
from ._state import Actor, MovieList, State
from .account import ACCOUNT
from .auth import account_user, actor


__all__ = ["routes"]

_LIST = "/3/list/{list_id:int}"

routes = Routes()


def _summary(lst: MovieList) -> dict[str, Any]:
    return {
        "description": lst.description,
        "favorite_count": 0,
        "id": lst.id,
        "item_count": len(lst.items),
        "iso_639_1": lst.language,
        "list_type": "movie",
        "name": lst.name,
        "poster_path": None,
    }


def _find(state: State, call: Call, owner: Actor | None = None) -> MovieList:
    lst = state.lists.get(int(call.params["list_id"]))
    if lst is None:
        raise fail(34)
    if owner is not None and lst.owner != owner.name:
        raise fail(38)
    return lst


@routes(ACCOUNT + "/lists", "GET")
def account_lists(state: State, call: Call) -> Response:
    """
    The lists the account made, oldest first.
    """
    user = account_user(state, call)
    rows = [
        (lst.created, _summary(lst))
        for lst in state.lists.values()
        if lst.owner == user.username
    ]
    return paged(call, by_date(call, rows))


@routes("/3/list", "POST")
def create(state: State, call: Call) -> Response:
    """
    Make a list: 201 with its ``list_id``.
    """
    who = actor(state, call, guest=False)
    name = call.field("name")
    if not isinstance(name, str) or not name.strip():
        raise fail(5)
    lst = MovieList(
        state.next_list_id,
        who.name,
        name,
        text(call.field("description")) or "",
        text(call.field("language")) or "en",
        state.now(),
    )
    state.next_list_id += 1
    state.lists[lst.id] = lst
    return json_response(
        201,
        {
            "status_message": "The item/record was created successfully.",
            "success": True,
            "status_code": 1,
            "list_id": lst.id,
        },
    )


@routes(_LIST, "GET")
def get(state: State, call: Call) -> Response:
    """
    A list with its movies.
    """
    lst = _find(state, call)
    items = []
    for movie_id in lst.items:
        movie = state.catalogue.movie(movie_id)
        if movie is not None:
            items.append({**movie_summary(movie), "media_type": "movie"})
    return json_response(
        200,
        {
            "created_by": lst.owner,
            "description": lst.description,
            "favorite_count": 0,
            "id": lst.id,
            "items": items,
            "item_count": len(items),
            "iso_639_1": lst.language,
            "name": lst.name,
            "poster_path": None,
        },
    )


@routes(_LIST + "/item_status", "GET")
def item_status(state: State, call: Call) -> Response:
    """
    Whether ``movie_id`` is on the list.
    """
    lst = _find(state, call)
    movie_id = as_int(call.req.query.get("movie_id"))
    if movie_id is None:
        raise fail(5)
    return json_response(
        200, {"id": lst.id, "item_present": movie_id in lst.items}
    )


@routes(_LIST, "DELETE")
def delete(state: State, call: Call) -> Response:
    """
    Delete a list (TMDb answers 12, sic).
    """
    lst = _find(state, call, actor(state, call, guest=False))
    del state.lists[lst.id]
    return status_response(12)


def _item(state: State, call: Call) -> tuple[MovieList, int]:
    who = actor(state, call, guest=False)
    media_id = as_int(call.field("media_id"))
    if media_id is None:
        raise fail(5)
    lst = _find(state, call, who)
    if state.catalogue.movie(media_id) is None:
        raise fail(34)
    return lst, media_id


@routes(_LIST + "/add_item", "POST")
def add_item(state: State, call: Call) -> Response:
    """
    Add a movie: 12, or 403/8 if it is there already.
    """
    lst, media_id = _item(state, call)
    if media_id in lst.items:
        raise fail(8)
    lst.items.append(media_id)
    return status_response(12)


@routes(_LIST + "/remove_item", "POST")
def remove_item(state: State, call: Call) -> Response:
    """
    Remove a movie: 13, or 21 if it was not there.
    """
    lst, media_id = _item(state, call)
    if media_id not in lst.items:
        return status_response(21)
    lst.items.remove(media_id)
    return status_response(13)


@routes(_LIST + "/clear", "POST")
def clear(state: State, call: Call) -> Response:
    """
    Empty the list; needs ``confirm=true`` (else 400/29).
    """
    who = actor(state, call, guest=False)
    if call.req.query.get("confirm") != "true":
        raise fail(29)
    lst = _find(state, call, who)
    lst.items.clear()
    return status_response(12)
