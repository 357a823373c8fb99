import pytest

from apps.users.models import Role

pytestmark = pytest.mark.django_db


def test_doctor_reads_own_profile_back_at_the_keys_he_wrote(api, doctor):
    change = {
        "specialization": "Surgery",
        "experience_years": 9,
        "gender": "female",
        "first_name": "A",
        "last_name": "B",
        "email": "a@example.com",
    }
    response = api.as_user(doctor).patch("/api/doctor/profile/", change)
    assert response.status_code == 200
    read = api.as_user(doctor).get("/api/doctor/profile/").json()
    assert read == response.json()
    assert read == {
        "id": doctor.id,
        "username": doctor.username,
        "role": "doctor",
        "is_approved": doctor.is_approved,
        **change,
    }


def test_patient_reads_own_profile_back_at_the_keys_she_wrote(api, patient):
    change = {"phone": "+998907654321", "date_of_birth": "1990-05-06", "gender": "female", "first_name": "M"}
    response = api.as_user(patient).patch("/api/patient/profile/", change)
    assert response.status_code == 200
    read = api.as_user(patient).get("/api/patient/profile/").json()
    assert read == response.json()
    assert {key: read[key] for key in change} == change
    assert "profile" not in read
    assert set(read) == {
        "id",
        "username",
        "role",
        "is_approved",
        "first_name",
        "last_name",
        "email",
        "phone",
        "date_of_birth",
        "gender",
    }


def test_patient_cannot_set_doctor_fields(api, patient):
    response = api.as_user(patient).patch("/api/patient/profile/", {"specialization": "Surgery"})
    assert response.status_code == 400
    assert "specialization" in response.json()["error"]["fields"]


def test_profile_patch_cannot_escalate_privileges(api, patient):
    response = api.as_user(patient).patch(
        "/api/patient/profile/", {"role": "admin", "is_staff": True, "is_superuser": True, "username": "root"}
    )
    assert response.status_code == 200
    patient.refresh_from_db()
    assert (patient.role, patient.is_staff, patient.is_superuser) == (Role.PATIENT, False, False)
    assert patient.username != "root"


def test_profile_patch_validates_fields(api, patient):
    response = api.as_user(patient).patch("/api/patient/profile/", {"date_of_birth": "3000-01-01"})
    assert response.status_code == 400
    assert "date_of_birth" in response.json()["error"]["fields"]
