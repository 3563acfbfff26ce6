"""
The stand-in's movies and TV shows.

Strictly private.  A `Catalogue` reads the shared, read-only seed
(``_seed``).  Records are stored as TMDb's detail endpoints answer them;
the ``*_summary`` helpers give the shorter form of lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


__all__ = [
    "Catalogue",
    "Record",
    "Seed",
    "movie_summary",
    "tv_detail",
    "tv_summary",
]

Record = dict[str, Any]

_MOVIE_SUMMARY = (
    "adult",
    "backdrop_path",
    "id",
    "original_language",
    "original_title",
    "overview",
    "popularity",
    "poster_path",
    "release_date",
    "title",
    "video",
    "vote_average",
    "vote_count",
)
_TV_SUMMARY = (
    "adult",
    "backdrop_path",
    "first_air_date",
    "id",
    "name",
    "original_language",
    "original_name",
    "overview",
    "popularity",
    "poster_path",
    "vote_average",
    "vote_count",
)


def movie_summary(movie: Mapping[str, Any]) -> Record:
    """
    A movie as lists show it.
    """
    out = {k: movie.get(k) for k in _MOVIE_SUMMARY}
    out["genre_ids"] = [g["id"] for g in movie["genres"]]
    return out


def tv_summary(show: Mapping[str, Any]) -> Record:
    """
    A TV show as lists show it.
    """
    out = {k: show.get(k) for k in _TV_SUMMARY}
    out["genre_ids"] = [g["id"] for g in show["genres"]]
    return out


def tv_detail(show: Mapping[str, Any]) -> Record:
    """
    A TV show as ``/3/tv/{id}`` answers it: seasons as a list.
    """
    out = {k: v for k, v in show.items() if k != "seasons"}
    out["seasons"] = [
        {k: v for k, v in s.items() if k not in ("_id", "episodes")}
        | {"episode_count": len(s["episodes"])}
        for s in show["seasons"].values()
    ]
    return out


@dataclass(frozen=True)
class Seed:
    """
    The built-in records, shared by every stand-in and never changed.
    """

    movies: Mapping[int, Record]
    tv: Mapping[int, Record]
    people: Mapping[int, Record]


class Catalogue:
    """
    The movies and TV shows one stand-in serves.
    """

    def __init__(self, seed: Seed) -> None:
        self._seed = seed

    def movie(self, movie_id: int) -> Record | None:
        """
        The movie with *movie_id*, or ``None``.
        """
        return self._seed.movies.get(movie_id)

    def show(self, show_id: int) -> Record | None:
        """
        The TV show with *show_id*, or ``None``.
        """
        return self._seed.tv.get(show_id)
