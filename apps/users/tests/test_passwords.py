"""Password changes end every earlier session; 401s say whether a token is missing or unusable."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.users.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "an0ther-Long-passw0rd"


def login(user, password=PASSWORD) -> dict:
    response = APIClient().post("/api/auth/login/", {"username": user.username, "password": password})
    assert response.status_code == 200, response.json()
    return response.json()


def me(access: str):
    return APIClient().get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {access}")


def refresh(token: str):
    return APIClient().post("/api/auth/token/refresh/", {"refresh": token})


def change_password(access: str, old: str = PASSWORD, new: str = NEW_PASSWORD):
    return APIClient().post(
        "/api/auth/password/change/",
        {"old_password": old, "new_password": new},
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )


def error(response) -> dict:
    return response.json()["error"]


def assert_revoked(response):
    assert response.status_code == 401
    assert error(response)["code"] == "token_not_valid"
    assert "revoked" in error(response)["message"]


def test_password_change_answers_fresh_tokens_and_ends_every_earlier_token(patient):
    phone, laptop = login(patient), login(patient)

    response = change_password(phone["access"])

    assert response.status_code == 200
    fresh = response.json()
    assert set(fresh) == {"access", "refresh"}
    for earlier in (phone, laptop):
        assert_revoked(me(earlier["access"]))
        assert refresh(earlier["refresh"]).status_code == 401
    assert me(fresh["access"]).json()["id"] == patient.id
    assert refresh(fresh["refresh"]).status_code == 200
    login(patient, NEW_PASSWORD)
    assert (
        APIClient().post("/api/auth/login/", {"username": patient.username, "password": PASSWORD}).status_code
        == 401
    )


def test_wrong_old_password_is_a_400_naming_it_and_changes_nothing(patient):
    tokens = login(patient)
    response = change_password(tokens["access"], old="not-my-password")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["old_password"]
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)
    assert me(tokens["access"]).status_code == 200


@pytest.mark.parametrize("weak", ["short1", "12345678901", "password123", "user0user0"])
def test_new_password_must_pass_the_password_rules(patient, weak):
    patient.username = "user0user0"
    patient.save(update_fields=["username"])
    response = change_password(login(patient)["access"], new=weak)
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["new_password"]
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)


def test_password_change_needs_a_token():
    response = APIClient().post(
        "/api/auth/password/change/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


def test_admin_setting_a_password_ends_the_users_tokens(api, admin, doctor):
    tokens = login(doctor)
    response = api.as_user(admin).patch(f"/api/users/{doctor.id}/", {"password": NEW_PASSWORD})
    assert response.status_code == 200
    assert_revoked(me(tokens["access"]))
    assert refresh(tokens["refresh"]).status_code == 401
    assert me(login(doctor, NEW_PASSWORD)["access"]).status_code == 200


def test_a_password_set_outside_the_api_ends_refresh_tokens_too(patient, monkeypatch):
    tokens = login(patient)
    monkeypatch.setattr("getpass.getpass", lambda *args, **kwargs: NEW_PASSWORD)
    call_command("changepassword", patient.username, stdout=None)
    assert_revoked(me(tokens["access"]))
    response = refresh(tokens["refresh"])
    assert_revoked(response)


def test_no_token_is_not_authenticated():
    response = APIClient().get("/api/auth/me/")
    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer", "Bearer a.b.c"])
def test_malformed_token_is_token_not_valid_and_says_so(header):
    response = APIClient().get("/api/auth/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert error(response)["code"] == "token_not_valid"
    assert "malformed" in error(response)["message"]


def test_expired_token_is_token_not_valid_and_says_so(patient):
    access = str(RefreshToken.for_user(patient).access_token)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        response = me(access)
    assert response.status_code == 401
    assert error(response)["code"] == "token_not_valid"
    assert "expired" in error(response)["message"]


def test_logged_out_refresh_token_is_token_not_valid_and_revoked(patient):
    tokens = login(patient)
    assert APIClient().post("/api/auth/logout/", {"refresh": tokens["refresh"]}).status_code == 200
    assert_revoked(refresh(tokens["refresh"]))


def test_refresh_token_used_as_access_token_is_token_not_valid(patient):
    response = me(login(patient)["refresh"])
    assert response.status_code == 401
    assert error(response)["code"] == "token_not_valid"
    assert "wrong type" in error(response)["message"]


def test_deactivated_users_token_is_revoked(api, admin, patient):
    tokens = login(patient)
    assert api.as_user(admin).delete(f"/api/users/{patient.id}/").status_code == 204
    assert_revoked(me(tokens["access"]))


def test_wrong_login_is_no_active_account_not_a_token_error(patient):
    response = APIClient().post("/api/auth/login/", {"username": patient.username, "password": "nope"})
    assert response.status_code == 401
    assert error(response)["code"] == "no_active_account"


def test_guessing_the_old_password_is_throttled_like_logins(patient, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/minute", "register": "3/minute"})
    access = str(RefreshToken.for_user(patient).access_token)
    statuses = [change_password(access, old=f"guess-{n}").status_code for n in range(4)]
    assert statuses == [400, 400, 400, 429]
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)


def test_wrong_old_passwords_lock_the_username_out_of_password_change_and_login(patient, settings):
    settings.AXES_FAILURE_LIMIT = 3
    access = str(RefreshToken.for_user(patient).access_token)
    statuses = [change_password(access, old=f"guess-{n}").status_code for n in range(3)]
    assert statuses == [400, 400, 429]
    # Locked out: even the right old password is refused, with login's answer.
    locked = change_password(access)
    assert locked.status_code == 429
    assert error(locked)["code"] == "locked_out"
    assert locked["Retry-After"] == "900"
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)
    # And the username cannot log in either, from anywhere.
    response = APIClient().post(
        "/api/auth/login/",
        {"username": patient.username.upper(), "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 429
    assert error(response)["code"] == "locked_out"


def test_a_correct_password_change_counts_no_failure_and_clears_none(patient, other_patient, settings):
    settings.AXES_FAILURE_LIMIT = 3
    access = str(RefreshToken.for_user(patient).access_token)
    assert change_password(access, old="guess").status_code == 400  # failure 1
    assert change_password(access).status_code == 200  # right: counts nothing, resets nothing
    assert login(patient, NEW_PASSWORD)
    wrong = {"username": patient.username, "password": "guess-again"}
    assert APIClient().post("/api/auth/login/", wrong).status_code == 401  # failure 2
    assert APIClient().post("/api/auth/login/", wrong).status_code == 429  # failure 3: locked
    assert login(other_patient)  # another username is not touched


def test_password_change_documents_both_kinds_of_429(client):
    schema = client.get("/api/schema/?format=json").json()
    answer = schema["paths"]["/api/auth/password/change/"]["post"]["responses"]["429"]
    examples = answer["content"]["application/json"]["examples"].values()
    assert {example["value"]["error"]["code"] for example in examples} == {"throttled", "locked_out"}
