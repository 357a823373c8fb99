"""One error type for business rules and one error format for the whole API.

Every error body looks like::

    {"error": {"code": "slot_taken", "message": "…", "fields": {"timeslot": ["…"]}}}

``fields`` is present when the error is about specific input fields.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework_simplejwt.exceptions import InvalidToken

from core.gunicorn_worker import RequestReadTimeout, request_timeout_message


class ApplicationError(Exception):
    """A request that is valid on its own but breaks a business rule.

    Raised by services; the exception handler turns it into ``status_code`` with the
    common error body. ``field`` names the input field the rule is about, when there is one.
    """

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        status_code: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.field = field
        if status_code is not None:
            self.status_code = status_code


class Conflict(ApplicationError):
    """409: valid, but conflicts with the current state."""


class InvalidInput(ApplicationError):
    """400: the request is invalid on its own (checked by a service, e.g. a date in the past)."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"


_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    415: "unsupported_media_type",
    429: "throttled",
}


# 401s: "not_authenticated" means no credentials were sent; "token_not_valid" means a token was
# sent and cannot be used, and the message says why (so a client knows to refresh or log in).
_TOKEN_FAILURES = {
    # simplejwt's codes (authentication.get_user, the header check) and messages (tokens.py).
    "password_changed": "The token was revoked: the password has been changed since it was issued.",
    "user_inactive": "The token was revoked: the account has been deactivated.",
    "user_not_found": "The token's user does not exist.",
    "bad_authorization_header": "The token is malformed: send 'Authorization: Bearer <access token>'.",
    "Token is expired": "The token has expired: get a new one from /api/auth/token/refresh/ or log in.",
    "Token is invalid": "The token is malformed or was not signed by this server.",
    "Token is blacklisted": "The token was revoked (logged out, already rotated, or the password changed).",
    "Token has wrong type": "The token is of the wrong type (a refresh token instead of an access token?).",
}


def _unauthorized(exc: exceptions.APIException) -> tuple[str, str]:
    """The code and message of a 401."""
    if isinstance(exc, exceptions.NotAuthenticated):
        return "not_authenticated", str(exc.detail)
    detail = exc.detail
    if isinstance(detail, dict):  # simplejwt: {"detail", "code", "messages": [{"message"}, ...]}
        messages = detail.get("messages") or []
        reason = str(messages[0]["message"]) if messages else str(detail.get("detail", ""))
        code = str(detail.get("code", ""))
    else:
        reason, code = str(detail), str(getattr(detail, "code", "") or "")
    if isinstance(exc, InvalidToken) or code in _TOKEN_FAILURES:
        return "token_not_valid", _TOKEN_FAILURES.get(code) or _TOKEN_FAILURES.get(reason) or reason
    # Wrong credentials at login: simplejwt's "no_active_account".
    return code or "authentication_failed", reason


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    error: dict = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def request_timeout_body() -> dict:
    """408: the request's body stalled while the app read it (the same answer the worker gives
    when its headers stall; core/gunicorn_worker.py)."""
    return error_body("request_timeout", request_timeout_message())


def exception_handler(exc, context):
    if isinstance(exc, RequestReadTimeout):
        # The body stalled while the view read it (core/gunicorn_worker.py); the worker closes.
        return Response(request_timeout_body(), status=status.HTTP_408_REQUEST_TIMEOUT)
    if isinstance(exc, ApplicationError):
        fields = {exc.field: [exc.message]} if exc.field else None
        return Response(error_body(exc.code, exc.message, fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    code = _CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {k: v for k, v in detail.items() if k != "non_field_errors"}
            general = detail.get("non_field_errors")
            message = str(general[0]) if general else "Some fields are invalid."
            response.data = error_body(code, message, fields or None)
            if general and not fields:
                response.data["error"]["fields"] = {"non_field_errors": general}
        else:
            items = detail if isinstance(detail, list) else [detail]
            response.data = error_body(code, str(items[0]) if items else "Invalid input.")
    elif response.status_code == 401 and isinstance(exc, exceptions.APIException):
        response.data = error_body(*_unauthorized(exc))
    else:
        detail = getattr(exc, "detail", None)
        if isinstance(detail, exceptions.ErrorDetail) and detail.code and code == "error":
            code = detail.code
        if isinstance(detail, dict):
            message = str(detail.get("detail", "")) or str(exc)
        else:
            message = str(detail) if detail is not None else str(exc)
        response.data = error_body(code, message)
    return response
