"""
The website, not the API: the approval pages of v3 and v4 request tokens.

Strictly private.  ``/authenticate/<token>`` (v3) and
``/auth/access?request_token=`` (v4) show *Approve* and *Deny*.  As on
TMDb, the person approves as the account they are signed in as: the page
lets them pick any user of the stand-in (the default user is
preselected), or sign in as one with a password.  Approving redirects to
``redirect_to`` with ``request_token`` and ``approved=true``.
"""

from __future__ import annotations

import hmac
import html

from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from tmdb_auth.testing._wire import HTML_TYPE, Response

from ._core import Call, Reject, Routes, text
from ._state import State, Token, User


__all__ = ["routes"]

routes = Routes()


def _html(status: int, title: str, content: str) -> Response:
    page = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)} - TMDB (stand-in)</title>\n"
        f"</head>\n<body>\n<h1>{html.escape(title)}</h1>\n{content}\n"
        "</body>\n</html>\n"
    )
    return Response(status, page.encode(), [("Content-Type", HTML_TYPE)])


def _redirect(location: str) -> Response:
    return Response(
        302, b"", [("Content-Type", HTML_TYPE), ("Location", location)]
    )


def _add_query(url: str, extra: list[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    added = urlencode(extra)
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit(parts._replace(query=query))


def _token(state: State, call: Call, version: int = 3) -> Token:
    value = call.params.get("token") or call.req.query.get("request_token")
    if version == 4 and not value:
        value = text(call.body().get("request_token"))
    t = state.tokens.get(value or "")
    if t is None or t.version != version or not state.token_live(t):
        raise Reject(
            _html(
                404,
                "Page not found",
                "<p>This request token is invalid, expired or already used.</p>",
            )
        )
    return t


def _redirect_to(call: Call) -> str | None:
    body = call.body() if call.req.method == "POST" else {}
    value = text(body.get("redirect_to")) or call.req.query.get("redirect_to")
    if value and any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise Reject(_html(400, "Bad request", "<p>Invalid redirect_to.</p>"))
    return value or None


def _approver(state: State, call: Call, t: Token) -> User:
    """
    Who approves: the user picked on the page, or signed in with a
    password; the token's (or the default) user if neither was posted.
    """
    body = call.body()
    name = text(body.get("username")) or t.username or state.default_user
    user = state.users.get(name)
    password = text(body.get("password"))
    if password is not None and (
        user is None
        or not hmac.compare_digest(user.password.encode(), password.encode())
        or user.disabled
        or not user.verified
    ):
        raise Reject(
            _html(
                401,
                "Sign in failed",
                "<p>Invalid username and/or password, or the account cannot "
                "sign in.</p>",
            )
        )
    if user is None:
        raise Reject(_html(400, "Bad request", "<p>Unknown user.</p>"))
    return user


def _page(
    state: State, t: Token, action: str, redirect_to: str | None
) -> Response:
    key = state.keys.get(t.api_key)
    app = key.app_name if key else "An application"
    hidden_name = "redirect_to" if t.version == 3 else "request_token"
    hidden_value = (redirect_to or "") if t.version == 3 else t.value
    hidden = (
        f'<input type="hidden" name="{hidden_name}" '
        f'value="{html.escape(hidden_value)}">'
    )
    allow = html.escape(
        action.format("allow" if t.version == 3 else "approve")
    )
    deny = html.escape(action.format("deny"))
    chosen = t.username or state.default_user
    options = "".join(
        f'<option value="{html.escape(name)}"'
        f"{' selected' if name == chosen else ''}>{html.escape(name)}</option>"
        for name in state.users
    )
    content = (
        f'<p id="app"><strong>{html.escape(app)}</strong> is asking for '
        "permission to use your TMDB account.</p>\n"
        f'<form method="post" action="{allow}">{hidden}\n'
        f'<p id="user"><label for="username">Signed in as</label> '
        f'<select id="username" name="username">{options}</select></p>\n'
        '<button id="allow" type="submit" name="action" value="allow">'
        "Approve</button></form>\n"
        f'<form method="post" action="{deny}">{hidden}'
        '<button id="deny" type="submit" name="action" value="deny">'
        "Deny</button></form>\n"
        f'<form id="sign-in" method="post" action="{allow}">{hidden}\n'
        "<p>Not you? Sign in as another user:</p>\n"
        '<input id="login-username" type="text" name="username" '
        'autocomplete="username">\n'
        '<input id="login-password" type="password" name="password" '
        'autocomplete="current-password">\n'
        '<button id="login" type="submit" name="action" value="allow">'
        "Sign in and approve</button></form>"
    )
    return _html(200, "Approve access", content)


# --- v3 ----------------------------------------------------------------


@routes("/authenticate/{token}", "GET")
def approval_page(state: State, call: Call) -> Response:
    """
    The v3 approval page.
    """
    t = _token(state, call)
    action = "/authenticate/" + quote(t.value) + "/{}"
    return _page(state, t, action, _redirect_to(call))


@routes("/authenticate/{token}/allow", "POST")
def allow(state: State, call: Call) -> Response:
    """
    *Approve*: to ``redirect_to`` with ``approved=true``, or the landing.
    """
    t = _token(state, call)
    redirect_to = _redirect_to(call)
    user = _approver(state, call, t)
    t.state = "approved"
    t.username = user.username
    if redirect_to:
        extra = [("request_token", t.value), ("approved", "true")]
        return _redirect(_add_query(redirect_to, extra))
    return _redirect(f"/authenticate/{t.value}/allow")


@routes("/authenticate/{token}/deny", "POST")
def deny(state: State, call: Call) -> Response:
    """
    *Deny*: to ``redirect_to`` with ``denied=true`` (a guess), or the
    landing.
    """
    t = _token(state, call)
    redirect_to = _redirect_to(call)
    t.state = "denied"
    t.username = None
    if redirect_to:
        extra = [("request_token", t.value)]
        if state.settings.deny_param:
            extra.append((state.settings.deny_param, "true"))
        return _redirect(_add_query(redirect_to, extra))
    return _redirect(f"/authenticate/{t.value}/deny")


@routes("/authenticate/{token}/allow", "GET")
def allow_landing(state: State, call: Call) -> Response:
    """
    The page after approving, with the ``Authentication-Callback`` header.
    """
    t = _token(state, call)
    if t.state != "approved":
        return approval_page(state, call)
    response = _html(
        200,
        "Approved",
        "<p>You have approved this application. "
        "You can close this window.</p>",
    )
    callback = f"{state.base_url}/3/authentication/session/new?request_token={t.value}"
    response.headers.append(("Authentication-Callback", callback))
    return response


@routes("/authenticate/{token}/deny", "GET")
def deny_landing(state: State, call: Call) -> Response:
    """
    The page after denying.
    """
    t = _token(state, call)
    if t.state != "denied":
        return approval_page(state, call)
    return _html(
        200, "Denied", "<p>You have denied this application access.</p>"
    )


# --- v4 ----------------------------------------------------------------


@routes("/auth/access", "GET")
def v4_page(state: State, call: Call) -> Response:
    """
    The v4 approval page.
    """
    t = _token(state, call, 4)
    return _page(state, t, "/auth/access/{}", None)


@routes("/auth/access/approve", "POST")
def v4_allow(state: State, call: Call) -> Response:
    """
    v4 *Approve*: to the token's ``redirect_to``, or the landing.
    """
    t = _token(state, call, 4)
    user = _approver(state, call, t)
    t.state = "approved"
    t.username = user.username
    return _redirect(t.redirect_to or "/auth/access/approve")


@routes("/auth/access/deny", "POST")
def v4_deny(state: State, call: Call) -> Response:
    """
    v4 *Deny*.
    """
    t = _token(state, call, 4)
    t.state = "denied"
    t.username = None
    return _redirect(t.redirect_to or "/auth/access/deny")


@routes("/auth/access/approve", "GET")
@routes("/auth/access/deny", "GET")
def v4_landing(_state: State, call: Call) -> Response:
    """
    The page after a v4 approval or denial.
    """
    approved = call.req.path.endswith("/approve")
    title = "Approved" if approved else "Denied"
    return _html(200, title, f"<p>{title}. You can close this window.</p>")
