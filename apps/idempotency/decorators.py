"""``@idempotent``: the optional ``Idempotency-Key`` header on a DRF view method.

Usage, one line above the handler (below ``@action`` when there is one)::

    @action(detail=True, methods=["post"])
    @idempotent
    def reschedule(self, request, pk=None): ...

Document it with ``parameters=[docs.IDEMPOTENCY_KEY]`` and ``docs.idempotency_errors()``.

Without the header the handler runs as before: one dictionary lookup, no query. With it
(1-255 characters, else 400 naming the header), keys are per user:

1. The key is claimed: ``INSERT ... ON CONFLICT DO NOTHING`` in its own short transaction,
   committed before the work starts, so every app server sees it.
2. The handler runs inside a transaction that also stores its answer (status and rendered
   body): a booking and its stored answer commit together or not at all.
3. A later request with the same key and the same request (method, path, JSON body) gets the
   first answer again, same status and body, with ``Idempotent-Replayed: true``; another
   request under the same key gets 422 ``idempotency_key_reused``; a repeat while the first
   is still running gets 409 ``idempotency_key_in_flight``.

Which answers are kept (the IETF draft "The Idempotency-Key HTTP Header Field" leaves it to
the server): every answer the handler gave, 2xx and 4xx alike, because each is the outcome
of that request (a 409 ``slot_taken`` stays the answer to that attempt; a new attempt takes a
new key). A 5xx or an unexpected exception releases the key: nothing was committed (the work
and the answer share a transaction), so the client's retry runs again, as the draft's
"fault-tolerant retry" intends. Refusals before the handler (401, 403, 429, a malformed body)
never claim the key.
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.exceptions import ApplicationError, InvalidInput

from . import selectors, services
from .models import MAX_KEY_LENGTH

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


def idempotent(handler):
    """Make a DRF view handler honour the ``Idempotency-Key`` header (see the module docstring)."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        return _once(view, request, key, lambda: handler(view, request, *args, **kwargs))

    return wrapper


def fingerprint(request) -> str:
    """The same request: method, path with query, and the JSON body with its keys sorted."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(f"{request.method}\n{request.get_full_path()}\n{body}".encode()).hexdigest()


def _check(key: str) -> None:
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidInput(
            f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} characters long.", field=HEADER
        )
    if not key.isprintable():  # control characters (a NUL cannot even be stored in PostgreSQL)
        raise InvalidInput(f"The {HEADER} header must not contain control characters.", field=HEADER)


def _once(view, request, key: str, run):
    _check(key)
    request_print = fingerprint(request)  # a malformed body is a 400 here, before any claim
    user_id = request.user.pk
    for _ in range(3):  # a claim released between our INSERT and SELECT: claim again
        claim_id = services.key_claim(user_id=user_id, key=key, fingerprint=request_print)
        if claim_id is not None:
            return _run_and_answer(view, claim_id, run)
        held = selectors.key_earlier(user_id=user_id, key=key)
        if held is None:
            continue
        claim_id, earlier = held
        if earlier.fingerprint != request_print:
            raise ApplicationError(
                f"This {HEADER} was used for another request; send a new key for a new request.",
                code="idempotency_key_reused",
                status_code=422,
            )
        if earlier.response_status is not None:
            return Response(
                json.loads(earlier.response_body) if earlier.response_body else None,
                status=earlier.response_status,
                headers={REPLAYED_HEADER: "true"},
            )
        if services.key_reclaim_abandoned(claim_id=claim_id, claimed_at=earlier.created_at):
            return _run_and_answer(view, claim_id, run)
        break
    raise ApplicationError(
        f"A request with this {HEADER} is still being processed; retry in a moment.",
        code="idempotency_key_in_flight",
    )


def _run_and_answer(view, claim_id: int, run):
    try:
        with transaction.atomic():
            try:
                response = run()
            except Exception as exc:  # 4xx answers become responses; anything else re-raises
                response = view.handle_exception(exc)
            if response.status_code < 500:
                body = JSONRenderer().render(response.data).decode()
                services.key_answer(claim_id=claim_id, status=response.status_code, body=body)
            else:  # a 5xx answered rather than raised: undo its work too, the key is released
                transaction.set_rollback(True)
    except BaseException:
        services.key_release(claim_id=claim_id)
        raise
    if response.status_code >= 500:
        services.key_release(claim_id=claim_id)
    return response
