"""
The stand-in's movies, TV shows, people and genres.

Strictly private.  A `Catalogue` is the shared, read-only seed (``_seed``)
under a small overlay of what a test added (``add_movie``, ``add_tv``, a
data file), so that a checkpoint copies only the overlay.  Records are
stored as TMDb's detail endpoints answer them; the ``*_summary`` helpers
give the shorter form of lists and search results.
"""

from __future__ import annotations

import hashlib
import unicodedata

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


__all__ = [
    "MOVIE_GENRES",
    "TV_GENRES",
    "Catalogue",
    "Seed",
    "make_movie",
    "make_person",
    "make_show",
    "matcher",
    "movie_summary",
    "person_summary",
    "tv_detail",
    "tv_summary",
    "words",
]

Record = dict[str, Any]

#: TMDb's movie genres (``/3/genre/movie/list``).
MOVIE_GENRES: dict[int, str] = {
    28: "Action",
    12: "Adventure",
    16: "Animation",
    35: "Comedy",
    80: "Crime",
    99: "Documentary",
    18: "Drama",
    10751: "Family",
    14: "Fantasy",
    36: "History",
    27: "Horror",
    10402: "Music",
    9648: "Mystery",
    10749: "Romance",
    878: "Science Fiction",
    10770: "TV Movie",
    53: "Thriller",
    10752: "War",
    37: "Western",
}

#: TMDb's TV genres (``/3/genre/tv/list``).
TV_GENRES: dict[int, str] = {
    10759: "Action & Adventure",
    16: "Animation",
    35: "Comedy",
    80: "Crime",
    99: "Documentary",
    18: "Drama",
    10751: "Family",
    10762: "Kids",
    9648: "Mystery",
    10763: "News",
    10764: "Reality",
    10765: "Sci-Fi & Fantasy",
    10766: "Soap",
    10767: "Talk",
    10768: "War & Politics",
    37: "Western",
}


def _hex(*parts: object, size: int = 24) -> str:
    text = ":".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def _genres(
    values: Iterable[object], table: Mapping[int, str]
) -> list[Record]:
    """
    Genres given as ids, names or ``{"id", "name"}`` objects, as TMDb
    lists them.

    Raises:
        ValueError: A genre TMDb does not have.
    """
    by_name = {name.casefold(): gid for gid, name in table.items()}
    out = []
    for given in values:
        value = (
            given.get("id", given.get("name"))
            if isinstance(given, Mapping)
            else given
        )
        gid = (
            by_name.get(value.casefold()) if isinstance(value, str) else value
        )
        if (
            not isinstance(gid, int)
            or isinstance(gid, bool)
            or gid not in table
        ):
            names = ", ".join(sorted(table.values()))
            msg = f"unknown genre {value!r}: use an id or one of {names}"
            raise ValueError(msg)
        out.append({"id": gid, "name": table[gid]})
    return out


def make_movie(movie_id: int, title: str, **fields: Any) -> Record:
    """
    A movie as ``/3/movie/{id}`` answers it; *fields* override defaults.

    ``genres`` may be ids or names; unknown keys are kept as given.

    Raises:
        ValueError: An unknown genre.
    """
    record: Record = {
        "adult": False,
        "backdrop_path": None,
        "genres": [],
        "id": movie_id,
        "imdb_id": None,
        "original_language": "en",
        "original_title": title,
        "overview": "",
        "popularity": 0.0,
        "poster_path": None,
        "release_date": "",
        "runtime": 0,
        "status": "Released",
        "tagline": "",
        "title": title,
        "video": False,
        "vote_average": 0.0,
        "vote_count": 0,
    }
    record.update(fields)
    record["genres"] = _genres(record["genres"], MOVIE_GENRES)
    record["id"], record["title"] = movie_id, title
    return record


def _episode(show_id: int, season: int, number: int, air: str) -> Record:
    return {
        "air_date": air,
        "episode_number": number,
        "id": show_id * 10000 + season * 100 + number,
        "name": f"Episode {number}",
        "overview": "",
        "production_code": "",
        "runtime": 45,
        "season_number": season,
        "show_id": show_id,
        "still_path": None,
        "vote_average": 0.0,
        "vote_count": 0,
    }


def _season_year(first_air_date: str, season: int) -> str:
    year = first_air_date[:4]
    if not year.isdigit():
        return ""
    return f"{int(year) + season - 1:04d}{first_air_date[4:]}"


def make_show(
    show_id: int,
    name: str,
    seasons: int | Sequence[object] = 1,
    **fields: Any,
) -> Record:
    """
    A TV show with its seasons and episodes, stored as the stand-in keeps
    it (``seasons`` keyed by number, each with ``episodes`` by number).

    Args:
        show_id: The id.
        name: The name.
        seasons: How many seasons of 10 episodes, or the number of
            episodes of each season.
        fields: Override the defaults (``genres`` as ids or names).

    Raises:
        ValueError: An unknown genre or a season with no episodes.
    """
    counts: list[int] = []
    for count in [10] * seasons if isinstance(seasons, int) else seasons:
        if not isinstance(count, int) or not 1 <= count <= 99:
            msg = "each season needs 1 to 99 episodes"
            raise ValueError(msg)
        counts.append(count)
    record: Record = {
        "adult": False,
        "backdrop_path": None,
        "first_air_date": "",
        "genres": [],
        "id": show_id,
        "name": name,
        "origin_country": ["US"],
        "original_language": "en",
        "original_name": name,
        "overview": "",
        "popularity": 0.0,
        "poster_path": None,
        "status": "Returning Series",
        "vote_average": 0.0,
        "vote_count": 0,
    }
    record.update(fields)
    record["genres"] = _genres(record["genres"], TV_GENRES)
    record["id"], record["name"] = show_id, name
    first = str(record["first_air_date"])
    record["seasons"] = {}
    for number, count in enumerate(counts, start=1):
        air = _season_year(first, number)
        record["seasons"][number] = {
            "_id": _hex("season", show_id, number),
            "air_date": air,
            "id": show_id * 100 + number,
            "name": f"Season {number}",
            "overview": "",
            "poster_path": None,
            "season_number": number,
            "episodes": {
                n: _episode(show_id, number, n, air)
                for n in range(1, count + 1)
            },
        }
    record["number_of_seasons"] = len(counts)
    record["number_of_episodes"] = sum(counts)
    return record


def make_person(
    person_id: int,
    name: str,
    roles: Sequence[tuple[int, str, str]] = (),
    **fields: Any,
) -> Record:
    """
    A person as ``/3/person/{id}`` answers it, plus their ``_credits``:
    (movie id, ``"cast"`` or a crew department, character or job).
    """
    record: Record = {
        "adult": False,
        "also_known_as": [],
        "biography": "",
        "birthday": None,
        "deathday": None,
        "gender": 0,
        "homepage": None,
        "id": person_id,
        "imdb_id": None,
        "known_for_department": "Acting",
        "name": name,
        "place_of_birth": None,
        "popularity": 0.0,
        "profile_path": None,
    }
    record.update(fields)
    record["_credits"] = list(roles)
    return record


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
    "origin_country",
    "original_language",
    "original_name",
    "overview",
    "popularity",
    "poster_path",
    "vote_average",
    "vote_count",
)
_PERSON_SUMMARY = (
    "adult",
    "gender",
    "id",
    "known_for_department",
    "name",
    "popularity",
    "profile_path",
)


def movie_summary(movie: Mapping[str, Any]) -> Record:
    """
    A movie as lists and search results show it.
    """
    out = {k: movie.get(k) for k in _MOVIE_SUMMARY}
    out["genre_ids"] = [g["id"] for g in movie["genres"]]
    return out


def tv_summary(show: Mapping[str, Any]) -> Record:
    """
    A TV show as lists and search results show it.
    """
    out = {k: show.get(k) for k in _TV_SUMMARY}
    out["genre_ids"] = [g["id"] for g in show["genres"]]
    return out


def person_summary(person: Mapping[str, Any]) -> Record:
    """
    A person as search results show them (without ``known_for``).
    """
    out = {k: person.get(k) for k in _PERSON_SUMMARY}
    out["original_name"] = person["name"]
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


def words(value: str) -> list[str]:
    """
    The words of *value*, case- and accent-folded, for matching.
    """
    plain = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else " " for c in plain).split()


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
    The seed plus what was added, newest record of an id winning.
    """

    def __init__(self, seed: Seed | None) -> None:
        empty = Seed({}, {}, {})
        self._seed = seed if seed is not None else empty
        self._added: dict[str, dict[int, Record]] = {
            "movies": {},
            "tv": {},
            "people": {},
        }
        self._listed: dict[str, list[Record]] = {}

    def _get(self, kind: str, record_id: int) -> Record | None:
        found = self._added[kind].get(record_id)
        if found is not None:
            return found
        seed: Mapping[int, Record] = getattr(self._seed, kind)
        return seed.get(record_id)

    def _all(self, kind: str) -> list[Record]:
        listed = self._listed.get(kind)
        if listed is None:
            seed: Mapping[int, Record] = getattr(self._seed, kind)
            merged = {**seed, **self._added[kind]}
            listed = self._listed[kind] = list(merged.values())
        return listed

    def movie(self, movie_id: int) -> Record | None:
        """
        The movie with *movie_id*, or ``None``.
        """
        return self._get("movies", movie_id)

    def show(self, show_id: int) -> Record | None:
        """
        The TV show with *show_id*, or ``None``.
        """
        return self._get("tv", show_id)

    def person(self, person_id: int) -> Record | None:
        """
        The person with *person_id*, or ``None``.
        """
        return self._get("people", person_id)

    def movies(self) -> list[Record]:
        """
        Every movie.
        """
        return self._all("movies")

    def shows(self) -> list[Record]:
        """
        Every TV show.
        """
        return self._all("tv")

    def people(self) -> list[Record]:
        """
        Every person.
        """
        return self._all("people")

    def next_id(self, kind: str) -> int:
        """
        An id above every id of *kind* (``"movies"``, ``"tv"``).
        """
        return max((r["id"] for r in self._all(kind)), default=0) + 1

    def add(self, kind: str, record: Record) -> None:
        """
        Add (or replace by id) a record of *kind*.
        """
        self._added[kind][record["id"]] = record
        self._listed.pop(kind, None)

    def checkpoint(self) -> dict[str, dict[int, Record]]:
        """
        The additions so far (records themselves are never changed).
        """
        return {kind: dict(added) for kind, added in self._added.items()}

    def restore(self, checkpoint: object) -> None:
        """
        Put the additions back as they were at *checkpoint*.
        """
        assert isinstance(checkpoint, dict)  # noqa: S101 -- ours
        self._added = {kind: dict(a) for kind, a in checkpoint.items()}
        self._listed.clear()

    def credits(self, movie_id: int) -> dict[str, list[Record]]:
        """
        The cast and crew of a movie, from the people's credits.
        """
        cast: list[Record] = []
        crew: list[Record] = []
        for person in self.people():
            for credited, department, role in person["_credits"]:
                if credited != movie_id:
                    continue
                entry = person_summary(person)
                entry["credit_id"] = _hex("credit", person["id"], movie_id)
                if department == "cast":
                    entry["character"] = role
                    entry["order"] = len(cast)
                    cast.append(entry)
                else:
                    entry["department"] = department
                    entry["job"] = role
                    crew.append(entry)
        return {"cast": cast, "crew": crew}

    def known_for(self, person: Mapping[str, Any]) -> list[Record]:
        """
        The movies a person is credited on, as search results show them.
        """
        out = []
        for movie_id, _, _ in person["_credits"]:
            movie = self.movie(movie_id)
            if movie is not None:
                out.append({**movie_summary(movie), "media_type": "movie"})
        return out


def matcher(query: str) -> Callable[[Iterable[str]], bool]:
    """
    Whether some of the given names match *query*: each query word starts
    a word of the name, as TMDb's search matches.
    """
    wanted = words(query)

    def matches(names: Iterable[str]) -> bool:
        for name in names:
            have = words(name)
            if wanted and all(
                any(w.startswith(q) for w in have) for q in wanted
            ):
                return True
        return False

    return matches
