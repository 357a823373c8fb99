"""Deactivation ends a user's tokens for good: reactivating the account does not bring back
the tokens issued before the deactivation (SPEC: deactivation means tokens stop working)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.users.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def me(access):
    return APIClient().get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {access}")


def deactivate_and_reactivate(api, admin, user):
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        assert api.as_user(admin).delete(f"/api/users/{user.id}/").status_code == 204
        response = api.as_user(admin).patch(f"/api/users/{user.id}/", {"is_active": True}, format="json")
        assert response.status_code == 200
        assert response.json()["is_active"] is True


def assert_revoked(response):
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "token_not_valid"
    assert "revoked" in response.json()["error"]["message"]


def test_access_token_from_before_a_deactivation_stays_dead_after_reactivation(api, admin, patient):
    with time_machine.travel(T0, tick=False):
        old = RefreshToken.for_user(patient)
        access = str(old.access_token)
    deactivate_and_reactivate(api, admin, patient)
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        assert_revoked(me(access))
        # A login after the reactivation gets tokens that work.
        login = APIClient().post("/api/auth/login/", {"username": patient.username, "password": PASSWORD})
        assert login.status_code == 200
        assert me(login.json()["access"]).status_code == 200


def test_refresh_token_from_before_a_deactivation_stays_dead_even_if_not_blacklisted(api, admin, patient):
    with time_machine.travel(T0, tick=False):
        refresh = str(RefreshToken.for_user(patient))
    deactivate_and_reactivate(api, admin, patient)
    # Blacklisting at deactivation already refuses it; the issue time refuses it on its own too
    # (a token whose blacklist row was lost, or one never recorded as outstanding).
    BlacklistedToken.objects.all().delete()
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        assert_revoked(APIClient().post("/api/auth/token/refresh/", {"refresh": refresh}))


def test_a_user_never_deactivated_keeps_working_tokens(patient):
    assert patient.tokens_valid_after is None
    assert me(str(RefreshToken.for_user(patient).access_token)).status_code == 200


def test_the_check_costs_no_query(api, admin, patient, other_patient):
    deactivate_and_reactivate(api, admin, patient)
    patient.refresh_from_db()
    assert patient.tokens_valid_after is not None
    counts = []
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        for user in (patient, other_patient):  # checked (a date set) and not (null)
            access = str(RefreshToken.for_user(user).access_token)
            with CaptureQueriesContext(connection) as queries:
                assert me(access).status_code == 200
            counts.append(len(queries))
    assert counts[0] == counts[1]
