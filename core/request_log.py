"""What django-structlog's request line carries besides its own fields.

django-structlog logs ``request_finished`` once per request with ``request_id`` and
``user_id``; these receivers make the id the one django-guid answers in ``X-Request-ID`` and
add method, path, status, duration and the client address (the throttles' rule).
"""

from __future__ import annotations

import time

import structlog
from django.dispatch import receiver
from django_guid import get_guid
from django_structlog import signals

from core.security import client_ip


@receiver(signals.bind_extra_request_metadata)
def bind_request_id_and_start_clock(request, logger, log_kwargs, **kwargs):
    structlog.contextvars.bind_contextvars(request_id=get_guid())
    request._log_started = time.perf_counter()


@receiver(signals.bind_extra_request_finished_metadata)
def describe_finished_request(request, logger, response, log_kwargs, **kwargs):
    started = getattr(request, "_log_started", None)
    log_kwargs.pop("request", None)  # "METHOD /path?query": split, and without the query
    log_kwargs["method"] = request.method
    log_kwargs["path"] = request.path
    log_kwargs["status"] = log_kwargs.pop("code", response.status_code)
    if started is not None:
        log_kwargs["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
    log_kwargs["ip"] = client_ip(request)
