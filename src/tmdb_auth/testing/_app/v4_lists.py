"""
TMDb's v4 lists: make, read, update and delete a list; add, comment and
remove its items (movies and TV shows); check an item; clear it; and the
lists of an account.

Strictly private.  A list is one record whichever API made it: ``/3/list``
sees the movies of a list made here, and a list made through v3 is read
and written here (on its first v4 write it becomes a `V4List`, which also
keeps TV shows, comments, privacy and order).  Writes and ``item_status``
need the owner's user access token (another user's list: 401/38); reading
a list needs only the credential unless it is private (401/39 for all but
its owner).  Checks in TMDb's order: credential, user token, body, list.
"""

from __future__ import annotations

import functools
import hashlib
import math

from dataclasses import dataclass, field, fields
from typing import Any

from tmdb_auth.testing._codes import status_response
from tmdb_auth.testing._wire import Response, json_response

from ._core import (
    PAGE_SIZE,
    Call,
    Routes,
    as_bool,
    as_int,
    fail,
    paged,
    text,
    timestamp,
)
from ._state import MovieList, State, User
from .account import summary
from .v4 import (
    ACCOUNT,
    account_object_id,
    account_user,
    bearer_user,
    order,
    success,
    user_of,
)


__all__ = ["SORTS", "V4List", "routes"]

_LIST = "/4/list/{list_id:int}"
#: The orders a list can be kept in (``sort_by``), in TMDb's numbering.
SORTS = (
    "original_order.asc",
    "original_order.desc",
    "vote_average.asc",
    "vote_average.desc",
    "primary_release_date.asc",
    "primary_release_date.desc",
    "title.asc",
    "title.desc",
)
_MEDIA = ("movie", "tv")

routes = Routes()

Entry = tuple[str, int]  # (media_type, media_id)


@dataclass
class V4List(MovieList):
    """
    A list as v4 keeps it: v3's list of movie ids (``items``), and the
    order of every item (``media``), movies and TV shows alike.
    """

    public: bool = True
    country: str = "US"
    sort_by: str = SORTS[0]
    updated: float = 0.0
    media: list[Entry] = field(default_factory=list)
    comments: dict[str, str] = field(default_factory=dict)


def _key(entry: Entry) -> str:
    return f"{entry[0]}:{entry[1]}"


def _entries(lst: MovieList) -> list[Entry]:
    """
    The items of *lst* in their original order, with what v3 changed
    since (movies it added come last, movies it removed are gone).
    """
    movies = set(lst.items)
    own = lst.media if isinstance(lst, V4List) else []
    kept = [e for e in own if e[0] == "tv" or e[1] in movies]
    known = {e[1] for e in kept if e[0] == "movie"}
    kept += [("movie", m) for m in lst.items if m not in known]
    return kept


def _public(lst: MovieList) -> bool:
    return lst.public if isinstance(lst, V4List) else True


def _find(state: State, call: Call) -> MovieList:
    lst = state.lists.get(int(call.params["list_id"]))
    if lst is None:
        raise fail(34)
    return lst


def _owned(state: State, call: Call, user: User) -> V4List:
    """
    The path's list, which *user* must own (else 401/38), as a `V4List`.
    """
    lst = _find(state, call)
    if lst.owner != user.username:
        raise fail(38)
    if isinstance(lst, V4List):
        lst.media = _entries(lst)
        return lst
    upgraded = V4List(
        **{f.name: getattr(lst, f.name) for f in fields(MovieList)},
        media=_entries(lst),
        updated=lst.created,
    )
    state.lists[lst.id] = upgraded
    return upgraded


def _record(state: State, entry: Entry) -> dict[str, Any] | None:
    if entry[0] == "movie":
        return state.catalogue.movie(entry[1])
    return state.catalogue.show(entry[1])


def _shown(state: State, lst: MovieList) -> list[tuple[Entry, dict[str, Any]]]:
    """
    Every item of *lst* with its catalogue record, in original order.
    """
    out = []
    for entry in _entries(lst):
        record = _record(state, entry)
        if record is not None:
            out.append((entry, record))
    return out


def _totals(shown: list[tuple[Entry, dict[str, Any]]]) -> dict[str, Any]:
    votes = [float(r.get("vote_average") or 0) for _, r in shown]
    return {
        "average_rating": round(sum(votes) / len(votes), 3) if votes else 0,
        "revenue": sum(int(r.get("revenue") or 0) for _, r in shown),
        "runtime": sum(
            int(r.get("runtime") or 0) for e, r in shown if e[0] == "movie"
        ),
    }


def _summary(state: State, lst: MovieList) -> dict[str, Any]:
    """
    A list as ``/4/account/{account_object_id}/lists`` shows it.
    """
    shown = _shown(state, lst)
    totals = _totals(shown)
    v4 = lst if isinstance(lst, V4List) else None
    return {
        "account_object_id": account_object_id(state, lst.owner),
        "adult": 0,
        "average_rating": totals["average_rating"],
        "backdrop_path": None,
        "created_at": timestamp(lst.created),
        "description": lst.description,
        "featured": 0,
        "id": lst.id,
        "iso_3166_1": v4.country if v4 else "US",
        "iso_639_1": lst.language,
        "name": lst.name,
        "number_of_items": len(shown),
        "poster_path": None,
        "public": int(_public(lst)),
        "revenue": totals["revenue"],
        "runtime": str(totals["runtime"]),
        "sort_by": SORTS.index(v4.sort_by if v4 else SORTS[0]) + 1,
        "updated_at": timestamp(v4.updated if v4 else lst.created),
    }


@routes(ACCOUNT + "/lists", "GET")
def account_lists(state: State, call: Call) -> Response:
    """
    The lists the account made (with v3 or v4), oldest first, private
    ones too.
    """
    user = account_user(state, call)
    mine = [lst for lst in state.lists.values() if lst.owner == user.username]
    mine.sort(key=lambda lst: (lst.created, lst.id))
    return paged(call, [_summary(state, lst) for lst in mine])


# --- the list ----------------------------------------------------------


@routes("/4/list", "POST")
def create(state: State, call: Call) -> Response:
    """
    Make a list: ``name`` and ``iso_639_1`` are required (else 422/5).
    """
    user = user_of(state, call)
    name = call.field("name")
    language = call.field("iso_639_1")
    raw_public = call.field("public")
    public = True if raw_public is None else as_bool(raw_public)
    if (
        not isinstance(name, str)
        or not name.strip()
        or not isinstance(language, str)
        or not language.strip()
        or public is None
    ):
        raise fail(5)
    now = state.now()
    lst = V4List(
        state.next_list_id,
        user.username,
        name,
        text(call.field("description")) or "",
        language,
        now,
        public=public,
        country=text(call.field("iso_3166_1")) or "US",
        updated=now,
    )
    state.next_list_id += 1
    state.lists[lst.id] = lst
    return json_response(
        201,
        {
            "status_message": "The item/record was created successfully.",
            "id": lst.id,
            "success": True,
            "status_code": 1,
        },
    )


@routes(_LIST, "GET")
def get(state: State, call: Call) -> Response:
    """
    A list with one page of its items; private: its owner's token only.
    """
    lst = _find(state, call)
    viewer = bearer_user(state, call)
    mine = viewer is not None and viewer.username == lst.owner
    if not _public(lst) and not mine:
        raise fail(39)
    page = call.page()
    shown = _shown(state, lst)
    kept = lst.sort_by if isinstance(lst, V4List) else SORTS[0]
    rows = [
        (float(i), {**summary(state, e[0], e[1]), "media_type": e[0]})
        for i, (e, _) in enumerate(shown)
    ]
    results = order(call, rows, kept)
    comments = lst.comments if isinstance(lst, V4List) else {}
    start = (page - 1) * PAGE_SIZE
    md5 = hashlib.md5(lst.owner.encode(), usedforsecurity=False)
    return json_response(
        200,
        {
            **_totals(shown),
            "backdrop_path": None,
            "comments": {_key(e): comments.get(_key(e)) for e, _ in shown},
            "created_by": {
                "avatar_path": None,
                "gravatar_hash": md5.hexdigest(),
                "id": account_object_id(state, lst.owner),
                "name": "",
                "username": lst.owner,
            },
            "description": lst.description,
            "id": lst.id,
            "iso_3166_1": lst.country if isinstance(lst, V4List) else "US",
            "iso_639_1": lst.language,
            "item_count": len(shown),
            "name": lst.name,
            "object_ids": {
                _key(e): state.object_id("item:" + _key(e)) for e, _ in shown
            },
            "page": page,
            "poster_path": None,
            "public": _public(lst),
            "results": results[start : start + PAGE_SIZE],
            "sort_by": call.req.query.get("sort_by") or kept,
            "total_pages": math.ceil(len(shown) / PAGE_SIZE),
            "total_results": len(shown),
        },
    )


def _changes(call: Call) -> dict[str, object]:
    """
    The fields a ``PUT /4/list/{id}`` body sets (a bad value: 422/5).
    """
    body = call.body()
    out: dict[str, object] = {}
    for name, attr in (
        ("name", "name"),
        ("description", "description"),
        ("iso_639_1", "language"),
        ("iso_3166_1", "country"),
    ):
        if name in body:
            value = body[name]
            if not isinstance(value, str) or (
                name != "description" and not value.strip()
            ):
                raise fail(5)
            out[attr] = value
    if "public" in body:
        public = as_bool(body["public"])
        if public is None:
            raise fail(5)
        out["public"] = public
    if "sort_by" in body:
        if body["sort_by"] not in SORTS:
            raise fail(5)
        out["sort_by"] = body["sort_by"]
    return out


@routes(_LIST, "PUT")
def update(state: State, call: Call) -> Response:
    """
    Change the name, description, languages, privacy or order: 201/12,
    or 200/40 when the body changes nothing.
    """
    user = user_of(state, call)
    changes = _changes(call)
    lst = _owned(state, call, user)
    if not changes:
        return status_response(40)
    for attr, value in changes.items():
        setattr(lst, attr, value)
    lst.updated = state.now()
    return status_response(12)


@routes(_LIST, "DELETE")
def delete(state: State, call: Call) -> Response:
    """
    Delete the list: 200/13.
    """
    lst = _owned(state, call, user_of(state, call))
    del state.lists[lst.id]
    return status_response(13)


@routes(_LIST + "/clear", "GET")
def clear(state: State, call: Call) -> Response:
    """
    Remove every item (a GET, as TMDb has it), with how many there were.
    """
    lst = _owned(state, call, user_of(state, call))
    deleted = len(lst.media)
    lst.media.clear()
    lst.items.clear()
    lst.comments.clear()
    lst.updated = state.now()
    return success(id=lst.id, items_deleted=deleted)


@routes(_LIST + "/item_status", "GET")
def item_status(state: State, call: Call) -> Response:
    """
    Whether ``media_type``/``media_id`` is on the list: 200, or 404/34.
    """
    user = user_of(state, call)
    media_type = call.req.query.get("media_type")
    media_id = as_int(call.req.query.get("media_id"))
    if media_type not in _MEDIA or media_id is None:
        raise fail(5)
    lst = _owned(state, call, user)
    if (media_type, media_id) not in lst.media:
        raise fail(34)
    return success(id=lst.id, media_id=media_id, media_type=media_type)


# --- items -------------------------------------------------------------


def _items(call: Call) -> list[tuple[Entry, str | None]]:
    """
    The ``items`` of the body: ``media_type``, ``media_id`` and an
    optional ``comment`` each (else 422/5).
    """
    raw = call.body().get("items")
    if not isinstance(raw, list) or not raw:
        raise fail(5)
    out = []
    for item in raw:
        if not isinstance(item, dict):
            raise fail(5)
        media_type = item.get("media_type")
        media_id = as_int(item.get("media_id"))
        comment = item.get("comment")
        if (
            media_type not in _MEDIA
            or media_id is None
            or (comment is not None and not isinstance(comment, str))
        ):
            raise fail(5)
        out.append(((str(media_type), media_id), comment))
    return out


def _result(entry: Entry, error: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "media_type": entry[0],
        "media_id": entry[1],
        "success": error is None,
    }
    if error is not None:
        out["error"] = [error]
    return out


def _batch(method: str, state: State, call: Call) -> Response:
    """
    Add, comment or remove items; each gets its own ``success``.
    """
    user = user_of(state, call)
    wanted = _items(call)
    lst = _owned(state, call, user)
    results = []
    for entry, comment in wanted:
        there = entry in lst.media
        error = None
        if method == "POST" and there:
            error = "Media has already been taken"
        elif method == "POST" and _record(state, entry) is None:
            error = "Media couldn't be found"
        elif method != "POST" and not there:
            error = "Media couldn't be found on this list"
        elif method == "POST":
            lst.media.append(entry)
            if entry[0] == "movie":
                lst.items.append(entry[1])
        elif method == "PUT":
            if comment:
                lst.comments[_key(entry)] = comment
            else:
                lst.comments.pop(_key(entry), None)
        else:
            lst.media.remove(entry)
            if entry[0] == "movie":
                lst.items.remove(entry[1])
            lst.comments.pop(_key(entry), None)
        results.append(_result(entry, error))
    lst.updated = state.now()
    return json_response(
        200,
        {
            "status_message": "Success.",
            "results": results,
            "success": True,
            "status_code": 1,
        },
    )


for _method in ("POST", "PUT", "DELETE"):
    routes.add(_LIST + "/items", _method, functools.partial(_batch, _method))
