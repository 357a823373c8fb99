"""The clinic's booking policy: the one place its settings are read.

Services take a ``BookingPolicy`` as a value (``policy=...``), so tests hand them another
one instead of patching settings; views pass ``booking_policy()``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class BookingPolicy:
    # A patient cancels (or reschedules) up to this long before the start.
    cancel_cutoff: dt.timedelta = dt.timedelta(minutes=120)
    # A patient books a slot starting no sooner than this ...
    min_notice: dt.timedelta = dt.timedelta(minutes=60)
    # ... and no later than this from now.
    horizon: dt.timedelta = dt.timedelta(days=90)
    # Future pending or confirmed appointments one patient may hold.
    max_active_per_patient: int = 5
    # No slot is opened further ahead than this.
    slot_max_ahead: dt.timedelta = dt.timedelta(days=365)


def booking_policy() -> BookingPolicy:
    """The policy the environment sets (``BOOKING_*``, ``SLOT_MAX_DAYS_AHEAD``)."""
    return BookingPolicy(
        cancel_cutoff=dt.timedelta(minutes=settings.BOOKING_CANCEL_CUTOFF_MINUTES),
        min_notice=dt.timedelta(minutes=settings.BOOKING_MIN_NOTICE_MINUTES),
        horizon=dt.timedelta(days=settings.BOOKING_HORIZON_DAYS),
        max_active_per_patient=settings.BOOKING_MAX_ACTIVE_PER_PATIENT,
        slot_max_ahead=dt.timedelta(days=settings.SLOT_MAX_DAYS_AHEAD),
    )
