"""Every filter the API offers is served by an index (checked with EXPLAIN).

A small clinic with real statistics (generate_data ends with ANALYZE) stands in for a big
one: the question is which index the planner reaches for, which is what keeps the lists fast
at 200k slots (bench/README.md measures that).
"""

import pytest
from django.core.management import call_command
from django.db import connection

from apps.appointments import selectors as appointment_selectors
from apps.appointments.models import ACTIVE_STATUSES, Appointment
from apps.doctors import selectors as slot_selectors
from apps.doctors.models import TimeSlot
from apps.doctors.tests.factories import tomorrow
from apps.users import selectors as user_selectors
from apps.users.models import DoctorProfile, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    call_command("generate_data", *"--doctors 20 --patients 200 --days 8 --booked 0.4".split(), verbosity=0)
    return {
        "doctor": User.objects.filter(username="demo-doctor-7").get(),
        "patient": Appointment.objects.values_list("patient", flat=True).first(),
        "slot": TimeSlot.objects.filter(is_available=False).values_list("id", flat=True).first(),
    }


@pytest.mark.parametrize(
    ("query", "indexes"),
    [
        (
            lambda c: slot_selectors.free_slots_of(c["doctor"].pk).filter(date=tomorrow()),
            {"slot_free_doctor_date_idx", "slot_doctor_date_idx"},
        ),
        (
            lambda c: slot_selectors.slot_list_for(c["doctor"]).filter(date=tomorrow()),
            {"slot_doctor_date_idx", "slot_free_doctor_date_idx"},
        ),
        (
            lambda c: appointment_selectors.appointment_list_for(User(pk=c["patient"], role="patient")),
            {"appointment_patient_idx"},
        ),
        (
            lambda c: appointment_selectors.appointment_list_for(c["doctor"]).filter(status="pending"),
            {"appointment_doctor_idx"},
        ),
        (
            lambda c: Appointment.objects.filter(timeslot_id=c["slot"], status__in=ACTIVE_STATUSES),
            {"appointment_one_per_slot"},
        ),
    ],
    ids=[
        "free-slots",
        "doctor-schedule-by-date",
        "my-appointments-patient",
        "my-appointments-doctor",
        "active-appointment-of-slot",
    ],
)
def test_filter_is_served_by_an_index(clinic, query, indexes):
    plan = query(clinic).explain()
    assert any(index in plan for index in indexes), plan


def test_specialization_filter_is_served_by_its_case_insensitive_index():
    call_command("generate_data", *"--doctors 1000 --patients 0 --days 0 --booked 0".split(), verbosity=0)
    DoctorProfile.objects.filter(user__username="demo-doctor-1").update(specialization="Neurosurgery")
    plan = (
        user_selectors.doctor_list().filter(doctor_profile__specialization__iexact="neurosurgery").explain()
    )
    assert "doctor_specialization_ci_idx" in plan, plan


@pytest.fixture
def busy_clinic():
    """Doctors with hundreds of appointments each, and a patient with hundreds of cancelled ones."""
    call_command("generate_data", *"--doctors 5 --patients 40 --days 60 --booked 0.5".split(), verbosity=0)
    patient = User.objects.get(username="demo-patient-1")
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO appointments_appointment (doctor_id, patient_id, timeslot_id, status,
                   created_at, updated_at)
               SELECT doctor_id, %s, id, 'cancelled', now(), now() FROM doctors_timeslot
               WHERE is_available ORDER BY id LIMIT 600""",
            [patient.pk],
        )
        cursor.execute("ANALYZE appointments_appointment")
    return {
        "doctor": User.objects.get(username="demo-doctor-3"),
        "patient": patient,
        "admin": User.objects.get(username="demo-admin"),
    }


@pytest.mark.parametrize(
    ("who", "index"),
    [
        ("doctor", "appointment_doctor_idx"),
        ("patient", "appointment_patient_idx"),
        ("admin", "appointment_slot_range_idx"),
    ],
)
def test_a_page_of_many_appointments_is_read_in_order_from_an_index_not_sorted(busy_clinic, who, index):
    user = busy_clinic[who]
    assert appointment_selectors.appointment_list_for(user).count() > 300
    plan = appointment_selectors.appointment_list_for(user)[:20].explain()
    assert index in plan, plan
    assert "Sort" not in plan, plan  # neither all of them sorted, nor every slot walked backwards


def test_the_booking_cap_reads_only_the_patients_upcoming_appointments_from_the_index(busy_clinic):
    """The cap counts a patient's upcoming active bookings: the start bound must be an index
    condition, or every booking of a long-standing patient reads their whole history."""
    from apps.appointments.services import _PATIENT_AHEAD
    from apps.doctors.services import local_now

    with connection.cursor() as cursor:
        # The question is whether the start bound can be an index condition, not which index a
        # small test clinic's statistics favour: leave the planner the patient index only
        # (DDL is transactional; the test's rollback restores both).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("DROP INDEX appointment_status_idx")
        cursor.execute(f"EXPLAIN SELECT {_PATIENT_AHEAD}", [busy_clinic["patient"].pk, local_now()])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    index_condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "slot_range" in index_condition, plan


def test_the_overlap_check_finds_the_patients_rows_at_that_time_in_one_index_condition(busy_clinic):
    """A patient's overlapping bookings are found through the exclusion constraint's GiST index
    on (patient_id, slot_range) with both columns in the condition. With the patient left out
    (an integer parameter: btree_gist compares bigint with bigint only) the planner read every
    active appointment at that time, 8-10 ms per booking at 60,000 appointments."""
    from apps.appointments.services import _PATIENT_BUSY

    slot = TimeSlot.objects.filter(is_available=True).values_list("id", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN SELECT {_PATIENT_BUSY} FROM doctors_timeslot s WHERE id = %s",  # noqa: S608
            [busy_clinic["patient"].pk, slot],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    conditions = [line for line in plan.splitlines() if "Index Cond" in line and "slot_range &&" in line]
    assert conditions, plan
    assert all("patient_id =" in line for line in conditions), plan


def test_the_booking_locks_the_patient_and_the_slots_doctor_by_primary_key(busy_clinic):
    """The people lock reads both users by id: never a walk along users_user's index (a join
    with the slot was planned as a merge join reading every user up to the doctor's id)."""
    from apps.appointments.services import _LOCK_PEOPLE_OF_SLOT

    slot = TimeSlot.objects.filter(is_available=True).values_list("id", flat=True).last()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test clinic's few users fit a page
        cursor.execute(f"EXPLAIN {_LOCK_PEOPLE_OF_SLOT}", [busy_clinic["patient"].pk, slot])
        plan = [row[0] for row in cursor.fetchall()]
    user_scans = [i for i, line in enumerate(plan) if "on users_user" in line]
    assert len(user_scans) >= 2, "\n".join(plan)
    # By a value (the patient's id, the subquery's result), never per slot row (id = s.doctor_id).
    assert all("Cond: (id =" in plan[i + 1] and "doctor_id" not in plan[i + 1] for i in user_scans), (
        "\n".join(plan)
    )
    assert "Join" not in "\n".join(plan), "\n".join(plan)
