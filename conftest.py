"""Test-wide settings: set before Django's settings are imported by pytest-django."""

import os

# Tests talk plain HTTP to the test client and need a secret; neither is weakened elsewhere.
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-used-anywhere-else-0123456789")
os.environ["SECURE_SSL_REDIRECT"] = "False"


def pytest_configure(config):
    from django.conf import settings

    # Serve static files straight from the apps (no collectstatic, no manifest) in tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
