"""Real races: threads with their own database connections, committed transactions."""

import datetime as dt

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.appointments.models import ACTIVE_STATUSES, Appointment
from apps.doctors.models import TimeSlot
from apps.doctors.tests.factories import TimeSlotFactory, tomorrow
from apps.users.tests.factories import AdminFactory, DoctorFactory, PatientFactory
from core.testing import race

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def test_twelve_patients_booking_one_slot_at_once_exactly_one_wins():
    slot = TimeSlotFactory(doctor=DoctorFactory())
    clients = [client_for(PatientFactory()) for _ in range(12)]
    responses = race([lambda c=c: c.post("/api/appointments/", {"timeslot": slot.id}) for c in clients])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 11, statuses
    assert Appointment.objects.filter(timeslot=slot, status__in=ACTIVE_STATUSES).count() == 1
    slot.refresh_from_db()
    assert slot.is_available is False


def test_overlapping_slots_created_at_once_only_one_wins():
    doctor = DoctorFactory()
    client = client_for(doctor)
    bodies = [
        {"date": str(tomorrow()), "start_time": f"09:{m:02d}", "end_time": f"10:{m:02d}"}
        for m in range(0, 50, 5)
    ]
    responses = race([lambda b=b: client_for(doctor).post("/api/timeslots/", b) for b in bodies])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (len(bodies) - 1), statuses
    assert TimeSlot.objects.filter(doctor=doctor).count() == 1
    assert client.get("/api/timeslots/").json()["count"] == 1


def test_bulk_days_racing_never_overlap():
    doctor = DoctorFactory()
    body = {"date": str(tomorrow()), "start_time": "09:00", "end_time": "12:00", "slot_minutes": 20}
    shifted = {**body, "start_time": "09:10"}
    responses = race(
        [lambda b=b: client_for(doctor).post("/api/timeslots/bulk/", b) for b in (body, shifted)]
    )

    assert sorted(r.status_code for r in responses) == [201, 409]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM doctors_timeslot a JOIN doctors_timeslot b
               ON a.doctor_id = b.doctor_id AND a.id < b.id AND a.date = b.date
               AND a.start_time < b.end_time AND b.start_time < a.end_time"""
        )
        assert cursor.fetchone()[0] == 0


@pytest.mark.parametrize("round_", range(3))
def test_cancel_racing_a_rebook_never_leaves_two_active_appointments(round_):
    slot = TimeSlotFactory(doctor=DoctorFactory())
    holder, others = PatientFactory(), PatientFactory.create_batch(4)
    booked = client_for(holder).post("/api/appointments/", {"timeslot": slot.id}).json()

    calls = [lambda: client_for(holder).delete(f"/api/appointments/{booked['id']}/")]
    calls += [lambda p=p: client_for(p).post("/api/appointments/", {"timeslot": slot.id}) for p in others]
    responses = race(calls)

    assert all(not isinstance(r, Exception) and r.status_code < 500 for r in responses), responses
    assert responses[0].status_code == 200
    active = Appointment.objects.filter(timeslot=slot, status__in=ACTIVE_STATUSES).count()
    rebooked = sum(r.status_code == 201 for r in responses[1:])
    # Whoever wins: a rebook that got 201 holds the slot, and nothing else does.
    assert rebooked <= 1
    assert active == rebooked
    slot.refresh_from_db()
    assert slot.is_available is (active == 0)


def test_confirm_racing_a_cancel_ends_in_one_consistent_state():
    doctor = DoctorFactory()
    slot = TimeSlotFactory(doctor=doctor, date=tomorrow() + dt.timedelta(days=1))
    patient = PatientFactory()
    booked = client_for(patient).post("/api/appointments/", {"timeslot": slot.id}).json()
    url = f"/api/appointments/{booked['id']}/"

    confirm, cancel = race(
        [
            lambda: client_for(doctor).patch(url, {"status": "confirmed"}),
            lambda: client_for(patient).delete(url),
        ]
    )

    assert cancel.status_code == 200
    assert confirm.status_code in (200, 409)
    appointment = Appointment.objects.get(pk=booked["id"])
    assert appointment.status == "cancelled"
    slot.refresh_from_db()
    assert slot.is_available is True


def test_one_patient_booking_overlapping_slots_of_several_doctors_at_once_gets_one():
    patient = PatientFactory()
    day = tomorrow() + dt.timedelta(days=1)
    slots = [
        TimeSlotFactory(doctor=DoctorFactory(), date=day, start_time=dt.time(9, m), end_time=dt.time(10, m))
        for m in range(0, 30, 5)
    ]
    responses = race(
        [lambda s=s: client_for(patient).post("/api/appointments/", {"timeslot": s.id}) for s in slots]
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (len(slots) - 1), statuses
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"patient_busy"}
    assert Appointment.objects.filter(patient=patient, status__in=ACTIVE_STATUSES).count() == 1
    assert TimeSlot.objects.filter(pk__in=[s.id for s in slots], is_available=False).count() == 1


def test_one_patient_racing_past_the_cap_gets_exactly_the_cap(settings):
    settings.BOOKING_MAX_ACTIVE_PER_PATIENT = 2
    patient, doctor = PatientFactory(), DoctorFactory()
    slots = TimeSlotFactory.create_batch(6, doctor=doctor)  # consecutive, never overlapping
    responses = race(
        [lambda s=s: client_for(patient).post("/api/appointments/", {"timeslot": s.id}) for s in slots]
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 2 + [409] * 4, statuses
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"too_many_bookings"}
    assert Appointment.objects.filter(patient=patient, status__in=ACTIVE_STATUSES).count() == 2


@pytest.mark.parametrize("round_", range(3))
def test_reschedule_racing_a_booking_of_the_target_slot_has_one_winner(round_):
    doctor = DoctorFactory()
    mover, booker = PatientFactory(), PatientFactory()
    old, target = TimeSlotFactory(doctor=doctor), TimeSlotFactory(doctor=doctor)
    booked = client_for(mover).post("/api/appointments/", {"timeslot": old.id}).json()

    moved, took = race(
        [
            lambda: client_for(mover).post(
                f"/api/appointments/{booked['id']}/reschedule/", {"timeslot": target.id}
            ),
            lambda: client_for(booker).post("/api/appointments/", {"timeslot": target.id}),
        ]
    )

    assert sorted([moved.status_code, took.status_code]) == [201, 409], (moved.content, took.content)
    on_target = Appointment.objects.filter(timeslot=target, status__in=ACTIVE_STATUSES).get()
    old_appointment = Appointment.objects.get(pk=booked["id"])
    old.refresh_from_db()
    if moved.status_code == 201:
        assert on_target.patient == mover
        assert on_target.rescheduled_from_id == booked["id"]
        assert old_appointment.status == "cancelled"
        assert old.is_available is True
    else:  # the loser's state is unchanged: still booked on the old slot
        assert on_target.patient == booker
        assert old_appointment.status == "pending"
        assert old.is_available is False
        assert not Appointment.objects.filter(rescheduled_from=old_appointment).exists()


@pytest.mark.parametrize("round_", range(3))
@pytest.mark.parametrize("who", ["patient", "doctor"])
def test_deactivation_racing_bookings_never_leaves_an_active_appointment_of_an_inactive_user(who, round_):
    admin = AdminFactory()
    doctor = DoctorFactory()
    patients = PatientFactory.create_batch(4)
    day = tomorrow() + dt.timedelta(days=1)
    slots = TimeSlotFactory.create_batch(4, doctor=doctor, date=day)
    target = doctor if who == "doctor" else patients[0]
    # The patient case: one patient books four slots; the doctor case: four patients book his.
    bookers = [patients[0]] * 4 if who == "patient" else patients

    calls = [lambda: client_for(admin).delete(f"/api/users/{target.id}/")]
    calls += [
        lambda p=p, s=s: client_for(p).post("/api/appointments/", {"timeslot": s.id})
        for p, s in zip(bookers, slots, strict=True)
    ]
    responses = race(calls)

    assert all(not isinstance(r, Exception) and r.status_code < 500 for r in responses), responses
    assert responses[0].status_code == 204
    owner = {"doctor": target} if who == "doctor" else {"patient": target}
    assert not Appointment.objects.filter(status__in=ACTIVE_STATUSES, **owner).exists()
    booked_slots = set(
        Appointment.objects.filter(status__in=ACTIVE_STATUSES).values_list("timeslot_id", flat=True)
    )
    assert set(TimeSlot.objects.filter(is_available=False).values_list("id", flat=True)) == booked_slots


@pytest.mark.parametrize("round_", range(3))
def test_a_doctor_cancelling_while_being_deactivated_never_deadlocks(round_):
    """The history row names who cancels (a foreign key: FOR KEY SHARE on the doctor's row);
    deactivation must not hold that row in a mode that blocks it while it waits for the slot."""
    admin, doctor = AdminFactory(), DoctorFactory()
    slots = TimeSlotFactory.create_batch(5, doctor=doctor, date=tomorrow() + dt.timedelta(days=1))
    booked = [
        client_for(PatientFactory()).post("/api/appointments/", {"timeslot": s.id}).json()["id"]
        for s in slots
    ]

    calls = [lambda: client_for(admin).delete(f"/api/users/{doctor.id}/")]
    calls += [
        lambda a=a: client_for(doctor).patch(f"/api/appointments/{a}/", {"status": "cancelled"})
        for a in booked
    ]
    responses = race(calls)

    assert all(not isinstance(r, Exception) and r.status_code < 500 for r in responses), responses
    assert responses[0].status_code == 204
    assert not Appointment.objects.filter(doctor=doctor, status__in=ACTIVE_STATUSES).exists()
    assert TimeSlot.objects.filter(doctor=doctor, is_available=True).count() == len(slots)
