"""Booking policy (SPEC section 9): notice, horizon, cap, slot horizon, and no patient in two
places at once. The clock is moved with time-machine where the rule depends on it."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.appointments.models import Appointment, Status
from apps.doctors.models import TimeSlot
from apps.doctors.tests.factories import TimeSlotFactory, tomorrow
from apps.users.tests.factories import DoctorFactory
from core.policy import BookingPolicy, booking_policy

pytestmark = pytest.mark.django_db


def book(api, user, slot, **extra):
    return api.as_user(user).post("/api/appointments/", {"timeslot": slot.id, **extra})


def clinic_time(date, time):
    return dt.datetime.combine(date, time, tzinfo=zoneinfo.ZoneInfo(django_settings.TIME_ZONE))


def error_code(response):
    return response.json()["error"]["code"]


def test_policy_values_come_from_the_settings(settings):
    settings.BOOKING_MIN_NOTICE_MINUTES = 15
    settings.BOOKING_HORIZON_DAYS = 30
    settings.BOOKING_MAX_ACTIVE_PER_PATIENT = 2
    settings.BOOKING_CANCEL_CUTOFF_MINUTES = 45
    settings.SLOT_MAX_DAYS_AHEAD = 60
    assert booking_policy() == BookingPolicy(
        min_notice=dt.timedelta(minutes=15),
        horizon=dt.timedelta(days=30),
        max_active_per_patient=2,
        cancel_cutoff=dt.timedelta(minutes=45),
        slot_max_ahead=dt.timedelta(days=60),
    )


@pytest.mark.parametrize(("minutes_ahead", "expected"), [(59, 400), (61, 201)])
def test_patient_cannot_book_a_slot_starting_within_the_minimum_notice(
    api, patient, doctor, minutes_ahead, expected
):
    slot = TimeSlotFactory(doctor=doctor, date=tomorrow(), start_time=dt.time(10), end_time=dt.time(10, 30))
    with time_machine.travel(clinic_time(slot.date, slot.start_time) - dt.timedelta(minutes=minutes_ahead)):
        response = book(api, patient, slot)
    assert response.status_code == expected
    if expected == 400:
        assert error_code(response) == "too_soon"
        assert "timeslot" in response.json()["error"]["fields"]


def test_patient_cannot_book_beyond_the_horizon(api, patient, doctor):
    today = timezone.localdate()
    far = TimeSlotFactory(doctor=doctor, date=today + dt.timedelta(days=91))
    near_edge = TimeSlotFactory(doctor=doctor, date=today + dt.timedelta(days=89))
    response = book(api, patient, far)
    assert response.status_code == 400
    assert error_code(response) == "too_far"
    assert book(api, patient, near_edge).status_code == 201


def test_patient_holds_at_most_the_cap_of_upcoming_appointments(api, patient, doctor, settings):
    settings.BOOKING_MAX_ACTIVE_PER_PATIENT = 2
    slots = TimeSlotFactory.create_batch(3, doctor=doctor)
    first = book(api, patient, slots[0]).json()
    assert book(api, patient, slots[1]).status_code == 201
    response = book(api, patient, slots[2])
    assert response.status_code == 409
    assert error_code(response) == "too_many_bookings"
    # Cancelling one makes room again.
    api.as_user(patient).delete(f"/api/appointments/{first['id']}/")
    assert book(api, patient, slots[2]).status_code == 201


def test_past_and_finished_appointments_do_not_count_toward_the_cap(api, patient, doctor, settings):
    settings.BOOKING_MAX_ACTIVE_PER_PATIENT = 1
    today_slot = TimeSlotFactory(
        doctor=doctor, date=tomorrow(), start_time=dt.time(9), end_time=dt.time(9, 30)
    )
    with time_machine.travel(clinic_time(tomorrow(), dt.time(7))):
        assert book(api, patient, today_slot).status_code == 201
    later = TimeSlotFactory(doctor=doctor, date=tomorrow(), start_time=dt.time(12), end_time=dt.time(12, 30))
    with time_machine.travel(clinic_time(tomorrow(), dt.time(9, 45))):  # the first visit is over
        assert book(api, patient, later).status_code == 201


def test_admin_booking_on_a_patients_behalf_is_exempt_from_notice_horizon_and_cap(
    api, admin, patient, doctor, settings
):
    settings.BOOKING_MAX_ACTIVE_PER_PATIENT = 1
    today = timezone.localdate()
    slots = [
        TimeSlotFactory(doctor=doctor, date=today + dt.timedelta(days=200)),
        TimeSlotFactory(doctor=doctor, date=today + dt.timedelta(days=2)),
    ]
    for slot in slots:
        assert book(api, admin, slot, patient=patient.id).status_code == 201
    soon = TimeSlotFactory(doctor=doctor, date=tomorrow(), start_time=dt.time(10), end_time=dt.time(10, 30))
    with time_machine.travel(clinic_time(soon.date, dt.time(9, 50))):
        assert book(api, admin, soon, patient=patient.id).status_code == 201
        assert Appointment.objects.filter(patient=patient).count() == 3


def test_admin_is_not_exempt_from_the_patients_overlap(api, admin, patient, doctor, other_doctor):
    mine = TimeSlotFactory(doctor=doctor, start_time=dt.time(9), end_time=dt.time(10))
    theirs = TimeSlotFactory(
        doctor=other_doctor, date=mine.date, start_time=dt.time(9, 30), end_time=dt.time(10)
    )
    assert book(api, patient, mine).status_code == 201
    response = book(api, admin, theirs, patient=patient.id)
    assert response.status_code == 409
    assert error_code(response) == "patient_busy"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("09:15", "09:45", 409),  # inside
        ("08:30", "09:01", 409),  # overlaps the start
        ("09:59", "10:30", 409),  # overlaps the end
        ("08:30", "09:00", 201),  # touches before
        ("10:00", "10:30", 201),  # touches after
    ],
)
def test_patient_cannot_hold_two_overlapping_appointments_with_any_doctors(
    api, patient, doctor, other_doctor, start, end, expected
):
    first = TimeSlotFactory(doctor=doctor, start_time=dt.time(9), end_time=dt.time(10))
    second = TimeSlotFactory(
        doctor=other_doctor,
        date=first.date,
        start_time=dt.time.fromisoformat(start),
        end_time=dt.time.fromisoformat(end),
    )
    assert book(api, patient, first).status_code == 201
    response = book(api, patient, second)
    assert response.status_code == expected
    if expected == 409:
        assert error_code(response) == "patient_busy"
        assert TimeSlot.objects.get(pk=second.pk).is_available


def test_a_cancelled_appointment_does_not_keep_the_patient_busy(api, patient, doctor, other_doctor):
    first = TimeSlotFactory(doctor=doctor, start_time=dt.time(9), end_time=dt.time(10))
    same_time = TimeSlotFactory(
        doctor=other_doctor, date=first.date, start_time=dt.time(9), end_time=dt.time(10)
    )
    booked = book(api, patient, first).json()
    api.as_user(patient).delete(f"/api/appointments/{booked['id']}/")
    assert book(api, patient, same_time).status_code == 201


def test_database_refuses_overlapping_active_appointments_of_one_patient(patient, doctor, other_doctor):
    first = TimeSlotFactory(doctor=doctor, start_time=dt.time(9), end_time=dt.time(10), is_available=False)
    second = TimeSlotFactory(
        doctor=other_doctor, date=first.date, start_time=dt.time(9, 30), end_time=dt.time(10, 30)
    )
    Appointment.objects.create(doctor=doctor, patient=patient, timeslot=first)
    with pytest.raises(IntegrityError, match="appointment_patient_no_overlap"), transaction.atomic():
        Appointment.objects.create(doctor=other_doctor, patient=patient, timeslot=second)
    # Once the first is cancelled, the same insert is allowed.
    Appointment.objects.filter(timeslot=first).update(status=Status.CANCELLED)
    TimeSlot.objects.filter(pk=first.pk).update(is_available=True)
    Appointment.objects.create(doctor=other_doctor, patient=patient, timeslot=second)
    TimeSlot.objects.filter(pk=second.pk).update(is_available=False)


def test_database_copies_the_slots_range_whatever_the_insert_says(patient, doctor):
    slot = TimeSlotFactory(doctor=doctor, start_time=dt.time(9), end_time=dt.time(9, 30), is_available=False)
    wrong = "[2000-01-01 00:00, 2000-01-02 00:00)"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO appointments_appointment (doctor_id, patient_id, timeslot_id, status, slot_range,"
            " created_at, updated_at) VALUES (%s, %s, %s, 'pending', %s::tsrange, now(), now()) RETURNING id",
            [doctor.id, patient.id, slot.id, wrong],
        )
        appointment = Appointment.objects.get(pk=cursor.fetchone()[0])
    assert (appointment.slot_range.lower, appointment.slot_range.upper) == (
        dt.datetime.combine(slot.date, dt.time(9)),
        dt.datetime.combine(slot.date, dt.time(9, 30)),
    )
    with (
        pytest.raises(IntegrityError, match="appointment_status_transition"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE appointments_appointment SET slot_range = %s::tsrange WHERE id = %s",
            [wrong, appointment.pk],
        )
    with pytest.raises(IntegrityError, match="slot_times_fixed_once_booked"), transaction.atomic():
        TimeSlot.objects.filter(pk=slot.pk).update(start_time=dt.time(8, 30))


@pytest.mark.parametrize("path", ["/api/timeslots/", "/api/timeslots/bulk/"])
def test_slots_open_at_most_slot_max_days_ahead(api, doctor, settings, path):
    settings.SLOT_MAX_DAYS_AHEAD = 30
    body = {"start_time": "09:00", "end_time": "10:00", "slot_minutes": 30}
    today = timezone.localdate()
    too_far = api.as_user(doctor).post(path, {**body, "date": str(today + dt.timedelta(days=31))})
    assert too_far.status_code == 400
    assert "date" in too_far.json()["error"]["fields"]
    assert (
        api.as_user(doctor).post(path, {**body, "date": str(today + dt.timedelta(days=30))}).status_code
        == 201
    )


def test_new_doctor_slots_default_to_a_year_ahead(api):
    doctor = DoctorFactory()
    today = timezone.localdate()
    body = {"start_time": "09:00", "end_time": "10:00"}
    assert (
        api.as_user(doctor)
        .post("/api/timeslots/", {**body, "date": str(today + dt.timedelta(days=366))})
        .status_code
        == 400
    )
    assert (
        api.as_user(doctor)
        .post("/api/timeslots/", {**body, "date": str(today + dt.timedelta(days=365))})
        .status_code
        == 201
    )


@pytest.mark.parametrize(("minutes_before", "expected"), [(120, 200), (119, 409)])
def test_patient_may_cancel_up_to_and_including_the_cutoff(api, patient, doctor, minutes_before, expected):
    slot = TimeSlotFactory(doctor=doctor, date=tomorrow(), start_time=dt.time(10), end_time=dt.time(10, 30))
    start = clinic_time(slot.date, slot.start_time)
    with time_machine.travel(start - dt.timedelta(days=1), tick=False):
        booked = book(api, patient, slot).json()
    with time_machine.travel(start - dt.timedelta(minutes=minutes_before), tick=False):
        response = api.as_user(patient).patch(f"/api/appointments/{booked['id']}/", {"status": "cancelled"})
    assert response.status_code == expected
    if expected == 409:
        assert error_code(response) == "cancellation_cutoff"
