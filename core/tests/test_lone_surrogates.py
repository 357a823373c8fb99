"""A JSON string with a lone surrogate (``"\\ud800"``) is valid JSON but no Unicode text: every
field of every endpoint answers it with 400 naming the field, never a 500."""

import pytest

from apps.appointments.models import Appointment
from apps.doctors.tests.factories import TimeSlotFactory

pytestmark = pytest.mark.django_db

LONE = "\\ud800"  # the six characters of the JSON escape, sent raw


def send(api, method, url, body: str):
    return getattr(api, method)(url, data=body, content_type="application/json")


def assert_refused(response, field):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert "surrogate" in error["fields"][field][0]


REGISTER = (
    '{"username": "s1", "password": "s3cure-Passw0rd", "role": %s, "phone": "+998901234567", "gender": %s}'
)


@pytest.mark.parametrize(
    ("role", "gender", "field"),
    [('"patient"', f'"{LONE}"', "gender"), (f'"{LONE}"', '"male"', "role")],
)
def test_registration_with_a_lone_surrogate_in_a_choice_is_refused_naming_it(api, role, gender, field):
    assert_refused(send(api, "post", "/api/auth/register/", REGISTER % (role, gender)), field)


def test_admin_creating_a_user_with_a_lone_surrogate_role_is_refused(api, admin):
    body = f'{{"username": "s2", "password": "s3cure-Passw0rd", "role": "{LONE}"}}'
    assert_refused(send(api.as_user(admin), "post", "/api/users/", body), "role")


def test_patient_profile_gender_with_a_lone_surrogate_is_refused(api, patient):
    response = send(api.as_user(patient), "patch", "/api/patient/profile/", f'{{"gender": "{LONE}"}}')
    assert_refused(response, "gender")


def test_doctor_profile_gender_with_a_lone_surrogate_is_refused(api, doctor):
    response = send(api.as_user(doctor), "patch", "/api/doctor/profile/", f'{{"gender": "{LONE}"}}')
    assert_refused(response, "gender")


def test_admin_patching_a_users_gender_with_a_lone_surrogate_is_refused(api, admin, patient):
    response = send(api.as_user(admin), "patch", f"/api/users/{patient.id}/", f'{{"gender": "{LONE}"}}')
    assert_refused(response, "gender")


def test_appointment_status_with_a_lone_surrogate_is_refused_and_nothing_changes(api, doctor, patient):
    slot = TimeSlotFactory(doctor=doctor)
    booked = api.as_user(patient).post("/api/appointments/", {"timeslot": slot.id}).json()
    response = send(
        api.as_user(doctor), "patch", f"/api/appointments/{booked['id']}/", f'{{"status": "{LONE}"}}'
    )
    assert_refused(response, "status")
    assert Appointment.objects.get(id=booked["id"]).status == "pending"


def test_a_lone_surrogate_in_a_free_text_field_is_refused_too(api, patient):
    body = f'{{"first_name": "Ann{LONE}e"}}'
    assert_refused(send(api.as_user(patient), "patch", "/api/patient/profile/", body), "first_name")


def test_a_lone_surrogate_deep_in_a_body_is_named_by_its_path(api, patient):
    body = f'{{"gender": "female", "extra": {{"list": [1, {{"k": "{LONE}"}}]}}}}'
    response = send(api.as_user(patient), "patch", "/api/patient/profile/", body)
    assert_refused(response, "extra.list[1].k")


def test_a_lone_surrogate_in_a_nested_key_is_named_escaped(api, patient):
    body = f'{{"extra": {{"a{LONE}": 1}}}}'
    response = send(api.as_user(patient), "patch", "/api/patient/profile/", body)
    assert_refused(response, "extra.a\\ud800")


def test_a_lone_surrogate_in_a_top_level_key_is_refused(api, patient):
    response = send(api.as_user(patient), "patch", "/api/patient/profile/", f'{{"{LONE}": 1}}')
    assert_refused(response, "\\ud800")


def test_a_properly_paired_surrogate_is_ordinary_text(api, patient):
    body = '{"first_name": "Ann \\ud83d\\ude00"}'  # an emoji, written as its surrogate pair
    response = send(api.as_user(patient), "patch", "/api/patient/profile/", body)
    assert response.status_code == 200, response.content
    assert response.json()["first_name"] == "Ann \U0001f600"
