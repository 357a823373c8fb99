import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.appointments.models import Appointment, Status
from apps.doctors.models import TimeSlot
from apps.doctors.tests.factories import TimeSlotFactory, tomorrow
from apps.users.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def slot(doctor):
    return TimeSlotFactory(doctor=doctor)


def book(api, user, slot, **extra):
    return api.as_user(user).post("/api/appointments/", {"timeslot": slot.id, **extra})


def test_patient_books_a_free_slot_as_pending(api, patient, doctor, slot):
    response = book(api, patient, slot)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["doctor"]["id"] == doctor.id
    assert body["patient"]["id"] == patient.id
    assert body["timeslot"]["id"] == slot.id
    slot.refresh_from_db()
    assert slot.is_available is False


def test_second_patient_cannot_book_taken_slot(api, patient, other_patient, slot):
    book(api, patient, slot)
    response = book(api, other_patient, slot)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_taken"
    assert Appointment.objects.count() == 1


def test_slot_in_the_past_cannot_be_booked(api, patient, doctor):
    past = TimeSlot.objects.create(
        doctor=doctor,
        date=timezone.localdate() - dt.timedelta(days=1),
        start_time=dt.time(9),
        end_time=dt.time(9, 30),
    )
    response = book(api, patient, past)
    assert response.status_code == 400
    assert "timeslot" in response.json()["error"]["fields"]


@pytest.mark.parametrize("clock", ["14:30:30", "00:01:30"])
def test_slot_that_started_a_minute_ago_cannot_be_booked(api, patient, doctor, clock, settings):
    # Also just after the clinic's midnight, where "a minute ago" is still today.
    settings.BOOKING_MIN_NOTICE_MINUTES = 0  # the started slot alone is under test
    now = dt.datetime.combine(
        dt.date(2026, 12, 1), dt.time.fromisoformat(clock), timezone.get_current_timezone()
    )
    with time_machine.travel(now, tick=False):
        start = (now - dt.timedelta(minutes=1)).replace(second=0)
        soon = (now + dt.timedelta(minutes=2)).replace(second=0)
        started = TimeSlot.objects.create(
            doctor=doctor, date=start.date(), start_time=start.time(), end_time=soon.time()
        )
        response = book(api, patient, started)
        assert response.status_code == 400
        assert "timeslot" in response.json()["error"]["fields"]
        upcoming = TimeSlotFactory(
            doctor=doctor, date=soon.date(), start_time=soon.time(), end_time=dt.time(23, 59)
        )
        assert book(api, patient, upcoming).status_code == 201


def test_doctor_cannot_book_even_own_slot(api, doctor, slot):
    assert book(api, doctor, slot).status_code == 403
    assert not Appointment.objects.exists()


def test_admin_books_on_behalf_of_a_named_patient(api, admin, patient, slot):
    response = book(api, admin, slot, patient=patient.id)
    assert response.status_code == 201
    assert response.json()["patient"]["id"] == patient.id


def test_admin_must_name_a_patient_and_not_a_doctor(api, admin, doctor, slot):
    assert book(api, admin, slot).status_code == 400
    response = book(api, admin, slot, patient=doctor.id)
    assert response.status_code == 400
    assert "patient" in response.json()["error"]["fields"]


def test_patient_cannot_book_for_someone_else(api, patient, other_patient, slot):
    response = book(api, patient, slot, patient=other_patient.id)
    assert response.status_code == 400
    assert "patient" in response.json()["error"]["fields"]


@pytest.mark.parametrize("value", [None, "abc", -1, 0, 10**30, 987654321])
def test_bad_or_unknown_timeslot_is_a_400_naming_it(api, patient, value):
    response = api.as_user(patient).post("/api/appointments/", {"timeslot": value})
    assert response.status_code == 400
    assert "timeslot" in response.json()["error"]["fields"]


def test_slot_of_a_deactivated_doctor_cannot_be_booked(api, admin, patient, doctor, slot):
    api.as_user(admin).delete(f"/api/users/{doctor.id}/")
    assert book(api, patient, slot).status_code == 400


def test_cancelled_slot_is_free_and_another_patient_books_it(api, patient, other_patient, slot):
    first = book(api, patient, slot).json()
    cancel = api.as_user(patient).delete(f"/api/appointments/{first['id']}/")
    assert cancel.status_code == 200
    assert cancel.json()["status"] == "cancelled"
    slot.refresh_from_db()
    assert slot.is_available is True

    second = book(api, other_patient, slot)
    assert second.status_code == 201
    assert Appointment.objects.filter(timeslot=slot).count() == 2  # the cancelled one is history


def test_doctor_confirms_then_cancels(api, patient, doctor, slot):
    appointment = book(api, patient, slot).json()
    url = f"/api/appointments/{appointment['id']}/"
    assert api.as_user(doctor).patch(url, {"status": "confirmed"}).json()["status"] == "confirmed"
    assert api.as_user(doctor).patch(url, {"status": "cancelled"}).json()["status"] == "cancelled"
    slot.refresh_from_db()
    assert slot.is_available is True


@pytest.mark.parametrize(
    ("path", "final", "expected"),
    [
        ([], "confirmed", 200),
        ([], "cancelled", 200),
        (["confirmed"], "cancelled", 200),
        (["confirmed"], "confirmed", 409),
        (["cancelled"], "confirmed", 409),
        (["cancelled"], "cancelled", 409),
        ([], "pending", 400),
        ([], "done", 400),
        ([], "completed", 409),
        ([], "no_show", 409),
    ],
)
def test_status_transitions_follow_the_rules(api, patient, doctor, slot, path, final, expected):
    appointment = book(api, patient, slot).json()
    url = f"/api/appointments/{appointment['id']}/"
    for step in path:
        assert api.as_user(doctor).patch(url, {"status": step}).status_code == 200
    response = api.as_user(doctor).patch(url, {"status": final})
    assert response.status_code == expected
    if expected >= 400:
        assert "status" in response.json()["error"]["fields"]


def test_patient_cannot_confirm_but_cancels_with_patch_or_delete(api, patient, slot):
    appointment = book(api, patient, slot).json()
    url = f"/api/appointments/{appointment['id']}/"
    assert api.as_user(patient).patch(url, {"status": "confirmed"}).status_code == 403
    assert api.as_user(patient).patch(url, {"status": "cancelled"}).status_code == 200
    assert api.as_user(patient).delete(url).status_code == 409


def test_doctor_cannot_cancel_with_delete(api, patient, doctor, slot):
    appointment = book(api, patient, slot).json()
    assert api.as_user(doctor).delete(f"/api/appointments/{appointment['id']}/").status_code == 403


def test_other_people_get_404_for_an_appointment(api, patient, other_patient, other_doctor, slot):
    appointment = book(api, patient, slot).json()
    url = f"/api/appointments/{appointment['id']}/"
    assert api.as_user(other_patient).get(url).status_code == 404
    assert api.as_user(other_patient).delete(url).status_code == 404
    assert api.as_user(other_doctor).get(url).status_code == 404
    assert api.as_user(other_doctor).patch(url, {"status": "confirmed"}).status_code == 404
    assert Appointment.objects.get().status == Status.PENDING


def test_appointment_visible_to_its_doctor_patient_and_admin(api, patient, doctor, admin, slot):
    appointment = book(api, patient, slot).json()
    url = f"/api/appointments/{appointment['id']}/"
    for user in (patient, doctor, admin):
        assert api.as_user(user).get(url).status_code == 200


def test_my_appointments_filter_by_status_and_date(api, patient, doctor):
    first = TimeSlotFactory(doctor=doctor)
    later = TimeSlotFactory(doctor=doctor, date=tomorrow() + dt.timedelta(days=2))
    a = book(api, patient, first).json()
    book(api, patient, later)
    api.as_user(doctor).patch(f"/api/appointments/{a['id']}/", {"status": "confirmed"})
    mine = api.as_user(patient).get("/api/appointments/me/?status=confirmed").json()["results"]
    assert [x["id"] for x in mine] == [a["id"]]
    on_day = api.as_user(doctor).get(f"/api/appointments/me/?date={later.date}").json()["results"]
    assert [x["timeslot"]["id"] for x in on_day] == [later.id]
    assert api.as_user(patient).get("/api/appointments/me/?status=nope").status_code == 400


def test_only_admins_list_all_appointments_with_filters(api, admin, patient, other_patient, doctor):
    book(api, patient, TimeSlotFactory(doctor=doctor))
    book(api, other_patient, TimeSlotFactory(doctor=doctor))
    assert api.as_user(patient).get("/api/appointments/").status_code == 403
    assert api.as_user(doctor).get("/api/appointments/").status_code == 403
    listed = api.as_user(admin).get(f"/api/appointments/?patient={other_patient.id}").json()
    assert [x["patient"]["id"] for x in listed["results"]] == [other_patient.id]
    assert api.as_user(admin).get(f"/api/appointments/?doctor={doctor.id}").json()["count"] == 2


def test_deactivating_a_patient_cancels_future_appointments(api, admin, patient, slot):
    appointment = book(api, patient, slot).json()
    api.as_user(admin).delete(f"/api/users/{patient.id}/")
    assert Appointment.objects.get(pk=appointment["id"]).status == Status.CANCELLED
    slot.refresh_from_db()
    assert slot.is_available is True


def test_deactivating_a_doctor_cancels_future_appointments(api, admin, patient, doctor, slot):
    book(api, patient, slot)
    api.as_user(admin).delete(f"/api/users/{doctor.id}/")
    assert Appointment.objects.get().status == Status.CANCELLED


@pytest.mark.parametrize("path", ["/api/appointments/?page_size=100", "/api/appointments/me/?page_size=100"])
def test_appointment_lists_run_constant_queries(api, admin, doctor, django_assert_max_num_queries, path):
    for day in range(3):
        for slot in TimeSlotFactory.create_batch(20, doctor=doctor, date=tomorrow() + dt.timedelta(days=day)):
            book(api, PatientFactory(), slot)
    client = api.as_user(admin)
    with django_assert_max_num_queries(3):  # user, count, page with slot/doctor/patient joined
        response = client.get(path)
    assert response.json()["count"] == 60


def test_writes_stay_within_their_query_budget(api, patient, doctor, django_assert_max_num_queries):
    """Auth, lock, write, and nothing else: the wasted re-reads found by profiling stay gone."""
    slot = TimeSlotFactory(doctor=doctor)
    client = api.as_user(patient)
    # user, savepoint, people lock, slot lock (with the patient's overlap and count, and the
    # history's who), insert (the triggers copy the slot's range and write the history),
    # slot update, notification job (apps.notifications), release
    with django_assert_max_num_queries(8):
        booked = client.post("/api/appointments/", {"timeslot": slot.id}).json()
    url = f"/api/appointments/{booked['id']}/"
    client = api.as_user(doctor)
    # user, appointment (with its people and slot), savepoint, lock, update, notification job, release
    with django_assert_max_num_queries(7):
        assert client.patch(url, {"status": "confirmed"}).status_code == 200
    client = api.as_user(patient)
    # user, appointment, savepoint, slot lock, lock, update, slot update, notification job, release
    with django_assert_max_num_queries(9):
        assert client.delete(url).status_code == 200
