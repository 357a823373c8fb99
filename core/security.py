"""Who the client is, for throttles, login lockouts and logs; what a lockout answers."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from rest_framework.throttling import BaseThrottle

from core.exceptions import error_body

_IDENT = BaseThrottle()


def client_ip(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or the ``X-Forwarded-For`` entry written by the
    outermost of ``NUM_PROXIES`` trusted proxies (DRF's rule, so throttles, lockouts and logs
    agree). With ``NUM_PROXIES=0`` the header, which any client can write, is ignored."""
    return _IDENT.get_ident(request)


def login_username(request, credentials: dict | None) -> str | None:
    """The username a failed login is counted against, case-folded so that ``Alice`` and
    ``alice`` share one counter (django-axes' ``AXES_USERNAME_CALLABLE``)."""
    username = (credentials or {}).get("username")
    return username.casefold() if isinstance(username, str) else None


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return f"Too many failed logins for this account; try again in {minutes} minutes."


def lockout_response(request, original_response=None, credentials=None) -> JsonResponse:
    """django-axes' answer to a locked-out login (``AXES_LOCKOUT_CALLABLE``), in the API's
    error format; used where a lockout is not answered by the API view itself (admin site)."""
    response = JsonResponse(error_body("locked_out", lockout_message()), status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
