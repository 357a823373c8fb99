"""Doctor approval (SPEC 9): a self-registered doctor is hidden and unbookable until an admin
approves him; everyone else is approved, in the service and in the database."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from apps.appointments.models import Appointment
from apps.doctors.tests.factories import TimeSlotFactory, tomorrow
from apps.users.models import User
from apps.users.tests.factories import AdminFactory, DoctorFactory, PatientFactory

pytestmark = pytest.mark.django_db

DOCTOR = {
    "username": "dr.new",
    "password": "s3cure-Passw0rd",
    "role": "doctor",
    "first_name": "Nodir",
    "last_name": "Qodirov",
    "specialization": "Neurology",
    "gender": "male",
}


def register_doctor(api) -> User:
    response = api.post("/api/auth/register/", DOCTOR)
    assert response.status_code == 201, response.content
    assert response.json()["is_approved"] is False
    return User.objects.get(pk=response.json()["id"])


def directory_ids(api, user) -> list[int]:
    return [d["id"] for d in api.as_user(user).get("/api/doctors/").json()["results"]]


def test_self_registered_doctor_is_not_listed_until_approved(api, patient, admin):
    doctor = register_doctor(api)
    assert doctor.id not in directory_ids(api, patient)
    assert doctor.id not in directory_ids(api, admin)
    assert api.as_user(patient).get(f"/api/doctors/?search={DOCTOR['last_name']}").json()["count"] == 0


def test_unapproved_doctor_and_his_slots_answer_404_in_the_directory(api, patient):
    doctor = register_doctor(api)
    TimeSlotFactory(doctor=doctor)
    assert api.as_user(patient).get(f"/api/doctors/{doctor.id}/").status_code == 404
    assert api.as_user(patient).get(f"/api/doctors/{doctor.id}/timeslots/").status_code == 404


def test_unapproved_doctor_signs_in_edits_his_profile_and_opens_slots(api):
    register_doctor(api)
    login = api.post("/api/auth/login/", {"username": DOCTOR["username"], "password": DOCTOR["password"]})
    assert login.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    assert api.get("/api/auth/me/").json()["is_approved"] is False
    assert api.patch("/api/doctor/profile/", {"experience_years": 3}).status_code == 200
    slot = {"date": str(tomorrow()), "start_time": "09:00", "end_time": "09:30"}
    assert api.post("/api/timeslots/", slot).status_code == 201


@pytest.mark.parametrize("booker", ["patient", "admin"])
def test_unapproved_doctors_slot_cannot_be_booked(api, patient, admin, booker):
    slot = TimeSlotFactory(doctor=DoctorFactory(is_approved=False))
    body = {"timeslot": slot.id} | ({"patient": patient.id} if booker == "admin" else {})
    response = api.as_user({"patient": patient, "admin": admin}[booker]).post("/api/appointments/", body)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"timeslot": ["No such time slot."]}
    assert not Appointment.objects.exists()


def test_approved_doctor_is_listed_and_bookable(api, admin, patient):
    doctor = register_doctor(api)
    slot = TimeSlotFactory(doctor=doctor)

    response = api.as_user(admin).post(f"/api/users/{doctor.id}/approve/")

    assert response.status_code == 200
    assert response.json()["id"] == doctor.id
    assert response.json()["is_approved"] is True
    assert doctor.id in directory_ids(api, patient)
    assert api.as_user(patient).get(f"/api/doctors/{doctor.id}/timeslots/").json()["count"] == 1
    assert api.as_user(patient).post("/api/appointments/", {"timeslot": slot.id}).status_code == 201


def test_approving_an_approved_doctor_again_changes_nothing(api, admin, doctor):
    for _ in range(2):
        response = api.as_user(admin).post(f"/api/users/{doctor.id}/approve/")
        assert response.status_code == 200
        assert response.json()["is_approved"] is True


@pytest.mark.parametrize("role", ["patient", "admin"])
def test_approving_someone_who_is_not_a_doctor_is_refused(api, admin, role):
    target = {"patient": PatientFactory, "admin": AdminFactory}[role]()
    response = api.as_user(admin).post(f"/api/users/{target.id}/approve/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_a_doctor"
    assert f"user {target.id} is" in response.json()["error"]["message"]


def test_approving_an_unknown_user_is_404(api, admin):
    assert api.as_user(admin).post("/api/users/987654/approve/").status_code == 404


def test_doctor_created_by_an_admin_is_approved_at_once(api, admin, patient):
    body = {**DOCTOR, "username": "dr.by-admin"}
    response = api.as_user(admin).post("/api/users/", body)
    assert response.status_code == 201
    assert response.json()["is_approved"] is True
    assert response.json()["id"] in directory_ids(api, patient)


@override_settings(DOCTOR_APPROVAL_REQUIRED=False)
def test_without_approval_required_a_registered_doctor_is_listed_at_once(api, patient):
    response = api.post("/api/auth/register/", DOCTOR)
    assert response.status_code == 201
    assert response.json()["is_approved"] is True
    assert response.json()["id"] in directory_ids(api, patient)


def test_registration_cannot_approve_itself(api):
    response = api.post("/api/auth/register/", {**DOCTOR, "is_approved": True})
    assert response.status_code == 201
    assert response.json()["is_approved"] is False


def test_patients_and_admins_are_shown_approved(api, admin, patient):
    assert api.as_user(patient).get("/api/auth/me/").json()["is_approved"] is True
    assert api.as_user(admin).get(f"/api/users/{admin.id}/").json()["is_approved"] is True


def test_admin_filters_users_by_approval(api, admin, doctor, patient):
    waiting = DoctorFactory(is_approved=False)
    unapproved = api.as_user(admin).get("/api/users/?is_approved=false").json()["results"]
    approved = api.as_user(admin).get("/api/users/?is_approved=true").json()["results"]
    assert [u["id"] for u in unapproved] == [waiting.id]
    assert {u["id"] for u in approved} == {admin.id, doctor.id, patient.id}


def test_users_list_of_many_runs_a_constant_number_of_queries(api, admin, django_assert_max_num_queries):
    DoctorFactory.create_batch(15, is_approved=False)
    client = api.as_user(admin)
    with django_assert_max_num_queries(3):  # user (auth), count, page
        response = client.get("/api/users/?is_approved=false&page_size=100")
    assert response.json()["count"] == 15


@pytest.mark.parametrize("role", ["patient", "admin"])
def test_database_refuses_an_unapproved_user_who_is_not_a_doctor(role):
    user = {"patient": PatientFactory, "admin": AdminFactory}[role]()
    with pytest.raises(IntegrityError, match="user_only_doctors_unapproved"), transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_approved=False)


@pytest.mark.django_db(transaction=True)
def test_migration_approves_the_doctors_that_existed_before_it():
    before, after = (
        [("users", "0003_patient_date_of_birth_from_1900")],
        [("users", "0004_doctor_approval")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO users_user (password, is_superuser, username, first_name, last_name,
                   email, is_staff, is_active, date_joined, role, created_at)
                   VALUES ('', false, 'old-doctor', '', '', '', false, true, now(), 'doctor', now())"""
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert User.objects.get(username="old-doctor").is_approved is True
