"""Finding secrets where they must not be. Used by the fixtures and tests."""

from __future__ import annotations

import traceback

from collections.abc import Iterable

from tmdb_auth.testing import TMDbServer


SECRET_PARAMS = (
    "api_key",
    "session_id",
    "guest_session_id",
    "request_token",
    "password",
)


def collect_secrets(server: TMDbServer) -> set[str]:
    """The server's credentials and every secret sent to it."""
    found = {server.api_key, server.read_token, server.password}
    for request in server.requests:
        for name in SECRET_PARAMS:
            value = request.query.get(name)
            if value:
                found.add(value)
        try:
            body = request.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            for name in SECRET_PARAMS:
                value = body.get(name)
                if isinstance(value, str) and value:
                    found.add(value)
    return {s for s in found if len(s) >= 8}


def find_leaks(texts: Iterable[str], secrets: set[str]) -> list[str]:
    """The texts that contain a secret (shown masked)."""
    return [
        text.replace(secret, "<SECRET>")
        for text in texts
        for secret in secrets
        if secret in text
    ]


def exception_texts(exc: BaseException) -> list[str]:
    """Everything an exception and its chain show: str, repr, args, trace."""
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args)]
        texts += [repr(v) for v in vars(current).values()]
        current = current.__cause__ or current.__context__
    texts.append(
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    )
    return texts


def assert_no_secret(exc: BaseException, secrets: Iterable[str]) -> None:
    """Fail if *exc*, or anything chained to it, shows a secret."""
    leaks = find_leaks(exception_texts(exc), set(secrets))
    assert [] == leaks
