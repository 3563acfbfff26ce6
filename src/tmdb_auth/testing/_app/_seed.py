"""
The built-in data set of the stand-in: the same on every run.

Strictly private.  A few dozen well-known movies and shows under their
TMDb ids (``/3/movie/550`` is Fight Club, as on TMDb), then generated
records up to 250 movies and 60 shows, and a few people with their
credits.  The generated records come from arithmetic on their index and
SHA-256, never from a random generator, so every run, machine and Python
sees the same data.  Built once per process, on first use.
"""

from __future__ import annotations

import functools
import hashlib

from typing import NamedTuple

from ._catalogue import (
    MOVIE_GENRES,
    TV_GENRES,
    Record,
    Seed,
    make_movie,
    make_person,
    make_show,
)


__all__ = ["MOVIE_COUNT", "TV_COUNT", "seed"]

MOVIE_COUNT = 250
TV_COUNT = 60


class _Film(NamedTuple):
    id: int
    title: str
    imdb_id: str
    release_date: str
    runtime: int
    genres: tuple[int, ...]
    vote_average: float
    vote_count: int
    popularity: float
    overview: str
    original_title: str | None = None
    original_language: str = "en"


class _Show(NamedTuple):
    id: int
    name: str
    first_air_date: str
    seasons: tuple[int, ...]
    genres: tuple[int, ...]
    vote_average: float
    popularity: float
    status: str
    overview: str


class _Person(NamedTuple):
    id: int
    name: str
    gender: int
    department: str
    birthday: str
    place_of_birth: str
    roles: tuple[tuple[int, str, str], ...]


_MOVIES: tuple[_Film, ...] = (
    _Film(550, "Fight Club", "tt0137523", "1999-10-15", 139, (18,), 8.4, 30000, 61.4,
     "A ticking-time-bomb insomniac and a slippery soap salesman channel "
     "primal male aggression into a shocking new form of therapy."),
    _Film(11, "Star Wars", "tt0076759", "1977-05-25", 121, (12, 28, 878), 8.2, 20000, 78.2,
     "Princess Leia is captured and held hostage by the evil Imperial "
     "forces in their effort to take over the galactic Empire."),
    _Film(13, "Forrest Gump", "tt0109830", "1994-06-23", 142, (35, 18, 10749), 8.5, 27000, 66.9,
     "A man with a low IQ has accomplished great things in his life and "
     "been present during significant historic events."),
    _Film(18, "The Fifth Element", "tt0119116", "1997-05-02", 126, (12, 14, 878), 7.5, 10000, 40.3,
     "In 2257, a taxi driver is unintentionally given the task of saving a "
     "young girl who is part of the key that will ensure the survival of "
     "humanity."),
    _Film(603, "The Matrix", "tt0133093", "1999-03-31", 136, (28, 878), 8.2, 25000, 83.7,
     "Set in the 22nd century, The Matrix tells the story of a computer "
     "hacker who joins a group of underground insurgents fighting the vast "
     "and powerful computers who now rule the earth."),
    _Film(278, "The Shawshank Redemption", "tt0111161", "1994-09-23", 142, (18, 80), 8.7, 27000, 99.1,
     "Two imprisoned men bond over years, finding solace and redemption "
     "through acts of common decency."),
    _Film(238, "The Godfather", "tt0068646", "1972-03-14", 175, (18, 80), 8.7, 20000, 95.6,
     "The ageing head of a crime family hands control of his empire to his "
     "reluctant youngest son."),
    _Film(240, "The Godfather Part II", "tt0071562", "1974-12-20", 202, (18, 80), 8.6, 12000, 58.0,
     "The early life of a family patriarch, and his son's tightening grip "
     "on the family business."),
    _Film(424, "Schindler's List", "tt0108052", "1993-12-15", 195, (18, 36, 10752), 8.6, 15000, 54.2,
     "An industrialist saves the lives of more than a thousand refugees by "
     "employing them in his factories."),
    _Film(155, "The Dark Knight", "tt0468569", "2008-07-16", 152, (18, 28, 80, 53), 8.5, 32000, 97.3,
     "Batman raises the stakes in his war on crime, and meets a criminal "
     "mastermind who wants to watch the city burn."),
    _Film(680, "Pulp Fiction", "tt0110912", "1994-09-10", 154, (53, 80), 8.5, 27000, 74.5,
     "The lives of two mob hitmen, a boxer and a pair of diner bandits "
     "intertwine in four tales of violence and redemption."),
    _Film(122, "The Lord of the Rings: The Return of the King", "tt0167260", "2003-12-01", 201,
     (12, 14, 28), 8.5, 23000, 86.4,
     "The final confrontation for Middle-earth begins, while two hobbits "
     "climb towards Mount Doom."),
    _Film(120, "The Lord of the Rings: The Fellowship of the Ring", "tt0120737", "2001-12-18", 179,
     (12, 14, 28), 8.4, 25000, 88.0,
     "A young hobbit and eight companions set out to destroy a powerful "
     "ring."),
    _Film(121, "The Lord of the Rings: The Two Towers", "tt0167261", "2002-12-18", 179,
     (12, 14, 28), 8.4, 21000, 80.2,
     "The fellowship is broken; its members fight on in three directions."),
    _Film(27205, "Inception", "tt1375666", "2010-07-15", 148, (28, 878, 12), 8.4, 36000, 92.8,
     "A thief who steals corporate secrets through dreams is given the "
     "task of planting an idea instead."),
    _Film(157336, "Interstellar", "tt0816692", "2014-11-05", 169, (12, 18, 878), 8.4, 34000, 98.5,
     "Explorers travel through a wormhole in search of a new home for "
     "humanity."),
    _Film(597, "Titanic", "tt0120338", "1997-11-18", 194, (18, 10749), 7.9, 25000, 90.1,
     "Two young people from different worlds fall in love aboard an "
     "ill-fated liner."),
    _Film(807, "Se7en", "tt0114369", "1995-09-22", 127, (80, 9648, 53), 8.4, 21000, 63.3,
     "Two detectives hunt a killer who uses the seven deadly sins as his "
     "motives."),
    _Film(274, "The Silence of the Lambs", "tt0102926", "1991-02-14", 119, (80, 18, 53), 8.3, 16000, 55.5,
     "A young FBI trainee seeks the help of an imprisoned killer to catch "
     "another."),
    _Film(105, "Back to the Future", "tt0088763", "1985-07-03", 116, (12, 35, 878), 8.3, 19000, 59.9,
     "A teenager is sent thirty years into the past in a time-travelling "
     "car."),
    _Film(862, "Toy Story", "tt0114709", "1995-10-30", 81, (16, 12, 10751, 35), 8.0, 18000, 71.0,
     "A cowboy doll feels threatened when a new space ranger toy arrives."),
    _Film(129, "Spirited Away", "tt0245429", "2001-07-20", 125, (16, 10751, 14), 8.5, 16000, 70.8,
     "A girl wanders into a world of spirits and must work to free her "
     "parents.", "千と千尋の神隠し", "ja"),
    _Film(496243, "Parasite", "tt6751668", "2019-05-30", 133, (35, 53, 18), 8.5, 18000, 68.2,
     "A poor family schemes its way into the household of a wealthy one.",
     "기생충", "ko"),
    _Film(389, "12 Angry Men", "tt0050083", "1957-04-10", 97, (18,), 8.5, 8000, 30.6,
     "A juror persuades eleven others to look again at a murder case."),
    _Film(429, "The Good, the Bad and the Ugly", "tt0060196", "1966-12-23", 161, (37,), 8.5, 8500, 33.9,
     "Three gunslingers compete for a fortune in buried gold.",
     "Il buono, il brutto, il cattivo", "it"),
    _Film(769, "GoodFellas", "tt0099685", "1990-09-12", 145, (18, 80), 8.5, 12000, 45.7,
     "The rise and fall of a mob associate over three decades."),
    _Film(1891, "The Empire Strikes Back", "tt0080684", "1980-05-20", 124, (12, 28, 878), 8.4, 17000,
     60.4, "The rebels scatter after an attack on their base."),
    _Film(1892, "Return of the Jedi", "tt0086190", "1983-05-25", 132, (12, 28, 878), 7.9, 15000, 51.8,
     "The rebels attempt to destroy a second battle station."),
    _Film(19995, "Avatar", "tt0499549", "2009-12-15", 162, (28, 12, 14, 878), 7.6, 31000, 94.2,
     "A marine on an alien moon is torn between orders and the people he "
     "comes to know."),
    _Film(299534, "Avengers: Endgame", "tt4154796", "2019-04-24", 181, (12, 878, 28), 8.2, 25000, 89.3,
     "The remaining heroes assemble once more to undo a catastrophe."),
    _Film(194, "Amélie", "tt0211915", "2001-04-25", 122, (35, 10749), 7.9, 11000, 41.2,
     "A shy waitress decides to change the lives of the people around her.",
     "Le Fabuleux Destin d'Amélie Poulain", "fr"),
    _Film(372058, "Your Name.", "tt5311514", "2016-08-26", 106, (16, 10749, 18), 8.5, 11000, 57.4,
     "Two teenagers discover they are swapping bodies in their sleep.",
     "君の名は。", "ja"),
)  # fmt: skip

_SHOWS: tuple[_Show, ...] = (
    _Show(1399, "Game of Thrones", "2011-04-17", (10, 10, 10, 10, 10, 10, 7, 6), (10765,), 8.4, 100.0,
     "Ended", "Seven noble families fight for control of the mythical land "
     "of Westeros."),
    _Show(1396, "Breaking Bad", "2008-01-20", (7, 13, 13, 13, 16), (18, 80), 8.9, 92.4, "Ended",
     "A chemistry teacher turns to making drugs to secure his family's "
     "future."),
    _Show(1668, "Friends", "1994-09-22", (24, 24, 25, 24, 24, 25, 24, 24, 24, 18), (35,), 8.4, 81.3,
     "Ended", "Six friends share their lives and loves in New York."),
    _Show(66732, "Stranger Things", "2016-07-15", (8, 9, 8, 9), (18, 10765, 9648), 8.6, 95.1,
     "Returning Series", "A boy vanishes, and a small town uncovers a "
     "mystery of secret experiments."),
    _Show(1438, "The Wire", "2002-06-02", (13, 12, 12, 13, 10), (80, 18), 8.6, 40.2, "Ended",
     "The drug scene of a city, seen by dealers and the police alike."),
    _Show(87108, "Chernobyl", "2019-05-06", (5,), (18,), 8.7, 38.9, "Ended",
     "The story of a nuclear disaster and the people who faced it."),
    _Show(82856, "The Mandalorian", "2019-11-12", (8, 8, 8), (10765, 10759, 18), 8.4, 70.6,
     "Returning Series", "A lone bounty hunter travels the outer reaches "
     "of the galaxy."),
    _Show(19885, "Sherlock", "2010-07-25", (3, 3, 3, 3), (80, 18, 9648), 8.5, 55.0, "Ended",
     "A modern take on the detective and his doctor friend."),
    _Show(70523, "Dark", "2017-12-01", (10, 8, 8), (80, 18, 9648, 10765), 8.4, 44.8, "Ended",
     "A missing child sets four families on a hunt through time."),
    _Show(2316, "The Office", "2005-03-24", (6, 22, 25, 19, 28, 26, 26, 24, 25), (35,), 8.6, 79.9,
     "Ended", "The everyday lives of office employees, filmed as a "
     "documentary."),
    _Show(60625, "Rick and Morty", "2013-12-02", (11, 10, 10, 10, 10, 10, 10), (16, 35, 10765, 10759),
     8.7, 88.7, "Returning Series", "A scientist drags his grandson on "
     "adventures across the multiverse."),
    _Show(94605, "Arcane", "2021-11-06", (9, 9), (16, 10765, 10759, 18), 8.7, 61.5, "Ended",
     "Two sisters find themselves on opposite sides of a war between two "
     "cities."),
)  # fmt: skip

_PEOPLE: tuple[_Person, ...] = (
    _Person(287, "Brad Pitt", 2, "Acting", "1963-12-18", "Shawnee, Oklahoma, USA",
     ((550, "cast", "Tyler Durden"), (807, "cast", "David Mills"))),
    _Person(819, "Edward Norton", 2, "Acting", "1969-08-18", "Boston, Massachusetts, USA",
     ((550, "cast", "The Narrator"),)),
    _Person(7467, "David Fincher", 2, "Directing", "1962-08-28", "Denver, Colorado, USA",
     ((550, "Directing", "Director"), (807, "Directing", "Director"))),
    _Person(3, "Harrison Ford", 2, "Acting", "1942-07-13", "Chicago, Illinois, USA",
     ((11, "cast", "Han Solo"), (1891, "cast", "Han Solo"), (1892, "cast", "Han Solo"))),
    _Person(2, "Mark Hamill", 2, "Acting", "1951-09-25", "Oakland, California, USA",
     ((11, "cast", "Luke Skywalker"), (1891, "cast", "Luke Skywalker"))),
    _Person(31, "Tom Hanks", 2, "Acting", "1956-07-09", "Concord, California, USA",
     ((13, "cast", "Forrest Gump"), (862, "cast", "Woody (voice)"))),
    _Person(6384, "Keanu Reeves", 2, "Acting", "1964-09-02", "Beirut, Lebanon",
     ((603, "cast", "Neo"),)),
    _Person(192, "Morgan Freeman", 2, "Acting", "1937-06-01", "Memphis, Tennessee, USA",
     ((278, "cast", "Ellis Boyd 'Red' Redding"), (807, "cast", "Somerset"))),
    _Person(504, "Tim Robbins", 2, "Acting", "1958-10-16", "West Covina, California, USA",
     ((278, "cast", "Andy Dufresne"),)),
    _Person(1158, "Al Pacino", 2, "Acting", "1940-04-25", "New York City, New York, USA",
     ((238, "cast", "Michael Corleone"), (240, "cast", "Michael Corleone"))),
    _Person(3084, "Marlon Brando", 2, "Acting", "1924-04-03", "Omaha, Nebraska, USA",
     ((238, "cast", "Don Vito Corleone"),)),
    _Person(525, "Christopher Nolan", 2, "Directing", "1970-07-30", "London, England, UK",
     ((155, "Directing", "Director"), (27205, "Directing", "Director"),
      (157336, "Directing", "Director"))),
    _Person(6193, "Leonardo DiCaprio", 2, "Acting", "1974-11-11", "Los Angeles, California, USA",
     ((27205, "cast", "Cobb"), (597, "cast", "Jack Dawson"))),
    _Person(62, "Bruce Willis", 2, "Acting", "1955-03-19", "Idar-Oberstein, West Germany",
     ((18, "cast", "Korben Dallas"), (680, "cast", "Butch Coolidge"))),
    _Person(63, "Milla Jovovich", 1, "Acting", "1975-12-17", "Kyiv, Ukraine",
     ((18, "cast", "Leeloo"),)),
    _Person(138, "Quentin Tarantino", 2, "Directing", "1963-03-27", "Knoxville, Tennessee, USA",
     ((680, "Directing", "Director"),)),
)  # fmt: skip

_ADJECTIVES = (
    "Silent", "Hidden", "Broken", "Golden", "Last", "Distant", "Crimson",
    "Frozen", "Burning", "Quiet", "Wild", "Lost", "Secret", "Endless",
    "Midnight", "Electric", "Hollow", "Shining", "Restless", "Iron",
    "Paper", "Velvet", "Northern", "Lonely", "Bright", "Fading", "Savage",
    "Gentle", "Wandering", "Glass",
)  # fmt: skip
_NOUNS = (
    "Harbor", "River", "Garden", "Empire", "Signal", "Horizon", "Kingdom",
    "Letter", "Mirror", "Station", "Island", "Summer", "Winter", "Road",
    "Machine", "Voyage", "Promise", "Forest", "Tower", "Storm", "Engine",
    "Circle", "Shadow", "Orchard", "Frontier", "Lantern", "Valley",
    "Archive", "Compass", "Bridge",
)  # fmt: skip
_PLACES = (
    "Avalon", "Brightwater", "Calder", "Dunmore", "Elmstead", "Fairhaven",
    "Glenrock", "Harrow", "Ivywood", "Juniper Bay", "Kestrel", "Larkspur",
    "Marlow", "Northgate", "Oakridge", "Pinecrest", "Queensport",
    "Redfield", "Stonebridge", "Thornbury",
)  # fmt: skip
_LANGUAGES = ("en", "en", "en", "en", "en", "fr", "es", "de", "ja", "ko", "it")
_COUNTRIES = {"en": "US", "fr": "FR", "es": "ES", "de": "DE", "ja": "JP",
              "ko": "KR", "it": "IT"}  # fmt: skip


def _n(salt: str, i: int) -> int:
    """
    A number that depends only on *salt* and *i*.
    """
    digest = hashlib.sha256(f"{salt}:{i}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _title(i: int) -> str:
    a = _ADJECTIVES[_n("adjective", i) % len(_ADJECTIVES)]
    noun = _NOUNS[_n("noun", i) % len(_NOUNS)]
    place = _PLACES[_n("place", i) % len(_PLACES)]
    patterns = (
        f"The {a} {noun}",
        f"{noun} of {place}",
        f"{a} {noun}s",
        f"A {noun} in {place}",
        f"The {noun} of {place}",
        f"{place}: The {a} {noun}",
    )
    return patterns[_n("pattern", i) % len(patterns)]


def _unique(title: str, seen: set[str]) -> str:
    name, n = title, 2
    while name in seen:
        name = f"{title} {n}"
        n += 1
    seen.add(name)
    return name


def _pick_genres(salt: str, i: int, table: dict[int, str]) -> list[int]:
    ids = sorted(table)
    count = 1 + _n(salt + "-count", i) % 3
    start = _n(salt, i) % len(ids)
    step = 1 + _n(salt + "-step", i) % (len(ids) - 1)
    picked: list[int] = []
    for k in range(count):
        gid = ids[(start + k * step) % len(ids)]
        if gid not in picked:
            picked.append(gid)
    return picked


def _date(salt: str, i: int, first: int, years: int) -> str:
    year = first + _n(salt + "-year", i) % years
    month = 1 + _n(salt + "-month", i) % 12
    day = 1 + _n(salt + "-day", i) % 28
    return f"{year:04d}-{month:02d}-{day:02d}"


def _movies() -> dict[int, Record]:
    movies: dict[int, Record] = {}
    for film in _MOVIES:
        fields = film._asdict()
        fields["genres"] = list(film.genres)
        fields["original_title"] = film.original_title or film.title
        del fields["id"], fields["title"]
        movies[film.id] = make_movie(film.id, film.title, **fields)
    seen = {m["title"] for m in movies.values()}
    i = 0
    while len(movies) < MOVIE_COUNT:
        i += 1
        title = _unique(_title(i), seen)
        genres = _pick_genres("movie-genre", i, MOVIE_GENRES)
        names = " and ".join(MOVIE_GENRES[g].lower() for g in genres)
        movies[900_000 + i] = make_movie(
            900_000 + i,
            title,
            imdb_id=f"tt{9_000_000 + i}",
            release_date=_date("movie", i, 1950, 75),
            runtime=80 + _n("runtime", i) % 90,
            genres=genres,
            vote_average=round(4.5 + _n("vote", i) % 45 / 10, 1),
            vote_count=20 + _n("votes", i) % 9000,
            popularity=round(1 + _n("popularity", i) % 5000 / 100, 3),
            original_language=_LANGUAGES[_n("language", i) % len(_LANGUAGES)],
            overview=f"A {names} film: {title.lower()}.",
        )
    return movies


def _shows() -> dict[int, Record]:
    shows: dict[int, Record] = {}
    for show in _SHOWS:
        shows[show.id] = make_show(
            show.id,
            show.name,
            list(show.seasons),
            first_air_date=show.first_air_date,
            genres=list(show.genres),
            vote_average=show.vote_average,
            vote_count=int(show.vote_average * 2500),
            popularity=show.popularity,
            status=show.status,
            overview=show.overview,
        )
    got = shows[1399]["seasons"][1]
    got["_id"], got["id"] = "5256c89f19c2956ff6046d47", 3624
    got["episodes"][1] = {
        **got["episodes"][1],
        "id": 63056,
        "name": "Winter Is Coming",
        "overview": "Jon Arryn, the Hand of the King, is dead.",
        "production_code": "101",
        "runtime": 62,
        "vote_average": 7.8,
        "vote_count": 300,
    }
    shows[1399]["vote_count"] = 22000
    seen = {s["name"] for s in shows.values()}
    i = 0
    while len(shows) < TV_COUNT:
        i += 1
        name = _unique(_title(10_000 + i), seen)
        language = _LANGUAGES[_n("tv-language", i) % len(_LANGUAGES)]
        seasons = [
            6 + _n(f"episodes-{s}", i) % 5
            for s in range(1 + _n("seasons", i) % 4)
        ]
        shows[800_000 + i] = make_show(
            800_000 + i,
            name,
            seasons,
            first_air_date=_date("tv", i, 1990, 35),
            genres=_pick_genres("tv-genre", i, TV_GENRES),
            vote_average=round(5.0 + _n("tv-vote", i) % 40 / 10, 1),
            vote_count=10 + _n("tv-votes", i) % 3000,
            popularity=round(1 + _n("tv-popularity", i) % 4000 / 100, 3),
            original_language=language,
            origin_country=[_COUNTRIES[language]],
            overview=f"A series: {name.lower()}.",
        )
    return shows


def _people() -> dict[int, Record]:
    return {
        p.id: make_person(
            p.id,
            p.name,
            p.roles,
            gender=p.gender,
            known_for_department=p.department,
            birthday=p.birthday,
            place_of_birth=p.place_of_birth,
            popularity=round(10 + _n("person", p.id) % 9000 / 100, 3),
        )
        for p in _PEOPLE
    }


@functools.cache
def seed() -> Seed:
    """
    The built-in records (built on first use, then shared).
    """
    return Seed(_movies(), _shows(), _people())
