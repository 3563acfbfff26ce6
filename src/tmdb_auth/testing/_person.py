"""
A person at a browser, played over plain HTTP: open the approval page,
pick who they are, press a button, follow the redirect.

Strictly private; `click` is re-exported by :mod:`tmdb_auth.testing`.
Standard library only, like the rest of the stand-in.
"""

from __future__ import annotations

import html
import re
import urllib.request

from urllib.parse import urlencode, urljoin


__all__ = ["click"]

_FORM = re.compile(r"<form\b.*?</form>", re.DOTALL)
_ACTION = re.compile(r'action="([^"]*)"')
_FIELD = re.compile(r'<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"')
_SELECT = re.compile(
    r'<select[^>]*name="([^"]*)"[^>]*>(.*?)</select>', re.DOTALL
)
_OPTION = re.compile(r'<option value="([^"]*)"( selected)?')


def _form(text: str, button: str) -> str | None:
    for form in _FORM.findall(text):
        if f'id="{button}"' in form:
            return str(form)
    return None


def click(
    url: str,
    button: str = "allow",
    *,
    user: str | None = None,
    password: str | None = None,
    timeout: float = 10.0,
) -> str:
    """
    Open the approval page at *url* and press *button*, as a person would.

    Works on the stand-in's approval pages (``/authenticate/<token>``, with
    or without ``redirect_to``, and v4's ``/auth/access``): the form is
    submitted and the redirect followed, so a listener waiting at
    ``redirect_to`` (such as `tmdb_auth.approve_in_browser`'s) receives it.

    Args:
        url: The approval URL, as shown to the user.
        button: ``"allow"`` (Approve) or ``"deny"`` (Deny).
        user: Approve as this user of the stand-in, picked on the page
            (the default user if ``None``).
        password: Sign in as *user* with this password instead, as on
            TMDb's login page (a wrong one is refused with 401).
        timeout: Seconds for each HTTP exchange.

    Returns:
        The URL the browser ended on.

    Raises:
        LookupError: The page has no such button, or no such user.
        ValueError: *user* or *password* with ``"deny"``, or a *password*
            without a *user*.
        urllib.error.HTTPError: The page refused (a wrong password).

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       *user* and *password*.
    """
    if button != "allow" and (user is not None or password is not None):
        msg = "user= and password= only apply to the 'allow' button"
        raise ValueError(msg)
    if password is not None and user is None:
        msg = "password= signs in as a user: give user= too"
        raise ValueError(msg)
    with urllib.request.urlopen(url, timeout=timeout) as page:  # noqa: S310 -- test helper, caller's URL
        text = page.read().decode("utf-8", "replace")
    form = _form(text, "login" if password is not None else button)
    if form is None:
        raise LookupError(f"the page at {url} has no {button!r} button")
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in _FIELD.findall(form)
    }
    for name, options in _SELECT.findall(form):
        values = [html.unescape(v) for v, _ in _OPTION.findall(options)]
        chosen = [html.unescape(v) for v, on in _OPTION.findall(options) if on]
        if user is not None and password is None and user not in values:
            raise LookupError(
                f"the page at {url} offers no user {user!r} "
                f"(it offers {', '.join(values)})"
            )
        pick = user if user is not None else (chosen or values or [""])[0]
        fields[html.unescape(name)] = pick
    if password is not None:
        fields.update({"username": str(user), "password": password})
    found = _ACTION.search(form)
    action = urljoin(url, html.unescape(found[1] if found else ""))
    data = urlencode(fields).encode()
    request = urllib.request.Request(action, data=data, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as done:  # noqa: S310
        return str(done.geturl())
