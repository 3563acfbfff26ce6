"""
TMDb's behaviour, I/O free: the stand-in's application.

Strictly private.  `handle` turns a recorded request into the response to
send: the credential first, then the route's own checks (session, body,
resource).  One module
per concept declares its endpoints in its own ``routes``:

- ``auth``: the credential check, sessions, ``/3/authentication``;
- ``account``: ``/3/account``, favorites, watchlist, rated lists;
- ``media``: movies, TV, people, ratings, account states, configuration;
- ``search``: ``search/*``, ``discover/*``, popular and top rated;
- ``lists``: ``/3/list``;
- ``v4``: ``/4/auth``, ``/4/account`` and the conversion of v4 tokens to
  v3 sessions;
- ``v4_lists``: ``/4/list``;
- ``web``: the approval pages of the website.

A new concept module joins by adding its ``routes`` to `ROUTER`.
"""

from __future__ import annotations

from tmdb_auth.testing._codes import error_response
from tmdb_auth.testing._wire import RecordedRequest, Response

from . import account, auth, lists, media, search, v4, v4_lists, web
from ._catalogue import Catalogue
from ._core import Call, Reject, Router, fail
from ._seed import seed
from ._state import Checkpoint, Settings, State, User


__all__ = [
    "ROUTER",
    "Catalogue",
    "Checkpoint",
    "Settings",
    "State",
    "User",
    "handle",
    "seed",
]

ROUTER = Router(
    (
        auth.routes,
        account.routes,
        media.routes,
        search.routes,
        lists.routes,
        v4.routes,
        v4_lists.routes,
        web.routes,
    )
)


def handle(state: State, req: RecordedRequest) -> Response:
    """
    Answer *req*: credential, then session, then body, then resource.
    """
    with state.lock:
        try:
            return _dispatch(state, req)
        except Reject as reject:
            return reject.response


def _dispatch(state: State, req: RecordedRequest) -> Response:
    api = req.path.startswith(("/3/", "/4/")) or req.path in ("/3", "/4")
    found = ROUTER.match(req.path)
    call = Call(req, found[1] if found else {}, state.settings.lenient_bodies)
    if api:
        v4.check_bearer(state, call)
        auth.authenticate(state, call)
    if found is None:
        raise fail(34)
    handler = found[0].get(req.method)
    if handler is None:
        response = error_response(42)
        response.headers.append(("Allow", ", ".join(sorted(found[0]))))
        return response
    return handler(state, call)
