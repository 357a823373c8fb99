"""The product's settings plus the bare reference endpoints; used only by ``make bench``."""

from core.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.reference"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
