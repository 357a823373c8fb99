"""POST /appointments/{id}/reschedule/: one transaction, the old one cancelled, a new pending one."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.conf import settings as django_settings

from apps.appointments.models import Appointment, StatusChange
from apps.appointments.signals import appointment_changed
from apps.doctors.models import TimeSlot
from apps.doctors.tests.factories import TimeSlotFactory, tomorrow
from apps.users.tests.factories import AdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moving(api, patient, doctor):
    old = TimeSlotFactory(
        doctor=doctor,
        date=tomorrow() + dt.timedelta(days=1),
        start_time=dt.time(10),
        end_time=dt.time(10, 30),
    )
    new = TimeSlotFactory(doctor=doctor, date=old.date, start_time=dt.time(11), end_time=dt.time(11, 30))
    booked = api.as_user(patient).post("/api/appointments/", {"timeslot": old.id}).json()
    return {
        "old": old,
        "new": new,
        "id": booked["id"],
        "url": f"/api/appointments/{booked['id']}/reschedule/",
    }


def reschedule(api, user, moving, slot=None, **extra):
    return api.as_user(user).post(moving["url"], {"timeslot": (slot or moving["new"]).id, **extra})


def free(slot):
    return TimeSlot.objects.get(pk=slot.pk).is_available


@pytest.mark.parametrize("who", ["patient", "doctor", "admin"])
def test_reschedule_cancels_the_old_and_books_the_new_slot(api, moving, patient, doctor, who):
    user = {"patient": patient, "doctor": doctor, "admin": AdminFactory()}[who]
    response = reschedule(api, user, moving, reason="Stuck at work.")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["rescheduled_from"] == moving["id"]
    assert body["timeslot"]["id"] == moving["new"].id
    assert body["patient"]["id"] == patient.id
    assert Appointment.objects.get(pk=moving["id"]).status == "cancelled"
    assert free(moving["old"])
    assert not free(moving["new"])
    # The history of both says who and why.
    old_last = StatusChange.objects.filter(appointment_id=moving["id"]).last()
    new_first = StatusChange.objects.get(appointment_id=body["id"])
    assert (old_last.to_status, old_last.by_id, old_last.reason) == ("cancelled", user.id, "Stuck at work.")
    assert (new_first.from_status, new_first.to_status, new_first.by_id) == (None, "pending", user.id)


def test_every_appointment_shows_rescheduled_from(api, moving, patient):
    new_id = reschedule(api, patient, moving).json()["id"]
    mine = api.as_user(patient).get("/api/appointments/me/").json()["results"]
    assert {a["id"]: a["rescheduled_from"] for a in mine} == {new_id: moving["id"], moving["id"]: None}


def test_reschedule_sends_one_rescheduled_event_with_the_old_as_previous(api, moving, patient):
    seen = []

    def receiver(sender, appointment, event, by, reason, previous, **kwargs):
        seen.append((appointment.pk, event, previous and previous.pk, reason))

    appointment_changed.connect(receiver, dispatch_uid="test_reschedule")
    try:
        new_id = reschedule(api, patient, moving, reason="Later, please.").json()["id"]
    finally:
        appointment_changed.disconnect(dispatch_uid="test_reschedule")
    assert seen == [(new_id, "rescheduled", moving["id"], "Later, please.")]


def test_another_doctors_slot_is_a_400_and_nothing_changes(api, moving, patient, other_doctor):
    foreign = TimeSlotFactory(doctor=other_doctor, date=moving["new"].date)
    response = reschedule(api, patient, moving, slot=foreign)
    assert response.status_code == 400
    assert "timeslot" in response.json()["error"]["fields"]
    assert Appointment.objects.get(pk=moving["id"]).status == "pending"
    assert not free(moving["old"])
    assert free(foreign)


def test_a_taken_slot_is_a_409_and_nothing_changes(api, moving, patient, other_patient):
    api.as_user(other_patient).post("/api/appointments/", {"timeslot": moving["new"].id})
    response = reschedule(api, patient, moving)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_taken"
    assert Appointment.objects.get(pk=moving["id"]).status == "pending"
    assert not free(moving["old"])
    assert Appointment.objects.filter(patient=patient).count() == 1
    assert StatusChange.objects.filter(appointment_id=moving["id"]).count() == 1


def test_the_patient_reschedules_only_until_the_cutoff(api, moving, patient, doctor):
    start = dt.datetime.combine(
        moving["old"].date, moving["old"].start_time, tzinfo=zoneinfo.ZoneInfo(django_settings.TIME_ZONE)
    )
    with time_machine.travel(start - dt.timedelta(minutes=90), tick=False):
        response = reschedule(api, patient, moving)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "cancellation_cutoff"
        assert reschedule(api, doctor, moving).status_code == 201


def test_the_new_slot_meets_the_booking_policy(api, moving, patient, doctor, other_doctor, settings):
    far = TimeSlotFactory(doctor=doctor, date=tomorrow() + dt.timedelta(days=120))
    assert reschedule(api, patient, moving, slot=far).json()["error"]["code"] == "too_far"
    # Busy elsewhere at the new time.
    elsewhere = TimeSlotFactory(
        doctor=other_doctor, date=moving["new"].date, start_time=dt.time(11), end_time=dt.time(11, 30)
    )
    api.as_user(patient).post("/api/appointments/", {"timeslot": elsewhere.id})
    response = reschedule(api, patient, moving)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "patient_busy"
    assert Appointment.objects.get(pk=moving["id"]).status == "pending"


def test_a_patient_at_the_cap_can_still_reschedule(api, moving, patient, settings):
    settings.BOOKING_MAX_ACTIVE_PER_PATIENT = 1
    assert reschedule(api, patient, moving).status_code == 201


@pytest.mark.parametrize("final", ["cancelled"])
def test_a_cancelled_appointment_cannot_be_rescheduled(api, moving, patient, final):
    api.as_user(patient).delete(f"/api/appointments/{moving['id']}/")
    response = reschedule(api, patient, moving)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def test_others_get_404_and_bad_input_400(api, moving, other_patient, other_doctor, patient):
    assert reschedule(api, other_patient, moving).status_code == 404
    assert reschedule(api, other_doctor, moving).status_code == 404
    for bad in ({}, {"timeslot": "x"}, {"timeslot": 0}, {"timeslot": 987654321}):
        response = api.as_user(patient).post(moving["url"], bad)
        assert response.status_code == 400, bad
        assert "timeslot" in response.json()["error"]["fields"]
    long = api.as_user(patient).post(moving["url"], {"timeslot": moving["new"].id, "reason": "x" * 501})
    assert long.status_code == 400
    assert Appointment.objects.get(pk=moving["id"]).status == "pending"


def test_a_reschedule_refused_by_the_cutoff_names_no_field_of_a_status_it_never_sent(api, moving, patient):
    start = dt.datetime.combine(
        moving["old"].date, moving["old"].start_time, tzinfo=zoneinfo.ZoneInfo(django_settings.TIME_ZONE)
    )
    with time_machine.travel(start - dt.timedelta(minutes=90), tick=False):
        error = reschedule(api, patient, moving).json()["error"]
    assert error["code"] == "cancellation_cutoff"
    assert "fields" not in error
    assert error["message"].startswith("Patients can reschedule up to 120 minutes")


def test_rescheduling_a_cancelled_appointment_names_no_field(api, moving, patient):
    api.as_user(patient).delete(f"/api/appointments/{moving['id']}/")
    error = reschedule(api, patient, moving).json()["error"]
    assert error["code"] == "invalid_transition"
    assert "fields" not in error
