"""Helpers that give every operation the same documented error responses and examples."""

from __future__ import annotations

import copy

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, where a list is what the success response says it is.

    Out of the box only the ``list`` action counts as a list, so extra list actions
    (``/appointments/me/``, a doctor's free slots) lost their filter and page parameters: the
    success response documented through ``ok(..., many=True)`` is an ``OpenApiResponse``,
    which drf-spectacular does not look into. A list action without a paginator (bulk slot
    creation) is then a plain array, as it answers.
    """

    def _is_list_view(self, serializer=None) -> bool:
        if serializer is None:
            serializer = self.get_response_serializers()
        if isinstance(serializer, dict) and serializer:
            success = {str(code): s for code, s in serializer.items()}
            serializer = success[min(success)]
        if isinstance(serializer, OpenApiResponse):
            serializer = serializer.response
        return super()._is_list_view(serializer)


class WallClockTimeExtension(OpenApiSerializerFieldExtension):
    """Times are the clinic's wall-clock times without an offset ("09:30" or "09:30:00"),
    which OpenAPI's ``format: time`` (RFC 3339, offset required) does not describe."""

    target_class = "rest_framework.fields.TimeField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "example": "09:30:00",
        }


ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(
                    child=serializers.JSONField(),
                    required=False,
                    help_text="Present when the error is about input fields: field name -> list of "
                    "messages (nested inputs such as `breaks` nest the same way, by index).",
                ),
            },
        )
    },
)

_DEFAULT_ERRORS = {
    400: ("invalid", "Some fields are invalid.", {"field": ["This field is required."]}),
    401: ("not_authenticated", "Authentication credentials were not provided.", None),
    403: ("permission_denied", "Your role may not do this.", None),
    404: ("not_found", "No such object.", None),
    408: (
        "request_timeout",
        "The request (headers and body) did not arrive within 10 seconds.",
        None,
    ),
    409: ("conflict", "The request conflicts with the current state.", None),
    413: ("request_too_large", "The request body is larger than 1048576 bytes.", None),
    414: (
        "uri_too_long",
        "The request line (method, path and query) is longer than 4094 bytes.",
        None,
    ),
    422: ("idempotency_key_reused", "This Idempotency-Key was used for another request.", None),
    429: ("throttled", "Request was throttled. Expected available in 42 seconds.", None),
}

# A 401 tells a missing token from one that cannot be used (core.exceptions._unauthorized).
TOKEN_NOT_VALID = (
    "token_not_valid",
    "The token has expired: get a new one from /api/auth/token/refresh/ or log in.",
    None,
    "401 token_not_valid (expired)",
)
TOKEN_REVOKED = (
    "token_not_valid",
    "The token was revoked: the password has been changed since it was issued.",
    None,
    "401 token_not_valid (revoked)",
)
_DEFAULT_CASES = {401: [_DEFAULT_ERRORS[401], TOKEN_NOT_VALID, TOKEN_REVOKED]}

_DESCRIPTIONS = {
    400: "Invalid input; `fields` names each offending field.",
    401: "`not_authenticated`: no token sent. `token_not_valid`: the token is malformed, "
    "expired or revoked (logout, rotation, password change, deactivation); the message says which.",
    403: "Signed in, but this role may not do this.",
    404: "No such object, or it belongs to someone else (on lists: no such page).",
    408: "The request's headers and body did not arrive within `GUNICORN_REQUEST_READ_TIMEOUT` "
    "seconds (default 10); the server closes the connection.",
    409: "Valid, but conflicts with the current state.",
    413: "The request body is over 1 MiB; refused before it is read.",
    414: "The request line (method, path and query string) is over 4094 bytes; refused by the "
    "server (gunicorn's `limit_request_line`) before the app sees it.",
    422: "The Idempotency-Key was used before with another request.",
    429: "Too many requests; retry later.",
}


def error_example(
    status: int, code: str, message: str, fields: dict | None = None, name: str | None = None
) -> OpenApiExample:
    body: dict = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return OpenApiExample(
        name or f"{status} {code}", value=body, status_codes=[str(status)], response_only=True
    )


def field_error(field: str, message: str, code: str = "invalid") -> tuple:
    """An error example about one input field, for ``errors(examples=...)``."""
    return (code, message, {field: [message]})


def errors(*statuses: int, examples: dict[int, list[tuple]] | None = None) -> dict:
    """``responses`` entries for the given error statuses, each with at least one example.

    ``examples`` maps a status to ``(code, message, fields)`` tuples that replace the default.
    """
    examples = examples or {}
    result = {}
    for status in statuses:
        cases = examples.get(status) or _DEFAULT_CASES.get(status) or [_DEFAULT_ERRORS[status]]
        result[status] = OpenApiResponse(
            response=ErrorSerializer,
            description=_DESCRIPTIONS[status],
            examples=[error_example(status, *case) for case in cases],
        )
    return result


def list_errors() -> dict:
    """The refusals of every paginated list: bad filter, no token, wrong role, no such page."""
    return errors(400, 401, 403, 404, examples={404: [("not_found", "Invalid page.", None)]})


def ok(serializer, example, name: str, *, status: str = "200", many: bool = False) -> OpenApiResponse:
    """A success response with one named example."""
    return OpenApiResponse(
        serializer(many=True) if many else serializer,
        examples=[OpenApiExample(name, value=example, response_only=True, status_codes=[status])],
    )


# Answered by the server before any view runs, so possible on every operation.
_EVERYWHERE = (408, 413, 414)


_REQUEST_ID_HEADER = {
    "description": "This request's id: the client's own when it sent a UUID in `X-Request-ID`, "
    "else a fresh one. The same id is in the server's log line for the request.",
    "schema": {"type": "string", "example": "3f0c9d2e8a7b4c1d9e6f5a4b3c2d1e0f"},
}
# 414 always, 408 when the headers stall, are gunicorn's answers before the app runs.
_SERVER_REQUEST_ID_HEADER = {
    **_REQUEST_ID_HEADER,
    "description": "A fresh id. When the server answers this before the app runs (414, or a 408 "
    "for stalled headers) the app writes no log line for it.",
}


def document_server_refusals(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the refusals that come before routing (body
    too large, request line too long, request too slow to arrive) to every operation, in the
    common error format, and the ``X-Request-ID`` header to every answer the app gives."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status in _EVERYWHERE:
                code, message, fields = _DEFAULT_ERRORS[status]
                example = error_example(status, code, message, fields)
                responses.setdefault(
                    str(status),
                    {
                        "description": _DESCRIPTIONS[status],
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Error"},
                                "examples": {example.name: {"value": example.value}},
                            }
                        },
                    },
                )
            # The app's answers and gunicorn's own (414, 408) alike (core/gunicorn_worker.py).
            for status, answer in responses.items():
                header = _SERVER_REQUEST_ID_HEADER if status in ("408", "414") else _REQUEST_ID_HEADER
                answer.setdefault("headers", {})["X-Request-ID"] = copy.deepcopy(header)
    return result
