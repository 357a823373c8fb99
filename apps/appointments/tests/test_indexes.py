"""Every filter the API offers has an index that serves it (checked with EXPLAIN).

The tables here are tiny, so sequential scans are switched off for the transaction: the
question is whether an index can answer the query, which is what keeps it fast at 100k rows
(bench/README.md measures that).
"""

import datetime as dt

import pytest
from django.db import connection

from apps.appointments import selectors as appointment_selectors
from apps.doctors import selectors as slot_selectors
from apps.doctors.models import TimeSlot
from apps.doctors.tests.factories import tomorrow
from apps.users import selectors as user_selectors
from apps.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_seqscan():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (lambda: slot_selectors.free_slots_of(1).filter(date=tomorrow()), "slot_free_doctor_date_idx"),
        (lambda: TimeSlot.objects.filter(doctor_id=1, date=tomorrow()), "slot_doctor_date_idx"),
        (lambda: TimeSlot.objects.filter(date=tomorrow()).order_by("date", "start_time"), "slot_date_idx"),
        (
            lambda: appointment_selectors.appointment_list_for(User(pk=1, role="patient")),
            "appointment_patient_idx",
        ),
        (
            lambda: appointment_selectors.appointment_list_for(User(pk=1, role="doctor")),
            "appointment_doctor_idx",
        ),
        (lambda: user_selectors.user_list().filter(role="doctor", is_active=True), "user_role_active_idx"),
        (
            lambda: user_selectors.doctor_list().filter(doctor_profile__specialization__iexact="cardiology"),
            "doctor_specialization_ci_idx",
        ),
    ],
    ids=[
        "free-slots",
        "doctor-schedule",
        "slots-by-date",
        "my-appointments-patient",
        "my-appointments-doctor",
        "users-by-role",
        "doctors-by-specialization",
    ],
)
def test_filter_is_served_by_an_index(query, index):
    assert index in query().explain()


def test_one_active_appointment_per_slot_is_an_index_too():
    """The partial unique index doubles as the lookup for a slot's active appointment."""
    from apps.appointments.models import ACTIVE_STATUSES, Appointment

    plan = Appointment.objects.filter(timeslot_id=1, status__in=ACTIVE_STATUSES).explain()
    assert "appointment_one_active_per_slot" in plan


def test_dates_far_apart_still_use_the_schedule_index():
    plan = TimeSlot.objects.filter(
        doctor_id=1, date__range=(tomorrow(), tomorrow() + dt.timedelta(days=300))
    ).explain()
    assert "slot_doctor_date_idx" in plan or "slot_free_doctor_date_idx" in plan
