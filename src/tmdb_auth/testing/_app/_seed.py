"""
The built-in records of the stand-in: a few movies and one TV show.

Strictly private.  Small and hand-written: enough for the read endpoints
and for the session-requiring endpoints to have something to rate,
favourite and put on lists.
"""

from __future__ import annotations

import functools

from typing import Any

from ._catalogue import Seed


__all__ = ["seed"]


def _movie(  # noqa: PLR0917
    movie_id: int,
    title: str,
    imdb_id: str,
    release_date: str,
    runtime: int,
    genres: list[tuple[int, str]],
    overview: str,
    vote_average: float,
    vote_count: int,
) -> dict[str, Any]:
    return {
        "adult": False,
        "backdrop_path": None,
        "genres": [{"id": i, "name": n} for i, n in genres],
        "id": movie_id,
        "imdb_id": imdb_id,
        "original_language": "en",
        "original_title": title,
        "overview": overview,
        "popularity": 50.0,
        "poster_path": None,
        "release_date": release_date,
        "runtime": runtime,
        "status": "Released",
        "tagline": "",
        "title": title,
        "video": False,
        "vote_average": vote_average,
        "vote_count": vote_count,
    }


_MOVIES: dict[int, dict[str, Any]] = {
    m["id"]: m
    for m in (
        _movie(
            550,
            "Fight Club",
            "tt0137523",
            "1999-10-15",
            139,
            [(18, "Drama")],
            "A ticking-time-bomb insomniac and a slippery soap salesman "
            "channel primal male aggression into a shocking new form of "
            "therapy.",
            8.4,
            30000,
        ),
        _movie(
            11,
            "Star Wars",
            "tt0076759",
            "1977-05-25",
            121,
            [(12, "Adventure"), (28, "Action"), (878, "Science Fiction")],
            "Princess Leia is captured and held hostage by the evil Imperial "
            "forces in their effort to take over the galactic Empire.",
            8.2,
            20000,
        ),
        _movie(
            13,
            "Forrest Gump",
            "tt0109830",
            "1994-06-23",
            142,
            [(35, "Comedy"), (18, "Drama"), (10749, "Romance")],
            "A man with a low IQ has accomplished great things in his life "
            "and been present during significant historic events.",
            8.5,
            27000,
        ),
        _movie(
            18,
            "The Fifth Element",
            "tt0119116",
            "1997-05-02",
            126,
            [(12, "Adventure"), (14, "Fantasy"), (878, "Science Fiction")],
            "In 2257, a taxi driver is unintentionally given the task of "
            "saving a young girl who is part of the key that will ensure "
            "the survival of humanity.",
            7.5,
            10000,
        ),
        _movie(
            603,
            "The Matrix",
            "tt0133093",
            "1999-03-31",
            136,
            [(28, "Action"), (878, "Science Fiction")],
            "Set in the 22nd century, The Matrix tells the story of a "
            "computer hacker who joins a group of underground insurgents "
            "fighting the vast and powerful computers who now rule the "
            "earth.",
            8.2,
            25000,
        ),
    )
}

_GOT_EPISODE = {
    "air_date": "2011-04-17",
    "episode_number": 1,
    "id": 63056,
    "name": "Winter Is Coming",
    "overview": "Jon Arryn, the Hand of the King, is dead.",
    "production_code": "101",
    "runtime": 62,
    "season_number": 1,
    "show_id": 1399,
    "still_path": None,
    "vote_average": 7.8,
    "vote_count": 300,
}

_TV: dict[int, dict[str, Any]] = {
    1399: {
        "adult": False,
        "backdrop_path": None,
        "first_air_date": "2011-04-17",
        "genres": [{"id": 10765, "name": "Sci-Fi & Fantasy"}],
        "id": 1399,
        "name": "Game of Thrones",
        "number_of_episodes": 73,
        "number_of_seasons": 8,
        "original_language": "en",
        "original_name": "Game of Thrones",
        "overview": "Seven noble families fight for control of the mythical "
        "land of Westeros.",
        "popularity": 100.0,
        "poster_path": None,
        "status": "Ended",
        "vote_average": 8.4,
        "vote_count": 22000,
        "seasons": {
            1: {
                "_id": "5256c89f19c2956ff6046d47",
                "air_date": "2011-04-17",
                "id": 3624,
                "name": "Season 1",
                "overview": "",
                "poster_path": None,
                "season_number": 1,
                "episodes": {1: _GOT_EPISODE},
            },
        },
    },
}


@functools.cache
def seed() -> Seed:
    """
    The built-in records (shared by every stand-in, never changed).
    """
    return Seed(_MOVIES, _TV, {})
