"""Writes on idempotency keys: claim a key before the work, store the answer with the work,
release it when the work failed unexpectedly, delete old ones.

Each function is one SQL statement. ``key_claim`` runs in autocommit (outside the request's
work), so the claim is visible to every app server at once: a second request with the same
key blocks on the unique index only for that one statement, never for the whole booking.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from .models import IdempotencyKey

# A claim with no answer this long after it was made belongs to a process that died mid-request
# (gunicorn kills a request after GUNICORN_TIMEOUT, 30 s by default). The answer is stored in the
# transaction of the work, so no answer means no work was committed: running it again is safe.
ABANDONED_AFTER = dt.timedelta(minutes=5)

# Kept at least this long (SPEC 9: 24 hours); ``manage.py clear_idempotency_keys`` deletes older.
KEEP_FOR = dt.timedelta(hours=24)

_TABLE = IdempotencyKey._meta.db_table


def key_claim(*, user_id: int, key: str, fingerprint: str) -> int | None:
    """Claim the key for a new request: the claim's id, or None when the key is taken."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {_TABLE} (user_id, key, fingerprint, created_at)
                VALUES (%s, %s, %s, now())
                ON CONFLICT (user_id, key) DO NOTHING
                RETURNING id""",  # noqa: S608  (the table name is ours)
            [user_id, key, fingerprint],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def key_reclaim_abandoned(*, claim_id: int, claimed_at: dt.datetime) -> bool:
    """Take over a claim whose request died before answering (see ``ABANDONED_AFTER``).

    Only one of several retries wins: the update matches the old claim time once.
    """
    return bool(
        IdempotencyKey.objects.filter(
            pk=claim_id,
            response_status__isnull=True,
            created_at=claimed_at,
            created_at__lt=timezone.now() - ABANDONED_AFTER,
        ).update(created_at=timezone.now())
    )


def key_answer(*, claim_id: int, status: int, body: str) -> None:
    """Store the answer of the claimed request (call it inside the work's transaction)."""
    IdempotencyKey.objects.filter(pk=claim_id).update(response_status=status, response_body=body)


def key_release(*, claim_id: int) -> None:
    """Forget a claim whose request failed unexpectedly, so that a retry runs again."""
    IdempotencyKey.objects.filter(pk=claim_id, response_status__isnull=True).delete()


def keys_delete_older_than(*, age: dt.timedelta = KEEP_FOR) -> int:
    """Delete keys claimed longer than ``age`` ago; the contract keeps them ``KEEP_FOR``."""
    if age < KEEP_FOR:
        raise ValueError(f"Idempotency keys are kept at least {KEEP_FOR}.")
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - age).delete()
    return deleted
