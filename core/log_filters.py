"""Logging filters: what any client can put into the server's log stays short and unalarming."""

from __future__ import annotations

import logging

MAX_ARG_CHARS = 100


def _shorten(value):
    if isinstance(value, str) and len(value) > MAX_ARG_CHARS:
        return f"{value[:MAX_ARG_CHARS]}… ({len(value)} characters)"
    return value


class ShortenClientValues(logging.Filter):
    """Cut long string arguments (django-guid logs a refused ``X-Request-ID`` whole: 8 KB)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_shorten(arg) for arg in record.args)
        return True


class ClientErrorAsWarning(logging.Filter):
    """A client's mistake, not the server's: WARNING, one line, no traceback.

    For ``django.security.DisallowedHost``, which Django logs at ERROR with the traceback for
    every request with a ``Host`` not in ``ALLOWED_HOSTS`` (any client can send one; the client
    still gets the JSON 400).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = None
        record.exc_text = None
        if isinstance(record.msg, str) and not record.args and len(record.msg) > 300:
            record.msg = f"{record.msg[:300]}… ({len(record.msg)} characters)"
        return True
