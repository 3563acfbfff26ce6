"""
Movies, TV shows, seasons, episodes and people: their details, ratings
and account states, and the reference lists (configuration, genres).

Strictly private.  Searching and discovering is in ``search.py``.  Rating
checks follow TMDb's order: key, then session, then the value, then the
resource (a bad value for movie 0 is a 400, not a 404).
"""

from __future__ import annotations

import math

from typing import Any

from tmdb_auth.testing._codes import error_body, status_response
from tmdb_auth.testing._wire import Response, json_response

from ._catalogue import MOVIE_GENRES, TV_GENRES, tv_detail
from ._core import Call, Reject, Routes, fail
from ._state import Actor, State
from .auth import actor


__all__ = ["CONFIGURATION", "routes"]

_MOVIE = "/3/movie/{movie_id:int}"
_TV = "/3/tv/{tv_id:int}"
_SEASON = _TV + "/season/{season:int}"
_EPISODE = _SEASON + "/episode/{episode:int}"

routes = Routes()

Media = tuple[tuple[object, ...], dict[str, Any]]


def _media(state: State, call: Call) -> Media:
    """
    The (key, record) of the movie, show, season or episode of the path.
    """
    p = {k: int(v) for k, v in call.params.items()}
    if "movie_id" in p:
        movie = state.catalogue.movie(p["movie_id"])
        if movie is None:
            raise fail(34)
        return ("movie", p["movie_id"]), movie
    show = state.catalogue.show(p["tv_id"])
    if show is None:
        raise fail(34)
    if "season" not in p:
        return ("tv", p["tv_id"]), show
    season = show["seasons"].get(p["season"])
    if season is None:
        raise fail(34)
    if "episode" not in p:
        return ("season", p["tv_id"], p["season"]), season
    ep = season["episodes"].get(p["episode"])
    if ep is None:
        raise fail(34)
    return ("episode", p["tv_id"], p["season"], p["episode"]), ep


@routes(_MOVIE, "GET")
@routes(_TV, "GET")
@routes(_SEASON, "GET")
@routes(_EPISODE, "GET")
def get_media(state: State, call: Call) -> Response:
    """
    The details of a movie, show, season or episode.
    """
    media, record = _media(state, call)
    if media[0] == "tv":
        return json_response(200, tv_detail(record))
    if media[0] == "season":
        out = {k: v for k, v in record.items() if k != "episodes"}
        out["episodes"] = list(record["episodes"].values())
        return json_response(200, out)
    return json_response(200, record)


@routes(_MOVIE + "/credits", "GET")
def movie_credits(state: State, call: Call) -> Response:
    """
    The cast and crew of a movie.
    """
    media, _ = _media(state, call)
    found = state.catalogue.credits(int(str(media[1])))
    return json_response(200, {"id": media[1], **found})


@routes("/3/person/{person_id:int}", "GET")
def person(state: State, call: Call) -> Response:
    """
    The details of a person.
    """
    found = state.catalogue.person(int(call.params["person_id"]))
    if found is None:
        raise fail(34)
    return json_response(
        200, {k: v for k, v in found.items() if not k.startswith("_")}
    )


@routes("/3/configuration", "GET")
def configuration(_state: State, _call: Call) -> Response:
    """
    The API configuration (image base URLs and sizes).
    """
    return json_response(200, CONFIGURATION)


@routes("/3/genre/movie/list", "GET")
def movie_genres(_state: State, _call: Call) -> Response:
    """
    The movie genres.
    """
    genres = [{"id": k, "name": v} for k, v in MOVIE_GENRES.items()]
    return json_response(200, {"genres": genres})


@routes("/3/genre/tv/list", "GET")
def tv_genres(_state: State, _call: Call) -> Response:
    """
    The TV genres.
    """
    genres = [{"id": k, "name": v} for k, v in TV_GENRES.items()]
    return json_response(200, {"genres": genres})


# --- ratings and account states ----------------------------------------


def _rating_value(call: Call) -> float:
    raw = call.field("value")
    if isinstance(raw, str):
        try:
            raw = float(raw)
        except ValueError:
            raise fail(5) from None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise fail(5)
    value = float(raw)
    if not math.isfinite(value):
        raise fail(5)
    if value <= 0:
        message = "Value too low: Value must be greater than 0.0."
    elif value > 10:
        message = "Value too high: Value must be less than, or equal to 10.0."
    elif not (value * 2).is_integer():
        message = "Value invalid: Values must be a multiple of 0.50."
    else:
        return value
    raise Reject(json_response(400, error_body(18, message)))


@routes(_MOVIE + "/rating", "POST")
@routes(_TV + "/rating", "POST")
@routes(_EPISODE + "/rating", "POST")
def rate(state: State, call: Call) -> Response:
    """
    Rate: 201/1 for a new rating, 201/12 for an update.
    """
    who = actor(state, call, guest=True)
    value = _rating_value(call)
    media, _ = _media(state, call)
    key = (who, media)
    old = state.ratings.get(key)
    state.ratings[key] = (value, old[1] if old else state.now())
    return status_response(12) if old else status_response(1, 201)


@routes(_MOVIE + "/rating", "DELETE")
@routes(_TV + "/rating", "DELETE")
@routes(_EPISODE + "/rating", "DELETE")
def unrate(state: State, call: Call) -> Response:
    """
    Delete a rating: 200/13.
    """
    who = actor(state, call, guest=True)
    media, _ = _media(state, call)
    state.ratings.pop((who, media), None)
    return status_response(13)


def _state_of(
    state: State, who: Actor, media: tuple[object, ...]
) -> dict[str, Any]:
    rating = state.ratings.get((who, media))
    rated: object = {"value": rating[0]} if rating else False
    if media[0] == "episode":
        return {"id": None, "rated": rated}
    marks = state.marks.get(who.name, {}) if who.kind == "user" else {}
    media_type, media_id = str(media[0]), int(str(media[1]))
    return {
        "id": media_id,
        "favorite": ("favorite", media_type, media_id) in marks,
        "rated": rated,
        "watchlist": ("watchlist", media_type, media_id) in marks,
    }


@routes(_MOVIE + "/account_states", "GET")
@routes(_TV + "/account_states", "GET")
@routes(_EPISODE + "/account_states", "GET")
def account_states(state: State, call: Call) -> Response:
    """
    Rated, favorite and watchlist, for a user or a guest session.
    """
    who = actor(state, call, guest=True)
    media, record = _media(state, call)
    body = _state_of(state, who, media)
    body["id"] = record["id"]
    return json_response(200, body)


@routes(_SEASON + "/account_states", "GET")
def season_states(state: State, call: Call) -> Response:
    """
    The ratings of every episode of a season.
    """
    who = actor(state, call, guest=True)
    media, season = _media(state, call)
    results = []
    for number, ep in season["episodes"].items():
        rating = state.ratings.get(
            (who, ("episode", media[1], media[2], number))
        )
        rated: object = {"value": rating[0]} if rating else False
        results.append(
            {"id": ep["id"], "episode_number": number, "rated": rated}
        )
    return json_response(200, {"id": season["id"], "results": results})


CONFIGURATION: dict[str, Any] = {
    "change_keys": [
        "adult", "air_date", "also_known_as", "biography", "birthday",
        "budget", "cast", "crew", "deathday", "episode", "genres",
        "homepage", "images", "imdb_id", "name", "overview", "poster",
        "release_date", "runtime", "season", "status", "tagline", "title",
        "videos",
    ],
    "images": {
        "base_url": "http://image.tmdb.org/t/p/",
        "secure_base_url": "https://image.tmdb.org/t/p/",
        "backdrop_sizes": ["w300", "w780", "w1280", "original"],
        "logo_sizes": [
            "w45", "w92", "w154", "w185", "w300", "w500", "original"
        ],
        "poster_sizes": [
            "w92", "w154", "w185", "w342", "w500", "w780", "original"
        ],
        "profile_sizes": ["w45", "w185", "h632", "original"],
        "still_sizes": ["w92", "w185", "w300", "original"],
    },
}  # fmt: skip
