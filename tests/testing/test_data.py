"""
Tests of the stand-in's data: the built-in data set, TMDb's paging
envelope, search and discover, and adding data (add_movie, add_tv, data=).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

from pathlib import Path

import httpx
import pytest

from tmdb_auth.testing import TMDbServer

from .helpers import TLS, err


MSG34 = "The resource you requested could not be found."
# The same responses, hashed, must come out of every process and run.
_PATHS = (
    "/3/discover/movie?page=7",
    "/3/discover/tv?page=2&sort_by=first_air_date.asc",
    "/3/tv/800017/season/1",
    "/3/search/person?query=a",
    "/3/movie/900123",
)
_DIGEST = """
import hashlib, httpx, sys
from tmdb_auth.testing import TMDbServer
h = hashlib.sha256()
with TMDbServer() as s, httpx.Client(base_url=s.url) as c:
    for p in sys.argv[1:]:
        h.update(c.get(p, params={"api_key": s.api_key}).content)
print(h.hexdigest())
"""


def every_page(client: httpx.Client, path: str, **params: str) -> list[dict]:
    """Every result of a paged listing, page by page."""
    results: list[dict] = []
    page = 1
    while True:
        body = client.get(path, params={**params, "page": str(page)}).json()
        results += body["results"]
        if page >= body["total_pages"]:
            return results
        page += 1


class TestSeed:
    def test_sizes(self, client: httpx.Client):
        """
        At least 200 movies, 50 TV shows with seasons, a few people, and
        TMDb's genre lists.
        """
        movies = client.get("/3/discover/movie").json()
        shows = every_page(client, "/3/discover/tv")
        people = [
            client.get(f"/3/person/{i}").json()["name"]
            for i in (287, 819, 7467, 31, 6384, 525)
        ]
        genres = client.get("/3/genre/movie/list").json()["genres"]
        tv_genres = client.get("/3/genre/tv/list").json()["genres"]
        seasons = [
            client.get(f"/3/tv/{s['id']}").json()["seasons"] for s in shows
        ]

        assert movies["total_results"] >= 200
        assert len(shows) >= 50
        assert all(s and all(x["episode_count"] for x in s) for s in seasons)
        assert "Tom Hanks" in people
        assert {"id": 18, "name": "Drama"} in genres
        assert 19 == len(genres)
        assert {"id": 10765, "name": "Sci-Fi & Fantasy"} in tv_genres

    def test_deterministic(self, client: httpx.Client):
        """
        Another process (another hash seed, another server) serves the
        very same bytes: no randomness in the data.
        """
        here = hashlib.sha256()
        for path in _PATHS:
            here.update(client.get(path).content)
        there = subprocess.run(
            [sys.executable, "-c", _DIGEST, *_PATHS],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": "12345", "PATH": ""},
        ).stdout.strip()

        assert here.hexdigest() == there

    def test_well_known_ids(self, client: httpx.Client):
        """
        TMDb's own ids: 550 Fight Club, 278 The Shawshank Redemption, tv
        1399 Game of Thrones with its 8 seasons and 73 episodes.
        """
        fight_club = client.get("/3/movie/550").json()
        shawshank = client.get("/3/movie/278").json()
        got = client.get("/3/tv/1399").json()
        finale = client.get("/3/tv/1399/season/8").json()

        assert ("Fight Club", "tt0137523") == (
            fight_club["title"],
            fight_club["imdb_id"],
        )
        assert "The Shawshank Redemption" == shawshank["title"]
        assert (8, 73) == (got["number_of_seasons"], got["number_of_episodes"])
        assert 73 == sum(s["episode_count"] for s in got["seasons"])
        assert 6 == len(finale["episodes"])

    def test_people_and_credits(self, client: httpx.Client):
        """
        /3/person/{id} and /3/movie/{id}/credits agree.
        """
        person = client.get("/3/person/287").json()
        cast_and_crew = client.get("/3/movie/550/credits").json()

        assert "Brad Pitt" == person["name"]
        assert ("Brad Pitt", "Tyler Durden") == (
            cast_and_crew["cast"][0]["name"],
            cast_and_crew["cast"][0]["character"],
        )
        assert "David Fincher" in {
            c["name"] for c in cast_and_crew["crew"] if c["job"] == "Director"
        }

    @pytest.mark.parametrize(
        "path",
        [
            "/3/movie/99999999",
            "/3/tv/99999999",
            "/3/tv/1399/season/9",
            "/3/tv/1399/season/1/episode/11",
            "/3/person/1",
            "/3/movie/99999999/credits",
            "/3/movie/top-rated",
        ],
    )
    def test_unknown_is_34(self, client: httpx.Client, path: str):
        """
        An unknown resource or path: 404 with status 34.
        """
        r = client.get(path)

        assert (404, err(34, MSG34)) == (r.status_code, r.json())

    def test_needs_the_credential(self, raw: httpx.Client):
        """
        Read endpoints check the credential first: 401/7.
        """
        r = raw.get("/3/search/movie", params={"query": "fight"})

        assert (401, 7) == (r.status_code, r.json()["status_code"])


class TestPaging:
    def test_envelope(self, client: httpx.Client):
        """
        TMDb's envelope, in its key order; 20 results a page.
        """
        body = client.get("/3/discover/movie", params={"page": "2"}).json()

        assert ["page", "results", "total_pages", "total_results"] == list(
            body
        )
        assert 2 == body["page"]
        assert 20 == len(body["results"])
        assert -(-body["total_results"] // 20) == body["total_pages"]

    def test_pages_cover_everything_once(self, client: httpx.Client):
        """
        Walking the pages yields each movie exactly once.
        """
        total = client.get("/3/discover/movie").json()["total_results"]
        ids = [m["id"] for m in every_page(client, "/3/discover/movie")]

        assert total == len(ids) == len(set(ids))

    def test_past_the_last_page(self, client: httpx.Client):
        """
        A page after the last is empty, in the same envelope.
        """
        body = client.get("/3/discover/movie", params={"page": "400"}).json()

        assert (400, []) == (body["page"], body["results"])

    @pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5"])
    def test_bad_page(self, client: httpx.Client, page: str):
        """
        A page that is not an integer from 1: 400 with status 22.
        """
        r = client.get("/3/search/movie", params={"query": "a", "page": page})

        assert (400, 22) == (r.status_code, r.json()["status_code"])

    def test_page_over_500(self, client: httpx.Client):
        """
        Past page 500: 422 with TMDb's other error shape.
        """
        r = client.get("/3/discover/movie", params={"page": "501"})

        assert 422 == r.status_code
        assert {"errors": ["page must be less than or equal to 500"]} == (
            r.json()
        )


class TestSearch:
    def test_search_movie(self, client: httpx.Client):
        """
        Every word of the query starts a word of the title, any case or
        accent; most popular first; year filters.
        """
        lord = client.get("/3/search/movie", params={"query": "LORD ring"})
        amelie = client.get("/3/search/movie", params={"query": "amelie"})
        dated = client.get(
            "/3/search/movie", params={"query": "lord", "year": "2002"}
        )
        original = client.get("/3/search/movie", params={"query": "buono"})

        titles = [m["title"] for m in lord.json()["results"]]
        assert 3 == len(titles)
        assert "The Lord of the Rings: The Fellowship of the Ring" == titles[0]
        assert ["Amélie"] == [m["title"] for m in amelie.json()["results"]]
        assert [121] == [m["id"] for m in dated.json()["results"]]
        assert [429] == [m["id"] for m in original.json()["results"]]

    def test_search_result_shape(self, client: httpx.Client):
        """
        A movie result is the list form: genre_ids, no genres.
        """
        (movie,) = client.get(
            "/3/search/movie", params={"query": "fight club"}
        ).json()["results"]

        assert [18] == movie["genre_ids"]
        assert "genres" not in movie
        assert "1999-10-15" == movie["release_date"]

    def test_no_query(self, client: httpx.Client):
        """
        No query, no results (not an error).
        """
        body = client.get("/3/search/movie").json()

        assert (1, [], 0) == (
            body["page"],
            body["results"],
            body["total_results"],
        )

    def test_search_tv_and_people(self, client: httpx.Client):
        """
        search/tv matches names, search/person names, with known_for.
        """
        shows = client.get("/3/search/tv", params={"query": "breaking"})
        people = client.get("/3/search/person", params={"query": "nolan"})

        assert [1396] == [s["id"] for s in shows.json()["results"]]
        (nolan,) = people.json()["results"]
        assert {"Inception", "Interstellar", "The Dark Knight"} == {
            m["title"] for m in nolan["known_for"]
        }


class TestDiscover:
    def test_genres_and_or_not(self, client: httpx.Client):
        """
        with_genres a,b is all of them, a|b any, without_genres none.
        """

        def genres(**params: str) -> list[set[int]]:
            found = every_page(client, "/3/discover/movie", **params)
            return [set(m["genre_ids"]) for m in found]

        both = genres(with_genres="28,878")
        either = genres(with_genres="28|878")
        neither = genres(without_genres="28,878")

        assert both
        assert all({28, 878} <= g for g in both)
        assert all(g & {28, 878} for g in either)
        assert len(either) > len(both)
        assert all(not g & {28, 878} for g in neither)
        assert 250 == len(either) + len(neither)

    def test_dates_votes_language_sort(self, client: httpx.Client):
        """
        Release dates, vote bounds and language filter; sort_by orders.
        """
        found = every_page(
            client,
            "/3/discover/movie",
            **{
                "primary_release_date.gte": "1990-01-01",
                "primary_release_date.lte": "1999-12-31",
                "vote_average.gte": "8",
                "sort_by": "title.asc",
            },
        )
        japanese = every_page(
            client, "/3/discover/movie", with_original_language="ja"
        )

        assert found
        assert all("1990" <= m["release_date"] <= "1999-12-31" for m in found)
        assert all(m["vote_average"] >= 8 for m in found)
        titles = [m["title"].casefold() for m in found]
        assert sorted(titles) == titles
        assert {129, 372058} <= {m["id"] for m in japanese}
        assert all(m["original_language"] == "ja" for m in japanese)

    def test_default_is_most_popular(self, client: httpx.Client):
        """
        discover/movie and movie/popular: most popular first.
        """
        found = client.get("/3/discover/movie").json()["results"]
        popular = client.get("/3/movie/popular").json()["results"]
        scores = [m["popularity"] for m in found]

        assert sorted(scores, reverse=True) == scores
        assert found == popular

    def test_bad_date(self, client: httpx.Client):
        """
        A date filter that is not YYYY-MM-DD: 400 with status 23.
        """
        r = client.get(
            "/3/discover/movie", params={"release_date.gte": "1.1.1990"}
        )

        assert (400, 23) == (r.status_code, r.json()["status_code"])

    def test_discover_tv_year(self, client: httpx.Client):
        """
        discover/tv filters by first_air_date_year.
        """
        found = every_page(
            client, "/3/discover/tv", first_air_date_year="2019"
        )

        assert {87108, 82856} <= {s["id"] for s in found}
        assert all(s["first_air_date"].startswith("2019") for s in found)


class TestAddData:
    def test_add_movie(self, server: TMDbServer, client: httpx.Client):
        """
        add_movie() returns the record; it is served, searched and rated.
        """
        movie = server.add_movie(
            "The Stand-in",
            release_date="2031-02-03",
            genres=["Comedy", 18],
            vote_average=9.5,
        )
        got = client.get(f"/3/movie/{movie['id']}").json()
        found = client.get(
            "/3/search/movie", params={"query": "stand"}
        ).json()["results"]
        guest = client.get("/3/authentication/guest_session/new").json()
        rated = client.post(
            f"/3/movie/{movie['id']}/rating",
            params={"guest_session_id": guest["guest_session_id"]},
            json={"value": 9},
        )

        assert movie == got
        assert [{"id": 35, "name": "Comedy"}, {"id": 18, "name": "Drama"}] == (
            got["genres"]
        )
        assert [movie["id"]] == [m["id"] for m in found]
        assert 201 == rated.status_code

    def test_add_movie_replaces_by_id(
        self, server: TMDbServer, client: httpx.Client
    ):
        """
        add_movie(id=550) replaces Fight Club.
        """
        server.add_movie("Not Fight Club", id=550)

        assert "Not Fight Club" == client.get("/3/movie/550").json()["title"]

    @pytest.mark.parametrize(
        ("kwargs", "says"),
        [
            ({"title": ""}, "title"),
            ({"title": "x", "genres": ["Polka"]}, "unknown genre 'Polka'"),
            ({"title": "x", "id": -3}, "positive integer"),
            ({"title": "x", "id": True}, "positive integer"),
        ],
    )
    def test_add_movie_refuses(
        self, server: TMDbServer, kwargs: dict[str, object], says: str
    ):
        """
        Bad values are ValueErrors that say what is wrong.
        """
        with pytest.raises(ValueError, match=says):
            server.add_movie(**kwargs)  # type: ignore[arg-type]

    def test_add_tv(self, server: TMDbServer, client: httpx.Client):
        """
        add_tv(seasons=[3, 2]) makes two seasons of numbered episodes.
        """
        show = server.add_tv("Stand-ins", seasons=[3, 2], genres=["Drama"])
        detail = client.get(f"/3/tv/{show['id']}").json()
        episode = client.get(f"/3/tv/{show['id']}/season/2/episode/2").json()

        assert [3, 2] == [s["episode_count"] for s in detail["seasons"]]
        assert (2, 2, "Episode 2") == (
            episode["season_number"],
            episode["episode_number"],
            episode["name"],
        )
        with pytest.raises(ValueError, match="1 to 99"):
            server.add_tv("Empty", seasons=[0])

    def test_data_file(self, tmp_path: Path):
        """
        data= loads a JSON file; "seed": false leaves only its records.
        """
        path = tmp_path / "data.json"
        path.write_text(
            json.dumps(
                {
                    "seed": False,
                    "movies": [{"title": "Only Film", "id": 7}],
                    "tv": [{"name": "Only Show", "seasons": 2}],
                    "users": [{"username": "bob", "password": "bob-pw"}],
                }
            )
        )

        with (
            TMDbServer(data=path) as server,
            httpx.Client(
                verify=TLS,
                base_url=server.url,
                params={"api_key": server.api_key},
            ) as c,
        ):
            movies = c.get("/3/discover/movie").json()["results"]
            fight_club = c.get("/3/movie/550").status_code
            shows = c.get("/3/discover/tv").json()["results"]
            users = [u.username for u in server.users]

        assert [7] == [m["id"] for m in movies]
        assert 404 == fight_club
        assert ["Only Show"] == [s["name"] for s in shows]
        assert ["ann", "bob"] == users

    def test_data_mapping_keeps_the_seed(self):
        """
        data= takes a mapping too; by default the seed stays.
        """
        server = TMDbServer(data={"movies": [{"title": "Extra"}]})

        assert server.add_movie("Probe")["id"] > 900_000

    @pytest.mark.parametrize(
        ("content", "says"),
        [
            ("{", "not JSON"),
            ("[]", "must hold a JSON object"),
            ('{"films": []}', "unknown key 'films'"),
            ('{"movies": {}}', "'movies' must be a list"),
            ('{"movies": [{"id": 1}]}', r"movies\[0\]: a movie needs"),
            ('{"users": [{"username": "x"}]}', r"users\[0\]"),
            ('{"seed": "no"}', "'seed' must be true or false"),
        ],
    )
    def test_bad_data_file(self, tmp_path: Path, content: str, says: str):
        """
        A bad data file is a ValueError naming the file and the problem.
        """
        path = tmp_path / "bad.json"
        path.write_text(content)

        with pytest.raises(ValueError, match=f"data file .*bad.json.*{says}"):
            TMDbServer(data=path)

    def test_missing_data_file(self, tmp_path: Path):
        """
        A data file that is not there says so.
        """
        with pytest.raises(ValueError, match="cannot read it"):
            TMDbServer(data=tmp_path / "missing.json")
