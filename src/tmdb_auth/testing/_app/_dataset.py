"""
The JSON data set a stand-in can start with (``TMDbServer(data=...)``,
``tmdb-auth serve --data FILE``).

Strictly private.  The format, documented on the testing page::

    {
      "seed": true,
      "movies": [{"title": "My Film", "id": 900001, "genres": ["Drama"]}],
      "tv": [{"name": "My Show", "seasons": [8, 10]}],
      "users": [{"username": "bob", "password": "pw"}]
    }

Every key is optional; ``"seed": false`` starts without the built-in data.
Movies and shows take the fields of `make_movie` and `make_show`.
"""

from __future__ import annotations

import json
import os

from collections.abc import Mapping
from typing import Any

from ._catalogue import Record, make_movie, make_show
from ._state import State


__all__ = ["add_movie", "add_tv", "load", "read", "wants_seed"]

_KEYS = frozenset({"seed", "movies", "tv", "users"})


def _invalid(message: str) -> ValueError:
    """
    The error for a data set that is not valid (always a ValueError, so
    that a caller catches one type, whatever was wrong).
    """
    return ValueError(message)


def read(source: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    """
    The data set in *source*: a JSON file's path, or the mapping itself.

    Raises:
        ValueError: Unreadable, not JSON, or not a data set; the message
            names the file and what is wrong.
    """
    if isinstance(source, Mapping):
        where, data = "data", dict(source)
    else:
        where = f"data file {os.fspath(source)!r}"
        try:
            with open(source, encoding="utf-8") as f:
                loaded = json.load(f)
        except OSError as e:
            msg = f"{where}: cannot read it ({e.strerror or e})"
            raise ValueError(msg) from None
        except ValueError as e:
            msg = f"{where}: not JSON ({e})"
            raise ValueError(msg) from None
        if not isinstance(loaded, dict):
            raise _invalid(f"{where}: must hold a JSON object")
        data = loaded
    unknown = set(data) - _KEYS
    if unknown:
        msg = (
            f"{where}: unknown key {min(unknown)!r} "
            f"(use {', '.join(sorted(_KEYS))})"
        )
        raise ValueError(msg)
    for key in ("movies", "tv", "users"):
        items = data.get(key, [])
        if not isinstance(items, list) or not all(
            isinstance(i, dict) for i in items
        ):
            raise _invalid(f"{where}: {key!r} must be a list of objects")
    if not isinstance(data.get("seed", True), bool):
        raise _invalid(f"{where}: 'seed' must be true or false")
    data["_where"] = where
    return data


def wants_seed(data: Mapping[str, Any] | None) -> bool:
    """
    Whether the data set keeps the built-in data.
    """
    return data is None or bool(data.get("seed", True))


def add_movie(state: State, title: object, **fields: Any) -> Record:
    """
    Add a movie (a new id unless ``id`` is given); the stored record.

    Raises:
        ValueError: A missing title, a bad id or an unknown genre.
    """
    if not isinstance(title, str) or not title.strip():
        msg = "a movie needs a non-empty title"
        raise ValueError(msg)
    with state.lock:
        movie_id = fields.pop("id", None)
        movie_id = _id(state, "movies", movie_id)
        record = make_movie(movie_id, title, **fields)
        state.catalogue.add("movies", record)
        return record


def add_tv(state: State, name: object, **fields: Any) -> Record:
    """
    Add a TV show with its seasons; the stored record.

    Raises:
        ValueError: A missing name, a bad id, bad seasons or an unknown
            genre.
    """
    if not isinstance(name, str) or not name.strip():
        msg = "a TV show needs a non-empty name"
        raise ValueError(msg)
    with state.lock:
        show_id = _id(state, "tv", fields.pop("id", None))
        seasons = fields.pop("seasons", 1)
        if not isinstance(seasons, (int, list)) or isinstance(seasons, bool):
            raise _invalid(
                "seasons must be a number of seasons or a list of episode "
                "counts"
            )
        record = make_show(show_id, name, seasons, **fields)
        state.catalogue.add("tv", record)
        return record


def _id(state: State, kind: str, value: object) -> int:
    if value is None:
        return state.catalogue.next_id(kind)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _invalid(f"id must be a positive integer, not {value!r}")
    return value


def load(state: State, data: Mapping[str, Any]) -> None:
    """
    Add the movies, shows and users of a data set read by `read`.

    Raises:
        ValueError: An item is not valid; the message says which.
    """
    where = data.get("_where", "data")
    for key, add, name in (
        ("movies", add_movie, "title"),
        ("tv", add_tv, "name"),
    ):
        for n, item in enumerate(data.get(key, [])):
            fields = dict(item)
            try:
                add(state, fields.pop(name, ""), **fields)
            except (ValueError, TypeError) as e:
                msg = f"{where}: {key}[{n}]: {e}"
                raise ValueError(msg) from None
    for n, item in enumerate(data.get("users", [])):
        username, password = item.get("username"), item.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise _invalid(
                f"{where}: users[{n}]: a user needs a username and a "
                "password (strings)"
            )
        try:
            state.add_user(
                username,
                password,
                verified=bool(item.get("verified", True)),
                disabled=bool(item.get("disabled", False)),
            )
        except ValueError as e:
            msg = f"{where}: users[{n}]: {e}"
            raise ValueError(msg) from None
