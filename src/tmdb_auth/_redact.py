"""
Keep secrets out of log records.

Strictly private. httpx logs every request line at INFO and urllib3 logs
every URL at DEBUG; both URLs carry the ``api_key`` (and session ids) that
the plugin attached. A filter on those loggers rewrites each record that
passes them, so no handler ever sees a secret.
"""

from __future__ import annotations

import functools
import logging
import re
import traceback


__all__ = ["install", "redact"]

# (pattern, replacement) pairs, compiled when the first record needs them:
# importing an adapter should cost as little as possible.
_RULES = (
    # Secret query parameters, and the same names in JSON or form bodies.
    (
        r"(?i)((?:api_key|session_id|guest_session_id|request_token|password"
        r"|access_token)(?:=|%3D|\"?\s*:\s*\"?))[^&\s\"'#;,)]+",
        r"\1***",
    ),
    # A guest session id in a path: /3/guest_session/<id>/rated/movies.
    (r"(/guest_session/)(?!new\b)[0-9A-Za-z]+", r"\1***"),
    # Bearer tokens.
    (r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+", r"\1***"),
    # The request token in the approval URL of token/new's response header.
    (r"(/authenticate/)[0-9A-Za-z]+", r"\1***"),
)


@functools.cache
def _compiled() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern), repl) for pattern, repl in _RULES)


#: Loggers of the HTTP libraries that print URLs or headers.
LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "urllib3.connectionpool",
    "urllib3.poolmanager",
    "urllib3.util.retry",
    "urllib3.connection",
    "urllib3.response",
    # requests-cache logs URLs at DEBUG too (the ones that print them).
    "requests_cache.session",
    "requests_cache.policy.actions",
    "requests_cache.policy.expiration",
    "tmdb_auth",
)


def redact(text: str) -> str:
    """Replace the values of secret query parameters and Bearer tokens."""
    if "=" not in text and ":" not in text and "earer" not in text:
        return text
    for pattern, replacement in _compiled():
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """A filter that rewrites a record's message without secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact *record* in place; never drop it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it be
            return True
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info:
            text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = redact(text).rstrip("\n")
            record.exc_info = None
        return True


_FILTER = RedactSecrets()


def install() -> None:
    """Add the filter to each of `LOGGERS`, once."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
