"""List filters (query parameters) narrow lists only: on a single object's URL they neither
hide the object (404) nor refuse a malformed value (400)."""

import pytest

from apps.doctors.tests.factories import TimeSlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(api, doctor, patient):
    slot = TimeSlotFactory(doctor=doctor)
    response = api.as_user(patient).post("/api/appointments/", {"timeslot": slot.id})
    assert response.status_code == 201
    return response.json()


@pytest.mark.parametrize("query", ["?status=cancelled", "?date=garbage", "?doctor=999999&patient=abc"])
def test_own_appointment_is_shown_whatever_list_filters_the_url_carries(api, patient, booked, query):
    response = api.as_user(patient).get(f"/api/appointments/{booked['id']}/{query}")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == booked["id"]


def test_a_status_filter_on_the_url_does_not_stop_a_change(api, doctor, booked):
    url = f"/api/appointments/{booked['id']}/?status=cancelled&date=garbage"
    response = api.as_user(doctor).patch(url, {"status": "confirmed"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"


def test_history_ignores_list_filters(api, patient, booked):
    response = api.as_user(patient).get(f"/api/appointments/{booked['id']}/history/?status=cancelled")
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["?date=2020-01-01", "?date=garbage", "?is_available=false"])
def test_a_doctors_own_slot_is_shown_whatever_list_filters_the_url_carries(api, doctor, query):
    slot = TimeSlotFactory(doctor=doctor)
    response = api.as_user(doctor).get(f"/api/timeslots/{slot.id}/{query}")
    assert response.status_code == 200, response.content


def test_a_doctor_in_the_directory_is_shown_whatever_filter_or_search(api, patient, doctor):
    response = api.as_user(patient).get(f"/api/doctors/{doctor.id}/?specialization=Nothing&search=zzz")
    assert response.status_code == 200, response.content


def test_admin_sees_and_changes_a_user_whatever_list_filters_the_url_carries(api, admin, patient):
    url = f"/api/users/{patient.id}/?role=doctor&is_active=maybe&search=zzz"
    assert api.as_user(admin).get(url).status_code == 200
    assert api.as_user(admin).patch(url, {"first_name": "Aziza"}).status_code == 200


def test_lists_still_apply_their_filters(api, doctor, patient, booked):
    assert api.as_user(patient).get("/api/appointments/me/?status=cancelled").json()["count"] == 0
    assert api.as_user(patient).get("/api/appointments/me/?status=pending").json()["count"] == 1
    assert api.as_user(doctor).get("/api/timeslots/?date=garbage").status_code == 400
    assert api.as_user(doctor).get("/api/timeslots/?date=2020-01-01").json()["count"] == 0
    free = api.as_user(patient).get(f"/api/doctors/{doctor.id}/timeslots/?date=2020-01-01")
    assert free.status_code == 200
    assert free.json()["count"] == 0
