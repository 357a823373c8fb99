"""gunicorn's threaded worker, answering the errors gunicorn raises itself in the API's format.

gunicorn refuses some requests before the app sees them: a request line over
``limit_request_line`` (414), headers over ``limit_request_field_size`` or too many of them
(431), a malformed request (400). It writes those answers through ``gunicorn.util.write_error``
as HTML pages, which no client of a JSON API expects and the OpenAPI schema cannot describe.
This module (loaded only by gunicorn, through ``worker_class`` in ``gunicorn.conf.py``) makes
that one function write the API's error body instead; nothing else about gunicorn changes.
"""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

_CODES = {
    400: "invalid",
    403: "permission_denied",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "request_header_fields_too_large",
    500: "server_error",
    501: "not_implemented",
}
_MESSAGES = {
    414: "The request line (method, path and query) is longer than {limit} bytes.",
    431: "The request headers are too large.",
    500: "Something went wrong on our side.",
}


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    template = _MESSAGES.get(status_int)
    limit = JsonErrorThreadWorker.limit_request_line
    message = template.format(limit=limit) if template else f"{reason}: {mesg}" if mesg else reason
    body = json.dumps({"error": {"code": _CODES.get(status_int, "error"), "message": message}}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class JsonErrorThreadWorker(ThreadWorker):
    """``gthread``, with gunicorn's own error answers in JSON."""

    limit_request_line = 4094

    def init_process(self):
        JsonErrorThreadWorker.limit_request_line = self.cfg.limit_request_line
        util.write_error = write_json_error
        super().init_process()
