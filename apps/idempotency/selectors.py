"""Reads on idempotency keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import IdempotencyKey


@dataclass(frozen=True)
class Earlier:
    """What an earlier request with the same user and key left behind."""

    fingerprint: str
    response_status: int | None
    response_body: str | None
    created_at: dt.datetime


def key_earlier(*, user_id: int, key: str) -> tuple[int, Earlier] | None:
    """The claim that holds the key, or None when it was released in the meantime."""
    row = (
        IdempotencyKey.objects.filter(user_id=user_id, key=key)
        .values_list("id", "fingerprint", "response_status", "response_body", "created_at")
        .first()
    )
    return (row[0], Earlier(*row[1:])) if row else None
