"""A method a URL does not take is 405 for everyone, whatever their role or credentials."""

import pytest

from apps.doctors.tests.factories import TimeSlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(api, doctor, patient):
    response = api.as_user(patient).post(
        "/api/appointments/", {"timeslot": TimeSlotFactory(doctor=doctor).id}
    )
    assert response.status_code == 201
    return response.json()


@pytest.mark.parametrize("who", ["admin", "doctor", "patient", "other_patient", None])
def test_put_on_an_appointment_is_405_for_everyone(api, booked, request, who):
    user = request.getfixturevalue(who) if who else None
    response = api.as_user(user).put(f"/api/appointments/{booked['id']}/", {"status": "confirmed"})
    assert response.status_code == 405, response.content
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "PATCH" in response["Allow"]


@pytest.mark.parametrize("who", ["admin", "doctor", "patient"])
def test_put_on_a_user_and_a_slot_is_405_for_everyone(api, request, who, patient, doctor):
    client = api.as_user(request.getfixturevalue(who))
    assert client.put(f"/api/users/{patient.id}/", {"first_name": "X"}).status_code == 405
    slot = TimeSlotFactory(doctor=doctor)
    assert client.put(f"/api/timeslots/{slot.id}/", {"date": "2030-01-01"}).status_code == 405


def test_allowed_methods_still_check_permissions(api, booked, patient, doctor):
    assert (
        api.as_user(patient).patch(f"/api/appointments/{booked['id']}/", {"status": "confirmed"}).status_code
        == 403
    )
    assert api.as_user(None).get(f"/api/appointments/{booked['id']}/").status_code == 401
