import pytest
from django.db import IntegrityError, transaction

from apps.users.models import DoctorProfile, Role, User
from apps.users.tests.factories import DoctorFactory, PatientFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_users_filtered_by_role(api, admin, doctor, patient):
    response = api.as_user(admin).get("/api/users/?role=doctor")
    assert response.status_code == 200
    assert [u["id"] for u in response.json()["results"]] == [doctor.id]


def test_admin_searches_users_by_name(api, admin):
    DoctorFactory(first_name="Zebuniso", last_name="Rahimova")
    PatientFactory(first_name="Anvar")
    response = api.as_user(admin).get("/api/users/?search=zebun")
    assert [u["first_name"] for u in response.json()["results"]] == ["Zebuniso"]


def test_unknown_role_filter_is_a_400(api, admin):
    response = api.as_user(admin).get("/api/users/?role=nurse")
    assert response.status_code == 400
    assert "role" in response.json()["error"]["fields"]


def test_admin_creates_another_admin_who_can_use_the_admin_site(api, admin):
    response = api.as_user(admin).post(
        "/api/users/", {"username": "second", "password": "s3cure-Passw0rd", "role": "admin"}
    )
    assert response.status_code == 201
    created = User.objects.get(username="second")
    assert created.role == Role.ADMIN
    assert created.is_staff
    assert response.json()["profile"] is None


def test_admin_creates_a_doctor_with_profile(api, admin):
    response = api.as_user(admin).post(
        "/api/users/",
        {
            "username": "doc",
            "password": "s3cure-Passw0rd",
            "role": "doctor",
            "specialization": "Neurology",
            "gender": "female",
        },
    )
    assert response.status_code == 201
    assert DoctorProfile.objects.get(user__username="doc").specialization == "Neurology"


@pytest.mark.parametrize("field", ["role", "username"])
def test_admin_cannot_change_role_or_username(api, admin, patient, field):
    response = api.as_user(admin).patch(f"/api/users/{patient.id}/", {field: "doctor"})
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    patient.refresh_from_db()
    assert patient.role == Role.PATIENT


def test_sending_the_same_role_back_is_fine(api, admin, patient):
    response = api.as_user(admin).patch(f"/api/users/{patient.id}/", {"role": "patient", "last_name": "X"})
    assert response.status_code == 200
    assert response.json()["last_name"] == "X"


def test_admin_changes_profile_fields_and_password(api, admin, doctor):
    response = api.as_user(admin).patch(
        f"/api/users/{doctor.id}/", {"experience_years": 20, "password": "An0ther-passw0rd"}
    )
    assert response.status_code == 200
    assert response.json()["profile"]["experience_years"] == 20
    doctor.refresh_from_db()
    assert doctor.check_password("An0ther-passw0rd")


def test_admin_cannot_give_a_patient_doctor_fields(api, admin, patient):
    response = api.as_user(admin).patch(f"/api/users/{patient.id}/", {"specialization": "Surgery"})
    assert response.status_code == 400
    assert "specialization" in response.json()["error"]["fields"]


def test_admin_cannot_deactivate_self_by_patch(api, admin):
    response = api.as_user(admin).patch(f"/api/users/{admin.id}/", {"is_active": False})
    assert response.status_code == 400
    admin.refresh_from_db()
    assert admin.is_active


def test_delete_deactivates_and_keeps_the_row(api, admin, patient):
    assert api.as_user(admin).delete(f"/api/users/{patient.id}/").status_code == 204
    patient.refresh_from_db()
    assert patient.is_active is False
    assert api.as_user(admin).get(f"/api/users/{patient.id}/").json()["is_active"] is False


def test_patch_is_active_true_reactivates(api, admin, patient):
    api.as_user(admin).delete(f"/api/users/{patient.id}/")
    response = api.as_user(admin).patch(f"/api/users/{patient.id}/", {"is_active": True})
    assert response.json()["is_active"] is True


def test_unknown_user_is_404(api, admin):
    assert api.as_user(admin).get("/api/users/999999/").status_code == 404
    assert api.as_user(admin).get("/api/users/99999999999999999999999/").status_code == 404
    assert api.as_user(admin).get("/api/users/abc/").status_code == 404


def test_users_list_runs_constant_queries(api, admin, django_assert_max_num_queries):
    DoctorFactory.create_batch(30)
    PatientFactory.create_batch(30)
    client = api.as_user(admin)
    with django_assert_max_num_queries(3):  # user (auth), count, page
        response = client.get("/api/users/?page_size=100")
    assert response.json()["count"] == 61


def test_doctors_list_runs_constant_queries(api, patient, django_assert_max_num_queries):
    DoctorFactory.create_batch(55)
    client = api.as_user(patient)
    with django_assert_max_num_queries(3):  # user (auth), count, page
        response = client.get("/api/doctors/?page_size=100")
    assert len(response.json()["results"]) == 55


def test_doctor_directory_searches_specialization_and_filters_exactly(api, patient):
    DoctorFactory(profile__specialization="Neurology", last_name="Aliyev")
    DoctorFactory(profile__specialization="Dermatology")
    found = api.as_user(patient).get("/api/doctors/?search=neuro").json()["results"]
    assert [d["specialization"] for d in found] == ["Neurology"]
    exact = api.as_user(patient).get("/api/doctors/?specialization=dermatology").json()["results"]
    assert [d["specialization"] for d in exact] == ["Dermatology"]


def test_deactivated_doctor_leaves_the_directory(api, admin, patient, doctor):
    api.as_user(admin).delete(f"/api/users/{doctor.id}/")
    assert api.as_user(patient).get("/api/doctors/").json()["count"] == 0
    assert api.as_user(patient).get(f"/api/doctors/{doctor.id}/").status_code == 404


def test_page_size_is_capped_at_100(api, admin):
    PatientFactory.create_batch(105)
    response = api.as_user(admin).get("/api/users/?page_size=1000")
    assert len(response.json()["results"]) == 100


def test_database_refuses_staff_flags_on_non_admins(patient):
    patient.is_staff = True
    with pytest.raises(IntegrityError), transaction.atomic():
        patient.save()


def test_database_refuses_unknown_role():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ghost", role="nurse")


def test_database_refuses_experience_over_70(doctor):
    DoctorProfile.objects.filter(user=doctor).update(experience_years=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        DoctorProfile.objects.filter(user=doctor).update(experience_years=71)
