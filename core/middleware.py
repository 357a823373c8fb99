"""Middleware of the whole site (cheap: no database, nothing but header reads per request)."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import JsonResponse

from core.exceptions import error_body, request_timeout_body
from core.gunicorn_worker import RequestReadTimeout


def _too_large() -> JsonResponse:
    limit = settings.REQUEST_BODY_MAX_BYTES
    return JsonResponse(
        error_body("request_too_large", f"The request body is larger than {limit} bytes."), status=413
    )


class RequestBodyLimitMiddleware:
    """Refuse request bodies over ``REQUEST_BODY_MAX_BYTES`` with 413 before anything reads them.

    DRF's JSON parser reads the raw stream, so Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (forms
    only) never applies to the API. A declared ``Content-Length`` is checked without reading;
    a body without one (``Transfer-Encoding: chunked``), which Django would otherwise not read
    at all, is read up to one byte past the limit and, when it fits, handed on as if it had
    been sent with its length.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.REQUEST_BODY_MAX_BYTES
        length = request.META.get("CONTENT_LENGTH")
        if length:
            try:
                too_large = int(length) > limit
            except ValueError:
                return JsonResponse(error_body("invalid", "Content-Length is not a number."), status=400)
            if too_large:
                return _too_large()
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            try:
                body = request.META["wsgi.input"].read(limit + 1)
            except RequestReadTimeout:  # the chunks stalled (core/gunicorn_worker.py)
                return JsonResponse(request_timeout_body(), status=408)
            if len(body) > limit:
                return _too_large()
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = LimitedStream(io.BytesIO(body), len(body))
        return self.get_response(request)
