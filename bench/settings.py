"""The product's settings plus the bare reference endpoints; used only by ``make bench``."""

from core.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.reference"]  # noqa: F405
ROOT_URLCONF = "bench.urls"

# The benchmark books thousands of slots with a few patients, far ahead: the policy's checks
# still run on every booking (the same statements), but the cap and horizon never refuse.
# The request lists never put a patient in two places at once (bench/prepare.py).
BOOKING_MAX_ACTIVE_PER_PATIENT = 10**9
BOOKING_HORIZON_DAYS = 10**4
