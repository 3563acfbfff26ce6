"""
Built-in data of the stand-in server: TMDb's status codes and a few records.

Strictly private.  The records are small and hand-written: enough for the
read endpoints and for the session-requiring endpoints to have something to
rate, favourite and put on lists.
"""

from __future__ import annotations

from typing import Any


__all__ = [
    "CODE_FOR_STATUS",
    "CONFIGURATION",
    "HTTP_FOR_CODE",
    "MESSAGES",
    "MOVIES",
    "TV",
]


#: ``status_code`` -> ``status_message``, from TMDb's errors table.
MESSAGES: dict[int, str] = {
    1: "Success.",
    2: "Invalid service: this service does not exist.",
    3: "Authentication failed: You do not have permissions to access the service.",
    4: "Invalid format: This service doesn't exist in that format.",
    5: "Invalid parameters: Your request parameters are incorrect.",
    6: "Invalid id: The pre-requisite id is invalid or not found.",
    7: "Invalid API key: You must be granted a valid key.",
    8: "Duplicate entry: The data you tried to submit already exists.",
    9: "Service offline: This service is temporarily offline, try again later.",
    10: "Suspended API key: Access to your account has been suspended, contact TMDB.",
    11: "Internal error: Something went wrong, contact TMDB.",
    12: "The item/record was updated successfully.",
    13: "The item/record was deleted successfully.",
    14: "Authentication failed.",
    15: "Failed.",
    16: "Device denied.",
    17: "Session denied.",
    18: "Validation failed.",
    19: "Invalid accept header.",
    20: "Invalid date range: Should be a range no longer than 14 days.",
    21: "Entry not found: The item you are trying to edit cannot be found.",
    22: "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer.",
    23: "Invalid date: Format needs to be YYYY-MM-DD.",
    24: "Your request to the backend server timed out. Try again.",
    25: "Your request count (#) is over the allowed limit of (40).",
    26: "You must provide a username and password.",
    27: "Too many append to response objects: The maximum number of remote calls is 20.",
    28: "Invalid timezone: Please consult the documentation for a valid timezone.",
    29: "You must confirm this action: Please provide a confirm=true parameter.",
    30: "Invalid username and/or password: You did not provide a valid login.",
    31: "Account disabled: Your account is no longer active. Contact TMDB if this is an error.",
    32: "Email not verified: Your email address has not been verified.",
    33: "Invalid request token: The request token is either expired or invalid.",
    34: "The resource you requested could not be found.",
    35: "Invalid token.",
    36: "This token hasn't been granted write permission by the user.",
    37: "The requested session could not be found.",
    38: "You don't have permission to edit this resource.",
    39: "This resource is private.",
    40: "Nothing to update.",
    41: "This request token hasn't been approved by the user.",
    42: "This request method is not supported for this resource.",
    43: "Couldn't connect to the backend server.",
    44: "The ID is invalid.",
    45: "This user has been suspended.",
    46: "The API is undergoing maintenance. Try again later.",
    47: "The input is not valid.",
}

#: ``status_code`` -> the HTTP status TMDb sends it with (errors table).
HTTP_FOR_CODE: dict[int, int] = {
    1: 200, 2: 501, 3: 401, 4: 405, 5: 422, 6: 404, 7: 401, 8: 403,
    9: 503, 10: 401, 11: 500, 12: 201, 13: 200, 14: 401, 15: 500, 16: 401,
    17: 401, 18: 400, 19: 406, 20: 422, 21: 200, 22: 400, 23: 400, 24: 504,
    25: 429, 26: 400, 27: 400, 28: 400, 29: 400, 30: 401, 31: 401, 32: 401,
    33: 401, 34: 404, 35: 401, 36: 401, 37: 404, 38: 401, 39: 401, 40: 200,
    41: 422, 42: 405, 43: 502, 44: 500, 45: 403, 46: 503, 47: 400,
}  # fmt: skip

#: HTTP status -> the TMDb ``status_code`` of a canned error body for it.
CODE_FOR_STATUS: dict[int, int] = {
    400: 47,
    401: 3,
    403: 45,
    404: 34,
    405: 42,
    406: 19,
    422: 5,
    429: 25,
    500: 11,
    501: 2,
    502: 43,
    503: 9,
    504: 24,
}


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


MOVIES: dict[int, dict[str, Any]] = {
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

TV: dict[int, dict[str, Any]] = {
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

CONFIGURATION: dict[str, Any] = {
    "change_keys": [
        "adult",
        "air_date",
        "also_known_as",
        "biography",
        "birthday",
        "budget",
        "cast",
        "crew",
        "deathday",
        "episode",
        "genres",
        "homepage",
        "images",
        "imdb_id",
        "name",
        "overview",
        "poster",
        "release_date",
        "runtime",
        "season",
        "status",
        "tagline",
        "title",
        "videos",
    ],
    "images": {
        "base_url": "http://image.tmdb.org/t/p/",
        "secure_base_url": "https://image.tmdb.org/t/p/",
        "backdrop_sizes": ["w300", "w780", "w1280", "original"],
        "logo_sizes": [
            "w45",
            "w92",
            "w154",
            "w185",
            "w300",
            "w500",
            "original",
        ],
        "poster_sizes": [
            "w92",
            "w154",
            "w185",
            "w342",
            "w500",
            "w780",
            "original",
        ],
        "profile_sizes": ["w45", "w185", "h632", "original"],
        "still_sizes": ["w92", "w185", "w300", "original"],
    },
}
