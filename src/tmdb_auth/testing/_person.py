"""
A person at a browser, played over plain HTTP: open the approval page,
press a button, follow the redirect.

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


def click(url: str, button: str = "allow", *, timeout: float = 10.0) -> str:
    """
    Open the approval page at *url* and press *button*, as a person would.

    Works on the stand-in's ``/authenticate/<token>`` page (with or without
    ``redirect_to``): the form is submitted and the redirect followed, so a
    listener waiting at ``redirect_to`` (such as
    `tmdb_auth.approve_in_browser`'s) receives it.

    Args:
        url: The approval URL, as shown to the user.
        button: ``"allow"`` (Approve) or ``"deny"`` (Deny).
        timeout: Seconds for each HTTP exchange.

    Returns:
        The URL the browser ended on.

    Raises:
        LookupError: The page has no such button.

    .. versionadded:: 0.1.0
    """
    with urllib.request.urlopen(url, timeout=timeout) as page:  # noqa: S310 -- test helper, caller's URL
        text = page.read().decode("utf-8", "replace")
    for form in _FORM.findall(text):
        if f'id="{button}"' not in form:
            continue
        found = _ACTION.search(form)
        action = urljoin(url, html.unescape(found[1] if found else ""))
        fields = {
            html.unescape(name): html.unescape(value)
            for name, value in _FIELD.findall(form)
        }
        data = urlencode(fields).encode()
        request = urllib.request.Request(action, data=data, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=timeout) as done:  # noqa: S310
            return str(done.geturl())
    raise LookupError(f"the page at {url} has no {button!r} button")
