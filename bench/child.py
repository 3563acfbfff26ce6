"""
What a fresh interpreter does for the cold-start areas; prints one JSON line.

Kept apart from the rest of the harness and importing nothing at the top
but the standard library's ``time`` (already loaded), so the clock starts
before any library is imported.

    child.py import MODULE
    child.py cold JSON    # {"variant", "url", "key", "token", "cache",
                          #  "guest", "user"}

Variants: ``ours-LIB-MODE`` (LIB requests or httpx; MODE auto, guest,
user: a rating call with that ``session=``, the session cached; off: a
read call with ``session=None``; bearer: a read call with the read token,
default mode), ``hand-LIB-KIND`` (a hand-written auth of the library's own
kind with the credential and session given: guest, user, key, bearer),
and ``tmdbsimple``. The result says whether diskcache was imported.
"""

import time


_T0 = time.perf_counter()

import json  # noqa: E402
import sys  # noqa: E402


RATING = "/3/movie/550/rating"
READ = "/3/movie/550"
_SESSION_MODES = ("auto", "guest", "user")


def _import(module: str) -> dict[str, object]:
    import importlib

    t0 = time.perf_counter()
    importlib.import_module(module)
    return {"seconds": time.perf_counter() - t0}


def _hand_query(kind: str, a: dict[str, str]) -> tuple[str, str]:
    """The query and the header a hand-written auth of *kind* attaches."""
    if kind == "bearer":
        return "", f"Bearer {a['token']}"
    query = f"api_key={a['key']}"
    if kind == "guest":
        query += f"&guest_session_id={a['guest']}"
    elif kind == "user":
        query += f"&session_id={a['user']}"
    return query, ""


def _session_mode(mode: str) -> "str | None":
    """``session=`` of ours in *mode* (bearer: the default)."""
    if mode == "off":
        return None
    return "auto" if mode == "bearer" else mode


def _ours(module: object, mode: str, a: dict[str, str]) -> object:
    """Ours from the adapter *module*, configured for *mode*."""
    key = a["token"] if mode == "bearer" else a["key"]
    return module.TMDbAuth(  # type: ignore[attr-defined]
        key, api_url=a["url"], session=_session_mode(mode), cache=a["cache"]
    )


def _requests(variant: str, a: dict[str, str]) -> int:
    import requests

    mode = variant.rpartition("-")[2]
    s = requests.Session()
    if variant.startswith("ours-"):
        import tmdb_auth.requests

        s.auth = _ours(tmdb_auth.requests, mode, a)
        rating = mode in _SESSION_MODES
    else:
        query, header = _hand_query(mode, a)

        def auth(r: requests.PreparedRequest) -> requests.PreparedRequest:
            if header:
                r.headers["Authorization"] = header
            if query:
                url = r.url or ""
                r.url = f"{url}{'&' if '?' in url else '?'}{query}"
            return r

        s.auth = auth
        rating = mode in ("guest", "user")
    with s:
        if rating:
            return s.post(a["url"] + RATING, json={"value": 8.5}).status_code
        return s.get(a["url"] + READ).status_code


def _httpx(variant: str, a: dict[str, str]) -> int:
    import httpx

    mode = variant.rpartition("-")[2]
    auth: httpx.Auth
    if variant.startswith("ours-"):
        import tmdb_auth.httpx

        auth = _ours(tmdb_auth.httpx, mode, a)
        rating = mode in _SESSION_MODES
    else:
        query, header = _hand_query(mode, a)

        class Hand(httpx.Auth):
            def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
                if header:
                    request.headers["Authorization"] = header
                if query:
                    raw = request.url.query
                    extra = query.encode("ascii")
                    request.url = request.url.copy_with(
                        query=raw + b"&" + extra if raw else extra
                    )
                yield request

        auth = Hand()
        rating = mode in ("guest", "user")
    with httpx.Client(auth=auth) as client:
        if rating:
            return client.post(
                a["url"] + RATING, json={"value": 8.5}
            ).status_code
        return client.get(a["url"] + READ).status_code


def _tmdbsimple(a: dict[str, str]) -> int:
    import tmdbsimple

    tmdbsimple.API_KEY = a["key"]
    movie = tmdbsimple.Movies(550)
    movie.base_uri = a["url"] + "/3"  # tmdbsimple has no setting for it
    movie.rating(guest_session_id=a["guest"], value=8.5)
    return 201


def _cold(a: dict[str, str]) -> int:
    """One call; returns the status code."""
    variant = a["variant"]
    if variant == "tmdbsimple":
        return _tmdbsimple(a)
    if "-requests-" in variant:
        return _requests(variant, a)
    if "-httpx-" in variant:
        return _httpx(variant, a)
    msg = f"unknown variant {variant!r}"
    raise SystemExit(msg)


def main(argv: list[str]) -> None:
    """Run the command in *argv* and print its JSON result."""
    if argv[0] == "import":
        result = _import(argv[1])
    else:
        status = _cold(json.loads(argv[1]))
        result = {
            "seconds": time.perf_counter() - _T0,
            "cpu": time.process_time(),
            "status": status,
            "diskcache": "diskcache" in sys.modules,
        }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
