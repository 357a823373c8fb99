import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.users.models import PatientProfile, Role, User
from apps.users.tests.factories import PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db

PATIENT = {
    "username": "malika",
    "password": "s3cure-Passw0rd",
    "role": "patient",
    "first_name": "Malika",
    "phone": "+998901234567",
    "date_of_birth": "1994-03-18",
    "gender": "female",
}
DOCTOR = {
    "username": "dr.karimov",
    "password": "s3cure-Passw0rd",
    "role": "doctor",
    "specialization": "Cardiology",
    "experience_years": 12,
    "gender": "male",
}


def register(api, **changes):
    return api.post("/api/auth/register/", {**PATIENT, **changes})


def field_errors(response) -> dict:
    return response.json()["error"].get("fields", {})


def test_patient_registers_with_profile_in_one_request(api):
    response = register(api)
    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "patient"
    assert body["profile"] == {"phone": "+998901234567", "date_of_birth": "1994-03-18", "gender": "female"}
    assert "password" not in body
    user = User.objects.get(username="malika")
    assert user.check_password("s3cure-Passw0rd")
    assert user.patient_profile.phone == "+998901234567"


def test_doctor_registers_with_profile(api):
    response = api.post("/api/auth/register/", DOCTOR)
    assert response.status_code == 201
    assert response.json()["profile"] == {
        "specialization": "Cardiology",
        "experience_years": 12,
        "gender": "male",
    }


def test_registering_as_admin_is_refused(api):
    response = register(api, role="admin")
    assert response.status_code == 400
    assert "role" in field_errors(response)
    assert not User.objects.filter(username="malika").exists()


def test_registration_ignores_privilege_fields(api):
    response = register(api, is_staff=True, is_superuser=True, is_active=False)
    assert response.status_code == 201
    user = User.objects.get(username="malika")
    assert (user.role, user.is_staff, user.is_superuser, user.is_active) == ("patient", False, False, True)


def test_duplicate_username_is_a_field_error(api):
    PatientFactory(username="malika")
    response = register(api, username="MALIKA")
    assert response.status_code == 400
    assert "username" in field_errors(response)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password": "123"}, "password"),
        ({"password": "malika12345"}, "password"),
        ({"phone": "call me"}, "phone"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "1994-02-30"}, "date_of_birth"),
        ({"date_of_birth": "0509-10-11"}, "date_of_birth"),
        ({"date_of_birth": "1899-12-31"}, "date_of_birth"),
        ({"gender": "other"}, "gender"),
        ({"phone": None}, "phone"),
        ({"username": "x" * 151}, "username"),
        ({"username": "bad name!"}, "username"),
        ({"specialization": "Cardiology"}, "specialization"),
        ({"role": "nurse"}, "role"),
    ],
)
def test_bad_registration_names_the_field_and_writes_nothing(api, changes, field):
    response = register(api, **changes)
    assert response.status_code == 400
    assert field in field_errors(response)
    assert not User.objects.exists()


def test_patient_must_send_required_profile_fields(api):
    data = {k: v for k, v in PATIENT.items() if k not in {"phone", "gender"}}
    response = api.post("/api/auth/register/", data)
    assert response.status_code == 400
    assert set(field_errors(response)) == {"phone", "gender"}


@pytest.mark.parametrize("years", [-1, 71, "many"])
def test_doctor_experience_must_be_between_0_and_70(api, years):
    response = api.post("/api/auth/register/", {**DOCTOR, "experience_years": years})
    assert response.status_code == 400
    assert "experience_years" in field_errors(response)


@pytest.mark.parametrize("born", ["1900-01-01", "today"])
def test_date_of_birth_from_1900_to_today_is_accepted(api, born):
    born = str(timezone.localdate()) if born == "today" else born
    response = register(api, date_of_birth=born)
    assert response.status_code == 201
    assert response.json()["profile"]["date_of_birth"] == born


def test_patient_cannot_change_date_of_birth_to_before_1900(api, patient):
    response = api.as_user(patient).patch("/api/patient/profile/", {"date_of_birth": "0509-10-11"})
    assert response.status_code == 400
    assert "date_of_birth" in field_errors(response)


def test_database_refuses_date_of_birth_before_1900(patient):
    with pytest.raises(IntegrityError, match="patient_birth_after_1900"), transaction.atomic():
        PatientProfile.objects.filter(user=patient).update(date_of_birth=dt.date(509, 10, 11))


def test_malformed_json_is_a_400_json_error(api):
    response = api.generic("POST", "/api/auth/register/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_a_list_body_is_a_400_not_a_500(api):
    response = api.post("/api/auth/register/", [1, 2], format="json")
    assert response.status_code == 400


def test_login_returns_access_and_refresh(api, patient):
    response = api.post("/api/auth/login/", {"username": patient.username, "password": PASSWORD})
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


@pytest.mark.parametrize("typed", ["malika", "MALIKA", "Malika"])
def test_login_finds_the_account_whatever_the_case_typed(api, typed):
    user = PatientFactory(username="Malika")
    response = api.post("/api/auth/login/", {"username": typed, "password": PASSWORD})
    assert response.status_code == 200
    assert (
        api.as_user(None)
        .get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
        .json()["id"]
        == user.id
    )


def test_wrong_password_is_401(api, patient):
    response = api.post("/api/auth/login/", {"username": patient.username, "password": "wrong"})
    assert response.status_code == 401
    assert response.json()["error"]["message"]


def login(api, user) -> dict:
    return api.post("/api/auth/login/", {"username": user.username, "password": PASSWORD}).json()


def test_refresh_rotates_and_the_old_refresh_token_stops_working(api, patient):
    tokens = login(api, patient)
    first = api.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]
    again = api.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert again.status_code == 401


def test_logout_blacklists_the_refresh_token(api, patient):
    tokens = login(api, patient)
    assert api.post("/api/auth/logout/", {"refresh": tokens["refresh"]}).status_code == 200
    assert api.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401


def test_me_shows_the_user_with_role_and_profile(api, doctor):
    response = api.as_user(doctor).get("/api/auth/me/")
    assert response.status_code == 200
    assert response.json()["id"] == doctor.id
    assert response.json()["role"] == "doctor"
    assert response.json()["profile"]["specialization"] == "Cardiology"


def test_it_should_return_401_if_token_invalid(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api.get("/api/auth/me/").status_code == 401


def test_deactivated_user_existing_access_token_is_refused(api, admin, patient):
    tokens = login(api, patient)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api.get("/api/auth/me/").status_code == 200

    assert api.as_user(admin).delete(f"/api/users/{patient.id}/").status_code == 204

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api.get("/api/auth/me/").status_code == 401
    api.credentials()
    assert api.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401
    login_again = api.post("/api/auth/login/", {"username": patient.username, "password": PASSWORD})
    assert login_again.status_code == 401


def test_login_and_register_are_throttled(api, patient, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    # The rates come from THROTTLE_RATE_LOGIN / THROTTLE_RATE_REGISTER at start-up.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/minute", "register": "2/minute"})
    statuses = [
        api.post("/api/auth/login/", {"username": patient.username, "password": "wrong"}).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    assert register(api, username="a1").status_code == 201
    assert register(api, username="a2").status_code == 201
    third = register(api, username="a3")
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "throttled"


def test_profile_rows_follow_the_user(api):
    register(api)
    assert PatientProfile.objects.filter(user__username="malika", user__role=Role.PATIENT).count() == 1


def test_future_date_of_birth_is_refused_by_model_validation_too():
    profile = PatientProfile(
        user=PatientFactory.build(),
        phone="+998901234567",
        gender="female",
        date_of_birth=timezone.localdate() + dt.timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="future"):
        profile.full_clean(exclude=["user"])
