"""
Finding movies, shows and people: ``search/*``, ``discover/*`` and the
popular and top-rated lists, each in TMDb's paging envelope.

Strictly private.  Every result list has a total order (ties broken by
id), so pages never overlap or skip an item.
"""

from __future__ import annotations

import functools
import re

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from tmdb_auth.testing._wire import Response

from ._catalogue import (
    matcher,
    movie_summary,
    person_summary,
    tv_summary,
)
from ._core import Call, Routes, fail, paged
from ._state import State


__all__ = ["routes"]

Record = dict[str, Any]
Test = Callable[[Record], bool]

routes = Routes()

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOVIE_SORTS = {
    "popularity": "popularity",
    "vote_average": "vote_average",
    "vote_count": "vote_count",
    "primary_release_date": "release_date",
    "release_date": "release_date",
    "title": "title",
    "original_title": "original_title",
}
_TV_SORTS = {
    "popularity": "popularity",
    "vote_average": "vote_average",
    "vote_count": "vote_count",
    "first_air_date": "first_air_date",
    "name": "name",
    "original_name": "original_name",
}


def _ordered(
    records: Iterable[Record], key: str, *, descending: bool = True
) -> list[Record]:
    def order(r: Record) -> tuple[Any, int]:
        value = r.get(key)
        if isinstance(value, str):
            value = value.casefold()
        return (value if value is not None else "", -r["id"])

    return sorted(records, key=order, reverse=descending)


def _sort(call: Call, fields: dict[str, str]) -> tuple[str, bool]:
    """
    The record field and direction of ``sort_by`` (default popularity,
    descending; an unknown value is ignored, as unknown parameters are).
    """
    name, _, direction = call.req.query.get("sort_by", "").partition(".")
    if name in fields and direction in ("asc", "desc"):
        return fields[name], direction == "desc"
    return "popularity", True


def _number(call: Call, name: str) -> float | None:
    raw = call.req.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise fail(47) from None


def _year(call: Call, *names: str) -> Test | None:
    """
    The release (or first air) year filter of the first of *names* given.
    """
    for name in names:
        raw = call.req.query.get(name)
        if raw:
            if not raw.isdigit() or len(raw) != 4:
                raise fail(47)
            return functools.partial(_in_year, raw)
    return None


def _in_year(year: str, record: Record) -> bool:
    return _date_of(record).startswith(year)


def _date_of(record: Record) -> str:
    return str(
        record.get("release_date") or record.get("first_air_date") or ""
    )


def _tests(
    call: Call, date_field: str, prefixes: tuple[str, ...]
) -> list[Test]:
    """
    The filters of a discover call: genres, dates, votes, language.
    """
    query = call.req.query
    tests = [
        _genre_test(query[name], keep=name == "with_genres")
        for name in ("with_genres", "without_genres")
        if query.get(name)
    ]
    tests += _range_tests(call, date_field, prefixes)
    language = query.get("with_original_language")
    if language:
        tests.append(lambda r: r.get("original_language") == language)
    return tests


def _range_tests(
    call: Call, date_field: str, prefixes: tuple[str, ...]
) -> list[Test]:
    """
    ``<date>.gte``/``.lte`` (400/23 unless YYYY-MM-DD) and the vote bounds.
    """
    tests: list[Test] = []
    for op in ("gte", "lte"):
        for prefix in prefixes:
            raw = call.req.query.get(f"{prefix}.{op}")
            if raw:
                if not _DATE.fullmatch(raw):
                    raise fail(23)
                tests.append(_compare(date_field, op, raw))
        for field in ("vote_average", "vote_count"):
            value = _number(call, f"{field}.{op}")
            if value is not None:
                tests.append(_compare(field, op, value))
    return tests


def _genre_test(raw: str, *, keep: bool) -> Test:
    """
    ``with_genres`` (*keep*): all of ``a,b`` or any of ``a|b``;
    ``without_genres``: none of them.
    """
    parts = [p.strip() for p in re.split(r"[,|]", raw) if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise fail(47)
    wanted = {int(p) for p in parts}
    every = keep and "|" not in raw

    def test(r: Record) -> bool:
        have = {g["id"] for g in r["genres"]}
        if every:
            return wanted <= have
        return bool(have & wanted) == keep

    return test


def _compare(field: str, op: str, bound: object) -> Test:
    def test(r: Record) -> bool:
        value = r.get(field)
        if value is None or value == "":
            return False
        if op == "gte":
            return bool(value >= bound)
        return bool(value <= bound)

    return test


def _keep(records: Iterable[Record], tests: list[Test]) -> list[Record]:
    return [r for r in records if all(t(r) for t in tests)]


class _Kind(NamedTuple):
    """
    How movies or TV shows are searched and discovered.
    """

    records: Callable[[State], list[Record]]
    summary: Callable[[Record], Record]
    names: tuple[str, str]
    search_years: tuple[str, ...]
    discover_years: tuple[str, ...]
    date_field: str
    date_filters: tuple[str, ...]
    sorts: dict[str, str]


_MOVIES = _Kind(
    lambda state: state.catalogue.movies(),
    movie_summary,
    ("title", "original_title"),
    ("primary_release_year", "year"),
    ("primary_release_year", "year"),
    "release_date",
    ("primary_release_date", "release_date"),
    _MOVIE_SORTS,
)
_TV = _Kind(
    lambda state: state.catalogue.shows(),
    tv_summary,
    ("name", "original_name"),
    ("first_air_date_year", "year"),
    ("first_air_date_year",),
    "first_air_date",
    ("first_air_date", "air_date"),
    _TV_SORTS,
)


def _with_year(
    call: Call, tests: list[Test], names: tuple[str, ...]
) -> list[Test]:
    year = _year(call, *names)
    return tests if year is None else [*tests, year]


def _listing(
    call: Call,
    kind: _Kind,
    found: Iterable[Record],
    field: str,
    *,
    descending: bool = True,
) -> Response:
    ordered = _ordered(found, field, descending=descending)
    return paged(call, [kind.summary(r) for r in ordered])


def _search(state: State, call: Call, kind: _Kind) -> Response:
    match = matcher(call.req.query.get("query", ""))
    first, second = kind.names

    def named(r: Record) -> bool:
        return match((r[first], r.get(second) or ""))

    tests = _with_year(call, [named], kind.search_years)
    found = _keep(kind.records(state), tests)
    return _listing(call, kind, found, "popularity")


def _discover(state: State, call: Call, kind: _Kind) -> Response:
    tests = _tests(call, kind.date_field, kind.date_filters)
    tests = _with_year(call, tests, kind.discover_years)
    field, descending = _sort(call, kind.sorts)
    found = _keep(kind.records(state), tests)
    return _listing(call, kind, found, field, descending=descending)


# --- search ------------------------------------------------------------


@routes("/3/search/movie", "GET")
def search_movies(state: State, call: Call) -> Response:
    """
    Movies whose title has every word of ``query`` (word prefixes).
    """
    return _search(state, call, _MOVIES)


@routes("/3/search/tv", "GET")
def search_tv(state: State, call: Call) -> Response:
    """
    TV shows whose name has every word of ``query`` (word prefixes).
    """
    return _search(state, call, _TV)


@routes("/3/search/person", "GET")
def search_people(state: State, call: Call) -> Response:
    """
    People whose name has every word of ``query``, with their movies.
    """
    match = matcher(call.req.query.get("query", ""))
    found = [p for p in state.catalogue.people() if match((p["name"],))]
    results = [
        {**person_summary(p), "known_for": state.catalogue.known_for(p)}
        for p in _ordered(found, "popularity")
    ]
    return paged(call, results)


# --- discover and lists ------------------------------------------------


@routes("/3/discover/movie", "GET")
def discover_movies(state: State, call: Call) -> Response:
    """
    Movies by genre, release date, votes and language, sorted by
    ``sort_by``.
    """
    return _discover(state, call, _MOVIES)


@routes("/3/discover/tv", "GET")
def discover_tv(state: State, call: Call) -> Response:
    """
    TV shows by genre, first air date, votes and language.
    """
    return _discover(state, call, _TV)


@routes("/3/movie/popular", "GET")
def popular_movies(state: State, call: Call) -> Response:
    """
    Movies by popularity.
    """
    return _listing(call, _MOVIES, _MOVIES.records(state), "popularity")


@routes("/3/movie/top_rated", "GET")
def top_rated_movies(state: State, call: Call) -> Response:
    """
    Movies by vote average.
    """
    return _listing(call, _MOVIES, _MOVIES.records(state), "vote_average")


@routes("/3/tv/popular", "GET")
def popular_tv(state: State, call: Call) -> Response:
    """
    TV shows by popularity.
    """
    return _listing(call, _TV, _TV.records(state), "popularity")


@routes("/3/tv/top_rated", "GET")
def top_rated_tv(state: State, call: Call) -> Response:
    """
    TV shows by vote average.
    """
    return _listing(call, _TV, _TV.records(state), "vote_average")
