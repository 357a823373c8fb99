"""Names and other single-line text refuse control characters (they would become separate
lines in the clinic's emails); a ``reason`` keeps line breaks but refuses the rest."""

import pytest
from django.db import IntegrityError, transaction

from apps.appointments.models import StatusChange
from apps.doctors.tests.factories import TimeSlotFactory
from apps.users.models import DoctorProfile, User

pytestmark = pytest.mark.django_db

INJECTION = "Evil\r\nBcc: spy@evil.example"
# CR/LF, a tab, ESC (terminal colours), DEL, C1's NEL, Unicode's line separator.
CONTROLS = ["Ev\nil", "Ev\ril", "Ev\til", "Ev\x1b[31mil", "Ev\x7fil", "Ev\x85il", "Ev\u2028il"]


def assert_refused(response, field):
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [field]


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_own_profile_names_with_a_header_injection_are_refused(api, patient, field):
    response = api.as_user(patient).patch("/api/patient/profile/", {field: INJECTION})
    assert_refused(response, field)
    patient.refresh_from_db()
    assert "Bcc" not in getattr(patient, field)


@pytest.mark.parametrize("value", CONTROLS)
def test_any_control_character_in_a_name_is_refused(api, patient, value):
    assert_refused(api.as_user(patient).patch("/api/patient/profile/", {"last_name": value}), "last_name")


def test_doctor_specialization_with_a_line_break_is_refused(api, doctor):
    response = api.as_user(doctor).patch("/api/doctor/profile/", {"specialization": "Cardio\nlogy"})
    assert_refused(response, "specialization")
    assert DoctorProfile.objects.get(user=doctor).specialization == "Cardiology"


def test_registration_with_a_line_break_in_a_name_is_refused_and_creates_nobody(api):
    body = {
        "username": "newbie",
        "password": "s3cure-Passw0rd",
        "role": "patient",
        "phone": "+998901234567",
        "gender": "female",
        "first_name": INJECTION,
    }
    assert_refused(api.post("/api/auth/register/", body), "first_name")
    assert not User.objects.filter(username="newbie").exists()


def test_admin_cannot_write_control_characters_into_names(api, admin, patient):
    body = {"username": "made", "password": "s3cure-Passw0rd", "role": "admin", "last_name": "X\x00Y\nZ"}
    assert_refused(api.as_user(admin).post("/api/users/", body), "last_name")
    response = api.as_user(admin).patch(f"/api/users/{patient.id}/", {"first_name": INJECTION})
    assert_refused(response, "first_name")


def test_names_in_any_script_with_apostrophes_and_emoji_are_accepted(api, patient):
    body = {"first_name": "Ёқуб O'Neil-Smith", "last_name": "Ünal 😀"}
    response = api.as_user(patient).patch("/api/patient/profile/", body)
    assert response.status_code == 200, response.content
    assert response.json()["first_name"] == body["first_name"]


def test_a_reason_keeps_line_breaks_but_refuses_other_control_characters(api, doctor, patient):
    slot = TimeSlotFactory(doctor=doctor)
    booked = api.as_user(patient).post("/api/appointments/", {"timeslot": slot.id}).json()
    url = f"/api/appointments/{booked['id']}/"
    refused = api.as_user(doctor).patch(url, {"status": "confirmed", "reason": "ok\x1b[2J"})
    assert_refused(refused, "reason")
    response = api.as_user(doctor).patch(url, {"status": "confirmed", "reason": "See you.\r\nBring scans."})
    assert response.status_code == 200, response.content
    assert StatusChange.objects.filter(to_status="confirmed").get().reason == "See you.\r\nBring scans."


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_database_refuses_control_characters_in_user_names(patient, field):
    with pytest.raises(IntegrityError, match="user_names_single_line"), transaction.atomic():
        User.objects.filter(pk=patient.pk).update(**{field: "a\nb"})


@pytest.mark.parametrize("value", ["a\u2028b", "a\x85b", "a\tb"])
def test_database_refuses_control_characters_in_specialization(doctor, value):
    with pytest.raises(IntegrityError, match="doctor_specialization_single_line"), transaction.atomic():
        DoctorProfile.objects.filter(user=doctor).update(specialization=value)


def test_the_schema_does_not_document_the_refused_characters_as_a_required_pattern(client):
    """drf-spectacular turns a RegexValidator into ``pattern`` and ignores inverse_match: a
    'must match the control characters' pattern made every real name violate the schema."""
    schemas = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    for component, field in [
        ("OwnDoctorProfile", "specialization"),
        ("OwnDoctorProfile", "first_name"),
        ("DoctorProfile", "specialization"),
        ("PatchedOwnProfileUpdateRequest", "last_name"),
        ("PatchedOwnProfileUpdateRequest", "specialization"),
    ]:
        properties = schemas[component]["properties"]
        assert "pattern" not in properties[field], (component, field)
