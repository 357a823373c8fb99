"""``appointment_changed`` is the one hook apps to the right use: sent once per change, inside it."""

import pytest
from django.db import transaction

from apps.appointments.models import Appointment
from apps.appointments.signals import appointment_changed
from apps.doctors.tests.factories import TimeSlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    seen = []

    def receiver(sender, appointment, event, by, reason, previous, **kwargs):
        seen.append(
            (appointment.pk, event, by.pk, reason, previous, transaction.get_connection().in_atomic_block)
        )

    appointment_changed.connect(receiver, dispatch_uid="test_signals")
    yield seen
    appointment_changed.disconnect(dispatch_uid="test_signals")


def test_booking_confirming_and_cancelling_each_send_one_event_inside_the_change(
    api, patient, doctor, events
):
    slot = TimeSlotFactory(doctor=doctor)
    booked = api.as_user(patient).post("/api/appointments/", {"timeslot": slot.id}).json()["id"]
    api.as_user(doctor).patch(f"/api/appointments/{booked}/", {"status": "confirmed"})
    api.as_user(patient).delete(f"/api/appointments/{booked}/")
    assert [(pk, event, by) for pk, event, by, *_ in events] == [
        (booked, "booked", patient.pk),
        (booked, "confirmed", doctor.pk),
        (booked, "cancelled", patient.pk),
    ]
    assert all(in_atomic for *_, in_atomic in events)


def test_deactivating_a_patient_sends_cancelled_with_the_admin_and_a_reason(
    api, admin, patient, doctor, events
):
    slot = TimeSlotFactory(doctor=doctor)
    booked = api.as_user(patient).post("/api/appointments/", {"timeslot": slot.id}).json()["id"]
    api.as_user(admin).delete(f"/api/users/{patient.pk}/")
    assert events[-1][:3] == (booked, "cancelled", admin.pk)
    assert events[-1][3]
    assert Appointment.objects.get(pk=booked).status == "cancelled"
