"""The database guards alone, written to straight, past every service."""

import pytest
from django.db import IntegrityError, connection, transaction

from apps.appointments.models import Appointment, Status
from apps.appointments.services import TRANSITIONS
from apps.doctors.models import TimeSlot
from apps.doctors.tests.factories import TimeSlotFactory

pytestmark = pytest.mark.django_db


def immediate():
    """Check deferred constraints now instead of at commit (the test runs in one transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture
def booked(doctor, patient):
    slot = TimeSlotFactory(doctor=doctor, is_available=False)
    appointment = Appointment.objects.create(doctor=doctor, patient=patient, timeslot=slot)
    return appointment


def test_database_allows_one_active_appointment_per_slot(booked, other_patient):
    with pytest.raises(IntegrityError, match="appointment_one_per_slot"), transaction.atomic():
        Appointment.objects.create(doctor=booked.doctor, patient=other_patient, timeslot=booked.timeslot)


def test_database_keeps_cancelled_history_beside_a_new_booking(booked, other_patient):
    Appointment.objects.filter(pk=booked.pk).update(
        status=Status.CANCELLED
    )  # the booking below keeps it taken
    Appointment.objects.create(doctor=booked.doctor, patient=other_patient, timeslot=booked.timeslot)
    immediate()
    assert Appointment.objects.filter(timeslot=booked.timeslot).count() == 2


def test_database_refuses_unknown_status(doctor, patient):
    slot = TimeSlotFactory(doctor=doctor, is_available=False)
    with pytest.raises(IntegrityError, match="appointment_status_valid"), transaction.atomic():
        Appointment.objects.create(doctor=doctor, patient=patient, timeslot=slot, status="done")
    TimeSlot.objects.filter(pk=slot.pk).update(is_available=True)


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.NO_SHOW])
def test_database_keeps_a_slot_taken_by_a_completed_or_no_show_visit(booked, other_patient, status):
    Appointment.objects.filter(pk=booked.pk).update(status=Status.CONFIRMED)
    Appointment.objects.filter(pk=booked.pk).update(status=status)
    with pytest.raises(IntegrityError, match="appointment_one_per_slot"), transaction.atomic():
        Appointment.objects.create(doctor=booked.doctor, patient=other_patient, timeslot=booked.timeslot)
    with pytest.raises(IntegrityError, match="slot_availability_matches"), transaction.atomic():
        TimeSlot.objects.filter(pk=booked.timeslot_id).update(is_available=True)
        immediate()


def test_database_refuses_appointment_with_oneself(doctor):
    slot = TimeSlotFactory(doctor=doctor)
    with pytest.raises(IntegrityError, match="appointment_not_with_self"), transaction.atomic():
        Appointment.objects.create(doctor=doctor, patient=doctor, timeslot=slot)


def test_database_refuses_a_doctor_other_than_the_slots(booked, other_doctor, other_patient):
    slot = TimeSlotFactory(doctor=booked.doctor)
    with pytest.raises(IntegrityError, match="appointment_slot_doctor_fk"), transaction.atomic():
        TimeSlot.objects.filter(pk=slot.pk).update(is_available=False)
        Appointment.objects.create(doctor=other_doctor, patient=other_patient, timeslot=slot)
        immediate()


# How to reach each status with allowed steps only.
PATHS = {
    Status.PENDING: [],
    Status.CONFIRMED: [Status.CONFIRMED],
    Status.CANCELLED: [Status.CANCELLED],
    Status.COMPLETED: [Status.CONFIRMED, Status.COMPLETED],
    Status.NO_SHOW: [Status.NO_SHOW],
}
PAIRS = [(start, to) for start in Status for to in Status if start != to]


@pytest.mark.parametrize(("start", "to"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_database_refuses_exactly_the_changes_the_transition_table_does_not_name(booked, start, to):
    for step in PATHS[start]:
        Appointment.objects.filter(pk=booked.pk).update(status=step)
    free = start == Status.CANCELLED or to == Status.CANCELLED
    TimeSlot.objects.filter(pk=booked.timeslot_id).update(is_available=free)
    if (start, to) in TRANSITIONS:
        Appointment.objects.filter(pk=booked.pk).update(status=to)
        immediate()
    else:
        with pytest.raises(IntegrityError, match="appointment_status_transition"), transaction.atomic():
            Appointment.objects.filter(pk=booked.pk).update(status=to)
        TimeSlot.objects.filter(pk=booked.timeslot_id).update(is_available=start == Status.CANCELLED)


def test_database_refuses_moving_an_appointment_to_another_slot(booked):
    other = TimeSlotFactory(doctor=booked.doctor)
    with pytest.raises(IntegrityError, match="appointment_status_transition"), transaction.atomic():
        Appointment.objects.filter(pk=booked.pk).update(timeslot=other)


def test_database_refuses_booking_without_marking_the_slot_taken(doctor, patient):
    slot = TimeSlotFactory(doctor=doctor)  # still is_available=True
    with pytest.raises(IntegrityError, match="slot_availability_matches"), transaction.atomic():
        Appointment.objects.create(doctor=doctor, patient=patient, timeslot=slot)
        immediate()


def test_database_refuses_freeing_a_slot_that_is_still_booked(booked):
    with pytest.raises(IntegrityError, match="slot_availability_matches"), transaction.atomic():
        TimeSlot.objects.filter(pk=booked.timeslot_id).update(is_available=True)
        immediate()


def test_database_refuses_cancelling_without_freeing_the_slot(booked):
    with pytest.raises(IntegrityError, match="slot_availability_matches"), transaction.atomic():
        Appointment.objects.filter(pk=booked.pk).update(status=Status.CANCELLED)
        immediate()


def test_database_refuses_deleting_a_slot_with_appointments(booked):
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM doctors_timeslot WHERE id = %s", [booked.timeslot_id])
        immediate()


def test_booking_through_the_model_layer_with_is_available_kept_in_step(doctor, patient):
    slot = TimeSlotFactory(doctor=doctor)
    with transaction.atomic():
        Appointment.objects.create(doctor=doctor, patient=patient, timeslot=slot)
        TimeSlot.objects.filter(pk=slot.pk).update(is_available=False)
        immediate()
    assert Appointment.objects.filter(timeslot=slot).exists()


def test_services_turn_a_late_unique_violation_into_slot_taken(api, doctor, patient, other_patient):
    """Even if the slot says free, the partial unique index stops a second active booking."""
    slot = TimeSlotFactory(doctor=doctor)
    Appointment.objects.create(doctor=doctor, patient=patient, timeslot=slot)  # slot left "free"
    response = api.as_user(other_patient).post("/api/appointments/", {"timeslot": slot.id})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_taken"
    # Put the slot in step again, or the deferred availability trigger fails the test at its end.
    TimeSlot.objects.filter(pk=slot.pk).update(is_available=False)
