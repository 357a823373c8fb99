"""Writes for calendar feeds: ``calendar_feed_get_or_create``, ``calendar_feed_rotate``.

Notifications: the one job deferred in a change's transaction is ``receivers.record_change``;
what the worker then does (record each email, send it once, schedule the reminder) is
``delivery.py``, run by ``tasks.py``.
"""

from __future__ import annotations

import secrets

from django.db import transaction

from apps.users.models import User

from .models import CalendarFeed

SELECTOR_BYTES = 12  # 96 bits: finds the row
VERIFIER_BYTES = 24  # 192 bits: the secret, compared in constant time


def _new_secrets() -> dict[str, str]:
    return {
        "selector": secrets.token_urlsafe(SELECTOR_BYTES),
        "verifier": secrets.token_urlsafe(VERIFIER_BYTES),
    }


@transaction.atomic
def calendar_feed_get_or_create(*, user: User) -> CalendarFeed:
    """The user's feed address; the first call makes one."""
    feed, _ = CalendarFeed.objects.get_or_create(user=user, defaults=_new_secrets())
    return feed


@transaction.atomic
def calendar_feed_rotate(*, user: User) -> CalendarFeed:
    """A new secret address; the old one answers 404 from the commit on."""
    feed, _ = CalendarFeed.objects.update_or_create(user=user, defaults=_new_secrets())
    return feed
