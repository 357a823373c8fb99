"""Test-wide settings and fixtures."""

import os

import pytest

# Tests talk plain HTTP to the test client and need a secret; neither is weakened elsewhere.
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-used-anywhere-else-0123456789")
os.environ["SECURE_SSL_REDIRECT"] = "False"


def pytest_configure(config):
    if not config.pluginmanager.hasplugin("django"):  # e2e/ runs without Django in-process
        return
    from django.conf import settings

    # Serve static files straight from the apps (no collectstatic, no manifest) in tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    # Hashing strength is not under test; the suite would spend most of its time in PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttle_cache(request):
    """Throttle counters and login lockouts start empty. They live in the cache, which is the
    database cache in tests, so only tests with database access have any to clear."""
    if not request.node.get_closest_marker("django_db"):
        names = [name for name in ("transactional_db", "db") if name in request.fixturenames]
        if not names:
            yield
            return
        request.getfixturevalue(names[0])
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """An API client; ``api.as_user(user)`` signs requests with a real access token."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    class Client(APIClient):
        def as_user(self, user):
            if user is None:
                self.credentials()
            else:
                token = RefreshToken.for_user(user).access_token
                self.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
            return self

    return Client()


@pytest.fixture
def admin(db):
    from apps.users.tests.factories import AdminFactory

    return AdminFactory()


@pytest.fixture
def doctor(db):
    from apps.users.tests.factories import DoctorFactory

    return DoctorFactory()


@pytest.fixture
def other_doctor(db):
    from apps.users.tests.factories import DoctorFactory

    return DoctorFactory()


@pytest.fixture
def patient(db):
    from apps.users.tests.factories import PatientFactory

    return PatientFactory()


@pytest.fixture
def other_patient(db):
    from apps.users.tests.factories import PatientFactory

    return PatientFactory()
