"""
What a fresh interpreter does for areas 3 and 4; prints one JSON line.

Kept apart from the rest of the harness and importing nothing at the top
but the standard library's ``time`` and ``sys`` (already loaded), so the
clock starts before any library is imported.

    child.py import MODULE
    child.py cold VARIANT API_URL API_KEY CACHE_DIR GUEST_SESSION_ID
"""

import time


_T0 = time.perf_counter()

import json  # noqa: E402
import sys  # noqa: E402


RATING = "/3/movie/550/rating"


def _import(module: str) -> dict[str, object]:
    import importlib

    t0 = time.perf_counter()
    importlib.import_module(module)
    return {"seconds": time.perf_counter() - t0}


def _cold(variant: str, url: str, key: str, cache: str, sid: str) -> int:
    """One rating call; returns the status code."""
    body = {"value": 8.5}
    if variant == "ours-requests":
        import requests

        from tmdb_auth.requests import TMDbAuth as RequestsAuth

        s = requests.Session()
        s.auth = RequestsAuth(key, api_url=url, session="guest", cache=cache)
        return s.post(url + RATING, json=body, timeout=10).status_code
    if variant == "hand-requests":
        import requests

        query = f"api_key={key}&guest_session_id={sid}"

        def auth(r: requests.PreparedRequest) -> requests.PreparedRequest:
            r.url = f"{r.url}{'&' if '?' in (r.url or '') else '?'}{query}"
            return r

        s = requests.Session()
        s.auth = auth
        return s.post(url + RATING, json=body, timeout=10).status_code
    if variant == "ours-httpx":
        import httpx

        from tmdb_auth.httpx import TMDbAuth as HttpxAuth

        hauth = HttpxAuth(key, api_url=url, session="guest", cache=cache)
        with httpx.Client(auth=hauth) as client:
            return client.post(url + RATING, json=body).status_code
    if variant == "hand-httpx":
        import httpx

        params = {"api_key": key, "guest_session_id": sid}
        with httpx.Client(params=params) as client:
            return client.post(url + RATING, json=body).status_code
    if variant == "tmdbsimple":
        import tmdbsimple

        tmdbsimple.API_KEY = key
        movie = tmdbsimple.Movies(550)
        movie.base_uri = url + "/3"  # tmdbsimple has no setting for it
        movie.rating(guest_session_id=sid, value=8.5)
        return 201
    msg = f"unknown variant {variant!r}"
    raise SystemExit(msg)


def main(argv: list[str]) -> None:
    """Run the command in *argv* and print its JSON result."""
    if argv[0] == "import":
        result = _import(argv[1])
    else:
        status = _cold(*argv[1:6])
        result = {"seconds": time.perf_counter() - _T0, "status": status}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
