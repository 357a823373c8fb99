import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from apps.appointments.models import ACTIVE_STATUSES, Appointment
from apps.doctors.models import TimeSlot
from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_generator_makes_consistent_data_that_passes_every_guard():
    call_command(
        "generate_data", "--doctors", "3", "--patients", "4", "--days", "2", "--booked", "0.5", verbosity=0
    )
    assert User.objects.filter(username__startswith="demo-doctor-", doctor_profile__isnull=False).count() == 3
    assert User.objects.filter(is_approved=False).count() == 0  # its doctors are listed and bookable
    assert TimeSlot.objects.count() == 3 * 2 * 16
    booked = TimeSlot.objects.filter(is_available=False).count()
    assert booked == Appointment.objects.filter(status__in=ACTIVE_STATUSES).count()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred availability trigger


def test_generator_refuses_to_write_twice_unless_told_to_skip():
    call_command("generate_data", "--doctors", "1", "--patients", "1", "--days", "1", verbosity=0)
    with pytest.raises(CommandError):
        call_command("generate_data", "--doctors", "1", "--patients", "1", "--days", "1", verbosity=0)
    call_command("generate_data", "--skip-if-exists", verbosity=0)
    assert User.objects.filter(username__startswith="demo-doctor-").count() == 1


def test_generator_writes_finished_visits_for_past_days_and_never_double_books_a_patient():
    call_command(
        "generate_data",
        *"--doctors 6 --patients 3 --days 1 --past-days 2 --booked 1".split(),
        verbosity=0,
    )
    past = Appointment.objects.filter(timeslot__date__lt=timezone.localdate())
    assert set(past.values_list("status", flat=True)) <= {"completed", "no_show"}
    assert past.exists()
    # 6 doctors at each time but 3 patients: the rest stay free, nobody is in two places.
    assert Appointment.objects.count() == 3 * 3 * 16
    assert TimeSlot.objects.filter(is_available=True).count() == 3 * 3 * 16
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
