import pytest

from apps.users.models import Role

pytestmark = pytest.mark.django_db


def test_doctor_reads_and_changes_own_profile(api, doctor):
    response = api.as_user(doctor).patch(
        "/api/doctor/profile/", {"specialization": "Surgery", "first_name": "A"}
    )
    assert response.status_code == 200
    assert response.json()["profile"]["specialization"] == "Surgery"
    assert api.as_user(doctor).get("/api/doctor/profile/").json()["first_name"] == "A"


def test_patient_changes_own_phone(api, patient):
    response = api.as_user(patient).patch("/api/patient/profile/", {"phone": "+998907654321"})
    assert response.json()["profile"]["phone"] == "+998907654321"


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
